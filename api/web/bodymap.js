// The body map of the check-in: the 25 regions of `clinical::body` as tappable SVG
// shapes, front and back. Paired regions are drawn once per side; midline ones once.
// Every shape is a keyboard-operable checkbox with a spoken name, and the chosen sites
// are listed under the figure with their intensity, so the map is never the only way
// to read or change a choice.

import { h } from "./dom.js";

const NAMES = {
  head: "head", jaw: "jaw", neck: "neck", shoulder: "shoulder", upper_arm: "upper arm", elbow: "elbow",
  forearm: "forearm", wrist: "wrist", hand: "hand", chest: "chest", abdomen: "belly", upper_back: "upper back",
  mid_back: "middle of the back", lower_back: "lower back", sacrum: "tailbone area", hip: "hip", buttock: "buttock",
  groin: "groin", thigh: "front of the thigh", hamstring: "back of the thigh", knee: "knee", calf: "calf",
  shin: "shin", ankle: "ankle", foot: "foot",
};

// Shapes on a 200 × 390 figure, drawn for the side on the viewer's left; the other side
// is the mirror image. [region, kind, ...geometry]; "e" ellipse (cx cy rx ry), "r" rect.
const MIDLINE_FRONT = [["head", "e", 100, 30, 20, 24], ["neck", "r", 90, 55, 20, 17], ["chest", "r", 78, 76, 44, 40], ["abdomen", "r", 80, 117, 40, 38]];
const MIDLINE_BACK = [["head", "e", 100, 30, 20, 24], ["neck", "r", 90, 55, 20, 17], ["upper_back", "r", 78, 76, 44, 31], ["mid_back", "r", 78, 108, 44, 29], ["lower_back", "r", 80, 138, 40, 23], ["sacrum", "r", 88, 162, 24, 16]];
const ARM = [["shoulder", "e", 66, 84, 14, 11], ["upper_arm", "r", 46, 97, 16, 40], ["elbow", "e", 53, 146, 9, 8], ["forearm", "r", 45, 155, 14, 40], ["wrist", "r", 45, 196, 14, 11], ["hand", "e", 52, 221, 11, 13]];
const LEG_END = [["knee", "e", 89, 262, 11, 10], ["ankle", "r", 82, 345, 14, 11], ["foot", "e", 89, 369, 13, 10]];
const PAIRED_FRONT = [["jaw", "e", 90, 48, 8, 6], ...ARM, ["hip", "e", 74, 165, 10, 11], ["groin", "r", 86, 164, 13, 16], ["thigh", "r", 80, 182, 19, 68], ...LEG_END, ["shin", "r", 81, 273, 16, 71]];
const PAIRED_BACK = [...ARM, ["buttock", "e", 86, 186, 14, 12], ["hamstring", "r", 80, 199, 19, 51], ...LEG_END, ["calf", "r", 81, 273, 16, 71]];

export const label = (site) => {
  const name = NAMES[site.region];
  const text = site.side ? `${site.side} ${name}` : name;
  return text[0].toUpperCase() + text.slice(1);
};
const keyOf = (site) => `${site.region}:${site.side ?? ""}`;

function shape([region, kind, a, b, c, d], mirror) {
  if (kind === "e") return ["svg:ellipse", { cx: mirror ? 200 - a : a, cy: b, rx: c, ry: d }];
  return ["svg:rect", { x: mirror ? 200 - a - c : a, y: b, width: c, height: d, rx: 4 }];
}

/**
 * Builds the map inside `root` (a fieldset). `defaultIntensity()` gives the starting
 * intensity of a newly marked site. Returns `sites()` for the request and `reset()`.
 */
export function bodyMap(root, defaultIntensity) {
  const chosen = new Map();
  const list = h("ul", { class: "sites", "aria-live": "polite" });
  const shapes = [];

  function toggle(site) {
    const key = keyOf(site);
    if (chosen.has(key)) chosen.delete(key);
    else chosen.set(key, { ...site, intensity: defaultIntensity() });
    render();
  }

  function figure(view) {
    // On the front view the patient's right is on the viewer's left; on the back view
    // it is the other way round.
    const leftFirst = view === "back";
    const parts = [];
    const add = (spec, side, mirror) => {
      const [tag, geometry] = shape(spec, mirror);
      const site = { region: spec[0], side };
      const node = h(tag, {
        ...geometry,
        class: "region",
        role: "checkbox",
        tabindex: 0,
        "aria-checked": "false",
        "aria-label": label(site),
        "data-region": site.region,
        "data-side": side ?? "",
        onclick: () => toggle(site),
        onkeydown: (e) => {
          if (e.key === " " || e.key === "Enter") {
            e.preventDefault();
            toggle(site);
          }
        },
      });
      shapes.push(node);
      parts.push(node);
    };
    for (const spec of view === "front" ? MIDLINE_FRONT : MIDLINE_BACK) add(spec, undefined, false);
    for (const spec of view === "front" ? PAIRED_FRONT : PAIRED_BACK) {
      add(spec, leftFirst ? "left" : "right", false);
      add(spec, leftFirst ? "right" : "left", true);
    }
    const near = leftFirst ? "Left" : "Right";
    const far = leftFirst ? "Right" : "Left";
    return h(
      "svg:svg",
      { viewBox: "0 0 200 390", class: "figure", role: "group", "aria-label": `Body seen from the ${view}` },
      h("svg:text", { x: 4, y: 14, class: "figure-side", "aria-hidden": "true" }, near),
      h("svg:text", { x: 196, y: 14, class: "figure-side", "text-anchor": "end", "aria-hidden": "true" }, far),
      parts,
    );
  }

  const views = { front: figure("front"), back: figure("back") };
  const switches = ["front", "back"].map((view) =>
    h(
      "button",
      {
        type: "button",
        class: "toggle",
        "aria-pressed": view === "front" ? "true" : "false",
        "data-view-of-body": view,
        onclick: () => {
          for (const v of Object.keys(views)) views[v].classList.toggle("off", v !== view);
          for (const b of switches) b.setAttribute("aria-pressed", b.dataset.viewOfBody === view ? "true" : "false");
        },
      },
      view === "front" ? "Front" : "Back",
    ),
  );
  views.back.classList.add("off");

  // The same choice from a list: full-size controls for anyone who cannot hit the small
  // regions (wrist, jaw) on a phone, and a quicker path for screen-reader users.
  const everySite = [...new Set([...MIDLINE_FRONT, ...MIDLINE_BACK].map((s) => s[0]))]
    .map((region) => ({ region }))
    .concat([...new Set([...PAIRED_FRONT, ...PAIRED_BACK].map((s) => s[0]))].flatMap((region) => [{ region, side: "left" }, { region, side: "right" }]))
    .sort((a, b) => label(a).localeCompare(label(b)));
  const pick = (e) => {
    const site = e.target.value === "" ? null : everySite[Number(e.target.value)];
    if (site && !chosen.has(keyOf(site))) toggle(site);
    e.target.value = "";
  };
  const picker = h(
    "select",
    { id: "site-pick", onchange: pick },
    h("option", { value: "" }, "Choose a place…"),
    everySite.map((site, i) => h("option", { value: i }, label(site))),
  );
  root.append(
    h("div", { class: "toggles" }, switches),
    h("div", { class: "figures" }, views.front, views.back),
    h("label", { for: "site-pick" }, "Or add a place from a list"),
    picker,
    list,
  );

  function render() {
    for (const node of shapes) {
      const on = chosen.has(`${node.dataset.region}:${node.dataset.side}`);
      node.setAttribute("aria-checked", on ? "true" : "false");
    }
    list.replaceChildren(
      ...[...chosen.entries()].map(([key, site]) => {
        const id = `site-${key.replace(":", "-")}`;
        const out = h("output", { for: id }, String(site.intensity));
        const range = h("input", {
          id,
          type: "range",
          min: 1,
          max: 10,
          step: 1,
          value: site.intensity,
          oninput: (e) => {
            site.intensity = Number(e.target.value);
            out.textContent = e.target.value;
          },
        });
        return h(
          "li",
          { class: "site" },
          h("label", { for: id }, `${label(site)}: `, out, " / 10"),
          h("div", { class: "site-row" }, range, h("button", { type: "button", class: "secondary", "aria-label": `Remove ${label(site).toLowerCase()}`, onclick: () => toggle(site) }, "Remove")),
        );
      }),
    );
  }

  return {
    sites: () => [...chosen.values()].map((s) => (s.side ? { region: s.region, side: s.side, intensity: s.intensity } : { region: s.region, intensity: s.intensity })),
    reset: () => {
      chosen.clear();
      render();
    },
  };
}

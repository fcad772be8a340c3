// The check-in: pain, where it hurts (body map), stress, sleep, medicine, red flags and a
// note. Built to take under 15 seconds: everything but the pain slider is optional, and
// an untouched sleep slider or medicine choice is simply not sent.

import { $, h } from "./dom.js";
import { bodyMap } from "./bodymap.js";
import { enqueue } from "./sync.js";

let map = null;
let sleepTouched = false;

/** Guidance from the cached catalogue, so it shows at once, with or without a network. */
function localGuidance(catalogue, flags) {
  const entries = catalogue.flags.filter((e) => flags.includes(e.flag));
  const order = catalogue.tiers.map((t) => t.tier);
  entries.sort((a, b) => order.indexOf(a.tier) - order.indexOf(b.tier));
  const tier = catalogue.tiers.find((t) => t.tier === entries[0].tier);
  return {
    headline: tier.headline,
    flags: entries.map((e) => ({ label: e.label, guidance: e.guidance })),
    follow_up: catalogue.offline_follow_up,
  };
}

export function showGuidance(g) {
  $("guidance-headline").textContent = g.headline;
  $("guidance-lines").replaceChildren(...g.flags.map((f) => h("li", {}, h("strong", {}, `${f.label}: `), f.guidance)));
  $("guidance-follow-up").textContent = g.follow_up;
  $("guidance").hidden = false;
}

/** Fills in what needs the catalogue, once; the form itself is static HTML. */
export function renderCheckIn(catalogue) {
  if (!map) map = bodyMap($("body-map"), () => Math.max(1, Number($("pain").value)) || 5);
  const list = $("red-flag-list");
  if (list.childElementCount || !catalogue) return;
  for (const entry of catalogue.flags) {
    const id = `flag-${entry.flag}`;
    list.append(
      h("div", { class: "check" }, h("input", { type: "checkbox", id, name: "red_flags", value: entry.flag }), h("label", { for: id }, entry.label)),
    );
  }
}

function resetForm(form) {
  form.reset();
  map.reset();
  sleepTouched = false;
  $("pain-value").textContent = "0";
  $("stress-value").textContent = "0";
  $("sleep-value").textContent = "not rated";
}

/** Reads the form into a check-in body (the API's `CheckInInput`). */
function bodyOf(form, id) {
  const flags = [...form.querySelectorAll("input[name=red_flags]:checked")].map((b) => b.value);
  const body = {
    id,
    recorded_at: new Date().toISOString(),
    pain: Number(form.pain.value),
    stress: Number(form.stress.value),
    pain_sites: map.sites(),
    red_flags: flags,
  };
  // A post-session reminder opens `/check-in?context=post_session`.
  const context = new URLSearchParams(location.search).get("context");
  if (["pre_session", "post_session", "flare"].includes(context)) body.context = context;
  if (sleepTouched) body.sleep_quality = Number(form.sleep.value);
  if (form.medication.value) {
    const medicine = { class: form.medication.value };
    if (form.medicine_name.value.trim()) medicine.name = form.medicine_name.value.trim();
    body.medications = [medicine];
  }
  if (form.note.value.trim()) body.note = form.note.value.trim();
  return body;
}

function dropContextFromUrl() {
  const url = new URL(location.href);
  if (!url.searchParams.has("context")) return;
  url.searchParams.delete("context");
  history.replaceState(history.state, "", url);
}

/** Wires the form; `ctx` gives `catalogue()`, `saved(text)` and `afterSend()`. */
export function initCheckIn(ctx) {
  for (const name of ["pain", "stress"]) {
    $(name).addEventListener("input", () => ($(`${name}-value`).textContent = $(name).value));
  }
  $("sleep").addEventListener("input", () => {
    sleepTouched = true;
    $("sleep-value").textContent = `${$("sleep").value} / 10`;
  });
  $("check-in-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    const id = crypto.randomUUID();
    const body = bodyOf(form, id);
    // The context a reminder opened the form with belongs to this one check-in: the next
    // one, made from the saved screen, is an ordinary daily one.
    dropContextFromUrl();
    resetForm(form);
    ctx.saved(navigator.onLine ? "Saved. Thank you." : "Saved on this phone; it is sent when you are back online.");
    const catalogue = ctx.catalogue();
    if (body.red_flags.length && catalogue) showGuidance(localGuidance(catalogue, body.red_flags));
    await enqueue({ id, kind: "check_in", body }, showGuidance);
    await ctx.afterSend();
  });
}

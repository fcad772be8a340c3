// SVG charts drawn from the staff trends endpoint: a 0–10 line with its baseline (pain,
// stress) and daily adherence bars. Each chart is an image with a text alternative that
// says what it shows in words; colour is never the only cue (the baseline is dashed and
// labelled, missing days are gaps, not zeros).

import { h, day } from "./dom.js";

const NS = "http://www.w3.org/2000/svg";
const W = 440;
const H = 190;
const PAD = { left: 46, right: 10, top: 14, bottom: 30 };

function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) el.setAttribute(k, String(v));
  el.append(...children);
  return el;
}

let serial = 0;

/** The frame shared by both charts: y grid with labels, first and last date under the axis. */
function frame(dates, yTicks, yMax, yLabel) {
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const x = (i) => PAD.left + (dates.length <= 1 ? plotW / 2 : (i * plotW) / (dates.length - 1));
  const y = (v) => PAD.top + plotH - (v / yMax) * plotH;
  const grid = yTicks.map((t) =>
    s("g", {}, s("line", { class: "grid", x1: PAD.left, x2: W - PAD.right, y1: y(t), y2: y(t) }),
      s("text", { class: "tick", x: PAD.left - 6, y: y(t) + 4, "text-anchor": "end" }, yLabel(t))),
  );
  const labels = dates.length
    ? [
        s("text", { class: "tick", x: PAD.left, y: H - 8, "text-anchor": "start" }, day(dates[0])),
        s("text", { class: "tick", x: W - PAD.right, y: H - 8, "text-anchor": "end" }, day(dates[dates.length - 1])),
      ]
    : [];
  return { x, y, plotW, nodes: [...grid, ...labels] };
}

function figure(titleText, summary, svg) {
  serial += 1;
  const titleId = `chart-${serial}-title`;
  const descId = `chart-${serial}-desc`;
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-labelledby", `${titleId} ${descId}`);
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  svg.prepend(s("title", { id: titleId }, titleText), s("desc", { id: descId }, summary));
  return h("figure", { class: "chart" }, svg, h("figcaption", {}, h("strong", {}, titleText), ` ${summary}`));
}

const fmt = (v) => (v === null || v === undefined ? "none" : Number(v).toFixed(1));

/**
 * A daily 0–10 series: the day's mean as dots joined where days are consecutive, the
 * 7-day mean as a line, and the baseline as a dashed, labelled rule.
 */
export function ratingChart({ title, dates, daily, rolling, baseline }) {
  const f = frame(dates, [0, 5, 10], 10, String);
  const svg = s("svg", { class: "trend" }, ...f.nodes);
  if (baseline !== null && baseline !== undefined) {
    svg.append(
      s("line", { class: "baseline", x1: PAD.left, x2: W - PAD.right, y1: f.y(baseline), y2: f.y(baseline) }),
      s("text", { class: "tick", x: PAD.left + 4, y: f.y(baseline) - 5, "text-anchor": "start" }, `baseline ${fmt(baseline)}`),
    );
  }
  let d = "";
  rolling.forEach((v, i) => {
    if (v === null || v === undefined) return;
    d += `${d && rolling[i - 1] != null ? "L" : "M"}${f.x(i).toFixed(1)},${f.y(v).toFixed(1)}`;
  });
  if (d) svg.append(s("path", { class: "rolling", d }));
  daily.forEach((v, i) => {
    if (v !== null && v !== undefined) svg.append(s("circle", { class: "point", cx: f.x(i), cy: f.y(v), r: 4 }));
  });
  const known = daily.filter((v) => v !== null && v !== undefined);
  const latest = rolling.filter((v) => v !== null && v !== undefined).at(-1);
  const summary = known.length
    ? `${known.length} days with a rating from ${day(dates[0])} to ${day(dates.at(-1))}; latest 7-day mean ${fmt(latest)}, baseline ${fmt(baseline)}.`
    : `No ratings from ${day(dates[0])} to ${day(dates.at(-1))}.`;
  return figure(title, summary, svg);
}

/** Daily adherence: exercises done out of prescribed, as a bar per day that had any. */
export function adherenceChart({ title, dates, done, prescribed }) {
  const f = frame(dates, [0, 50, 100], 100, (t) => `${t}%`);
  const svg = s("svg", { class: "trend" }, ...f.nodes);
  const barW = Math.max(2, Math.min(12, f.plotW / Math.max(dates.length, 1) - 2));
  let due = 0;
  let did = 0;
  dates.forEach((_, i) => {
    if (!prescribed[i]) return;
    due += prescribed[i];
    did += Math.min(done[i], prescribed[i]);
    const pct = Math.min(100, (100 * done[i]) / prescribed[i]);
    svg.append(s("rect", { class: "bar", x: f.x(i) - barW / 2, y: f.y(pct), width: barW, height: Math.max(1, f.y(0) - f.y(pct)) }));
  });
  const summary = due
    ? `${did} of ${due} prescribed exercises done (${Math.round((100 * did) / due)}%) from ${day(dates[0])} to ${day(dates.at(-1))}.`
    : `Nothing was prescribed from ${day(dates[0])} to ${day(dates.at(-1))}.`;
  return figure(title, summary, svg);
}

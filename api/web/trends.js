// My trends: pain and stress per day with the baseline, and exercise adherence, drawn
// here as SVG from `GET /api/v1/me/trends` (no chart images come from the server). Each
// chart has a sentence summary for screen readers and for anyone who prefers words.

import { $, h } from "./dom.js";
import { getJson } from "./api.js";

const W = 320;
const H = 160;
const PAD = { left: 28, right: 8, top: 10, bottom: 22 };
const fmt = (n) => (Math.round(n * 10) / 10).toString();

function frame(days, yMax, yTicks) {
  const x = (i) => PAD.left + (days.length <= 1 ? 0 : (i * (W - PAD.left - PAD.right)) / (days.length - 1));
  const y = (v) => H - PAD.bottom - (v / yMax) * (H - PAD.top - PAD.bottom);
  const grid = yTicks.map((t) => [
    h("svg:line", { x1: PAD.left, x2: W - PAD.right, y1: y(t), y2: y(t), class: "grid" }),
    h("svg:text", { x: PAD.left - 4, y: y(t) + 4, "text-anchor": "end", class: "axis" }, String(t)),
  ]);
  const first = days[0]?.date.slice(5) ?? "";
  const last = days[days.length - 1]?.date.slice(5) ?? "";
  const dates = [
    h("svg:text", { x: PAD.left, y: H - 6, class: "axis" }, first),
    h("svg:text", { x: W - PAD.right, y: H - 6, "text-anchor": "end", class: "axis" }, last),
  ];
  return { x, y, grid, dates };
}

/** A 0–10 line of daily means, with the baseline as a dashed line when there is one. */
function lineChart(id, title, days, metric, baseline) {
  const { x, y, grid, dates } = frame(days, 10, [0, 5, 10]);
  const points = days.map((d, i) => (d[metric] ? [x(i), y(d[metric].mean)] : null)).filter(Boolean);
  const path = points.map(([px, py], i) => `${i ? "L" : "M"}${px.toFixed(1)},${py.toFixed(1)}`).join(" ");
  const values = days.filter((d) => d[metric]).map((d) => d[metric].mean);
  const latest = values.length ? values[values.length - 1] : null;
  const summary = values.length
    ? `${title}: ${values.length} day${values.length === 1 ? "" : "s"} with a rating, latest ${fmt(latest)} of 10` +
      (baseline !== undefined && baseline !== null ? `, baseline ${fmt(baseline)}.` : ".")
    : `${title}: no ratings in this period.`;
  const svg = h(
    "svg:svg",
    { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img", "aria-labelledby": `${id}-summary`, id },
    grid,
    dates,
    baseline !== undefined && baseline !== null
      ? h("svg:line", { x1: PAD.left, x2: W - PAD.right, y1: y(baseline), y2: y(baseline), class: "baseline" })
      : null,
    path ? h("svg:path", { d: path, class: `series ${metric}` }) : null,
    points.map(([px, py]) => h("svg:circle", { cx: px, cy: py, r: 3, class: `dot ${metric}` })),
  );
  return h("figure", { class: "card" }, h("h3", {}, title), svg, h("figcaption", { id: `${id}-summary` }, summary));
}

/** Share of prescribed exercises done, per day, as bars (days with nothing due are blank). */
function adherenceChart(days) {
  const { x, y, grid, dates } = frame(days, 100, [0, 50, 100]);
  const step = days.length > 1 ? (W - PAD.left - PAD.right) / (days.length - 1) : 20;
  const width = Math.max(2, Math.min(14, step * 0.7));
  const due = days.filter((d) => d.exercises_prescribed > 0);
  const done = due.reduce((n, d) => n + Math.min(d.exercises_done, d.exercises_prescribed), 0);
  const total = due.reduce((n, d) => n + d.exercises_prescribed, 0);
  const summary = total
    ? `Exercises: ${done} of ${total} done (${Math.round((100 * done) / total)} %) over ${due.length} day${due.length === 1 ? "" : "s"} with exercises due.`
    : "Exercises: none were due in this period.";
  const bars = days.map((d, i) => {
    if (!d.exercises_prescribed) return null;
    const share = (100 * Math.min(d.exercises_done, d.exercises_prescribed)) / d.exercises_prescribed;
    return h("svg:rect", { x: x(i) - width / 2, y: y(share), width, height: Math.max(1, y(0) - y(share)), class: "bar" });
  });
  const svg = h("svg:svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img", "aria-labelledby": "chart-adherence-summary", id: "chart-adherence" }, grid, dates, bars);
  return h("figure", { class: "card" }, h("h3", {}, "Exercises done"), svg, h("figcaption", { id: "chart-adherence-summary" }, summary));
}

function changes(trends) {
  const words = { pain: "Pain", stress: "Stress", sleep_quality: "Sleep" };
  const rows = trends.changes
    .filter((c) => words[c.metric])
    .map((c) => h("li", {}, `${words[c.metric]}: last 7 days ${fmt(c.current)}, baseline ${fmt(c.baseline)} — ${c.direction}${c.meaningful ? " (a real change)" : ""}.`));
  return rows.length ? h("ul", { class: "changes" }, rows) : null;
}

export async function renderTrends() {
  const root = $("trends");
  root.replaceChildren(h("p", {}, "Loading…"));
  const trends = await getJson("/api/v1/me/trends");
  if (!trends) {
    root.replaceChildren(h("p", {}, "Your trends need a connection."));
    return;
  }
  const parts = [
    h("p", { class: "muted" }, `${trends.from} to ${trends.to}. The dashed line is your baseline.`),
    changes(trends),
    lineChart("chart-pain", "Pain", trends.days, "pain", trends.baseline.pain),
    lineChart("chart-stress", "Stress", trends.days, "stress", trends.baseline.stress),
    adherenceChart(trends.days),
  ];
  root.replaceChildren(...parts.filter(Boolean));
  root.dataset.drawn = "true";
}

// A patient's page: who they are, trends (pain and stress against baseline,
// adherence), recent check-ins with pain sites and red flags, alerts to acknowledge,
// sessions with their notes, and the reminder rules. Each part loads on its own, so a
// slow or failing part does not blank the others.

import { api, ApiError } from "./api.js";
import { h, when, day, words, announce, problem } from "./dom.js";
import { ratingChart, adherenceChart } from "./charts.js";
import { alertItem } from "./roster.js";
import { renderReminders } from "./reminders.js";

let flagLabels = null;

/** Labels of the red flags, from the catalogue the server serves (read once). */
async function labels() {
  if (!flagLabels) {
    const catalogue = await api("GET", "/api/v1/red-flags");
    flagLabels = new Map(catalogue.flags.map((f) => [f.flag, f.label]));
  }
  return flagLabels;
}

/** The patient's time zone, learned from their trends; the plan builder uses it for "today". */
export const zones = new Map();

function section(title, id) {
  const body = h("div", { class: "section-body" }, h("p", { class: "meta" }, "Loading…"));
  const el = h("section", { class: "panel", id, "aria-labelledby": `${id}-title` }, h("h3", { id: `${id}-title` }, title), body);
  return { el, body };
}

async function fill(part, load) {
  try {
    part.body.replaceChildren(...(await load()));
  } catch (err) {
    part.body.replaceChildren(h("p", { class: "error" }, `Could not load this part: ${problem(err)}`));
  }
}

const series = (days, key) => days.map((d) => d[key]?.mean ?? null);

async function trends(id) {
  const t = await api("GET", `/api/v1/patients/${id}/trends`);
  zones.set(id, t.timezone);
  const dates = t.days.map((d) => d.date);
  const changes = t.changes.map((c) =>
    h("li", {}, `${words(c.metric)}: ${c.current.toFixed(1)} against a baseline of ${c.baseline.toFixed(1)} (${c.change > 0 ? "+" : ""}${c.change.toFixed(1)})`,
      c.meaningful ? h("strong", { class: "badge" }, "meaningful change") : null),
  );
  return [
    h("p", { class: "meta" }, `${day(t.from)} to ${day(t.to)}, days in ${t.timezone}.`),
    h(
      "div",
      { class: "charts" },
      ratingChart({ title: "Pain (0–10)", dates, daily: series(t.days, "pain"), rolling: t.days.map((d) => d.pain_7d ?? null), baseline: t.baseline.pain }),
      ratingChart({ title: "Stress (0–10)", dates, daily: series(t.days, "stress"), rolling: t.days.map((d) => d.stress_7d ?? null), baseline: t.baseline.stress }),
      adherenceChart({ title: "Exercises done", dates, done: t.days.map((d) => d.exercises_done), prescribed: t.days.map((d) => d.exercises_prescribed) }),
    ),
    changes.length ? h("ul", { class: "changes" }, ...changes) : h("p", {}, "No change from baseline to report yet."),
  ];
}

function site(s) {
  const where = s.side ? `${words(s.region)} (${s.side})` : words(s.region);
  const qualities = s.qualities.length ? `, ${s.qualities.map(words).join(", ")}` : "";
  return `${where} ${s.intensity}/10${qualities}`;
}

async function checkIns(id) {
  const [page, names] = await Promise.all([api("GET", `/api/v1/patients/${id}/check-ins?limit=20`), labels()]);
  if (!page.items.length) return [h("p", {}, "No check-ins in the last 7 days.")];
  const items = [...page.items].reverse().map((c) => {
    const ratings = [
      c.pain != null ? `pain ${c.pain}/10` : null,
      c.stress != null ? `stress ${c.stress}/10` : null,
      c.sleep_quality != null ? `sleep ${c.sleep_quality}/10` : null,
      c.medication ? `medication: ${words(c.medication)}` : null,
    ].filter(Boolean);
    return h(
      "li",
      { class: "item check-in", dataset: { id: c.id } },
      h("h4", {}, `${when(c.recorded_at)} · ${words(c.context)}`),
      h("p", {}, ratings.join(" · ") || "No ratings"),
      c.pain_sites.length ? h("p", {}, `Where: ${c.pain_sites.map(site).join("; ")}`) : null,
      c.red_flags.length
        ? h("p", { class: "flags" }, h("strong", {}, "Red flags: "), c.red_flags.map((f) => names.get(f) ?? words(f)).join("; "))
        : null,
      c.note ? h("p", { class: "note" }, `Note: ${c.note}`) : null,
    );
  });
  return [h("ul", { class: "list", id: "check-ins" }, ...items)];
}

async function alerts(part, id, name) {
  const page = await api("GET", `/api/v1/alerts?patient_id=${id}&limit=20`);
  if (!page.items.length) return [h("p", {}, "No alerts.")];
  const reload = () => fill(part, () => alerts(part, id, name));
  return [h("ul", { class: "list", id: "patient-alerts" }, ...page.items.map((a) => alertItem(a, name, reload)))];
}

async function note(appointment) {
  try {
    return await api("GET", `/api/v1/appointments/${appointment.id}/note`);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return null;
    throw err;
  }
}

async function sessions(id) {
  const list = await api("GET", `/api/v1/patients/${id}/appointments`);
  if (!list.length) return [h("p", {}, "No sessions from 30 days ago to 60 days ahead.")];
  // Notes exist only for sessions that took place, so only those are read.
  const notes = await Promise.all(list.map((a) => (a.status === "completed" ? note(a) : null)));
  const rows = list.map((a, i) => {
    const n = notes[i];
    let noteCell = "–";
    if (n?.status === "signed") noteCell = h("span", {}, `Signed ${when(n.signed_at)}${n.late ? " (late)" : ""}: ${n.assessment || n.plan || "no assessment"}`);
    else if (n) noteCell = "Draft, not signed";
    else if (a.status === "completed") noteCell = "No note yet";
    return h("tr", {}, h("td", {}, when(a.starts_at)), h("td", {}, words(a.status)), h("td", {}, noteCell));
  });
  return [
    h(
      "table",
      { id: "sessions" },
      h("caption", { class: "visually-hidden" }, "Sessions with their status and note"),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "When"), h("th", { scope: "col" }, "Status"), h("th", { scope: "col" }, "Note"))),
      h("tbody", {}, ...rows),
    ),
  ];
}

export async function renderPatient(container, id) {
  const patient = await api("GET", `/api/v1/patients/${id}`);
  const facts = [
    patient.diagnosis ? ["Diagnosis", patient.diagnosis] : null,
    patient.icd10_codes.length ? ["ICD-10", patient.icd10_codes.join(", ")] : null,
    patient.precautions ? ["Precautions", patient.precautions] : null,
    patient.baseline_pain != null ? ["Pain at intake", `${patient.baseline_pain}/10`] : null,
    patient.referring_physician_name ? ["Referred by", patient.referring_physician_name] : null,
    ["App account", patient.has_account ? "yes" : "not yet: invite the patient"],
  ].filter(Boolean);
  const parts = {
    trends: section("Trends (30 days)", "trends"),
    checkIns: section("Recent check-ins", "recent-check-ins"),
    alerts: section("Alerts", "alerts-panel"),
    sessions: section("Sessions and notes", "sessions-panel"),
    reminders: section("Reminders", "reminders-panel"),
  };
  const actions = h(
    "p",
    { class: "actions" },
    h("a", { class: "button", href: `#/patients/${id}/plan` }, "Care plan"),
    h("a", { class: "button", href: `#/patients/${id}/messages` }, "Messages"),
    patient.has_account ? null : h("a", { class: "button secondary", href: `#/invite/${id}` }, "Invite to the app"),
  );
  container.replaceChildren(
    h("p", {}, h("a", { href: "#/", class: "back" }, "← All patients")),
    h("h2", { tabindex: "-1", class: "view-title" }, patient.display_name),
    h("dl", { class: "facts" }, ...facts.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])),
    actions,
    h("div", { class: "panels" }, ...Object.values(parts).map((p) => p.el)),
  );
  await Promise.all([
    fill(parts.trends, () => trends(id)),
    fill(parts.checkIns, () => checkIns(id)),
    fill(parts.alerts, () => alerts(parts.alerts, id, patient.display_name)),
    fill(parts.sessions, () => sessions(id)),
    fill(parts.reminders, () => renderReminders(id)),
  ]);
  announce("");
}

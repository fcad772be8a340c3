// The roster: open alerts first (each can be acknowledged here), then every patient
// with their open alerts, unread messages (a link to the thread), 7-day adherence and
// last check-in; a patient's name opens their page.

import { api, query } from "./api.js";
import { h, when, words, announce, problem } from "./dom.js";

const $ = (id) => document.getElementById(id);

/** One alert as a list item with its acknowledge button; `after` runs once it is acknowledged. */
export function alertItem(alert, patientName, after) {
  const ack = h("button", { type: "button" }, "Acknowledge");
  ack.setAttribute("aria-label", `Acknowledge: ${words(alert.kind)} alert for ${patientName}`);
  ack.addEventListener("click", async () => {
    ack.disabled = true;
    try {
      await api("POST", `/api/v1/alerts/${alert.id}/acknowledge`);
      announce(`Acknowledged the ${words(alert.kind)} alert for ${patientName}.`);
      await after();
    } catch (err) {
      ack.disabled = false;
      announce(`Could not acknowledge: ${problem(err)}`);
    }
  });
  const flags = alert.red_flags?.length ? h("p", { class: "flags" }, `Red flags: ${alert.red_flags.map(words).join(", ")}`) : null;
  return h(
    "li",
    { class: "item alert", dataset: { kind: alert.kind, id: alert.id } },
    h("h3", {}, `${patientName}: ${words(alert.kind)}`),
    alert.tier ? h("p", { class: "tier" }, `Urgency: ${words(alert.tier)}`) : null,
    h("p", {}, alert.details ?? ""),
    flags,
    h("p", { class: "meta" }, `Raised ${when(alert.triggered_at ?? alert.created_at)}`),
    alert.acknowledged_at ? h("p", { class: "meta" }, `Acknowledged ${when(alert.acknowledged_at)}`) : ack,
  );
}

function adherence(p) {
  return p.adherence_7d == null ? "–" : `${Math.round(p.adherence_7d)} %`;
}

function row(p) {
  const link = h("a", { href: `#/patients/${p.id}`, class: "row-link" }, p.display_name);
  const badges = [
    p.has_account ? null : h("span", { class: "badge" }, "not yet invited"),
    p.needs_therapist ? h("span", { class: "badge" }, "needs a therapist") : null,
    p.reevaluation_due ? h("span", { class: "badge" }, "re-evaluation due") : null,
  ];
  return h(
    "tr",
    { dataset: { patient: p.id } },
    h("th", { scope: "row" }, link, ...badges),
    h("td", { class: p.open_alerts ? "attention" : "" }, String(p.open_alerts ?? 0)),
    h(
      "td",
      { class: p.unread_messages ? "attention unread" : "unread" },
      p.unread_messages ? h("a", { href: `#/patients/${p.id}/messages`, "aria-label": `${p.unread_messages} unread from ${p.display_name}` }, String(p.unread_messages)) : "0",
    ),
    h("td", {}, adherence(p)),
    h("td", {}, p.last_check_in_at ? when(p.last_check_in_at) : "never"),
  );
}

let search = "";

const patientPage = (cursor) => api("GET", `/api/v1/patients${query({ limit: 100, search, cursor })}`);

/** Offers the next page of the roster while there is one. */
function offerMore(next) {
  const button = $("more-patients");
  button.hidden = !next;
  button.onclick = async () => {
    button.disabled = true;
    try {
      const page = await patientPage(next);
      $("roster").append(...page.items.map(row));
      offerMore(page.next_cursor);
      announce(`${page.items.length} more patients shown.`);
    } catch (err) {
      announce(`Could not load more patients: ${problem(err)}`);
    }
    button.disabled = false;
  };
}

async function renderPatients() {
  const page = await patientPage(null);
  $("roster").replaceChildren(...page.items.map(row));
  offerMore(page.next_cursor);
  const empty = $("no-patients");
  empty.hidden = page.items.length > 0;
  empty.replaceChildren(
    ...(search ? [`No patient's name contains “${search}”.`] : ["No patients yet. ", h("a", { href: "#/invite" }, "Invite one.")]),
  );
  return page.items;
}

/** Wires the roster's name search once; the roster itself is drawn by `renderRoster`. */
export function initRoster() {
  $("patient-search").addEventListener("submit", async (event) => {
    event.preventDefault();
    search = $("patient-search-text").value.trim();
    try {
      const shown = await renderPatients();
      announce(search ? `${shown.length} patients found.` : "All patients shown.");
    } catch (err) {
      announce(`Search failed: ${problem(err)}`);
    }
  });
}

export async function renderRoster() {
  const [patients, alerts] = await Promise.all([renderPatients(), api("GET", "/api/v1/alerts?status=open&limit=100")]);
  const names = new Map(patients.map((p) => [p.id, p.display_name]));
  // Alerts can be about patients past the first page or outside a search: name them too.
  const unknown = [...new Set(alerts.items.map((a) => a.patient_id).filter((id) => !names.has(id)))];
  const more = await Promise.all(unknown.map((id) => api("GET", `/api/v1/patients/${id}`).catch(() => null)));
  for (const p of more) if (p) names.set(p.id, p.display_name);
  const items = alerts.items.map((a) => alertItem(a, names.get(a.patient_id) ?? "Patient", renderRoster));
  $("alerts").replaceChildren(...items);
  $("no-alerts").hidden = items.length > 0;
}

// Settings: reminder times per kind (with the "adapt to my routine" switch and the
// server's reason for a move), quiet hours, push on this device, export of my data. Also
// "My sessions", the list of upcoming appointments.

import { $, h, problemOf } from "./dom.js";
import { api, getJson } from "./api.js";

const KINDS = {
  exercises: "Exercises",
  check_in: "Check-in",
  lesson: "Lessons",
  appointment_24h: "A day before a session",
  appointment_2h: "Two hours before a session",
  post_session: "After a session",
};
const DAILY = ["exercises", "check_in", "lesson"];

export async function renderSessions() {
  const list = await getJson("/api/v1/me/appointments");
  const root = $("sessions");
  if (!list) {
    root.replaceChildren(h("li", {}, "Your sessions need a connection."));
    return;
  }
  const when = (a) => new Date(a.starts_at).toLocaleString([], { weekday: "long", day: "numeric", month: "long", hour: "2-digit", minute: "2-digit" });
  const minutes = (a) => Math.round((new Date(a.ends_at) - new Date(a.starts_at)) / 60000);
  root.replaceChildren(
    ...(list.length ? list.map((a) => h("li", { class: "item" }, h("h3", {}, when(a)), h("p", {}, `${minutes(a)} minutes · ${a.status.replace("_", " ")}`))) : [h("li", {}, "No sessions are booked.")]),
  );
}

function ruleForm(rule) {
  const id = (name) => `rule-${rule.kind}-${name}`;
  const daily = DAILY.includes(rule.kind);
  const note = h("p", { class: "muted", id: id("note"), "aria-live": "polite" });
  const form = h(
    "form",
    { class: "item rule", "data-kind": rule.kind },
    h("h3", {}, KINDS[rule.kind] ?? rule.kind),
    h("div", { class: "check" }, h("input", { type: "checkbox", id: id("enabled"), name: "enabled", checked: rule.enabled }), h("label", { for: id("enabled") }, "Remind me")),
    daily ? [h("label", { for: id("time") }, "Time"), h("input", { type: "time", id: id("time"), name: "local_time", value: rule.chosen_time ?? rule.local_time, required: true })] : null,
    daily
      ? h(
          "div",
          { class: "check" },
          h("input", { type: "checkbox", role: "switch", id: id("adapt"), name: "adapt", checked: !!rule.adapt_to_routine, "aria-describedby": id("why") }),
          h("label", { for: id("adapt") }, "Adapt to my routine"),
        )
      : null,
    daily ? h("p", { class: "muted", id: id("why") }, explain(rule)) : null,
    h("button", { type: "submit" }, `Save ${(KINDS[rule.kind] ?? rule.kind).toLowerCase()} reminder`),
    note,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const change = { enabled: form.enabled.checked };
    if (daily) {
      change.adapt_to_routine = form.adapt.checked;
      // Sending the time marks it as chosen by hand, which pauses adaptation for a week,
      // so it goes only when the patient changed it.
      if (form.local_time.value !== (rule.chosen_time ?? rule.local_time)) change.local_time = form.local_time.value;
    }
    note.textContent = "Saving…";
    try {
      const resp = await api("PATCH", `/api/v1/me/reminder-rules/${rule.id}`, change);
      if (!resp.ok) {
        note.textContent = (await problemOf(resp)) || "Not saved.";
        return;
      }
      Object.assign(rule, await resp.json());
      if (daily) $(id("why")).textContent = explain(rule);
      note.textContent = "Saved.";
    } catch {
      note.textContent = "You are offline; not saved.";
    }
  });
  return form;
}

function explain(rule) {
  if (!rule.adapt_to_routine) return `Comes at the time you set (${rule.chosen_time ?? rule.local_time}).`;
  const parts = [rule.adaptation?.explanation ?? `Comes at ${rule.local_time} for now; it moves towards your usual time once the app has seen a few days of your routine.`];
  if (rule.backing_off_since) parts.push("It comes every other day for now, because the last ones were not needed; doing the task brings it back daily.");
  return parts.join(" ");
}

async function renderQuietHours() {
  const prefs = await getJson("/api/v1/me/reminder-preferences");
  const form = $("quiet-form");
  const on = !!prefs?.quiet_hours;
  form.quiet_on.checked = on;
  form.quiet_start.value = prefs?.quiet_hours?.start ?? "22:00";
  form.quiet_end.value = prefs?.quiet_hours?.end ?? "07:00";
}

async function saveQuietHours(event) {
  event.preventDefault();
  const form = event.target;
  const quiet_hours = form.quiet_on.checked ? { start: form.quiet_start.value, end: form.quiet_end.value } : null;
  const note = $("quiet-note");
  try {
    const resp = await api("PUT", "/api/v1/me/reminder-preferences", { quiet_hours });
    note.textContent = resp.ok ? "Saved." : (await problemOf(resp)) || "Not saved.";
  } catch {
    note.textContent = "You are offline; not saved.";
  }
}

// Push: the browser's subscription for this device, posted to the server as is.

function urlKey(base64url) {
  const raw = atob(base64url.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

async function pushState() {
  if (!("serviceWorker" in navigator) || !("PushManager" in window)) return { supported: false };
  const reg = await navigator.serviceWorker.ready;
  return { supported: true, reg, sub: await reg.pushManager.getSubscription() };
}

async function renderPush() {
  const state = await pushState().catch(() => ({ supported: false }));
  $("push-on").hidden = !state.supported || !!state.sub;
  $("push-off").hidden = !state.supported || !state.sub;
  $("push-note").textContent = !state.supported
    ? "This browser cannot receive notifications from the app (on iPhone, add the app to the home screen first)."
    : state.sub
      ? "Reminders arrive on this device."
      : "";
}

async function pushOn() {
  const note = $("push-note");
  try {
    if ((await Notification.requestPermission()) !== "granted") {
      note.textContent = "Notifications are blocked for this site; allow them in the browser's settings to get reminders.";
      return;
    }
    const key = await getJson("/api/v1/push/vapid-public-key");
    if (!key) throw new Error("no key");
    const { reg } = await pushState();
    const sub = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: urlKey(key.application_server_key) });
    const resp = await api("POST", "/api/v1/me/push-subscriptions", { ...sub.toJSON(), device_label: "This phone" });
    if (!resp.ok) {
      await sub.unsubscribe();
      note.textContent = (await problemOf(resp)) || "The server did not accept this device.";
      return;
    }
  } catch {
    note.textContent = "Could not turn on notifications here; try again when online.";
    return;
  }
  await renderPush();
}

async function pushOff() {
  const { sub } = await pushState();
  if (sub) {
    const mine = (await getJson("/api/v1/me/push-subscriptions")) ?? [];
    for (const s of mine.filter((s) => s.endpoint === sub.endpoint)) await api("DELETE", `/api/v1/me/push-subscriptions/${s.id}`).catch(() => {});
    await sub.unsubscribe();
  }
  await renderPush();
}

async function download(path, name) {
  const note = $("export-note");
  note.textContent = "Preparing…";
  try {
    const resp = await api("GET", path);
    if (!resp.ok) throw new Error(String(resp.status));
    const url = URL.createObjectURL(await resp.blob());
    const link = h("a", { href: url, download: name });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    note.textContent = "Downloaded.";
  } catch {
    note.textContent = "The export needs a connection.";
  }
}

export function initSettings() {
  $("quiet-form").addEventListener("submit", saveQuietHours);
  $("push-on").addEventListener("click", pushOn);
  $("push-off").addEventListener("click", pushOff);
  $("export-zip").addEventListener("click", () => download("/api/v1/me/export/zip", "my-fascia-data.zip"));
  $("export-json").addEventListener("click", () => download("/api/v1/me/export", "my-fascia-data.json"));
}

export async function renderSettings() {
  const rules = await getJson("/api/v1/me/reminder-rules");
  // The daily reminders first, in the order of the day's tasks; session ones after.
  const order = Object.keys(KINDS);
  rules?.sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind));
  $("rules").replaceChildren(...(rules ? rules.map(ruleForm) : [h("p", {}, "Your reminders need a connection.")]));
  await Promise.all([renderQuietHours(), renderPush()]);
}

// The patient app: sign in, today, mark exercises done, check in. Works offline from the
// service worker's cache and the outbox (queue.js). The access token lives only in this
// module's memory; the refresh token is an HttpOnly cookie script never sees.

import * as outbox from "./queue.js";

const $ = (id) => document.getElementById(id);
const CLIENT = { "x-fascia-client": "web" };
let accessToken = null;
let today = null;
let catalogue = null;

function status(text) {
  $("status").textContent = text;
}

async function session(path) {
  const resp = await fetch(`/api/v1/auth/browser/${path}`, { method: "POST", headers: CLIENT, credentials: "same-origin" });
  if (!resp.ok) return false;
  accessToken = (await resp.json()).access_token;
  return true;
}

/** Calls the API; refreshes the access token once on a 401. Throws on network errors. */
async function api(method, path, body) {
  const send = () =>
    fetch(path, {
      method,
      headers: {
        ...(accessToken ? { authorization: `Bearer ${accessToken}` } : {}),
        ...(body ? { "content-type": "application/json" } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
  let resp = await send();
  if (resp.status === 401 && (await session("refresh"))) resp = await send();
  return resp;
}

function show(view) {
  for (const section of document.querySelectorAll("main > section")) {
    if (section.id !== "guidance") section.hidden = section.id !== `view-${view}`;
  }
  $("nav").hidden = view === "login";
  for (const link of document.querySelectorAll("#nav a")) {
    if (link.dataset.view === view) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

function go(view, push = true) {
  if (push) history.pushState({}, "", view === "today" ? "/today" : `/${view}`);
  $("guidance").hidden = true;
  if (view === "check-in") {
    renderCheckIn();
  } else {
    renderToday();
  }
  show(view);
  $("main").focus();
}

function viewFromPath() {
  return location.pathname.startsWith("/check-in") ? "check-in" : "today";
}

async function loadToday() {
  try {
    const resp = await api("GET", "/api/v1/me/today");
    if (resp.ok) today = await resp.json();
  } catch {
    // Offline and nothing cached: today stays as it was.
  }
}

async function loadCatalogue() {
  try {
    const resp = await api("GET", "/api/v1/red-flags");
    if (resp.ok) catalogue = await resp.json();
  } catch {
    // The service worker answers from its cache when it has a copy.
  }
}

async function pending() {
  try {
    return await outbox.all();
  } catch {
    return [];
  }
}

async function renderPending() {
  const items = await pending();
  const el = $("pending");
  el.hidden = items.length === 0;
  el.textContent = `${items.length} item${items.length === 1 ? "" : "s"} waiting to be sent`;
  return items;
}

async function renderToday() {
  const items = await renderPending();
  const list = $("exercises");
  list.replaceChildren();
  if (!today) {
    $("today-title").textContent = "Today";
    $("no-exercises").hidden = false;
    $("no-exercises").textContent = "Today's plan is not available offline yet.";
    return;
  }
  $("today-title").textContent = `Today, ${today.date}`;
  $("no-exercises").hidden = today.exercises.length > 0;
  for (const ex of today.exercises) {
    const p = ex.prescription;
    const queued = items.filter((i) => i.kind === "exercise_log" && i.body.plan_exercise_id === p.plan_exercise_id).length;
    const li = document.createElement("li");
    li.className = "item";
    const title = document.createElement("h3");
    title.textContent = p.title;
    const summary = document.createElement("p");
    summary.textContent = ex.summary;
    const steps = document.createElement("ol");
    for (const step of ex.steps) {
      const s = document.createElement("li");
      s.textContent = step;
      steps.append(s);
    }
    const done = document.createElement("p");
    done.className = "done-count";
    const total = ex.done + ex.remaining;
    done.textContent = `Done ${ex.done + queued} of ${total}` + (queued ? ` (${queued} waiting to send)` : "");
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = `Mark ${p.title} done`;
    button.disabled = ex.done + queued >= total;
    button.addEventListener("click", () => markDone(p));
    li.append(title, summary, steps, done, button);
    list.append(li);
  }
  const lessons = $("lessons");
  lessons.replaceChildren();
  for (const l of today.lessons) {
    const li = document.createElement("li");
    li.textContent = `${l.lesson.title}${l.completed ? " (read)" : ""}`;
    lessons.append(li);
  }
  $("next-session").textContent = today.next_appointment
    ? `Next session: ${new Date(today.next_appointment.starts_at).toLocaleString()}`
    : "";
}

async function markDone(prescription) {
  const id = crypto.randomUUID();
  const body = {
    id,
    plan_exercise_id: prescription.plan_exercise_id,
    performed_at: new Date().toISOString(),
    local_date: today.date,
    sets_done: prescription.sets,
  };
  await outbox.add({ id, kind: "exercise_log", body });
  await renderToday();
  await flush();
}

function renderCheckIn() {
  const list = $("red-flag-list");
  if (list.childElementCount || !catalogue) return;
  for (const entry of catalogue.flags) {
    const id = `flag-${entry.flag}`;
    const row = document.createElement("div");
    row.className = "check";
    const box = document.createElement("input");
    box.type = "checkbox";
    box.id = id;
    box.name = "red_flags";
    box.value = entry.flag;
    const label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = entry.label;
    row.append(box, label);
    list.append(row);
  }
}

/** Guidance from the cached catalogue, so it shows at once, with or without a network. */
function localGuidance(flags) {
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

function showGuidance(g) {
  $("guidance-headline").textContent = g.headline;
  const lines = $("guidance-lines");
  lines.replaceChildren();
  for (const f of g.flags) {
    const li = document.createElement("li");
    const strong = document.createElement("strong");
    strong.textContent = `${f.label}: `;
    li.append(strong, f.guidance);
    lines.append(li);
  }
  $("guidance-follow-up").textContent = g.follow_up;
  $("guidance").hidden = false;
}

async function submitCheckIn(event) {
  event.preventDefault();
  const form = event.target;
  const flags = [...form.querySelectorAll("input[name=red_flags]:checked")].map((b) => b.value);
  const id = crypto.randomUUID();
  const body = {
    id,
    recorded_at: new Date().toISOString(),
    pain: Number(form.pain.value),
    stress: Number(form.stress.value),
    red_flags: flags,
  };
  if (form.note.value.trim()) body.note = form.note.value.trim();
  await outbox.add({ id, kind: "check_in", body });
  form.reset();
  $("pain-value").textContent = "0";
  $("stress-value").textContent = "0";
  show("saved");
  $("saved-text").textContent = navigator.onLine ? "Saved. Thank you." : "Saved on this phone; it is sent when you are back online.";
  if (flags.length && catalogue) showGuidance(localGuidance(flags));
  await flush();
}

const ENDPOINTS = { check_in: "/api/v1/me/check-ins", exercise_log: "/api/v1/me/exercise-logs" };
let flushing = false;

/** Sends what the outbox holds; keeps anything the server has not answered for. */
async function flush() {
  if (flushing || !navigator.onLine) return;
  flushing = true;
  try {
    if (!accessToken && !(await session("refresh"))) return;
    const items = await pending();
    for (const kind of Object.keys(ENDPOINTS)) {
      const batch = items.filter((i) => i.kind === kind);
      if (!batch.length) continue;
      const resp = await api("POST", ENDPOINTS[kind], { items: batch.map((i) => i.body) });
      if (!resp.ok) continue;
      const answer = await resp.json();
      // Results come in the order of the items sent.
      for (const [index, result] of answer.results.entries()) {
        // Stored, replayed, or refused for good (a conflict or invalid item): in each
        // case sending it again cannot help.
        if (result.status < 500) await outbox.remove(result.id ?? batch[index].id);
      }
      if (kind === "check_in" && answer.red_flag_guidance) showGuidance(answer.red_flag_guidance);
    }
    await loadToday();
  } catch {
    // Network gone mid-way: the rest waits for the next chance.
  } finally {
    flushing = false;
    status(navigator.onLine ? "" : "Offline: your entries are kept on this phone.");
    if (!$("view-today").hidden) await renderToday();
    else await renderPending();
  }
}

async function start() {
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js").catch(() => {});
    // The first visit's reads happened before the worker was there to keep them.
    navigator.serviceWorker.addEventListener("controllerchange", () => {
      if (accessToken) Promise.all([loadToday(), loadCatalogue()]);
    });
  }
  status(navigator.onLine ? "" : "Offline: your entries are kept on this phone.");
  window.addEventListener("online", () => flush());
  window.addEventListener("offline", () => status("Offline: your entries are kept on this phone."));
  window.addEventListener("popstate", () => go(viewFromPath(), false));
  document.addEventListener("click", (e) => {
    const link = e.target.closest("a[data-view]");
    if (!link) return;
    e.preventDefault();
    go(link.dataset.view);
  });
  for (const name of ["pain", "stress"]) {
    $(name).addEventListener("input", () => ($(`${name}-value`).textContent = $(name).value));
  }
  $("check-in-form").addEventListener("submit", submitCheckIn);
  $("login-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    $("login-error").textContent = "";
    const resp = await fetch("/api/v1/auth/browser/login", {
      method: "POST",
      headers: { ...CLIENT, "content-type": "application/json" },
      body: JSON.stringify({ email: $("login-email").value, password: $("login-password").value }),
    }).catch(() => null);
    if (!resp || !resp.ok) {
      $("login-error").textContent = resp ? "That email and password do not match." : "You are offline.";
      return;
    }
    accessToken = (await resp.json()).access_token;
    await Promise.all([loadToday(), loadCatalogue()]);
    go(viewFromPath(), false);
    await flush();
  });
  $("logout").addEventListener("click", async () => {
    // Signing out clears this phone's outbox (the next person must not send it), so
    // it waits until everything is sent.
    if ((await pending()).length) await flush();
    if ((await pending()).length) {
      status("Some entries are not sent yet; connect to the internet before signing out.");
      return;
    }
    await fetch("/api/v1/auth/browser/logout", { method: "POST", headers: CLIENT }).catch(() => {});
    accessToken = null;
    today = null;
    await outbox.clear().catch(() => {});
    if ("caches" in window) for (const key of await caches.keys()) await caches.delete(key);
    show("login");
  });

  const online = navigator.onLine && (await session("refresh").catch(() => false));
  if (online || !navigator.onLine) {
    // Offline, the cached plan and catalogue stand in until the network is back.
    await Promise.all([loadToday(), loadCatalogue()]);
    if (today || online) {
      go(viewFromPath(), false);
      document.body.dataset.ready = "true";
      await flush();
      return;
    }
  }
  show("login");
  document.body.dataset.ready = "true";
}

start();

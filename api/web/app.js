// The patient app: routing between screens, sign-in, invite acceptance and sign-out.
// Works offline from the service worker's cache and the outbox (queue.js, sync.js).
// Each screen lives in its own module; this one owns the shared state (today's plan and
// the red-flag catalogue) and hands screens what they need, so no screen imports another.

import * as outbox from "./queue.js";
import { $, status } from "./dom.js";
import { adopt, browserAuth, forget, getJson, secondStep, session, signedIn } from "./api.js";
import { flush, pending } from "./sync.js";
import { renderToday, renderPending, logExercise } from "./today.js";
import { initCheckIn, renderCheckIn, showGuidance } from "./checkin.js";
import { renderPlayer, leavePlayer } from "./player.js";
import { renderLesson, renderLessonList } from "./lessons.js";
import { renderTrends } from "./trends.js";
import { initSettings, renderSessions, renderSettings } from "./settings.js";
import { initMessages, renderMessages, showUnread } from "./messages.js";
import { confirmEnrolment, forgetRecoveryCodes, hideEnrolment, startEnrolment } from "./enrol.js";

let today = null;
let catalogue = null;

const PATHS = { today: "/today", "check-in": "/check-in", messages: "/messages", lessons: "/lessons", trends: "/trends", sessions: "/appointments", settings: "/settings", invite: "/invite" };
const OFFLINE_TEXT = "Offline: your entries are kept on this phone.";

const ctx = {
  today: () => today,
  catalogue: () => catalogue,
  go: (view, arg) => go(view, arg),
  log: async (prescription, setsDone) => {
    await logExercise(today, prescription, setsDone);
    await afterSend();
  },
  saved: (text) => {
    show("saved");
    $("saved-text").textContent = text;
  },
  afterSend: () => afterSend(),
};

async function loadToday() {
  const fresh = await getJson("/api/v1/me/today");
  if (fresh) today = fresh;
  if (today) showUnread(today.unread_messages);
}

async function loadCatalogue() {
  // Offline, the service worker answers from its cache when it has a copy.
  const fresh = await getJson("/api/v1/red-flags");
  if (fresh) catalogue = fresh;
}

function show(view) {
  for (const section of document.querySelectorAll("main > section")) {
    if (section.id !== "guidance") section.hidden = section.id !== `view-${view}`;
  }
  $("nav").hidden = view === "login" || view === "invite";
  for (const link of document.querySelectorAll("#nav a")) {
    if (link.dataset.view === view) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

function pathOf(view, arg) {
  if (view === "play") return `/play/${arg}`;
  if (view === "lesson") return `/lessons/${arg}`;
  return PATHS[view] ?? "/today";
}

function fromPath() {
  const [, first, second] = location.pathname.split("/");
  if (first === "play" && second) return ["play", second];
  if (first === "lessons" && second) return ["lesson", second];
  const view = Object.keys(PATHS).find((v) => PATHS[v] === `/${first}`);
  return [view ?? "today", undefined];
}

async function go(view, arg, push = true) {
  if (push) history.pushState({}, "", pathOf(view, arg));
  $("guidance").hidden = true;
  leavePlayer();
  show(view);
  $("main").focus();
  if (view === "check-in") renderCheckIn(catalogue);
  else if (view === "play") renderPlayer(ctx, arg);
  else if (view === "lessons") renderLessonList(today);
  else if (view === "lesson") await renderLesson(ctx, arg);
  else if (view === "messages") await renderMessages();
  else if (view === "trends") await renderTrends();
  else if (view === "sessions") await renderSessions();
  else if (view === "settings") await renderSettings();
  else if (view === "today") await renderToday(ctx);
}

/** After something was queued: send it, reload today, and refresh the visible counts. */
async function afterSend() {
  if (await flush(showGuidance)) await loadToday();
  status(navigator.onLine ? "" : OFFLINE_TEXT);
  if (!$("view-today").hidden) await renderToday(ctx);
  else await renderPending();
  if (!$("view-messages").hidden) await renderMessages();
}

async function enter() {
  await Promise.all([loadToday(), loadCatalogue()]);
  const [view, arg] = fromPath();
  await go(view, arg, false);
  await afterSend();
}

/** A login waiting for its second step: the server's challenge, kept only in memory, and
 * whether it asks for a code ("totp") or for setting up an authenticator ("enrol_totp"). */
let challenge = null;
let next = null;

function askForCode(step, kind = "totp") {
  challenge = step;
  next = step === null ? null : kind;
  $("login-mfa").hidden = next !== "totp";
  if (next !== "enrol_totp") hideEnrolment();
  if (next === "totp") $("login-code").focus();
}

async function finishEnrolment() {
  const answer = await confirmEnrolment(challenge);
  if (answer === "ok") {
    askForCode(null);
    $("login-error").textContent = "Two-step sign-in is set up. Keep your recovery codes, then continue.";
    return;
  }
  $("login-error").textContent = {
    offline: "You are offline.",
    throttled: "Too many tries. Wait a minute, then enter the current code.",
    failed: "That code did not work. Enter the code your app shows now; if it keeps failing, reload and sign in again.",
  }[answer];
  $("enrol-code").focus();
}

async function signIn(event) {
  event.preventDefault();
  $("login-error").textContent = "";
  if (next === "enrol_totp") return finishEnrolment();
  const resp = await (challenge
    ? browserAuth("mfa", secondStep(challenge, $("login-code").value))
    : browserAuth("login", { email: $("login-email").value, password: $("login-password").value })
  ).catch(() => null);
  if (resp && resp.status === 202) {
    const step = await resp.json();
    if (step.next === "enrol_totp") {
      askForCode(step.challenge, "enrol_totp");
      if (await startEnrolment(step.challenge)) {
        $("login-error").textContent = "Your clinic asks for two-step sign-in. Set it up now.";
      } else {
        askForCode(null);
        $("login-error").textContent = "Two-step sign-in could not be set up just now. Sign in again.";
      }
      return;
    }
    askForCode(step.challenge);
    $("login-error").textContent = "Enter the code your authenticator app shows now.";
    return;
  }
  if (!resp || resp.status !== 200) {
    const second = challenge !== null;
    // A failed second step starts over from the password: the challenge may be spent.
    askForCode(null);
    $("login-code").value = "";
    $("login-error").textContent = !resp ? "You are offline." : second ? "That code did not work. Sign in again and enter a fresh code." : "That email and password do not match.";
    return;
  }
  askForCode(null);
  $("login-code").value = "";
  await adopt(resp);
  await enter();
}

async function acceptInvite(event) {
  event.preventDefault();
  const error = $("invite-error");
  error.textContent = "";
  const password = $("invite-password").value;
  if (password !== $("invite-confirm").value) {
    error.textContent = "The two passwords are not the same.";
    return;
  }
  const token = new URLSearchParams(location.hash.slice(1)).get("token") ?? "";
  const resp = await browserAuth("invites/accept", { token, password }).catch(() => null);
  if (!resp || !resp.ok) {
    const problem = resp ? (await resp.json().catch(() => ({}))) : null;
    const field = problem?.details?.[0]?.field;
    error.textContent = !resp
      ? "You are offline."
      : resp.status === 409
        ? "This invite has been used already; sign in instead."
        : field === "password"
          ? problem.details[0].problem
          : "This invite link does not work any more; ask your clinic for a new one.";
    return;
  }
  await adopt(resp);
  // The token must not stay in the address bar or the history.
  history.replaceState({}, "", "/today");
  await enter();
}

async function signOut() {
  // Signing out clears this phone's outbox (the next person must not send it), so it
  // waits until everything is sent.
  if ((await pending()).length) await flush(showGuidance);
  if ((await pending()).length) {
    status("Some entries are not sent yet; connect to the internet before signing out.");
    return;
  }
  await browserAuth("logout").catch(() => {});
  forget();
  today = null;
  await outbox.clear().catch(() => {});
  if ("caches" in window) for (const key of await caches.keys()) await caches.delete(key);
  history.pushState({}, "", "/");
  show("login");
}

async function start() {
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js").catch(() => {});
    // The first visit's reads happened before the worker was there to keep them.
    navigator.serviceWorker.addEventListener("controllerchange", () => {
      if (signedIn()) Promise.all([loadToday(), loadCatalogue()]);
    });
  }
  status(navigator.onLine ? "" : OFFLINE_TEXT);
  window.addEventListener("online", () => afterSend());
  window.addEventListener("offline", () => status(OFFLINE_TEXT));
  window.addEventListener("popstate", () => {
    const [view, arg] = fromPath();
    go(view, arg, false);
  });
  document.addEventListener("click", (e) => {
    const link = e.target.closest("a[data-view]");
    if (!link || e.ctrlKey || e.metaKey || e.shiftKey) return;
    e.preventDefault();
    go(link.dataset.view, link.dataset.arg);
  });
  initCheckIn(ctx);
  initSettings();
  $("login-form").addEventListener("submit", signIn);
  $("recovery-done").addEventListener("click", async () => {
    forgetRecoveryCodes();
    $("login-error").textContent = "";
    await enter();
  });
  initMessages(ctx);
  $("invite-form").addEventListener("submit", acceptInvite);
  $("logout").addEventListener("click", signOut);

  if (fromPath()[0] === "invite") {
    show("invite");
    document.body.dataset.ready = "true";
    return;
  }
  const online = navigator.onLine && (await session("refresh").catch(() => false));
  if (online || !navigator.onLine) {
    // Offline, the cached plan and catalogue stand in until the network is back.
    await Promise.all([loadToday(), loadCatalogue()]);
    if (today || online) {
      const [view, arg] = fromPath();
      await go(view, arg, false);
      document.body.dataset.ready = "true";
      await afterSend();
      return;
    }
  }
  show("login");
  document.body.dataset.ready = "true";
}

start();

// The therapist console: sign-in, then a hash-routed set of screens (roster, a
// patient's page, the care-plan builder, inviting a patient), each in its own module
// under clinic/. Same session rules as the patient app: the access token stays in
// memory, the refresh token in an HttpOnly cookie.

import { confirmEnrolment, secondStep, session, signIn } from "./clinic/api.js";
import { h, announce, problem } from "./clinic/dom.js";
import { initRoster, renderRoster } from "./clinic/roster.js";
import { renderPatient } from "./clinic/patient.js";
import { renderPlan } from "./clinic/plan.js";
import { renderInvite } from "./clinic/invite.js";
import { renderMessages } from "./clinic/messages.js";

const $ = (id) => document.getElementById(id);
const VIEWS = ["login", "roster", "patient", "plan", "messages", "invite"];
const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
const ROUTES = [
  { pattern: new RegExp(`^#/patients/(${UUID})/plan$`, "i"), view: "plan", title: "Care plan", render: (id) => renderPlan($("view-plan"), id) },
  { pattern: new RegExp(`^#/patients/(${UUID})/messages$`, "i"), view: "messages", title: "Messages", render: (id) => renderMessages($("view-messages"), id) },
  { pattern: new RegExp(`^#/patients/(${UUID})$`, "i"), view: "patient", title: "Patient", render: (id) => renderPatient($("view-patient"), id) },
  { pattern: new RegExp(`^#/invite(?:/(${UUID}))?$`, "i"), view: "invite", title: "Invite a patient", render: (id) => renderInvite($("view-invite"), id) },
  { pattern: /^(#\/?)?$/, view: "roster", title: "Patients", render: () => renderRoster() },
];

function show(view) {
  for (const v of VIEWS) $(`view-${v}`).hidden = v !== view;
  $("nav").hidden = view === "login";
  for (const a of document.querySelectorAll("#nav a")) {
    if (a.dataset.view === view) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
}

let signedIn = false;
let rendering = 0;

async function route() {
  if (!signedIn) return;
  const route = ROUTES.find((r) => r.pattern.test(location.hash)) ?? ROUTES.at(-1);
  const [, id] = location.hash.match(route.pattern) ?? [];
  const ticket = ++rendering;
  document.body.dataset.ready = "false";
  const container = $(`view-${route.view}`);
  // Screens drawn by a module start empty, so another patient's data never lingers.
  const drawn = route.view !== "roster";
  if (drawn) container.replaceChildren(h("p", { class: "meta" }, "Loading…"));
  show(route.view);
  document.title = `${route.title} · Fascia clinic`;
  try {
    await route.render(id);
  } catch (err) {
    if (ticket !== rendering) return;
    const text = err.status === 404 ? "That patient is not on your list." : `Could not load this page: ${problem(err)}`;
    if (drawn) container.replaceChildren(h("h2", { class: "view-title", tabindex: "-1" }, text), h("p", {}, h("a", { href: "#/" }, "Back to all patients")));
    announce(text);
  }
  if (ticket !== rendering) return;
  // Move focus to the new screen's heading so keyboard and screen-reader users start there.
  container.querySelector(".view-title")?.focus();
  document.body.dataset.ready = "true";
}

async function enter() {
  signedIn = true;
  // A push about an alert opens /alerts/<id>: the roster lists open alerts first.
  if (location.pathname.startsWith("/alerts/")) history.replaceState(null, "", "/clinic/#/");
  // A push about a message opens /clinic/patients/<id>/messages: the same screen, hash-routed.
  const pushed = location.pathname.match(new RegExp(`^/clinic/patients/(${UUID})/messages$`, "i"));
  if (pushed) history.replaceState(null, "", `/clinic/#/patients/${pushed[1]}/messages`);
  await route();
}

/** Shows a new authenticator secret for an `enrol_totp` challenge; false when refused. */
async function startEnrolment(challenge) {
  const resp = await fetch("/api/v1/auth/mfa/enrolment", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ challenge }),
  }).catch(() => null);
  $("enrol-secret").textContent = "";
  if (!resp?.ok) return false;
  const enrolment = await resp.json();
  // Groups of four are easier to type; authenticator apps ignore the spaces.
  $("enrol-secret").textContent = enrolment.secret.match(/.{1,4}/g).join(" ");
  $("enrol-uri").href = enrolment.provisioning_uri;
  $("enrol-code").focus();
  return true;
}

/** Confirms the enrolment with the typed code, then shows the recovery codes once. */
async function finishEnrolment(challenge, done) {
  const code = $("enrol-code").value.trim();
  const codes = /^\d{6}$/.test(code) ? await confirmEnrolment(challenge, code) : null;
  if (!codes) {
    // A wrong code leaves the challenge usable; a spent or expired one needs a new sign-in.
    $("login-error").textContent = "That code did not work. Enter the six digits your app shows now; if it keeps failing, reload and sign in again.";
    $("enrol-code").focus();
    return;
  }
  done();
  $("enrol-secret").textContent = "";
  $("recovery-codes").replaceChildren(...codes.map((c) => h("li", {}, c)));
  $("login-recovery").hidden = false;
  $("login-submit").hidden = true;
  $("login-error").textContent = "Two-step sign-in is set up. Keep your recovery codes, then continue.";
  $("recovery-done").focus();
}

async function start() {
  window.addEventListener("hashchange", route);
  initRoster();
  // A login waiting for its second step keeps the server's challenge here, in memory,
  // with what it asks for: a code ("totp") or setting up an authenticator ("enrol_totp").
  let challenge = null;
  let next = null;
  const askForCode = (step, kind = "totp") => {
    challenge = step;
    next = step === null ? null : kind;
    $("login-mfa").hidden = next !== "totp";
    $("login-enrol").hidden = next !== "enrol_totp";
    $("login-code").value = "";
    $("enrol-code").value = "";
    if (next === "totp") $("login-code").focus();
  };
  $("login-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    if (next === "enrol_totp") return finishEnrolment(challenge, () => askForCode(null));
    const second = challenge !== null;
    const answer = second
      ? await signIn("mfa", secondStep(challenge, $("login-code").value))
      : await signIn("login", { email: $("login-email").value, password: $("login-password").value });
    if (answer === "ok") {
      askForCode(null);
      $("login-error").textContent = "";
      await enter();
    } else if (answer?.next === "totp") {
      askForCode(answer.challenge);
      $("login-error").textContent = "Enter the code your authenticator app shows now.";
    } else if (answer?.next === "enrol_totp") {
      askForCode(answer.challenge, "enrol_totp");
      $("login-error").textContent = (await startEnrolment(answer.challenge))
        ? "Your clinic requires two-step sign-in. Set it up now."
        : "Two-step sign-in could not be set up just now. Sign in again.";
      if ($("enrol-secret").textContent === "") askForCode(null);
    } else {
      // A failed second step starts over from the password: the challenge may be spent.
      askForCode(null);
      $("login-error").textContent = second ? "That code did not work. Sign in again and enter a fresh code." : "That email and password do not match.";
    }
  });
  $("recovery-done").addEventListener("click", async () => {
    // The codes leave the page once kept; they are never shown again.
    $("recovery-codes").replaceChildren();
    $("login-recovery").hidden = true;
    $("login-submit").hidden = false;
    $("login-error").textContent = "";
    await enter();
  });
  $("refresh").addEventListener("click", () => route());
  $("logout").addEventListener("click", async () => {
    await session("logout");
    signedIn = false;
    show("login");
    announce("Signed out.");
  });
  if (await session("refresh")) {
    await enter();
  } else {
    show("login");
    document.body.dataset.ready = "true";
  }
}

start();

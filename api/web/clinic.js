// The therapist console: sign-in, then a hash-routed set of screens (roster, a
// patient's page, the care-plan builder, inviting a patient), each in its own module
// under clinic/. Same session rules as the patient app: the access token stays in
// memory, the refresh token in an HttpOnly cookie.

import { secondStep, session, signIn } from "./clinic/api.js";
import { h, announce, problem } from "./clinic/dom.js";
import { initRoster, renderRoster } from "./clinic/roster.js";
import { renderPatient } from "./clinic/patient.js";
import { renderPlan } from "./clinic/plan.js";
import { renderInvite } from "./clinic/invite.js";

const $ = (id) => document.getElementById(id);
const VIEWS = ["login", "roster", "patient", "plan", "invite"];
const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
const ROUTES = [
  { pattern: new RegExp(`^#/patients/(${UUID})/plan$`, "i"), view: "plan", title: "Care plan", render: (id) => renderPlan($("view-plan"), id) },
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
  await route();
}

async function start() {
  window.addEventListener("hashchange", route);
  initRoster();
  // A login waiting for its second step keeps the server's challenge here, in memory.
  let challenge = null;
  const askForCode = (step) => {
    challenge = step;
    $("login-mfa").hidden = step === null;
    $("login-code").value = "";
    if (step !== null) $("login-code").focus();
  };
  $("login-form").addEventListener("submit", async (e) => {
    e.preventDefault();
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
    } else if (answer) {
      $("login-error").textContent = "Your clinic requires two-step sign-in. Set it up once with the API or the mobile app, then sign in here with its code.";
    } else {
      // A failed second step starts over from the password: the challenge may be spent.
      askForCode(null);
      $("login-error").textContent = second ? "That code did not work. Sign in again and enter a fresh code." : "That email and password do not match.";
    }
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

// The therapist console in a real Chromium (issue 16): building a plan the patient then
// sees on today, a patient's page with a check-in and an alert acknowledged there,
// inviting a patient, and axe-core on the roster, patient page and plan builder in light
// and dark mode. Screens are laptop-sized: the console is for tablets and laptops.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { startServer, launch, apiLogin, signIn, prescribeToday, SCREENSHOTS } from "../harness.js";

const AXE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
const LAPTOP = { width: 1280, height: 900 };
let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launch();
  mkdirSync(SCREENSHOTS, { recursive: true });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** A signed-in console page (its own profile) showing the roster. */
async function consolePage(options = {}) {
  const context = await browser.context({ viewport: LAPTOP, ...options });
  const page = await context.newPage();
  await signIn(page, server.base, "/clinic/", server.logins.therapist[0]);
  await page.waitForSelector("#view-roster:not([hidden]) #roster tr");
  return { context, page };
}

/** Follows an in-page link and waits until the screen it opens has drawn. */
async function open(page, selector, view) {
  await page.click(selector);
  await page.waitForSelector(`#view-${view}:not([hidden])`);
  await page.waitForSelector("body[data-ready=true]");
}

async function patientId(login) {
  const api = await apiLogin(server.base, login);
  return (await api("GET", "/api/v1/me")).body.patient_id;
}

test("a therapist builds a plan in the console (search by region, add with dosage, reorder) and the patient's today shows it", async () => {
  const login = server.logins.patient[1];
  const id = await patientId(login);
  const { context, page } = await consolePage();
  page.on("dialog", (d) => d.accept());

  await open(page, `#roster a[href="#/patients/${id}"]`, "patient");
  await open(page, `#view-patient a[href="#/patients/${id}/plan"]`, "plan");
  await page.click("#new-plan button[type=submit]");
  await page.waitForSelector("#plan-exercises");

  // Search the neck region for the chin tuck and prescribe it with its own dosage.
  await page.selectOption("#library-region", "neck");
  await page.fill("#library-search", "chin");
  await page.click("#view-plan form[role=search] button[type=submit]");
  const chin = page.locator("#library-results li", { hasText: "Chin tuck" });
  await chin.getByRole("button", { name: "Add to plan: Chin tuck" }).click();
  const form = chin.locator("form.dosage");
  await form.getByLabel("Sets", { exact: true }).fill("3");
  await form.getByLabel("Reps", { exact: true }).fill("12");
  await form.getByLabel("Hold (seconds)", { exact: true }).fill("5");
  await form.getByLabel("Times a day", { exact: true }).fill("2");
  await form.getByRole("button", { name: "Prescribe Chin tuck" }).click();
  await page.waitForSelector('#plan-exercises li[data-item] >> text="Chin tuck"');

  // A shoulder exercise with the library's default dosage, added after it.
  await page.selectOption("#library-region", "shoulders");
  await page.fill("#library-search", "");
  await page.click("#view-plan form[role=search] button[type=submit]");
  const rolls = page.locator("#library-results li", { hasText: "Shoulder rolls" });
  await rolls.getByRole("button", { name: "Add to plan: Shoulder rolls" }).click();
  await rolls.getByRole("button", { name: "Prescribe Shoulder rolls" }).click();
  await page.waitForFunction(() => document.querySelectorAll("#plan-exercises li[data-item]").length === 2);

  // Move it first.
  await page.getByRole("button", { name: "Move up: Shoulder rolls" }).click();
  await page.waitForFunction(() => document.querySelector("#plan-exercises li[data-item] h5")?.textContent === "Shoulder rolls");
  // Focus stays on the moved exercise (its "Move up" is now disabled, so the next button).
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute("aria-label")), "Move down: Shoulder rolls");
  const titles = await page.locator("#plan-exercises li[data-item] h5").allTextContents();
  assert.deepEqual(titles, ["Shoulder rolls", "Chin tuck"]);
  assert.match(await page.locator("#plan-exercises li[data-item]").nth(1).textContent(), /3 × 12, hold 5 s.*2× a day, every day/);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(SCREENSHOTS, "console-plan.png") });
  await context.close();

  // What the server gives the patient: both, in the new order, with the dosage set.
  const patient = await apiLogin(server.base, login);
  const today = (await patient("GET", "/api/v1/me/today")).body;
  assert.deepEqual(today.exercises.map((e) => e.prescription.title), ["Shoulder rolls", "Chin tuck"]);
  const tuck = today.exercises[1].prescription;
  assert.deepEqual([tuck.sets, tuck.reps, tuck.hold_seconds, tuck.times_per_day], [3, 12, 5, 2]);

  // And what the patient app shows on today.
  const phone = await browser.context();
  const app = await phone.newPage();
  await signIn(app, server.base, "/today", login);
  await app.waitForSelector("#exercises li");
  const shown = await app.textContent("#exercises");
  assert.ok(shown.indexOf("Shoulder rolls") >= 0 && shown.indexOf("Shoulder rolls") < shown.indexOf("Chin tuck"), shown);
  await phone.close();
});

test("goals, lessons and removal in the plan builder reach the plan, and a bad goal is refused", async () => {
  const login = server.logins.patient[0];
  const id = await patientId(login);
  await prescribeToday(server.base, server.logins.therapist[0], login);
  const { context, page } = await consolePage();
  page.on("dialog", (d) => d.accept());
  await page.evaluate((pid) => (location.hash = `#/patients/${pid}/plan`), id);
  await page.waitForSelector("#view-plan:not([hidden]) #plan-exercises li[data-item]");
  const therapist = await apiLogin(server.base, server.logins.therapist[0]);
  const planId = (await therapist("GET", `/api/v1/patients/${id}/care-plans`)).body.find((p) => p.status === "active").id;

  // A target above 10 is stopped by the form itself; nothing is added.
  const goals = page.locator("#goal-form");
  await goals.getByLabel("Activity").fill("Lift the grandchild");
  await goals.getByLabel("Target (0–10)").fill("12");
  await goals.getByRole("button", { name: "Add goal" }).click();
  assert.equal((await therapist("GET", `/api/v1/care-plans/${planId}`)).body.goals.length, 0);

  await goals.getByLabel("Target (0–10)").fill("8");
  await goals.getByRole("button", { name: "Add goal" }).click();
  await page.waitForSelector('#plan-goals li >> text="Lift the grandchild"');
  await page.getByRole("button", { name: "Achieved: Lift the grandchild" }).click();
  await page.waitForSelector("#plan-goals li >> text=/achieved/");

  const lessons = page.locator("#lesson-form");
  const lessonId = await lessons.locator("select option[value]:not([value=''])").first().getAttribute("value");
  await lessons.locator("select").selectOption(lessonId);
  await lessons.getByRole("button", { name: "Assign lesson" }).click();
  await page.waitForSelector("#plan-lessons li");

  const first = page.locator("#plan-exercises li[data-item]").first();
  const removed = await first.getAttribute("data-item");
  await first.getByRole("button", { name: /^Remove: / }).click();
  await page.waitForFunction((item) => !document.querySelector(`#plan-exercises li[data-item="${item}"]`), removed);

  const plan = (await therapist("GET", `/api/v1/care-plans/${planId}`)).body;
  assert.deepEqual(plan.goals.map((g) => [g.activity, g.target, g.status]), [["Lift the grandchild", 8, "achieved"]]);
  assert.deepEqual(plan.lessons.map((l) => l.lesson_id), [lessonId]);
  assert.ok(!plan.exercises.some((e) => e.plan_exercise_id === removed), "the removed exercise is gone");
  await context.close();
});

test("a reminder rule changed on the patient's page is saved, and one left without a day is not sent", async () => {
  const login = server.logins.patient[0];
  const id = await patientId(login);
  await prescribeToday(server.base, server.logins.therapist[0], login);
  const { context, page } = await consolePage();
  await page.evaluate((pid) => (location.hash = `#/patients/${pid}`), id);
  const rule = page.locator("#reminders-panel form[data-kind=check_in]");
  await rule.waitFor();

  await rule.locator("input[type=time]").fill("21:15");
  await rule.getByRole("checkbox", { name: "Sun" }).uncheck();
  await rule.getByRole("button", { name: /^Save: / }).click();
  await page.waitForSelector("#status >> text=Saved the daily check-in reminder.");

  // Every day unticked is refused in the page before anything is sent.
  const again = page.locator("#reminders-panel form[data-kind=check_in]");
  for (const name of ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]) await again.getByRole("checkbox", { name }).uncheck();
  await again.getByRole("button", { name: /^Save: / }).click();
  await again.locator("text=Pick at least one day").waitFor();

  const patient = await apiLogin(server.base, login);
  const rules = (await patient("GET", "/api/v1/me/reminder-rules")).body;
  const checkIn = rules.find((r) => r.kind === "check_in");
  assert.equal(checkIn.local_time.slice(0, 5), "21:15");
  assert.deepEqual(checkIn.days_of_week, [1, 2, 3, 4, 5, 6]);
  assert.equal(checkIn.enabled, true);
  await context.close();
});

test("a patient's page shows their check-in with its red flag, and the alert is acknowledged there", async () => {
  const login = server.logins.patient[0];
  const id = await patientId(login);
  const patient = await apiLogin(server.base, login);
  const note = `stiff after the drive ${randomUUID().slice(0, 8)}`;
  const sent = await patient("POST", "/api/v1/me/check-ins", {
    items: [{
      id: randomUUID(), recorded_at: new Date().toISOString(), pain: 7, stress: 6, context: "daily", note,
      pain_sites: [{ region: "shoulder", side: "left", intensity: 7, qualities: ["aching"] }],
      red_flags: ["chest_pain"],
    }],
  });
  assert.equal(sent.body.results[0].status, 201, JSON.stringify(sent.body));

  const { context, page } = await consolePage();
  await open(page, `#roster a[href="#/patients/${id}"]`, "patient");
  const checkIn = page.locator("#check-ins li", { hasText: note });
  await checkIn.waitFor();
  const text = await checkIn.textContent();
  assert.match(text, /pain 7\/10/);
  assert.match(text, /shoulder \(left\) 7\/10, aching/);
  assert.match(text, /Red flags:.*chest/i);
  assert.equal(await page.locator("#trends svg[role=img]").count(), 3, "pain, stress and adherence charts");
  await page.screenshot({ path: join(SCREENSHOTS, "console-patient.png") });

  const alert = page.locator("#patient-alerts li[data-kind=red_flag]");
  await alert.getByRole("button", { name: /^Acknowledge: red flag/ }).click();
  await page.waitForSelector("#patient-alerts li[data-kind=red_flag] >> text=/Acknowledged/");
  const therapist = await apiLogin(server.base, server.logins.therapist[0]);
  const open_ = (await therapist("GET", `/api/v1/alerts?patient_id=${id}&status=open&kind=red_flag`)).body.items;
  assert.equal(open_.length, 0, "the red-flag alert is acknowledged on the server");
  await context.close();
});

test("a patient's sessions show which notes are signed, drafted or missing", async () => {
  const login = server.logins.patient[0];
  const id = await patientId(login);
  const therapist = await apiLogin(server.base, server.logins.therapist[0]);
  const hour = 3600_000;
  const assessment = `Less guarding in the left upper trapezius ${randomUUID().slice(0, 6)}`;
  const past = async (hoursAgo) => {
    const slot = { starts_at: new Date(Date.now() - hoursAgo * hour).toISOString(), ends_at: new Date(Date.now() - (hoursAgo - 1) * hour).toISOString() };
    const made = await therapist("POST", `/api/v1/patients/${id}/appointments`, slot);
    assert.equal(made.status, 201, JSON.stringify(made.body));
    assert.equal((await therapist("PATCH", `/api/v1/appointments/${made.body.id}`, { status: "completed" })).status, 200);
    return made.body.id;
  };
  const signed = await past(50);
  assert.equal((await therapist("PUT", `/api/v1/appointments/${signed}/note`, { subjective: "Neck stiff after travel.", assessment })).status, 200);
  assert.equal((await therapist("POST", `/api/v1/appointments/${signed}/note/sign`)).status, 200);
  const drafted = await past(26);
  assert.equal((await therapist("PUT", `/api/v1/appointments/${drafted}/note`, { subjective: "Draft only." })).status, 200);
  await past(4);

  const { context, page } = await consolePage();
  await open(page, `#roster a[href="#/patients/${id}"]`, "patient");
  await page.waitForSelector("#sessions tbody tr");
  const notes = await page.locator("#sessions tbody td:nth-child(3)").allTextContents();
  assert.ok(notes.some((n) => n.startsWith("Signed") && n.includes(assessment)), notes.join(" | "));
  assert.ok(notes.includes("Draft, not signed"), notes.join(" | "));
  assert.ok(notes.includes("No note yet"), notes.join(" | "));
  await context.close();
});

test("a therapist invites a new patient from the console and gets the link", async () => {
  const { context, page } = await consolePage();
  const therapist = await apiLogin(server.base, server.logins.therapist[0]);
  const before = (await therapist("GET", "/api/v1/patients?limit=200")).body.items.length;
  await open(page, "#nav a[data-view=invite]", "invite");

  // An address the browser refuses is never sent: no record is made.
  await page.getByLabel("Patient's name").fill("Robin Vale");
  await page.getByLabel("Patient's email").fill("not an address");
  await page.click("#invite-form button[type=submit]");
  assert.equal(await page.locator("#invite-result").count(), 0);
  assert.equal((await therapist("GET", "/api/v1/patients?limit=200")).body.items.length, before);

  const email = `robin.${randomUUID().slice(0, 8)}@home.test`;
  await page.getByLabel("Patient's email").fill(email);
  await page.click("#invite-form button[type=submit]");
  await page.waitForSelector("#invite-result");
  assert.match(await page.inputValue("#invite-link"), /#token=[A-Za-z0-9_-]{20,}/);
  assert.ok((await page.textContent("#invite-outbox")).length > 0);

  const invites = (await therapist("GET", "/api/v1/invites")).body.items;
  const mine = invites.find((i) => i.email === email);
  assert.equal(mine?.status, "pending");
  assert.equal(mine?.display_name, "Robin Vale");
  assert.equal((await therapist("GET", "/api/v1/patients?limit=200")).body.items.length, before + 1);
  await context.close();
});

test("the roster finds patients by part of their name, and markup in a search stays text", async () => {
  const { context, page } = await consolePage();
  const rows = () => page.locator("#roster tr th a").allTextContents();
  const all = await rows();
  assert.ok(all.includes("Sam Okafor") && all.includes("Pat Rivera"), all.join(", "));

  await page.fill("#patient-search-text", "okaf");
  await page.click("#patient-search button[type=submit]");
  await page.waitForFunction(() => document.querySelectorAll("#roster tr").length === 1);
  assert.deepEqual(await rows(), ["Sam Okafor"]);

  const hostile = '<img src=x id="injected">';
  await page.fill("#patient-search-text", hostile);
  await page.click("#patient-search button[type=submit]");
  await page.waitForSelector("#no-patients:not([hidden])");
  assert.match(await page.textContent("#no-patients"), /<img src=x id="injected">/);
  assert.equal(await page.locator("#injected").count(), 0);

  await page.fill("#patient-search-text", "");
  await page.click("#patient-search button[type=submit]");
  await page.waitForFunction((n) => document.querySelectorAll("#roster tr").length === n, all.length);
  await context.close();
});

test("a patient who is not on the therapist's list, or a mangled address, shows nothing of anyone", async () => {
  const { context, page } = await consolePage();
  const known = await patientId(server.logins.patient[0]);
  await open(page, `#roster a[href="#/patients/${known}"]`, "patient");
  await page.waitForSelector("#check-ins li");

  // An id the server does not show this therapist answers 404: the page says so and
  // the previous patient's data is gone.
  await page.evaluate((id) => (location.hash = `#/patients/${id}`), randomUUID());
  await page.waitForSelector("#view-patient h2 >> text=That patient is not on your list.");
  assert.equal(await page.locator("#view-patient #check-ins").count(), 0);

  // Anything else after the # is the roster.
  await page.evaluate(() => (location.hash = "#/patients/<script>alert(1)</script>"));
  await page.waitForSelector("#view-roster:not([hidden]) #roster tr");
  assert.equal(await page.locator("#view-patient").isHidden(), true);
  await context.close();
});

async function violations(page) {
  await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(() =>
    window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] } }),
  );
  return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

for (const scheme of ["light", "dark"]) {
  test(`the console's roster, patient page, plan builder and invite pass axe (${scheme})`, async () => {
    const login = server.logins.patient[0];
    const id = await patientId(login);
    // A plan with an exercise, so the builder shows every part.
    await prescribeToday(server.base, server.logins.therapist[0], login);
    const { context, page } = await consolePage({ bypassCSP: true, colorScheme: scheme });
    assert.deepEqual(await violations(page), [], "roster");
    await open(page, `#roster a[href="#/patients/${id}"]`, "patient");
    await page.waitForSelector("#check-ins li");
    await page.waitForSelector("#reminders-panel form, #reminders-panel p:not(.meta)");
    assert.deepEqual(await violations(page), [], "patient page");
    await open(page, `#view-patient a[href="#/patients/${id}/plan"]`, "plan");
    await page.waitForSelector("#library-results li");
    // The dosage form too, as a therapist sees it while prescribing.
    await page.locator("#library-results li button").first().click();
    await page.waitForSelector("#library-results form.dosage");
    assert.deepEqual(await violations(page), [], "plan builder");
    await open(page, "#nav a[data-view=invite]", "invite");
    assert.deepEqual(await violations(page), [], "invite");
    await context.close();
  });
}

// Last, since it fills the roster: past one page, the rest comes on request.
test("a roster longer than a page offers the rest", async () => {
  const therapist = await apiLogin(server.base, server.logins.therapist[0]);
  for (let i = 0; i < 101; i++) {
    const made = await therapist("POST", "/api/v1/patients", { display_name: `Roster Filler ${String(i).padStart(3, "0")}` });
    assert.equal(made.status, 201);
  }
  const total = (await therapist("GET", "/api/v1/patients?limit=200")).body.items.length;
  const { context, page } = await consolePage();
  assert.equal(await page.locator("#roster tr").count(), 100);
  await page.click("#more-patients");
  await page.waitForFunction((n) => document.querySelectorAll("#roster tr").length === n, total);
  assert.equal(await page.locator("#more-patients").isHidden(), true);
  await context.close();
});

// The patient app's other screens in a real Chromium: accepting an invite, the body map,
// the exercise player, lessons, trends, reminder settings, and the size of the first load.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import {
  startServer,
  launch,
  apiLogin,
  signIn,
  prescribeToday,
  assignLesson,
  checkInStored,
  SCREENSHOTS,
} from "../harness.js";

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

async function signedIn(context, login, path = "/today") {
  const page = await context.newPage();
  await signIn(page, server.base, path, login);
  await page.waitForSelector("#nav:not([hidden])");
  return page;
}

/** A new patient record of the demo therapist with a fresh invite; returns the link and email. */
async function invite() {
  const therapist = await apiLogin(server.base, server.logins.therapist[0]);
  const record = await therapist("POST", "/api/v1/patients", { display_name: "Ines Invited" });
  assert.equal(record.status, 201);
  const email = `ines.${Date.now()}@home.test`;
  const made = await therapist("POST", `/api/v1/patients/${record.body.id}/invites`, { email });
  assert.equal(made.status, 201);
  return { url: made.body.accept_url, email };
}

test("the first load of the patient app is under 100 KB compressed", async () => {
  const context = await browser.context({ serviceWorkers: "block" });
  const page = await context.newPage();
  const sizes = new Map();
  page.on("response", async (resp) => {
    if (resp.request().method() === "GET") sizes.set(resp.url(), gzipSync(await resp.body()).length);
  });
  await page.goto(`${server.base}/`);
  await page.waitForSelector("body[data-ready=true]");
  // `data-ready` is set by app.js, which runs only after every module it imports.
  const scripts = [...sizes.keys()].filter((u) => u.endsWith(".js"));
  assert.ok(scripts.length >= 10, `the modules were loaded: ${scripts.join(", ")}`);
  const total = [...sizes.values()].reduce((a, b) => a + b, 0);
  assert.ok(total < 100 * 1024, `first load is ${total} bytes gzipped`);
  await context.close();
});

test("an invite link lets the patient choose a password and signs them in", async () => {
  const { url, email } = await invite();
  const context = await browser.context();
  const page = await context.newPage();
  await page.goto(url);
  await page.waitForSelector("#view-invite:not([hidden])");

  // Two different passwords are caught before anything is sent.
  await page.fill("#invite-password", "a long new password 1");
  await page.fill("#invite-confirm", "a long new password 2");
  await page.click("#invite-form button[type=submit]");
  assert.match(await page.textContent("#invite-error"), /not the same/);

  await page.fill("#invite-confirm", "a long new password 1");
  await page.click("#invite-form button[type=submit]");
  await page.waitForSelector("#view-today:not([hidden])");
  assert.equal(new URL(page.url()).pathname, "/today");
  assert.equal(new URL(page.url()).hash, "", "the token leaves the address bar");
  // The session is the cookie one: a reload stays signed in.
  await page.reload();
  await page.waitForSelector("#view-today:not([hidden])");
  await apiLogin(server.base, { email, password: "a long new password 1" });

  // The same link again is refused with a clear message.
  const again = await context.newPage();
  await again.goto(url);
  await again.fill("#invite-password", "another long password");
  await again.fill("#invite-confirm", "another long password");
  await again.click("#invite-form button[type=submit]");
  await again.waitForFunction(() => document.querySelector("#invite-error").textContent.length > 0);
  assert.match(await again.textContent("#invite-error"), /used already/);
  await context.close();
});

test("a forged invite token shows an error and signs nobody in", async () => {
  const context = await browser.context();
  const page = await context.newPage();
  await page.goto(`${server.base}/invite#token=${"A".repeat(43)}`);
  await page.fill("#invite-password", "a long new password");
  await page.fill("#invite-confirm", "a long new password");
  await page.click("#invite-form button[type=submit]");
  await page.waitForFunction(() => document.querySelector("#invite-error").textContent.length > 0);
  assert.match(await page.textContent("#invite-error"), /does not work/);
  assert.equal(await page.isHidden("#view-today"), true);
  await context.close();
});

test("a check-in with body-map regions reaches the server with those sites", async () => {
  const login = server.logins.patient[1];
  const api = await apiLogin(server.base, login);
  const context = await browser.context();
  const page = await signedIn(context, login, "/check-in");
  await page.waitForSelector("#view-check-in:not([hidden]) .figure");
  await page.fill("#pain", "6");
  await page.click(".figure:not(.off) [data-region=shoulder][data-side=right]");
  await page.click(".figure:not(.off) [data-region=neck]");
  await page.click("button[data-view-of-body=back]");
  await page.click(".figure:not(.off) [data-region=lower_back]");
  // A second tap takes a region off again.
  await page.click(".figure:not(.off) [data-region=calf][data-side=left]");
  await page.click(".figure:not(.off) [data-region=calf][data-side=left]");
  // The list offers the same places as the figure.
  await page.selectOption("#site-pick", { label: "Left wrist" });
  await page.click("button[aria-label='Remove left wrist']");
  await page.fill("#site-lower_back-", "8");
  await page.fill("#sleep", "3");
  await page.selectOption("#medication", "non_opioid");
  await page.screenshot({ path: join(SCREENSHOTS, "body-map.png"), fullPage: true });
  const stored = checkInStored(page);
  await page.click("#check-in-form button[type=submit]");
  await page.waitForSelector("#view-saved:not([hidden])");
  await stored;
  await page.waitForFunction(() => document.querySelector("#pending").hidden);

  const latest = (await api("GET", "/api/v1/me/check-ins?limit=1")).body.items[0];
  const sites = latest.pain_sites.map((s) => `${s.region}:${s.side ?? ""}:${s.intensity}`).sort();
  assert.deepEqual(sites, ["lower_back::8", "neck::6", "shoulder:right:6"]);
  assert.equal(latest.pain, 6);
  assert.equal(latest.sleep_quality, 3);
  assert.equal(latest.medications[0].class, "non_opioid");
  await context.close();
});

test("the exercise player runs the sets and logs the exercise once", async () => {
  const login = server.logins.patient[1];
  await prescribeToday(server.base, server.logins.therapist[0], login, { sets: 2, side: "both", hold_seconds: 5, rest_seconds: 5 });
  const api = await apiLogin(server.base, login);
  const before = new Set((await api("GET", "/api/v1/me/exercise-logs?limit=200")).body.items.map((l) => l.id));
  const context = await browser.context();
  const page = await signedIn(context, login);
  await page.locator("#exercises a[data-view=play]").last().click();
  await page.waitForSelector("#view-play:not([hidden]) #player-step");
  assert.match(await page.textContent("#player .dose"), /2 sets × 3 reps · hold 5 s · rest 5 s · both sides/);
  assert.equal(await page.textContent("#player-step"), "Set 1 of 2, left side");
  await page.click("#player-hold");
  assert.match(await page.textContent("#player-timer"), /Hold: \d s/);
  await page.click("#player-next");
  assert.equal(await page.textContent("#player-step"), "Set 1 of 2, right side");
  await page.click("#player-next");
  assert.equal(await page.textContent("#player-step"), "Set 2 of 2, left side");
  assert.match(await page.textContent("#player-timer"), /Rest: \d s/);
  await page.click("#player-next");
  assert.equal(await page.textContent("#player-next"), "Exercise done");
  await page.click("#player-next");
  await page.waitForSelector("#view-today:not([hidden])");
  await page.waitForFunction(() => document.querySelector("#pending").hidden);
  const added = (await api("GET", "/api/v1/me/exercise-logs?limit=200")).body.items.filter((l) => !before.has(l.id));
  assert.equal(added.length, 1, "one log for the whole exercise");
  assert.equal(added[0].sets_done, 2);
  await context.close();
});

test("a lesson is read and its check questions answered", async () => {
  const login = server.logins.patient[1];
  const lesson = await assignLesson(server.base, server.logins.therapist[0], login);
  const context = await browser.context();
  const page = await signedIn(context, login, `/lessons/${lesson.id}`);
  await page.waitForSelector("#lesson-form");
  assert.equal(await page.textContent("#lesson h2"), lesson.title);
  for (let i = 0; i < lesson.questions.length; i++) await page.check(`#q${i}-${lesson.questions[i].correct}`);
  await page.click("#lesson-form button[type=submit]");
  await page.waitForSelector("#lesson-feedback");
  assert.match(await page.textContent("#lesson-feedback"), new RegExp(`${lesson.questions.length} of ${lesson.questions.length} right`));
  await context.close();
});

test("my trends draws pain and stress with the baseline, and adherence", async () => {
  const login = server.logins.patient[0];
  const context = await browser.context();
  const page = await signedIn(context, login, "/trends");
  await page.waitForSelector("#trends[data-drawn=true]");
  const trends = (await (await apiLogin(server.base, login))("GET", "/api/v1/me/trends")).body;
  const rated = trends.days.filter((d) => d.pain).length;
  assert.ok(rated > 0, "the demo patient has a history");
  assert.equal(await page.locator("#chart-pain circle").count(), rated);
  assert.equal(await page.locator("#chart-pain .baseline").count(), 1);
  assert.equal(await page.locator("#chart-stress .series").count(), 1);
  assert.equal(await page.locator("#chart-adherence").count(), 1);
  assert.match(await page.textContent("#chart-pain-summary"), /baseline 6/);
  await page.screenshot({ path: join(SCREENSHOTS, "trends.png") });
  await context.close();
});

test("a reminder settings change persists on the server", async () => {
  const login = server.logins.patient[0];
  const api = await apiLogin(server.base, login);
  const context = await browser.context();
  const page = await signedIn(context, login, "/settings");
  const form = page.locator("form.rule[data-kind=check_in]");
  await form.waitFor();
  await page.fill("#rule-check_in-time", "19:45");
  await page.uncheck("#rule-check_in-adapt");
  await form.locator("button[type=submit]").click();
  await page.waitForFunction(() => document.querySelector("#rule-check_in-note").textContent === "Saved.");
  await page.uncheck("#rule-post_session-enabled");
  await page.locator("form.rule[data-kind=post_session] button[type=submit]").click();
  await page.waitForFunction(() => document.querySelector("#rule-post_session-note").textContent === "Saved.");
  await page.check("#quiet-on");
  await page.fill("#quiet-start", "21:30");
  await page.fill("#quiet-end", "06:45");
  await page.click("#quiet-form button[type=submit]");
  await page.waitForFunction(() => document.querySelector("#quiet-note").textContent === "Saved.");

  const rules = (await api("GET", "/api/v1/me/reminder-rules")).body;
  const checkIn = rules.find((r) => r.kind === "check_in");
  assert.equal(checkIn.local_time, "19:45");
  assert.equal(checkIn.adapt_to_routine, false);
  assert.equal(rules.find((r) => r.kind === "post_session").enabled, false);
  assert.deepEqual((await api("GET", "/api/v1/me/reminder-preferences")).body.quiet_hours, { start: "21:30", end: "06:45" });

  // A reload shows what the server holds.
  await page.reload();
  await page.waitForSelector("form.rule[data-kind=check_in]");
  assert.equal(await page.inputValue("#rule-check_in-time"), "19:45");
  assert.equal(await page.isChecked("#rule-check_in-adapt"), false);
  await context.close();
});

test("signing out returns to the sign-in form and a reload stays signed out", async () => {
  const context = await browser.context();
  const page = await signedIn(context, server.logins.patient[0], "/settings");
  await page.click("#logout");
  await page.waitForSelector("#view-login:not([hidden])");
  await page.goto(`${server.base}/today`);
  await page.waitForSelector("body[data-ready=true]");
  assert.equal(await page.isVisible("#view-login"), true);
  assert.equal(await page.isVisible("#nav"), false);
  await context.close();
});

test("my sessions lists the booked session and the export downloads a ZIP", async () => {
  const login = server.logins.patient[0];
  const context = await browser.context({ acceptDownloads: true });
  const page = await signedIn(context, login, "/appointments");
  await page.waitForSelector("#sessions li.item");
  assert.match(await page.textContent("#sessions"), /60 minutes · scheduled/);
  await page.click("#nav a[data-view=settings]");
  await page.waitForSelector("#export-zip");
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#export-zip")]);
  assert.equal(download.suggestedFilename(), "my-fascia-data.zip");
  const path = await download.path();
  const { readFileSync } = await import("node:fs");
  assert.equal(readFileSync(path).subarray(0, 2).toString(), "PK");
  await context.close();
});

// The patient app in a real Chromium: offline logging, offline red-flag guidance, push.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { startServer, launch, apiLogin, signIn, controlled, prescribeToday, checkInStored, SCREENSHOTS } from "../harness.js";

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

async function patientPage(context, login) {
  const page = await context.newPage();
  await signIn(page, server.base, "/today", login);
  await page.waitForSelector("#view-today:not([hidden])");
  await controlled(page);
  // Read today once more through the worker, so its copy is there for offline use.
  await page.reload();
  await page.waitForSelector("#view-today:not([hidden])");
  return page;
}

test("a stretch the therapist prescribes shows on the patient's today", async () => {
  const login = server.logins.patient[0];
  const title = await prescribeToday(server.base, server.logins.therapist[0], login);
  const context = await browser.context();
  const page = await patientPage(context, login);
  assert.match(await page.textContent("#exercises"), new RegExp(title.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
  await context.close();
});

test("an exercise marked done offline is sent once after a reload and reconnecting", async () => {
  const login = server.logins.patient[0];
  const api = await apiLogin(server.base, login);
  const context = await browser.context();
  const page = await patientPage(context, login);
  await page.waitForSelector("#exercises button:enabled");
  await page.screenshot({ path: join(SCREENSHOTS, "today.png") });
  const before = (await api("GET", "/api/v1/me/exercise-logs?limit=200")).body.items.length;

  await context.setOffline(true);
  await page.locator("#exercises button:enabled").first().click();
  await page.waitForSelector("#pending:not([hidden])");
  await page.reload();
  await page.waitForSelector("#pending:not([hidden])");
  assert.match(await page.textContent("#pending"), /1 item waiting/);

  await context.setOffline(false);
  await page.evaluate(() => window.dispatchEvent(new Event("online")));
  await page.waitForSelector("#pending[hidden]", { state: "attached" });
  const afterItems = (await api("GET", "/api/v1/me/exercise-logs?limit=200")).body.items;
  assert.equal(afterItems.length, before + 1, "exactly one new log on the server");

  // Another start must not send it again.
  await page.reload();
  await page.waitForSelector("#view-today:not([hidden])");
  assert.equal((await api("GET", "/api/v1/me/exercise-logs?limit=200")).body.items.length, before + 1);
  await context.close();
});

test("a red flag checked in offline shows guidance at once and alerts the therapist after reconnecting", async () => {
  const login = server.logins.patient[1] ?? server.logins.patient[0];
  const context = await browser.context();
  const page = await patientPage(context, login);
  await page.click("#nav a[data-view=check-in]");
  await page.waitForSelector("#view-check-in:not([hidden]) #red-flag-list input");
  await page.screenshot({ path: join(SCREENSHOTS, "check-in.png") });

  await context.setOffline(true);
  await page.fill("#pain", "7");
  await page.check("#flag-chest_pain");
  await page.click("#check-in-form button[type=submit]");
  await page.waitForSelector("#guidance:not([hidden])", { timeout: 2000 });
  assert.ok((await page.textContent("#guidance-headline")).length > 0);
  assert.match(await page.textContent("#guidance-lines"), /chest/i);

  await context.setOffline(false);
  await page.evaluate(() => window.dispatchEvent(new Event("online")));
  await page.waitForFunction(() => document.querySelector("#pending")?.hidden !== false);

  const therapist = server.logins.therapist[0];
  const console = await (await browser.context()).newPage();
  await signIn(console, server.base, "/clinic/", therapist);
  await console.waitForSelector("#view-roster:not([hidden])");
  await console.waitForSelector("#alerts li[data-kind=red_flag]");
  await console.screenshot({ path: join(SCREENSHOTS, "roster.png") });
  await console.close();
  await context.close();
});

test("a push delivered to the service worker shows a notification pointing at the check-in page", async () => {
  const login = server.logins.patient[0];
  const context = await browser.context();
  await context.grantPermissions(["notifications"], { origin: server.base });
  const page = await patientPage(context, login);
  const cdp = await context.newCDPSession(page);
  await cdp.send("ServiceWorker.enable");
  const registrationId = await new Promise((resolve) => {
    cdp.on("ServiceWorker.workerRegistrationUpdated", ({ registrations }) => {
      const ours = registrations.find((r) => r.scopeURL === `${server.base}/` && !r.isDeleted);
      if (ours) resolve(ours.registrationId);
    });
  });
  // The registration is reported as soon as it exists; a push delivered before its worker
  // is active can be dropped, so wait for the active worker first.
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  const data = JSON.stringify({ title: "How was your day?", body: "A quick check-in.", navigate: `${server.base}/check-in`, tag: "check-in" });
  let notification = null;
  // Delivered again if nothing shows within two seconds (a worker that was stopping when
  // the first one came in); the tag makes a second notification replace the first.
  for (let attempt = 0; attempt < 3 && !notification; attempt++) {
    await cdp.send("ServiceWorker.deliverPushMessage", { origin: server.base, registrationId, data });
    for (let i = 0; i < 20 && !notification; i++) {
      notification = await page.evaluate(async () => {
        const reg = await navigator.serviceWorker.ready;
        const list = await reg.getNotifications();
        return list.length ? { title: list[0].title, navigate: list[0].data.navigate } : null;
      });
      if (!notification) await page.waitForTimeout(100);
    }
  }
  assert.ok(notification, "a notification is shown");
  assert.equal(notification.title, "How was your day?");
  assert.equal(notification.navigate, `${server.base}/check-in`);

  // A click reaches the worker as a `notificationclick`; the page it opens is the check-in.
  await page.goto(notification.navigate);
  await page.waitForSelector("#view-check-in:not([hidden])");
  await context.close();
});

test("a check-in opened from a post-session reminder carries that context once; the next one is daily", async () => {
  const login = server.logins.patient[2] ?? server.logins.patient[0];
  const context = await browser.context();
  const page = await patientPage(context, login);
  await page.goto(`${server.base}/check-in?context=post_session`);
  await page.waitForSelector("#view-check-in:not([hidden]) #red-flag-list input");

  const send = async (note) => {
    const stored = checkInStored(page);
    await page.fill("#note", note);
    await page.click("#check-in-form button[type=submit]");
    await stored;
  };
  const first = `after the session ${Date.now()}`;
  await send(first);
  assert.equal(new URL(page.url()).searchParams.get("context"), null);
  // A second check-in from the same screen, as a patient would make later that evening.
  await page.click("#nav a[data-view=check-in]");
  await page.waitForSelector("#view-check-in:not([hidden]) #red-flag-list input");
  const second = `that evening ${Date.now()}`;
  await send(second);

  const api = await apiLogin(server.base, login);
  const items = (await api("GET", "/api/v1/me/check-ins?limit=20")).body.items;
  const contextOf = (note) => items.find((c) => c.note === note)?.context;
  assert.equal(contextOf(first), "post_session");
  assert.equal(contextOf(second), "daily");
  await context.close();
});

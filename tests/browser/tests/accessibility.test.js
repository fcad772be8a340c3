// axe-core on the main pages of both apps: no WCAG 2.x A/AA violations. The pages'
// CSP forbids injected scripts, so only these contexts bypass it to load axe.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, launch, signIn, prescribeToday, axeViolations as violations } from "../harness.js";

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

for (const scheme of ["light", "dark"]) {
  test(`the patient app's sign-in, today and check-in pass axe (${scheme})`, async () => {
    const login = server.logins.patient[0];
    await prescribeToday(server.base, server.logins.therapist[0], login);
    const context = await browser.context({ bypassCSP: true, colorScheme: scheme });
    const page = await context.newPage();
    await page.goto(`${server.base}/`);
    await page.waitForSelector("#view-login:not([hidden])");
    assert.deepEqual(await violations(page), [], "sign-in");
    await signIn(page, server.base, "/today", login);
    await page.waitForSelector("#exercises li");
    assert.deepEqual(await violations(page), [], "today");
    await page.click("#nav a[data-view=check-in]");
    await page.waitForSelector("#red-flag-list input");
    assert.deepEqual(await violations(page), [], "check-in");
    await context.close();
  });

  test(`the clinic console passes axe (${scheme})`, async () => {
    const context = await browser.context({ bypassCSP: true, colorScheme: scheme });
    const page = await context.newPage();
    await signIn(page, server.base, "/clinic/", server.logins.therapist[0]);
    await page.waitForSelector("#view-roster:not([hidden]) #roster tr");
    assert.deepEqual(await violations(page), [], "roster");
    await context.close();
  });
}

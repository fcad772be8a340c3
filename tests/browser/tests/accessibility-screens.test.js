// axe-core on the patient app's screens beyond today and the check-in: accepting an
// invite, the body map with sites chosen, the exercise player, a lesson, trends, sessions
// and settings, in light and dark mode. No WCAG 2.x A/AA violations.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, launch, signIn, prescribeToday, assignLesson, axeViolations } from "../harness.js";

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launch();
  const login = server.logins.patient[0];
  await prescribeToday(server.base, server.logins.therapist[0], login, { side: "both", sets: 2 });
  await assignLesson(server.base, server.logins.therapist[0], login);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

for (const scheme of ["light", "dark"]) {
  test(`the patient app's invite, body map, player, lesson, trends, sessions and settings pass axe (${scheme})`, async () => {
    const context = await browser.context({ bypassCSP: true, colorScheme: scheme });
    const page = await context.newPage();
    await page.goto(`${server.base}/invite#token=unused`);
    await page.waitForSelector("#view-invite:not([hidden])");
    assert.deepEqual(await axeViolations(page), [], "invite");

    await signIn(page, server.base, "/check-in", server.logins.patient[0]);
    await page.waitForSelector("#view-check-in:not([hidden]) .figure");
    await page.click(".figure:not(.off) [data-region=knee][data-side=left]");
    await page.click("button[data-view-of-body=back]");
    await page.click(".figure:not(.off) [data-region=upper_back]");
    assert.deepEqual(await axeViolations(page), [], "check-in with the body map");

    const screens = [
      ["today", "#exercises a[data-view=play]", "#player-step"],
      ["today", "#lessons a[data-view=lesson]", "#lesson-form"],
      ["trends", "#nav a[data-view=trends]", "#trends[data-drawn=true]"],
      ["sessions", "#nav a[data-view=sessions]", "#sessions li"],
      ["settings", "#nav a[data-view=settings]", "form.rule"],
    ];
    for (const [from, link, ready] of screens) {
      if (from === "today") {
        await page.click("#nav a[data-view=today]");
        await page.waitForSelector("#exercises li");
      }
      await page.locator(link).first().click();
      await page.waitForSelector(ready);
      assert.deepEqual(await axeViolations(page), [], ready);
    }
    await context.close();
  });
}

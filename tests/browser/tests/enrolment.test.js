// Two-step sign-in set up in the browser (issues 15 and 16): when the clinic requires it
// and a therapist has no authenticator yet, the console shows the key, takes a code
// computed here from that key, shows the recovery codes once and signs in, with the
// refresh token only in the HttpOnly cookie. A wrong code keeps the set-up open.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, launch, apiLogin, signIn, totp, stepNow, axeViolations } from "../harness.js";

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launch();
  const admin = await apiLogin(server.base, server.logins.admin[0]);
  const policy = await admin("PUT", "/api/v1/clinic/mfa-policy", { staff_required: true });
  assert.equal(policy.status, 200);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test("a therapist the clinic requires to enrol sets up an authenticator in the console and is signed in", async () => {
  const login = server.logins.therapist[0];
  const context = await browser.context({ bypassCSP: true, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();

  await signIn(page, server.base, "/clinic/", login);
  await page.waitForSelector("#login-enrol:not([hidden]) #enrol-secret:not(:empty)");
  assert.match(await page.textContent("#login-error"), /requires two-step sign-in/);
  assert.deepEqual(await axeViolations(page), [], "the enrolment step");
  // What a person would type into an authenticator app: the key as shown, spaces dropped.
  const secret = (await page.textContent("#enrol-secret")).replaceAll(" ", "");
  const uri = new URL(await page.getAttribute("#enrol-uri", "href"));
  assert.equal(uri.protocol, "otpauth:");
  assert.equal(uri.searchParams.get("secret"), secret);

  const wrong = totp(secret, stepNow()) === "000000" ? "111111" : "000000";
  await page.fill("#enrol-code", wrong);
  await page.click("#login-form button[type=submit]");
  await page.waitForFunction(() => /did not work/.test(document.getElementById("login-error").textContent));
  assert.equal(await page.isVisible("#login-enrol"), true, "a wrong code keeps the set-up open");

  await page.fill("#enrol-code", totp(secret, stepNow()));
  await page.click("#login-form button[type=submit]");
  await page.waitForSelector("#login-recovery:not([hidden]) #recovery-codes li");
  assert.equal(await page.locator("#recovery-codes li").count(), 10);
  assert.equal(await page.isVisible("#login-submit"), false);
  assert.deepEqual(await axeViolations(page), [], "the recovery codes");
  await page.click("#recovery-done");
  await page.waitForSelector("#view-roster:not([hidden])");
  assert.equal(await page.locator("#recovery-codes li").count(), 0, "the codes leave the page");

  const refresh = (await context.cookies()).find((c) => c.name === "fascia_refresh");
  assert.ok(refresh?.httpOnly, "the session lives in the HttpOnly cookie");
  // The account now asks for a code at every sign-in.
  const again = await fetch(`${server.base}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(login),
  });
  assert.equal(again.status, 202);
  assert.equal((await again.json()).next, "totp");
  await context.close();
});

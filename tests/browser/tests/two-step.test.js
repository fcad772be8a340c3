// Two-step sign-in in the browser (issues 15 and 16): an account with an authenticator
// signs in to the console and to the patient app with its code, the refresh token only
// ever in the HttpOnly cookie; a wrong code starts over from the password.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, launch, apiLogin, signIn, totp, stepNow } from "../harness.js";

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

/**
 * Turns on the authenticator for `login`. The confirmation uses the previous step's code
 * (the server allows one step of drift), so the sign-in can use the current one: a code
 * counts once, and the test does not wait for the next step.
 */
async function withAuthenticator(login) {
  const api = await apiLogin(server.base, login);
  const enrolment = await api("POST", "/api/v1/me/mfa/totp", {});
  assert.equal(enrolment.status, 200);
  const confirmed = await api("POST", "/api/v1/me/mfa/totp/confirm", { code: totp(enrolment.body.secret, stepNow() - 1) });
  assert.equal(confirmed.status, 200);
  return enrolment.body.secret;
}

test("a therapist with an authenticator signs in to the console with a code, and a wrong code starts over", async () => {
  const login = server.logins.therapist[0];
  const secret = await withAuthenticator(login);
  const context = await browser.context({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();

  await signIn(page, server.base, "/clinic/", login);
  await page.waitForSelector("#login-mfa:not([hidden])");
  assert.match(await page.textContent("#login-error"), /code/);
  await page.fill("#login-code", "000000");
  await page.click("#login-form button[type=submit]");
  await page.waitForSelector("#login-mfa", { state: "hidden" });
  assert.match(await page.textContent("#login-error"), /did not work/);

  await page.click("#login-form button[type=submit]");
  await page.waitForSelector("#login-mfa:not([hidden])");
  await page.fill("#login-code", totp(secret, stepNow()));
  await page.click("#login-form button[type=submit]");
  await page.waitForSelector("#view-roster:not([hidden])");
  const cookies = await context.cookies();
  const refresh = cookies.find((c) => c.name === "fascia_refresh");
  assert.ok(refresh?.httpOnly, "the session lives in the HttpOnly cookie");
  await context.close();
});

test("a patient with an authenticator signs in to the app with a code", async () => {
  const login = server.logins.patient[0];
  const secret = await withAuthenticator(login);
  const context = await browser.context();
  const page = await context.newPage();

  await signIn(page, server.base, "/", login);
  await page.waitForSelector("#login-mfa:not([hidden])");
  await page.fill("#login-code", totp(secret, stepNow()));
  await page.click("#login-form button[type=submit]");
  await page.waitForSelector("#view-today:not([hidden])");
  await context.close();
});

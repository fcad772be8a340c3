// Two-step sign-in set up in the browser, for a login that answered `next: enrol_totp`
// (the clinic requires it and the account has no authenticator yet). The server makes a
// secret for the login's challenge; a code from the authenticator confirms it and signs
// in, with the refresh token in the HttpOnly cookie as for any browser login. The
// recovery codes are shown once, here, and kept nowhere.

import { $, h } from "./dom.js";
import { browserAuth, useToken } from "./api.js";

/** Asks the server for a secret and shows it; false when the challenge is refused or the network is gone. */
export async function startEnrolment(challenge) {
  const resp = await fetch("/api/v1/auth/mfa/enrolment", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ challenge }),
  }).catch(() => null);
  if (!resp?.ok) return false;
  const enrolment = await resp.json();
  // Groups of four are easier to type; authenticator apps ignore the spaces.
  $("enrol-secret").textContent = enrolment.secret.match(/.{1,4}/g).join(" ");
  $("enrol-uri").href = enrolment.provisioning_uri;
  $("login-enrol").hidden = false;
  $("enrol-code").value = "";
  $("enrol-code").focus();
  return true;
}

export function hideEnrolment() {
  $("login-enrol").hidden = true;
  $("enrol-secret").textContent = "";
}

/**
 * Confirms the enrolment with the typed code. Answers "ok" (signed in; the recovery codes
 * are on screen), "failed" (a wrong code or a spent challenge: the server does not say
 * which, and a wrong code leaves the challenge usable), "throttled" or "offline".
 */
export async function confirmEnrolment(challenge) {
  const code = $("enrol-code").value.trim();
  if (!/^\d{6}$/.test(code)) return "failed";
  const resp = await browserAuth("mfa/enrolment/confirm", { challenge, code }).catch(() => null);
  if (!resp) return "offline";
  if (resp.status === 429) return "throttled";
  if (resp.status !== 200) return "failed";
  const done = await resp.json();
  useToken(done.session.access_token);
  hideEnrolment();
  $("recovery-codes").replaceChildren(...done.recovery_codes.map((c) => h("li", {}, c)));
  $("login-recovery").hidden = false;
  $("login-submit").hidden = true;
  $("recovery-done").focus();
  return "ok";
}

/** Clears the recovery codes from the page once the person has kept them. */
export function forgetRecoveryCodes() {
  $("recovery-codes").replaceChildren();
  $("login-recovery").hidden = true;
  $("login-submit").hidden = false;
}

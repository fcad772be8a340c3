// The console's one door to the server. The access token lives only in this module's
// memory; the refresh token is an HttpOnly cookie the page never sees. Every request
// that fails answers with an ApiError carrying the server's own message, so screens
// can show what went wrong without guessing.

const CLIENT = { "x-fascia-client": "web" };
let accessToken = null;

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message || (status === 0 ? "The server could not be reached." : `The server answered ${status}.`));
    this.status = status;
    this.code = body?.code ?? null;
    this.details = Array.isArray(body?.details) ? body.details : [];
  }
}

/**
 * Signs in (`login`, or `mfa` for the second step). Answers "ok", the server's challenge
 * (`{ challenge, next }`) when the account needs a second step, or null.
 */
export async function signIn(path, body) {
  const resp = await fetch(`/api/v1/auth/browser/${path}`, {
    method: "POST",
    headers: { ...CLIENT, "content-type": "application/json" },
    body: JSON.stringify(body),
  }).catch(() => null);
  if (resp?.status === 200) {
    accessToken = (await resp.json()).access_token;
    return "ok";
  }
  return resp?.status === 202 ? resp.json() : null;
}

/**
 * Finishes a required TOTP enrolment (`next: enrol_totp`) with a current code. Answers
 * the recovery codes (signed in), or null: a wrong code, a spent challenge or no network.
 */
export async function confirmEnrolment(challenge, code) {
  const resp = await fetch("/api/v1/auth/browser/mfa/enrolment/confirm", {
    method: "POST",
    headers: { ...CLIENT, "content-type": "application/json" },
    body: JSON.stringify({ challenge, code }),
  }).catch(() => null);
  if (resp?.status !== 200) return null;
  const done = await resp.json();
  accessToken = done.session.access_token;
  return done.recovery_codes;
}

/** The body of a second step: six digits are an authenticator code, else a recovery code. */
export function secondStep(challenge, typed) {
  const value = typed.trim();
  return /^\d{6}$/.test(value) ? { challenge, code: value } : { challenge, recovery_code: value };
}

/** Renews or ends the browser session (`refresh`, `logout`). */
export async function session(path, body) {
  const resp = await fetch(`/api/v1/auth/browser/${path}`, {
    method: "POST",
    headers: { ...CLIENT, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  }).catch(() => null);
  if (path === "logout") {
    accessToken = null;
    return true;
  }
  if (!resp || !resp.ok) return false;
  accessToken = (await resp.json()).access_token;
  return true;
}

/** One API call; retried once after a refresh when the access token has expired. */
export async function api(method, path, body) {
  const send = () =>
    fetch(path, {
      method,
      headers: {
        authorization: `Bearer ${accessToken}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).catch(() => null);
  return answer(send);
}

/** A multipart form (a message with images); the browser sets the boundary. */
export function apiForm(method, path, form) {
  return answer(() => fetch(path, { method, headers: { authorization: `Bearer ${accessToken}` }, body: form }).catch(() => null));
}

/** A fresh image of the API as a `data:` URL (the page's CSP allows no `blob:` images). */
export async function imageData(path) {
  const resp = await fetch(path, { headers: { authorization: `Bearer ${accessToken}` } }).catch(() => null);
  if (!resp?.ok) return null;
  const blob = await resp.blob();
  return new Promise((resolve) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => resolve(null);
    reader.readAsDataURL(blob);
  });
}

/** Sends (again after a refresh on a 401) and reads the JSON answer, or throws an ApiError. */
async function answer(send) {
  let resp = await send();
  if (resp?.status === 401 && (await session("refresh"))) resp = await send();
  if (!resp) throw new ApiError(0, null);
  const text = await resp.text();
  let parsed = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (!resp.ok) throw new ApiError(resp.status, parsed);
  return parsed;
}

/** A query string from the set values of `params`. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : "";
}

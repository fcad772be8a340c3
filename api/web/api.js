// Talking to the server. The access token lives only in this module's memory; the
// refresh token is an HttpOnly cookie that script never sees.

export const CLIENT = { "x-fascia-client": "web" };
let accessToken = null;

export const signedIn = () => accessToken !== null;

export function forget() {
  accessToken = null;
}

/** Takes the access token out of a browser-session answer. */
export async function adopt(resp) {
  accessToken = (await resp.json()).access_token;
}

/** Keeps an access token from an answer that carries more than the session (an enrolment). */
export function useToken(token) {
  accessToken = token;
}

/** Calls `/api/v1/auth/browser/<path>` (login, mfa, refresh, logout, invites/accept). */
export function browserAuth(path, body) {
  return fetch(`/api/v1/auth/browser/${path}`, {
    method: "POST",
    headers: { ...CLIENT, ...(body ? { "content-type": "application/json" } : {}) },
    credentials: "same-origin",
    body: body ? JSON.stringify(body) : undefined,
  });
}

/** Trades the cookie for a fresh access token; false when there is no session. */
export async function session(path = "refresh") {
  const resp = await browserAuth(path);
  if (!resp.ok) return false;
  await adopt(resp);
  return true;
}

/** Calls the API; refreshes the access token once on a 401. Throws on network errors. */
export async function api(method, path, body) {
  const send = () =>
    fetch(path, {
      method,
      headers: {
        ...(accessToken ? { authorization: `Bearer ${accessToken}` } : {}),
        ...(body ? { "content-type": "application/json" } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
  let resp = await send();
  if (resp.status === 401 && (await session("refresh"))) resp = await send();
  return resp;
}

/** Sends a multipart form (the browser sets its boundary); refreshes once on a 401. Throws on network errors. */
export async function apiForm(method, path, form) {
  const send = () => fetch(path, { method, headers: accessToken ? { authorization: `Bearer ${accessToken}` } : {}, body: form });
  let resp = await send();
  if (resp.status === 401 && (await session("refresh"))) resp = await send();
  return resp;
}

/** GETs JSON, or null when offline or refused. */
export async function getJson(path) {
  try {
    const resp = await api("GET", path);
    return resp.ok ? await resp.json() : null;
  } catch {
    return null;
  }
}

/** The body of a login's second step: six digits are an authenticator code, anything
 * else a recovery code. */
export function secondStep(challenge, typed) {
  const value = typed.trim();
  return /^\d{6}$/.test(value) ? { challenge, code: value } : { challenge, recovery_code: value };
}

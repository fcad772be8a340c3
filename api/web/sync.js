// Sends what the outbox (queue.js) holds. Check-ins and exercise logs go in batches;
// lesson completions and messages one by one (per lesson; per message, with its photos).
// An item leaves the outbox only once the server has answered for it.

import * as outbox from "./queue.js";
import { api, apiForm, session, signedIn } from "./api.js";

const BATCHES = { check_in: "/api/v1/me/check-ins", exercise_log: "/api/v1/me/exercise-logs" };
let flushing = false;
// Messages the server refused for good, with its reason, until the messages screen shows them.
let refusals = [];

/** The server's reason for a refusal: the first field it names and its problem, or its message. */
async function refusalOf(resp) {
  const body = await resp.json().catch(() => ({}));
  const detail = body.details?.[0];
  return { field: detail?.field ?? null, problem: detail?.problem || body.message || `the server answered ${resp.status}` };
}

/** The refused messages since the last call: `{ id, text, names, field, problem }` (`names`: the photos' file names). */
export function takeRefusals() {
  const taken = refusals;
  refusals = [];
  return taken;
}

/** Posts one queued message: JSON for text alone, multipart when it has photos. */
function sendMessage(item) {
  if (!item.images?.length) return api("POST", "/api/v1/me/messages", item.body);
  const form = new FormData();
  form.append("id", item.body.id);
  if (item.body.text) form.append("text", item.body.text);
  for (const image of item.images) form.append("attachments", image, image.name || "photo");
  return apiForm("POST", "/api/v1/me/messages", form);
}

// Answers after which sending the same message again could succeed: signed out (the
// session expired), timed out, throttled. Any other refusal is final, so it must not keep
// the outbox (and with it sign-out) waiting for ever.
const RETRY = new Set([401, 408, 429]);

export async function pending() {
  try {
    return await outbox.all();
  } catch {
    return [];
  }
}

/** Queues an item and tries to send everything; never throws. */
export async function enqueue(item, onGuidance) {
  await outbox.add(item);
  return flush(onGuidance);
}

/**
 * Sends the outbox. `onGuidance` receives red-flag guidance from the server. Returns
 * true when something was sent, so the caller can reload what it shows.
 */
export async function flush(onGuidance = () => {}) {
  if (flushing || !navigator.onLine) return false;
  flushing = true;
  let sent = false;
  try {
    if (!signedIn() && !(await session("refresh"))) return false;
    const items = await pending();
    for (const [kind, path] of Object.entries(BATCHES)) {
      const batch = items.filter((i) => i.kind === kind);
      if (!batch.length) continue;
      const resp = await api("POST", path, { items: batch.map((i) => i.body) });
      if (!resp.ok) continue;
      const answer = await resp.json();
      // Results come in the order of the items sent.
      for (const [index, result] of answer.results.entries()) {
        // Stored, replayed, or refused for good (a conflict or invalid item): in each
        // case sending it again cannot help.
        if (result.status < 500) await outbox.remove(result.id ?? batch[index].id);
      }
      sent = true;
      if (kind === "check_in" && answer.red_flag_guidance) onGuidance(answer.red_flag_guidance);
    }
    for (const item of items.filter((i) => i.kind === "lesson_completion")) {
      const resp = await api("POST", `/api/v1/me/lessons/${item.lesson_id}/completions`, item.body);
      if (resp.status < 500) await outbox.remove(item.id);
      sent = true;
    }
    for (const item of items.filter((i) => i.kind === "message")) {
      const resp = await sendMessage(item);
      if (resp.status >= 500 || RETRY.has(resp.status)) continue;
      // Created, replayed (sent before, answer lost), or refused for good.
      if (!resp.ok) refusals.push({ id: item.id, text: item.body.text, names: (item.images ?? []).map((f) => f.name), ...(await refusalOf(resp)) });
      await outbox.remove(item.id);
      sent = true;
    }
  } catch {
    // Network gone mid-way: the rest waits for the next chance.
  } finally {
    flushing = false;
  }
  return sent;
}

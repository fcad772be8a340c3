// Sends what the outbox (queue.js) holds. Check-ins and exercise logs go in batches;
// lesson completions one by one (their endpoint is per lesson). An item leaves the
// outbox only once the server has answered for it.

import * as outbox from "./queue.js";
import { api, session, signedIn } from "./api.js";

const BATCHES = { check_in: "/api/v1/me/check-ins", exercise_log: "/api/v1/me/exercise-logs" };
let flushing = false;

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
  } catch {
    // Network gone mid-way: the rest waits for the next chance.
  } finally {
    flushing = false;
  }
  return sent;
}

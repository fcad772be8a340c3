// Messages: the patient's one thread with their care team. Above it the server's safety
// notice and when the team reads messages; below it a form for text and up to 4 photos.
// A message goes through the outbox like a check-in, under an id the phone made, so it
// waits offline and a resend after a lost answer cannot post it twice. Each message shows
// its state: waiting on this phone, sent, or read by the care team.

import { $, h, status } from "./dom.js";
import { api, getJson } from "./api.js";
import { enqueue, pending, takeRefusals } from "./sync.js";

export const MAX_TEXT = 4000;
export const MAX_IMAGES = 4;
const IMAGE_TYPES = ["image/jpeg", "image/png"];
const WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];

/** The unread count shown on the Messages tab (0 hides it). */
export function showUnread(count) {
  const badge = $("messages-unread");
  badge.hidden = !count;
  badge.replaceChildren(String(count ?? 0), h("span", { class: "visually-hidden" }, " unread"));
}

function hoursNote(hours) {
  if (!hours?.days?.length) return "";
  const days = [...hours.days].sort((a, b) => WEEKDAYS.indexOf(a.weekday) - WEEKDAYS.indexOf(b.weekday));
  const list = days.map((d) => `${d.weekday[0].toUpperCase()}${d.weekday.slice(1, 3)} ${d.open}–${d.close}`).join(", ");
  return `Your care team reads messages ${list} (${hours.timezone} time). Outside these hours you get an automatic reply saying when they will read it.`;
}

const time = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

function stateOf(message) {
  if (message.author !== "patient") return null;
  return message.read_at ? `Read ${time.format(new Date(message.read_at))}` : "Sent";
}

const AUTHORS = { patient: "You", care_team: "Your care team", automatic: "Automatic reply" };

/** A thread image, fetched with the access token and shown from a data: URL (the page's CSP allows no blob: images). */
function image(attachment) {
  const img = h("img", { alt: "Photo in the message", width: Math.min(attachment.width, 256), class: "thumb" });
  api("GET", `/api/v1/me/message-attachments/${attachment.id}?thumbnail=true`)
    .then((resp) => (resp.ok ? resp.blob() : null))
    .then((blob) => {
      if (!blob) return;
      const reader = new FileReader();
      reader.onload = () => (img.src = reader.result);
      reader.readAsDataURL(blob);
    })
    .catch(() => {});
  return img;
}

function item(message, waiting) {
  const state = waiting ? "Waiting to send" : stateOf(message);
  return h(
    "li",
    { class: `message ${message.author}`, "data-id": message.id, "data-state": waiting ? "pending" : message.read_at ? "read" : "sent" },
    h("p", { class: "meta" }, `${AUTHORS[message.author] ?? ""} · ${waiting ? "not sent yet" : time.format(new Date(message.sent_at))}`),
    message.text ? h("p", { class: "text" }, message.text) : null,
    message.attachments?.length ? h("div", { class: "thumbs" }, message.attachments.map(image)) : null,
    waiting && message.images ? h("p", { class: "muted" }, `${message.images} photo${message.images === 1 ? "" : "s"}`) : null,
    state ? h("p", { class: "state" }, state) : null,
  );
}

let hours = null;

/** Draws the thread (server messages and what still waits in the outbox) and marks the care team's messages read. */
export async function renderMessages() {
  const [thread, queued] = await Promise.all([getJson("/api/v1/me/messages?limit=100"), pending()]);
  hours ??= await getJson("/api/v1/clinic/hours");
  showRefusals();
  $("messages-hours").textContent = hoursNote(hours);
  if (thread) $("messages-notice").textContent = thread.notice;
  $("messages-offline").hidden = Boolean(thread);
  const sent = thread ? [...thread.items].reverse() : [];
  const known = new Set(sent.map((m) => m.id));
  const waiting = queued
    .filter((i) => i.kind === "message" && !known.has(i.id))
    .map((i) => ({ id: i.id, author: "patient", text: i.body.text, images: i.images?.length ?? 0 }));
  const items = [...sent.map((m) => item(m, false)), ...waiting.map((m) => item(m, true))];
  $("thread").replaceChildren(...items);
  $("no-messages").hidden = items.length > 0;
  if (thread) showUnread(thread.unread);
  // Seen on screen is read: everything up to the newest message of the thread.
  if (thread?.unread && thread.items.length) {
    const resp = await api("POST", "/api/v1/me/messages/read", { up_to: thread.items[0].id }).catch(() => null);
    if (resp?.ok) showUnread((await resp.json()).unread);
  }
}

/** Server refusals (a file that is no image, a text too long) go to the alert region, with the text back in the form. */
function showRefusals() {
  const refused = takeRefusals();
  if (!refused.length) return;
  const last = refused.at(-1);
  if (!$("message-text").value) $("message-text").value = last.text;
  updateCount();
  // The server names a photo by its place (`attachments[1]`); people know it by its file name.
  const index = /^attachments\[(\d+)\]$/.exec(last.field ?? "")?.[1];
  const subject = index !== undefined ? (last.names[Number(index)] ?? "A photo") : last.field === "text" ? "The text" : "";
  $("message-error").textContent = `Not sent: ${subject ? `${subject} ${last.problem}` : last.problem}`;
}

function updateCount() {
  const n = $("message-text").value.length;
  $("message-count").textContent = `${n.toLocaleString("en")} / ${MAX_TEXT.toLocaleString("en")} characters`;
}

/** Checks what the browser can check before queueing; the server checks the bytes again. */
function problemWith(text, files) {
  if (!text.trim() && !files.length) return "Write a message or add a photo.";
  if (text.length > MAX_TEXT) return `A message can have at most ${MAX_TEXT.toLocaleString("en")} characters.`;
  if (files.length > MAX_IMAGES) return `You can add at most ${MAX_IMAGES} photos to one message.`;
  const wrong = files.find((f) => !IMAGE_TYPES.includes(f.type));
  return wrong ? `${wrong.name} is not a JPEG or PNG photo.` : "";
}

/** Wires the form once; `ctx.afterSend()` sends the outbox and redraws. */
export function initMessages(ctx) {
  $("message-text").addEventListener("input", updateCount);
  updateCount();
  $("message-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = $("message-text").value;
    const files = [...$("message-images").files];
    const problem = problemWith(text, files);
    $("message-error").textContent = problem;
    if (problem) return;
    const id = crypto.randomUUID();
    // Files are kept as they are: IndexedDB stores them, so a photo waits offline too.
    await enqueue({ id, kind: "message", body: { id, text: text.trim() }, images: files });
    event.target.reset();
    updateCount();
    // afterSend redraws this screen, with the refusal if the server gave one.
    await ctx.afterSend();
    const waiting = (await pending()).some((i) => i.id === id);
    const refused = $("thread").querySelector(`[data-id="${id}"]`) === null && !waiting;
    if (!refused) status(waiting ? "Message saved on this phone; it is sent when you are back online." : "Message sent.");
    $("message-text").focus();
  });
}

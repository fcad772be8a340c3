// A patient's messages, as the care team sees them: the thread (oldest first) with the
// safety notice, read receipts on the team's own messages, a button that copies a message
// into the clinical record ("clinically relevant"), and a reply with up to 4 images.
// Viewing the thread marks the patient's messages read. A reply keeps the id it was
// first sent with until the server has answered, so a retry after a lost answer never
// posts it twice.

import { api, apiForm, imageData } from "./api.js";
import { h, when, announce, problem } from "./dom.js";

const MAX_TEXT = 4000;
const MAX_IMAGES = 4;
const IMAGE_TYPES = ["image/jpeg", "image/png"];
const AUTHORS = { patient: "Patient", care_team: "Care team", automatic: "Automatic reply" };

function thumbnails(patientId, message) {
  if (!message.attachments.length) return null;
  return h(
    "div",
    { class: "thumbs" },
    message.attachments.map((a, i) => {
      const img = h("img", { alt: `Image ${i + 1} of ${message.attachments.length}`, width: Math.min(a.width, 256), class: "thumb" });
      imageData(`/api/v1/patients/${patientId}/message-attachments/${a.id}?thumbnail=true`).then((src) => {
        if (src) img.src = src;
      });
      return img;
    }),
  );
}

/** Copies one message into the record; the button gives way to the date it was copied. */
function relevantButton(patientId, message, redraw) {
  if (message.author === "automatic") return null;
  if (message.clinically_relevant_at) return h("p", { class: "meta" }, `In the clinical record since ${when(message.clinically_relevant_at)}`);
  const button = h("button", { type: "button", class: "secondary" }, "Mark clinically relevant");
  button.setAttribute("aria-label", `Mark clinically relevant: message of ${when(message.sent_at)}`);
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      await api("POST", `/api/v1/patients/${patientId}/messages/${message.id}/clinically-relevant`);
      announce("The message is copied into the clinical record.");
      await redraw();
    } catch (err) {
      button.disabled = false;
      announce(`Could not mark it: ${problem(err)}`);
    }
  });
  return button;
}

function item(patientId, message, redraw) {
  const receipt = message.author === "care_team" ? (message.read_at ? `Read ${when(message.read_at)}` : "Sent, not read yet") : null;
  return h(
    "li",
    { class: `item message ${message.author}`, dataset: { id: message.id } },
    h("p", { class: "meta" }, `${AUTHORS[message.author] ?? ""} · ${when(message.sent_at)}`),
    message.text ? h("p", { class: "text" }, message.text) : null,
    thumbnails(patientId, message),
    receipt ? h("p", { class: "meta state" }, receipt) : null,
    relevantButton(patientId, message, redraw),
  );
}

function problemWith(text, files) {
  if (!text.trim() && !files.length) return "Write a reply or add an image.";
  if (text.length > MAX_TEXT) return `A message can have at most ${MAX_TEXT.toLocaleString("en")} characters.`;
  if (files.length > MAX_IMAGES) return `At most ${MAX_IMAGES} images per message.`;
  const wrong = files.find((f) => !IMAGE_TYPES.includes(f.type));
  return wrong ? `${wrong.name} is not a JPEG or PNG image.` : "";
}

function replyForm(patientId, after) {
  const text = h("textarea", { id: "reply-text", rows: 4, maxlength: MAX_TEXT, "aria-describedby": "reply-count" });
  const count = h("p", { id: "reply-count", class: "hint" });
  const files = h("input", { id: "reply-images", type: "file", accept: "image/jpeg,image/png", multiple: true });
  const error = h("p", { id: "reply-error", class: "error", role: "alert" });
  const counted = () => (count.textContent = `${text.value.length.toLocaleString("en")} / ${MAX_TEXT.toLocaleString("en")} characters`);
  counted();
  // The id of the reply being sent; kept across a failed attempt so a retry is the same message.
  let id = null;
  const forget = () => (id = null);
  text.addEventListener("input", () => {
    counted();
    forget();
  });
  files.addEventListener("change", forget);
  const form = h(
    "form",
    { id: "reply-form", class: "reply" },
    h("label", { for: "reply-text" }, "Reply"),
    text,
    count,
    h("label", { for: "reply-images" }, "Images (up to 4, JPEG or PNG)"),
    files,
    h("button", { type: "submit" }, "Send reply"),
    error,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const chosen = [...files.files];
    error.textContent = problemWith(text.value, chosen);
    if (error.textContent) return;
    id ??= crypto.randomUUID();
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    let sent = false;
    try {
      const path = `/api/v1/patients/${patientId}/messages`;
      if (chosen.length) {
        const body = new FormData();
        body.append("id", id);
        if (text.value.trim()) body.append("text", text.value.trim());
        for (const f of chosen) body.append("attachments", f, f.name);
        await apiForm("POST", path, body);
      } else {
        await api("POST", path, { id, text: text.value.trim() });
      }
      sent = true;
    } catch (err) {
      // Offline or a server fault: the same id goes again next time. A refusal names its reason.
      if (err.status >= 400 && err.status < 500) forget();
      // The server names an image by its place (`attachments[1]`); show its file name.
      const detail = err.details?.[0];
      const index = /^attachments\[(\d+)\]$/.exec(detail?.field ?? "")?.[1];
      error.textContent = `Not sent: ${index !== undefined && chosen[Number(index)] ? `${chosen[Number(index)].name} ${detail.problem}` : problem(err)}`;
    }
    button.disabled = false;
    if (!sent) return;
    form.reset();
    forget();
    counted();
    announce("Reply sent.");
    await after();
    document.getElementById("reply-text")?.focus();
  });
  return form;
}

/** Draws the thread of patient `id` into `container` and marks what the patient wrote as read. */
export async function renderMessages(container, id) {
  const [patient, thread] = await Promise.all([api("GET", `/api/v1/patients/${id}`), api("GET", `/api/v1/patients/${id}/messages?limit=100`)]);
  const redraw = () => renderMessages(container, id);
  const items = [...thread.items].reverse().map((m) => item(id, m, redraw));
  container.replaceChildren(
    h("p", {}, h("a", { href: `#/patients/${id}`, class: "back" }, `← ${patient.display_name}`)),
    h("h2", { tabindex: "-1", class: "view-title" }, `Messages with ${patient.display_name}`),
    h("p", { class: "notice" }, thread.notice),
    items.length ? h("ol", { class: "list thread", id: "thread", "aria-label": "Messages, oldest first" }, ...items) : h("p", {}, "No messages yet."),
    replyForm(id, redraw),
  );
  if (thread.unread && thread.items.length) {
    await api("POST", `/api/v1/patients/${id}/messages/read`, { up_to: thread.items[0].id }).catch(() => null);
  }
}

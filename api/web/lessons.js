// Lessons: the list open today, one lesson to read, and its check questions. Answers go
// to the server at once when online (to show which were right); offline the completion
// waits in the outbox under its own id and the feedback comes with the next visit.

import { $, h, localDate, problemOf } from "./dom.js";
import { api } from "./api.js";
import { enqueue } from "./sync.js";

/** The lesson body is Markdown; only headings, list items and paragraphs are drawn. */
function markdown(text) {
  const blocks = [];
  let list = null;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    const heading = line.match(/^#{1,6}\s+(.*)$/);
    const item = line.match(/^[-*]\s+(.*)$/);
    if (item) {
      if (!list) blocks.push((list = h("ul")));
      list.append(h("li", {}, item[1].replace(/\*\*/g, "")));
      continue;
    }
    list = null;
    if (heading) blocks.push(h("h3", {}, heading[1]));
    else if (line) blocks.push(h("p", {}, line.replace(/\*\*/g, "")));
  }
  return blocks;
}

export function renderLessonList(today) {
  const items = (today?.lessons ?? []).map((l) =>
    h("li", { class: "item" }, h("a", { href: `/lessons/${l.lesson.lesson_id}`, "data-view": "lesson", "data-arg": l.lesson.lesson_id }, l.lesson.title), h("p", {}, l.completed ? "Done" : `${l.lesson.minutes} min read`)),
  );
  $("lesson-list").replaceChildren(...(items.length ? items : [h("li", {}, "No lessons are open today.")]));
}

function feedback(result, lesson) {
  return h(
    "div",
    { class: "card", id: "lesson-feedback", role: "status" },
    h("p", {}, `${result.correct_count} of ${lesson.questions.length} right.`),
    h("ul", {}, result.feedback.map((f, i) => h("li", {}, `${f.correct ? "Right" : `The answer is “${lesson.questions[i].options[f.correct_option]}”`}: ${f.explanation}`))),
  );
}

/** Shows lesson `id`; `ctx` gives `afterSend()`. */
export async function renderLesson(ctx, id) {
  const root = $("lesson");
  root.replaceChildren(h("p", {}, "Loading…"));
  let resp;
  try {
    resp = await api("GET", `/api/v1/me/lessons/${encodeURIComponent(id)}`);
  } catch {
    root.replaceChildren(h("p", {}, "This lesson needs a connection the first time."));
    return;
  }
  if (!resp.ok) {
    root.replaceChildren(h("p", {}, resp.status === 404 ? "This lesson is not open to you." : "The lesson could not be loaded."));
    return;
  }
  const lesson = await resp.json();
  const questions = lesson.questions.map((q, qi) =>
    h(
      "fieldset",
      {},
      h("legend", {}, q.prompt),
      q.options.map((option, oi) =>
        h("div", { class: "check" }, h("input", { type: "radio", id: `q${qi}-${oi}`, name: `q${qi}`, value: oi, required: true }), h("label", { for: `q${qi}-${oi}` }, option)),
      ),
    ),
  );
  const error = h("p", { class: "error", role: "alert" });
  const form = h("form", { id: "lesson-form" }, questions, h("button", { type: "submit" }, lesson.questions.length ? "Check my answers" : "Mark as read"), error);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const answers = lesson.questions.map((_, qi) => Number(form.querySelector(`input[name=q${qi}]:checked`).value));
    const body = { id: crypto.randomUUID(), completed_at: new Date().toISOString(), local_date: localDate(), answers };
    let answer = null;
    try {
      answer = await api("POST", `/api/v1/me/lessons/${lesson.id}/completions`, body);
    } catch {
      await enqueue({ id: body.id, kind: "lesson_completion", lesson_id: lesson.id, body });
      form.replaceWith(h("p", { role: "status" }, "Saved on this phone; it is sent when you are back online."));
      return;
    }
    if (!answer.ok) {
      error.textContent = (await problemOf(answer)) || "That did not work; please try again.";
      return;
    }
    form.replaceWith(feedback(await answer.json(), lesson));
    await ctx.afterSend();
  });
  root.replaceChildren(h("h2", {}, lesson.title), h("p", { class: "muted" }, `${lesson.minutes} min read`), h("div", { class: "lesson-body" }, markdown(lesson.body)), form);
}

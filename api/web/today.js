// Today: the exercises with their dosage, steps and a done button, the lessons open
// today and the next session. Counts include what is still waiting in the outbox.

import { $, h, localDate } from "./dom.js";
import { pending, enqueue } from "./sync.js";
import { dosage } from "./player.js";

export async function renderPending() {
  const items = await pending();
  const el = $("pending");
  el.hidden = items.length === 0;
  el.textContent = `${items.length} item${items.length === 1 ? "" : "s"} waiting to be sent`;
  return items;
}

/** Queues one exercise log (one of the day's `times_per_day`) and tries to send it. */
export async function logExercise(today, prescription, setsDone) {
  const id = crypto.randomUUID();
  const body = {
    id,
    plan_exercise_id: prescription.plan_exercise_id,
    performed_at: new Date().toISOString(),
    local_date: today?.date ?? localDate(),
    sets_done: setsDone,
  };
  await enqueue({ id, kind: "exercise_log", body });
}

/** `ctx` gives `today()`, `afterSend()` and `go(view, arg)`. */
export async function renderToday(ctx) {
  const today = ctx.today();
  const items = await renderPending();
  const list = $("exercises");
  list.replaceChildren();
  if (!today) {
    $("today-title").textContent = "Today";
    $("no-exercises").hidden = false;
    $("no-exercises").textContent = "Today's plan is not available offline yet.";
    return;
  }
  $("today-title").textContent = `Today, ${today.date}`;
  $("no-exercises").hidden = today.exercises.length > 0;
  for (const ex of today.exercises) {
    const p = ex.prescription;
    const queued = items.filter((i) => i.kind === "exercise_log" && i.body.plan_exercise_id === p.plan_exercise_id).length;
    const total = ex.done + ex.remaining;
    const finished = ex.done + queued >= total;
    const done = h("button", { type: "button", disabled: finished }, `Mark ${p.title} done`);
    done.addEventListener("click", async () => {
      await logExercise(today, p, p.sets);
      await ctx.afterSend();
    });
    const play = h("a", { class: "button secondary", href: `/play/${p.plan_exercise_id}`, "data-view": "play", "data-arg": p.plan_exercise_id }, `Start ${p.title}`);
    list.append(
      h(
        "li",
        { class: "item" },
        h("h3", {}, p.title),
        h("p", { class: "dose" }, dosage(p)),
        h("p", {}, ex.summary),
        h("ol", {}, ex.steps.map((s) => h("li", {}, s))),
        h("p", { class: "done-count" }, `Done ${ex.done + queued} of ${total}` + (queued ? ` (${queued} waiting to send)` : "")),
        h("div", { class: "actions" }, finished ? null : play, done),
      ),
    );
  }
  const lessons = today.lessons.map((l) =>
    h("li", {}, h("a", { href: `/lessons/${l.lesson.lesson_id}`, "data-view": "lesson", "data-arg": l.lesson.lesson_id }, l.lesson.title), l.completed ? " (done)" : ` (${l.lesson.minutes} min)`),
  );
  $("lessons").replaceChildren(...lessons);
  $("no-lessons").hidden = lessons.length > 0;
  $("next-session").textContent = today.next_appointment
    ? `Next session: ${new Date(today.next_appointment.starts_at).toLocaleString()}`
    : "";
}

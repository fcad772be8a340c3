// The exercise player: one exercise step by step. Each set runs the hold timer (per side
// when the dosage says both sides), then the rest timer; "Set done" moves on and the last
// set queues one exercise log through the outbox. "Finish now" logs the sets done so far.
// Timers count from the wall clock, so a phone that sleeps a moment does not slow them.

import { $, h } from "./dom.js";

const SIDES = { left: "left side", right: "right side", both: "both sides", none: "" };

/** "3 sets × 10 reps · hold 20 s · rest 15 s · both sides · twice a day" */
export function dosage(p) {
  const parts = [`${p.sets} set${p.sets === 1 ? "" : "s"} × ${p.reps} rep${p.reps === 1 ? "" : "s"}`];
  if (p.hold_seconds) parts.push(`hold ${p.hold_seconds} s`);
  if (p.rest_seconds) parts.push(`rest ${p.rest_seconds} s`);
  if (SIDES[p.side]) parts.push(SIDES[p.side]);
  if (p.times_per_day > 1) parts.push(`${p.times_per_day} times a day`);
  return parts.join(" · ");
}

let timer = null;

function stopTimer() {
  if (timer) clearInterval(timer.handle);
  timer = null;
}

/** Counts `seconds` down in `#player-timer`, announcing only the end. */
function countdown(seconds, what, onEnd) {
  stopTimer();
  const end = Date.now() + seconds * 1000;
  const show = () => {
    const left = Math.max(0, Math.ceil((end - Date.now()) / 1000));
    $("player-timer").textContent = `${what}: ${left} s`;
    if (left === 0) {
      stopTimer();
      $("player-announce").textContent = `${what} finished.`;
      onEnd?.();
    }
  };
  timer = { handle: setInterval(show, 250) };
  show();
}

/**
 * Shows the player for `planExerciseId` from today's plan. `ctx` gives `today()`,
 * `log(prescription, setsDone)` and `go(view)`.
 */
export function renderPlayer(ctx, planExerciseId) {
  stopTimer();
  const ex = ctx.today()?.exercises.find((e) => e.prescription.plan_exercise_id === planExerciseId);
  const root = $("player");
  if (!ex) {
    root.replaceChildren(h("p", {}, "This exercise is not in today's plan."), h("a", { class: "button", href: "/today", "data-view": "today" }, "Back to today"));
    return;
  }
  const p = ex.prescription;
  const sides = p.side === "both" ? ["left", "right"] : [p.side];
  let set = 1;
  let side = 0;
  const step = h("p", { class: "player-step", id: "player-step" });
  const startHold = h("button", { type: "button", id: "player-hold" }, "Start hold");
  const next = h("button", { type: "button", id: "player-next" }, "Set done");
  const finish = h("button", { type: "button", class: "secondary", id: "player-finish" }, "Finish now");

  const where = () => (sides[side] === "none" ? "" : `, ${sides[side]} side`);
  const describe = () => {
    step.textContent = `Set ${set} of ${p.sets}${where()}`;
    next.textContent = side < sides.length - 1 ? `Done, switch to the ${sides[side + 1]} side` : set < p.sets ? "Set done" : "Exercise done";
    startHold.hidden = !p.hold_seconds;
  };
  const complete = async (setsDone) => {
    stopTimer();
    if (setsDone > 0) await ctx.log(p, setsDone);
    ctx.go("today");
  };

  startHold.addEventListener("click", () => countdown(p.hold_seconds, "Hold", null));
  next.addEventListener("click", async () => {
    if (side < sides.length - 1) {
      side += 1;
      describe();
      return;
    }
    if (set >= p.sets) {
      await complete(p.sets);
      return;
    }
    set += 1;
    side = 0;
    describe();
    if (p.rest_seconds) countdown(p.rest_seconds, "Rest", null);
    else $("player-timer").textContent = "";
  });
  // Only sets confirmed with "Set done" count; the one under way does not.
  finish.addEventListener("click", () => complete(set - 1));

  const parts = [
    h("h2", {}, p.title),
    h("p", { class: "dose" }, dosage(p)),
    p.notes ? h("p", {}, `From your therapist: ${p.notes}`) : null,
    h("ol", { class: "steps" }, ex.steps.map((s) => h("li", {}, s))),
    ex.cautions.length ? h("div", { class: "caution" }, h("h3", {}, "Take care"), h("ul", {}, ex.cautions.map((c) => h("li", {}, c)))) : null,
    step,
    h("p", { id: "player-timer", class: "timer", role: "timer", "aria-live": "off" }),
    h("p", { id: "player-announce", class: "visually-hidden", "aria-live": "polite" }),
    h("div", { class: "actions" }, startHold, next, finish),
  ];
  root.replaceChildren(...parts.filter(Boolean));
  describe();
}

export const leavePlayer = stopTimer;

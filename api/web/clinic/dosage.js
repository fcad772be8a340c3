// The dosage of a prescribed exercise: a form for sets, reps, hold, rest, side, times a
// day and weekdays, and the one-line summary the plan shows. The limits match the API's,
// so the browser stops most mistakes before the server has to.

import { h, field, weekdayPicker, WEEKDAYS } from "./dom.js";

const SIDES = { none: "Not one-sided", both: "Both sides", left: "Left side", right: "Right side" };

function number(value, min, max) {
  return h("input", { type: "number", inputmode: "numeric", min, max, step: 1, value, required: true });
}

/** "Mon–Fri", "Every day", or the days one by one. */
export function dayList(days) {
  if (days.length === 7) return "every day";
  const run = days.every((d, i) => i === 0 || d === days[i - 1] + 1);
  if (run && days.length > 2) return `${WEEKDAYS[days[0] - 1]}–${WEEKDAYS[days.at(-1) - 1]}`;
  return days.map((d) => WEEKDAYS[d - 1]).join(", ");
}

export function summary(p) {
  const hold = p.hold_seconds ? `, hold ${p.hold_seconds} s` : "";
  const rest = p.rest_seconds ? `, rest ${p.rest_seconds} s` : "";
  const side = p.side === "none" ? "" : `, ${SIDES[p.side].toLowerCase()}`;
  return `${p.sets} × ${p.reps}${hold}${rest}${side}; ${p.times_per_day}× a day, ${dayList(p.days_of_week)}`;
}

/**
 * A dosage form prefilled from `initial`; `submit(prescription)` runs on a valid submit
 * and may throw an Error whose message is shown under the form.
 */
export function dosageForm(initial, submitLabel, submit, cancel) {
  const sets = number(initial.sets ?? 1, 1, 10);
  const reps = number(initial.reps ?? 10, 1, 100);
  const hold = number(initial.hold_seconds ?? 0, 0, 600);
  const rest = number(initial.rest_seconds ?? 0, 0, 600);
  const times = number(initial.times_per_day ?? 1, 1, 10);
  const side = h("select", {}, ...Object.entries(SIDES).map(([v, l]) => h("option", { value: v, selected: v === (initial.side ?? "none") }, l)));
  const days = weekdayPicker("Days of the week", initial.days_of_week ?? [1, 2, 3, 4, 5, 6, 7]);
  const notes = h("textarea", { rows: 2, maxlength: 2000 }, initial.notes ?? "");
  const message = h("p", { class: "error", role: "alert" });
  const button = h("button", { type: "submit" }, submitLabel);
  const form = h(
    "form",
    { class: "dosage" },
    h("div", { class: "grid" }, field("Sets", sets), field("Reps", reps), field("Hold (seconds)", hold), field("Rest between sets (seconds)", rest), field("Times a day", times), field("Side", side)),
    days.el,
    field("Notes for the patient", notes),
    button,
    cancel ? h("button", { type: "button", class: "secondary", onclick: cancel }, "Cancel") : null,
    message,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!days.read().length) {
      message.textContent = "Pick at least one day.";
      return;
    }
    const prescription = {
      sets: Number(sets.value),
      reps: Number(reps.value),
      hold_seconds: Number(hold.value),
      rest_seconds: Number(rest.value),
      times_per_day: Number(times.value),
      side: side.value,
      days_of_week: days.read(),
      notes: notes.value.trim() || null,
    };
    button.disabled = true;
    message.textContent = "";
    try {
      await submit(prescription);
    } catch (err) {
      message.textContent = err.message;
      button.disabled = false;
    }
  });
  return form;
}

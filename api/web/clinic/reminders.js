// The patient's reminder rules as their therapist sees them: each can be switched off,
// and the daily ones moved to another time and days or left to follow the patient's
// routine. Saving sends only what changed (PATCH), so a rule the patient edited
// meanwhile keeps their other choices.

import { api } from "./api.js";
import { h, field, weekdayPicker, words, announce, problem } from "./dom.js";

const KINDS = {
  exercises: "Exercises",
  check_in: "Daily check-in",
  lesson: "Lessons",
  appointment_24h: "A day before a session",
  appointment_2h: "Two hours before a session",
  post_session: "Check-in after a session",
};
const DAILY = new Set(["exercises", "check_in", "lesson"]);

function ruleForm(patientId, rule) {
  const label = KINDS[rule.kind] ?? words(rule.kind);
  const enabled = h("input", { type: "checkbox", id: `rule-${rule.id}-on`, checked: rule.enabled });
  const parts = [h("div", { class: "check" }, enabled, h("label", { for: enabled.id }, "Send this reminder"))];
  let time = null;
  let days = null;
  let adapt = null;
  if (DAILY.has(rule.kind)) {
    time = h("input", { type: "time", value: rule.local_time.slice(0, 5), required: true });
    days = weekdayPicker("Days", rule.days_of_week);
    parts.push(field(`Time (${rule.timezone})`, time), days.el);
    if (rule.adapt_to_routine !== undefined) {
      adapt = h("input", { type: "checkbox", id: `rule-${rule.id}-adapt`, checked: rule.adapt_to_routine });
      parts.push(h("div", { class: "check" }, adapt, h("label", { for: adapt.id }, "Follow the patient's routine")));
    }
    if (rule.adaptation) parts.push(h("p", { class: "hint" }, rule.adaptation.explanation));
  } else if (rule.session_offset_minutes != null) {
    parts.push(h("p", { class: "hint" }, `${Math.abs(rule.session_offset_minutes)} minutes ${rule.session_offset_minutes < 0 ? "before" : "after"} the session.`));
  }
  const save = h("button", { type: "submit" }, "Save");
  save.setAttribute("aria-label", `Save: ${label.toLowerCase()} reminder`);
  const message = h("p", { class: "error", role: "alert" });
  const form = h("form", { class: "rule", dataset: { kind: rule.kind } }, h("fieldset", {}, h("legend", {}, label), ...parts, save, message));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const change = {};
    if (enabled.checked !== rule.enabled) change.enabled = enabled.checked;
    if (time && time.value !== rule.local_time.slice(0, 5)) change.local_time = time.value;
    if (days && days.read().join() !== rule.days_of_week.join()) change.days_of_week = days.read();
    if (adapt && adapt.checked !== rule.adapt_to_routine) change.adapt_to_routine = adapt.checked;
    if (!Object.keys(change).length) {
      announce(`Nothing changed in the ${label.toLowerCase()} reminder.`);
      return;
    }
    if (change.days_of_week && !change.days_of_week.length) {
      message.textContent = "Pick at least one day, or switch the reminder off.";
      return;
    }
    save.disabled = true;
    try {
      const saved = await api("PATCH", `/api/v1/patients/${patientId}/reminder-rules/${rule.id}`, change);
      form.replaceWith(ruleForm(patientId, saved));
      announce(`Saved the ${label.toLowerCase()} reminder.`);
    } catch (err) {
      save.disabled = false;
      message.textContent = `Not saved: ${problem(err)}`;
    }
  });
  return form;
}

export async function renderReminders(patientId) {
  const rules = await api("GET", `/api/v1/patients/${patientId}/reminder-rules`);
  if (!rules.length) return [h("p", {}, "No reminder rules yet: they are made with the first care plan.")];
  return [h("div", { class: "rules" }, ...rules.map((r) => ruleForm(patientId, r)))];
}

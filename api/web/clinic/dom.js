// Small DOM helpers shared by the console's screens. Text always goes in through
// `textContent`, never as HTML, so nothing a patient typed can become markup.

/** `h("button", { type: "button", onclick }, "Save")`: an element with attributes and children. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, String(value));
  }
  el.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return el;
}

/** A label and its control, joined by a generated id. */
let serial = 0;
export function field(label, control, hint) {
  serial += 1;
  control.id ||= `f${serial}`;
  const parts = [h("label", { for: control.id }, label)];
  if (hint) {
    const hintEl = h("p", { class: "hint", id: `${control.id}-hint` }, hint);
    control.setAttribute("aria-describedby", hintEl.id);
    parts.push(control, hintEl);
  } else {
    parts.push(control);
  }
  return h("div", { class: "field" }, ...parts);
}

const STATUS = () => document.getElementById("status");

/** Tells screen readers (and sighted users, in the header) what just happened. */
export function announce(text) {
  STATUS().textContent = text;
}

/** Words for a snake_case code: `lower_back` → "lower back". */
export function words(code) {
  return String(code ?? "").replaceAll("_", " ");
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeZone: "UTC" });

export function when(instant) {
  return instant ? dateTime.format(new Date(instant)) : "–";
}

/** A local date (`YYYY-MM-DD`) as written for people, without shifting it by a zone. */
export function day(localDate) {
  return localDate ? dateOnly.format(new Date(`${localDate}T00:00:00Z`)) : "–";
}

/** Today's date in an IANA zone (the patient's), as `YYYY-MM-DD`. */
export function todayIn(timeZone) {
  try {
    return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date());
  } catch {
    return new Date().toISOString().slice(0, 10);
  }
}

export const WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/** Seven checkboxes for ISO weekdays 1–7 inside a fieldset; `read()` gives the ticked ones. */
export function weekdayPicker(legend, selected) {
  serial += 1;
  const boxes = WEEKDAYS.map((name, i) => {
    const id = `d${serial}-${i + 1}`;
    const box = h("input", { type: "checkbox", id, value: i + 1, checked: selected.includes(i + 1) });
    return { box, el: h("div", { class: "check" }, box, h("label", { for: id }, name)) };
  });
  const el = h("fieldset", { class: "days" }, h("legend", {}, legend), ...boxes.map((b) => b.el));
  return { el, read: () => boxes.filter((b) => b.box.checked).map((b) => Number(b.box.value)) };
}

/** The message to show for a failed call, with the fields the server named. */
export function problem(err) {
  const fields = (err.details ?? []).map((d) => (d.field ? `${words(d.field)}: ${d.problem}` : d.problem)).filter(Boolean);
  return fields.length ? `${err.message} (${fields.join("; ")})` : err.message;
}

// Small DOM helpers shared by the screens. Text always goes in as text nodes, never as
// HTML, so nothing the server or the patient typed can become markup.

export const $ = (id) => document.getElementById(id);

/** `h("p", { class: "x" }, "text", child)`: an element with attributes and children. */
export function h(tag, attrs = {}, ...children) {
  const svg = tag.startsWith("svg:");
  const node = svg ? document.createElementNS("http://www.w3.org/2000/svg", tag.slice(4)) : document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child !== null && child !== undefined && child !== false) node.append(child);
  }
  return node;
}

export function status(text) {
  $("status").textContent = text;
}

/** The local date of `when` as `YYYY-MM-DD` (the phone's zone, as the server expects). */
export function localDate(when = new Date()) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${when.getFullYear()}-${pad(when.getMonth() + 1)}-${pad(when.getDate())}`;
}

/** The server's error text for a field, if the answer names one. */
export async function problemOf(resp) {
  try {
    const body = await resp.json();
    return body.details?.[0]?.problem || body.message || "";
  } catch {
    return "";
  }
}

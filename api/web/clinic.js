// The therapist console: roster with open alerts and adherence; acknowledge alerts.
// Same session rules as the patient app: token in memory, refresh token in a cookie.

const $ = (id) => document.getElementById(id);
const CLIENT = { "x-fascia-client": "web" };
let accessToken = null;
let names = new Map();

async function session(path, body) {
  const resp = await fetch(`/api/v1/auth/browser/${path}`, {
    method: "POST",
    headers: { ...CLIENT, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  }).catch(() => null);
  if (!resp || !resp.ok) return false;
  accessToken = (await resp.json()).access_token;
  return true;
}

async function api(method, path) {
  const send = () => fetch(path, { method, headers: { authorization: `Bearer ${accessToken}` } });
  let resp = await send();
  if (resp.status === 401 && (await session("refresh"))) resp = await send();
  if (!resp.ok) throw new Error(`${path}: ${resp.status}`);
  return resp.status === 204 ? null : resp.json();
}

function cell(text) {
  const td = document.createElement("td");
  td.textContent = text;
  return td;
}

async function render() {
  const [patients, alerts] = await Promise.all([
    api("GET", "/api/v1/patients?limit=100"),
    api("GET", "/api/v1/alerts?status=open&limit=100"),
  ]);
  names = new Map(patients.items.map((p) => [p.id, p.display_name]));
  const rows = patients.items.map((p) => {
    const tr = document.createElement("tr");
    tr.append(cell(p.display_name), cell(String(p.open_alerts ?? 0)), cell(p.adherence_7d == null ? "–" : `${Math.round(p.adherence_7d)} %`));
    return tr;
  });
  $("roster").replaceChildren(...rows);
  const items = alerts.items.map((a) => {
    const li = document.createElement("li");
    li.className = "item alert";
    li.dataset.kind = a.kind;
    const h = document.createElement("h3");
    h.textContent = `${names.get(a.patient_id) ?? "Patient"}: ${a.kind.replaceAll("_", " ")}`;
    const p = document.createElement("p");
    p.textContent = a.details ?? "";
    const ack = document.createElement("button");
    ack.type = "button";
    ack.textContent = "Acknowledge";
    ack.addEventListener("click", async () => {
      await api("POST", `/api/v1/alerts/${a.id}/acknowledge`);
      await render();
    });
    li.append(h, p, ack);
    return li;
  });
  $("alerts").replaceChildren(...items);
  $("no-alerts").hidden = items.length > 0;
}

async function enter() {
  $("view-login").hidden = true;
  $("view-roster").hidden = false;
  try {
    await render();
    $("status").textContent = "";
  } catch {
    $("status").textContent = "Could not load the roster; check the connection.";
  }
  document.body.dataset.ready = "true";
}

async function start() {
  $("login-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const ok = await session("login", { email: $("login-email").value, password: $("login-password").value });
    if (ok) await enter();
    else $("login-error").textContent = "That email and password do not match.";
  });
  $("refresh").addEventListener("click", () => enter());
  $("logout").addEventListener("click", async () => {
    await fetch("/api/v1/auth/browser/logout", { method: "POST", headers: CLIENT }).catch(() => {});
    accessToken = null;
    $("view-roster").hidden = true;
    $("view-login").hidden = false;
  });
  if (await session("refresh")) {
    await enter();
  } else {
    $("view-login").hidden = false;
    document.body.dataset.ready = "true";
  }
}

start();

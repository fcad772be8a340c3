// Starts the real fascia binary on a free loopback port with a throwaway data dir,
// seeds the demo clinic through the binary's own `demo` command, and launches Debian's
// Chromium through playwright-core. Nothing here reaches beyond 127.0.0.1.

import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, openSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { createHmac } from "node:crypto";
import { chromium } from "playwright-core";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const BIN = process.env.FASCIA_BIN || join(ROOT, "target/debug/fascia");
export const CHROMIUM = process.env.FASCIA_CHROMIUM || "/usr/bin/chromium";
export const SCREENSHOTS = join(ROOT, "docs/screenshots");

function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
    srv.on("error", fail);
  });
}

export async function startServer() {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), "fascia-browser-"));
  const base = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    FASCIA_ADDR: `127.0.0.1:${port}`,
    FASCIA_DATA_DIR: dataDir,
    FASCIA_PUBLIC_URL: base,
    RUST_LOG: process.env.RUST_LOG || "warn",
  };
  const demo = execFileSync(BIN, ["demo"], { env, encoding: "utf8", timeout: 120_000, stdio: ["ignore", "pipe", "pipe"] });
  const logins = {};
  for (const m of demo.matchAll(/^\s+(admin|therapist|patient)\s+(\S+@\S+)\s+(\S+)\s*$/gm)) {
    (logins[m[1]] ||= []).push({ email: m[2], password: m[3] });
  }
  const log = openSync(join(dataDir, "server.log"), "w");
  const child = spawn(BIN, [], { env, stdio: ["ignore", log, log] });
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await fetch(`${base}/health`)).ok) break;
    } catch {
      // not up yet
    }
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`server did not start; see ${dataDir}/server.log`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    base,
    logins,
    async stop() {
      child.kill("SIGINT");
      await new Promise((r) => (child.exitCode !== null ? r() : child.on("exit", r)));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function launch() {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  return {
    /** A fresh profile: its own cookies, service workers and IndexedDB. */
    async context(options = {}) {
      const context = await browser.newContext({ viewport: { width: 390, height: 844 }, serviceWorkers: "allow", ...options });
      if (process.env.DEBUG) {
        context.on("console", (m) => console.error("console:", m.text()));
        context.on("weberror", (e) => console.error("page error:", e.error()));
      }
      return context;
    },
    close: () => browser.close(),
  };
}

/** The API over plain HTTP (JSON tokens), for seeding and for checking what the server holds. */
export async function apiLogin(base, { email, password }) {
  const resp = await fetch(`${base}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password }),
  });
  if (!resp.ok) throw new Error(`login ${email}: ${resp.status}`);
  const token = (await resp.json()).access_token;
  return async (method, path, body) => {
    const r = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : null };
  };
}

const AXE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");

/**
 * axe-core's WCAG 2.x A/AA violations on the page, as "rule: targets" lines. The pages'
 * CSP forbids injected scripts, so the context must be made with `bypassCSP: true`.
 */
export async function axeViolations(page) {
  await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(() =>
    window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] } }),
  );
  return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

/** Signs in through the page's own form and waits for the app to settle. */
export async function signIn(page, base, path, { email, password }) {
  await page.goto(`${base}${path}`);
  await page.waitForSelector("body[data-ready=true]");
  await page.fill("#login-email", email);
  await page.fill("#login-password", password);
  await page.click("#login-form button[type=submit]");
}

/** Waits until the service worker controls the page (so its cache holds what the page reads). */
export async function controlled(page) {
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 15_000 });
}

/** The patient's active plan (made if missing), with the therapist's and patient's API. */
async function activePlan(base, therapistLogin, patientLogin) {
  const therapist = await apiLogin(base, therapistLogin);
  const patient = await apiLogin(base, patientLogin);
  const patientId = (await patient("GET", "/api/v1/me")).body.patient_id;
  const plans = (await therapist("GET", `/api/v1/patients/${patientId}/care-plans`)).body;
  let plan = (plans.items ?? plans).find((p) => p.status === "active");
  if (!plan) {
    // Started yesterday by UTC, so the plan has begun on the patient's local today in any
    // time zone (between 00:00 UTC and local midnight west of UTC, today by UTC is tomorrow).
    const start = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const made = await therapist("POST", `/api/v1/patients/${patientId}/care-plans`, { title: "Home stretches", start_date: start });
    if (made.status >= 300) throw new Error(`plan: ${made.status} ${JSON.stringify(made.body)}`);
    plan = made.body;
  }
  return { plan, therapist, patient, patientId };
}

/**
 * The server's answer to the app's next check-in send. The app says "saved" from its outbox
 * at once and sends in the background, so tests wait for this, not for the screen.
 */
export function checkInStored(page) {
  return page.waitForResponse(
    (r) => r.url().endsWith("/api/v1/me/check-ins") && r.request().method() === "POST" && r.ok(),
  );
}

/** The therapist adds a stretch, due every day, to the patient's active plan (made if missing). */
export async function prescribeToday(base, therapistLogin, patientLogin, overrides = {}) {
  const { plan, therapist } = await activePlan(base, therapistLogin, patientLogin);
  const exercises = (await therapist("GET", "/api/v1/exercises?limit=1")).body;
  const exercise = (exercises.items ?? exercises)[0];
  const prescription = { days_of_week: [1, 2, 3, 4, 5, 6, 7], hold_seconds: 20, reps: 3, rest_seconds: 15, sets: 1, side: "none", times_per_day: 2, ...overrides };
  const added = await therapist("POST", `/api/v1/care-plans/${plan.id}/exercises`, { exercise_id: exercise.id, prescription });
  if (added.status >= 300) throw new Error(`add exercise: ${added.status} ${JSON.stringify(added.body)}`);
  return exercise.title;
}

/** The therapist adds the library's first lesson to the patient's active plan; returns it. */
export async function assignLesson(base, therapistLogin, patientLogin) {
  const { plan, therapist } = await activePlan(base, therapistLogin, patientLogin);
  const lessons = (await therapist("GET", "/api/v1/lessons?limit=1")).body;
  const lesson = (lessons.items ?? lessons)[0];
  const added = await therapist("POST", `/api/v1/care-plans/${plan.id}/lessons`, { lesson_id: lesson.id });
  if (added.status >= 300 && added.status !== 409) throw new Error(`add lesson: ${added.status} ${JSON.stringify(added.body)}`);
  return lesson;
}

/** RFC 4648 base32 (no padding), as the server writes authenticator secrets. */
function fromBase32(text) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0;
  let value = 0;
  const out = [];
  for (const c of text.replace(/=+$/, "").toUpperCase()) {
    value = (value << 5) | alphabet.indexOf(c);
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** The six-digit RFC 6238 code (SHA-1, 30 s) of `secret` for time step `step`. */
export function totp(secret, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac("sha1", fromBase32(secret)).update(counter).digest();
  const at = mac[19] & 15;
  const number = (((mac[at] & 127) << 24) | (mac[at + 1] << 16) | (mac[at + 2] << 8) | mac[at + 3]) % 1_000_000;
  return String(number).padStart(6, "0");
}

export const stepNow = () => Math.floor(Date.now() / 30_000);

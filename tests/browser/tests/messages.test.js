// Messaging in both web apps (issue 17): a patient's message written offline waits in the
// outbox and is stored once, even when the first answer is lost; the therapist sees the
// unread count on the roster, reads and replies; the patient sees the reply, its badge and
// the clinic's message hours; a file that only claims to be a PNG is refused with the
// server's reason on screen. The new screens pass axe.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { startServer, launch, apiLogin, signIn, controlled, axeViolations, SCREENSHOTS } from "../harness.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function messagesPage(context, login) {
  const page = await context.newPage();
  await signIn(page, server.base, "/messages", login);
  await page.waitForSelector("#view-messages:not([hidden]) #messages-notice:not(:empty)");
  await controlled(page);
  return page;
}

/** The patient's own messages on the server (not the clinic's automatic replies). */
async function ownMessages(api, text) {
  const thread = (await api("GET", "/api/v1/me/messages?limit=200")).body;
  return thread.items.filter((m) => m.author === "patient" && m.text === text);
}

test("a message written offline is queued, sent once when online, and a lost answer does not post it twice", async () => {
  const login = server.logins.patient[0];
  const api = await apiLogin(server.base, login);
  const context = await browser.context();
  const page = await messagesPage(context, login);
  const text = "Offline note: the shoulder stretch pinches at the end.";

  await context.setOffline(true);
  await page.fill("#message-text", text);
  assert.match(await page.textContent("#message-count"), new RegExp(`^${text.length} / 4,000`));
  await page.click("#message-form button[type=submit]");
  await page.waitForSelector('#thread li[data-state="pending"]');
  assert.match(await page.textContent('#thread li[data-state="pending"]'), /Waiting to send/);
  await page.waitForFunction(() => /saved on this phone/.test(document.getElementById("status").textContent));
  assert.equal((await ownMessages(api, text)).length, 0, "nothing reached the server offline");

  // Back online, the first send reaches the server but its answer is lost on the way back.
  let lost;
  const wasLost = new Promise((resolve) => (lost = resolve));
  let sends = 0;
  await page.route("**/api/v1/me/messages", async (route) => {
    if (route.request().method() !== "POST" || sends++ > 0) return route.fallback();
    await route.fetch();
    await route.abort("connectionreset");
    lost();
  });
  await context.setOffline(false);
  await page.evaluate(() => window.dispatchEvent(new Event("online")));
  await wasLost;
  assert.equal((await ownMessages(api, text)).length, 1, "stored by the first send");

  // The phone still holds it; the next start sends the same id again, and the server
  // answers with the stored message.
  const replayed = page.waitForResponse((r) => r.url().endsWith("/api/v1/me/messages") && r.request().method() === "POST");
  await page.reload();
  assert.equal((await replayed).status(), 200, "a replay, not a second message");
  await page.waitForSelector('#thread li[data-state="pending"]', { state: "detached" });
  await page.waitForSelector('#thread li[data-state="sent"]');
  assert.equal((await ownMessages(api, text)).length, 1, "exactly one message on the server");
  assert.equal(await page.locator("#thread li.patient", { hasText: text }).count(), 1, "shown once");
  await context.close();
});

test("the therapist sees the unread count, replies, and the patient sees the reply and its badge", async () => {
  const login = server.logins.patient[0];
  const patientApi = await apiLogin(server.base, login);
  const patientId = (await patientApi("GET", "/api/v1/me")).body.patient_id;
  const sent = await patientApi("POST", "/api/v1/me/messages", { id: crypto.randomUUID(), text: "Is it fine to stretch twice a day?" });
  assert.equal(sent.status, 201);

  const desk = await browser.context({ viewport: { width: 1280, height: 900 } });
  const staff = await desk.newPage();
  await signIn(staff, server.base, "/clinic/", server.logins.therapist[0]);
  await staff.waitForSelector("#view-roster:not([hidden])");
  const unread = staff.locator(`#roster tr[data-patient="${patientId}"] td.unread a`);
  await unread.waitFor();
  assert.ok(Number(await unread.textContent()) >= 1);
  await unread.click();
  await staff.waitForSelector("#view-messages:not([hidden]) #reply-form");
  assert.match(await staff.textContent("#view-messages"), /Is it fine to stretch twice a day\?/);
  await staff.screenshot({ path: join(SCREENSHOTS, "console-messages.png") });

  // Viewing marked the patient's messages read: the patient sees the receipt.
  await staff.waitForSelector("body[data-ready=true]");
  const mine = (await patientApi("GET", "/api/v1/me/messages?limit=200")).body.items.find((m) => m.id === sent.body.id);
  assert.ok(mine.read_at, "the therapist's view marked it read");

  await staff.fill("#reply-text", "Yes, morning and evening is fine.");
  await staff.click("#reply-form button[type=submit]");
  await staff.waitForSelector("#thread li.care_team >> text=Yes, morning and evening is fine.");
  assert.match(await staff.textContent("#status"), /Reply sent/);
  // Copy the patient's question into the clinical record.
  await staff.locator(`#thread li[data-id="${sent.body.id}"] button`).click();
  await staff.waitForSelector(`#thread li[data-id="${sent.body.id}"] >> text=In the clinical record since`);
  const record = (await (await apiLogin(server.base, server.logins.therapist[0]))("GET", `/api/v1/patients/${patientId}/record-messages`)).body;
  assert.ok(record.items.some((e) => e.message_id === sent.body.id));

  const admin = await apiLogin(server.base, server.logins.admin[0]);
  const days = [
    { weekday: "friday", open: "09:00", close: "12:00" },
    { weekday: "monday", open: "08:00", close: "17:30" },
  ];
  assert.equal((await admin("PUT", "/api/v1/clinic/hours", { days })).status, 200);

  const phone = await browser.context();
  const page = await phone.newPage();
  await signIn(page, server.base, "/today", login);
  await page.waitForSelector("#view-today:not([hidden])");
  const expected = (await patientApi("GET", "/api/v1/me/today")).body.unread_messages;
  assert.ok(expected >= 1);
  await page.waitForSelector("#messages-unread:not([hidden])");
  assert.equal(await page.textContent("#messages-unread"), `${expected} unread`);
  await page.click("#nav a[data-view=messages]");
  await page.waitForSelector("#thread li.care_team >> text=Yes, morning and evening is fine.");
  assert.match(await page.textContent(`#thread li[data-id="${sent.body.id}"]`), /Read /);
  assert.match(await page.textContent("#messages-hours"), /reads messages Mon 08:00–17:30, Fri 09:00–12:00 \(/);
  // Seen is read: the badge goes, and the server agrees.
  await page.waitForSelector("#messages-unread", { state: "hidden" });
  assert.equal((await patientApi("GET", "/api/v1/me/today")).body.unread_messages, 0);
  await page.screenshot({ path: join(SCREENSHOTS, "messages.png") });
  await phone.close();
  await desk.close();
});

test("an HTML file named .png is refused with the server's reason and nothing stored; a real PNG then goes", async () => {
  const login = server.logins.patient[0];
  const api = await apiLogin(server.base, login);
  const context = await browser.context();
  const page = await messagesPage(context, login);
  const text = "Here is a photo of the bruise.";
  const before = (await api("GET", "/api/v1/me/messages?limit=200")).body.items.length;

  await page.fill("#message-text", text);
  await page.setInputFiles("#message-images", {
    name: "bruise.png",
    mimeType: "image/png",
    buffer: Buffer.from("<!doctype html><script>alert(1)</script>"),
  });
  const answer = page.waitForResponse((r) => r.url().endsWith("/api/v1/me/messages") && r.request().method() === "POST");
  await page.click("#message-form button[type=submit]");
  const refused = await answer;
  assert.equal(refused.status(), 422);
  const reason = (await refused.json()).details[0].problem;
  await page.waitForFunction(() => document.getElementById("message-error").textContent.startsWith("Not sent"));
  assert.equal(await page.textContent("#message-error"), `Not sent: bruise.png ${reason}`);
  assert.equal(await page.inputValue("#message-text"), text, "the text is back in the form to send again");
  assert.equal(await page.locator('#thread li[data-state="pending"]').count(), 0, "not left in the outbox");
  assert.equal((await api("GET", "/api/v1/me/messages?limit=200")).body.items.length, before);

  // With a real PNG instead, the same text goes, and the photo shows from the server.
  await page.setInputFiles("#message-images", join(ROOT, "api/web/icon-192.png"));
  await page.click("#message-form button[type=submit]");
  await page.waitForSelector('#thread li[data-state="sent"] img.thumb[src^="data:image/png"]');
  const stored = await ownMessages(api, text);
  assert.equal(stored.length, 1);
  assert.equal(stored[0].attachments[0].content_type, "image/png");
  assert.equal(await page.textContent("#message-error"), "", "the refusal is cleared");
  await context.close();
});

for (const scheme of ["light", "dark"]) {
  test(`the patient's and the console's message screens pass axe (${scheme})`, async () => {
    const patientApi = await apiLogin(server.base, server.logins.patient[0]);
    const patientId = (await patientApi("GET", "/api/v1/me")).body.patient_id;
    const context = await browser.context({ bypassCSP: true, colorScheme: scheme });
    const page = await context.newPage();
    await signIn(page, server.base, "/messages", server.logins.patient[0]);
    await page.waitForSelector("#view-messages:not([hidden]) #thread li");
    assert.deepEqual(await axeViolations(page), [], "patient messages");

    const staff = await browser.context({ bypassCSP: true, colorScheme: scheme, viewport: { width: 1280, height: 900 } });
    const desk = await staff.newPage();
    await signIn(desk, server.base, "/clinic/", server.logins.therapist[0]);
    await desk.waitForSelector("#view-roster:not([hidden])");
    assert.deepEqual(await axeViolations(desk), [], "roster with unread counts");
    await desk.goto(`${server.base}/clinic/patients/${patientId}/messages`);
    await desk.waitForSelector("#view-messages:not([hidden]) #reply-form");
    assert.match(desk.url(), /#\/patients\/.+\/messages$/, "a push link opens the thread");
    assert.deepEqual(await axeViolations(desk), [], "console messages");
    await staff.close();
    await context.close();
  });
}

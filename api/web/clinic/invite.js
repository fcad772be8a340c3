// Inviting a patient: create the record (or take an existing one without an account),
// then send the invite. The answer says whether the email went out; the link is shown
// either way, since on a server without mail settings the email is only written to the
// server's outbox folder and the therapist may need to pass the link on by hand.

import { api } from "./api.js";
import { h, field, when, announce, problem } from "./dom.js";

function result(patient, invite) {
  const link = h("input", { type: "text", readonly: true, value: invite.accept_url, id: "invite-link" });
  const copy = h("button", { type: "button", class: "secondary" }, "Copy link");
  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(invite.accept_url);
      announce("Link copied.");
    } catch {
      link.select();
      announce("Select the link and copy it.");
    }
  });
  return h(
    "section",
    { class: "panel", id: "invite-result", "aria-labelledby": "invite-result-title" },
    h("h3", { id: "invite-result-title", tabindex: "-1" }, `${patient.display_name} is invited`),
    h(
      "p",
      { id: "invite-outbox" },
      invite.emailed
        ? "The invite email has gone out (on a server without mail settings it is written to the outbox folder in the data directory instead). "
        : "The email could not be sent: give the patient the link below yourself, or resend the invite later. ",
      `The link works once, until ${when(invite.expires_at)}.`,
    ),
    field("Invite link", link),
    copy,
    h("p", {}, h("a", { href: `#/patients/${patient.id}` }, `Open ${patient.display_name}'s page`)),
  );
}

export async function renderInvite(container, existingId) {
  const existing = existingId ? await api("GET", `/api/v1/patients/${existingId}`) : null;
  const name = h("input", { type: "text", required: true, maxlength: 200, autocomplete: "off", value: existing?.display_name ?? "" });
  const email = h("input", { type: "email", required: true, maxlength: 254, autocomplete: "off" });
  const diagnosis = h("textarea", { rows: 2, maxlength: 4000 });
  const message = h("p", { class: "error", role: "alert", id: "invite-error" });
  const button = h("button", { type: "submit" }, "Send the invite");
  const form = h(
    "form",
    { id: "invite-form", class: "panel" },
    existing ? h("p", {}, `Invite ${existing.display_name} to the app.`) : field("Patient's name", name),
    field("Patient's email", email, "The invite link goes here; the patient chooses a password with it."),
    existing ? null : field("Reason for care (optional)", diagnosis),
    button,
    message,
  );
  let patient = existing;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    message.textContent = "";
    try {
      // A record made on an earlier try whose invite failed is reused, not made twice.
      if (!patient) {
        patient = await api("POST", "/api/v1/patients", { display_name: name.value, diagnosis: diagnosis.value.trim() || null });
        name.readOnly = true;
      }
      const invite = await api("POST", `/api/v1/patients/${patient.id}/invites`, { email: email.value.trim() });
      const shown = result(patient, invite);
      form.replaceWith(shown);
      shown.querySelector("h3").focus();
      announce(`Invited ${patient.display_name}.`);
    } catch (err) {
      message.textContent = `Not sent: ${problem(err)}`;
      button.disabled = false;
    }
  });
  container.replaceChildren(
    h("p", {}, h("a", { href: existing ? `#/patients/${existing.id}` : "#/", class: "back" }, existing ? `← ${existing.display_name}` : "← All patients")),
    h("h2", { tabindex: "-1", class: "view-title" }, existing ? "Invite to the app" : "Invite a new patient"),
    form,
  );
}

//! One integration-test binary: every module talks HTTP to a real server from
//! `fascia_tests::spawn_app()`.

mod alerts;
mod audit;
mod auth;
mod authorization_matrix;
mod care_plans;
mod check_in_days;
mod check_ins;
mod clinical_record;
mod crash;
mod discharge;
mod edge;
mod forged_tokens;
mod library;
mod measures;
mod openapi;
mod outage;
mod patients;
mod provisioning;
mod push;
mod red_flags;
mod reminders;
mod scar_girth;
mod session_notes;
mod session_record;
mod trends;
// The clinical record (issue 13).
mod authorizations;
mod plan_of_care;
mod referrals;
// Accounts: email, password reset, invites, staff lifecycle, sessions (issue 15).
mod password_reset;
mod staff_invites;
// The progress report and its share links (issue 14).
mod reports;
// MFA, metrics, proxies and rate limits (issue 15).
mod mfa;
mod ops;
// Patient data rights (issue 15).
mod data_rights;
// FHIR R4 export (issue 14).
mod fhir;
// Adaptive reminder timing (issue 17).
mod adaptive;
// The web app and browser sessions (issue 16).
mod web_app;
// The clinic console: exercise order and the roster's last check-in (issue 16).
mod plan_order;
// Secure messaging (issue 17).
mod messages;
// Attachments in an S3-compatible object store (issue 17).
mod attachment_store;
// Typed JSON on the check-in and red-flag path (issue 12).
mod stored_check_ins;

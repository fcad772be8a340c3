//! Sea-orm entities, one file per table. These are storage shapes only: the API never
//! takes or returns them directly (DTOs live in `fascia::routes`).
//!
//! Closed word lists, stored or not, are declared with [`vocabulary!`], which the server
//! also uses for its domain enums.

mod vocabulary;

pub mod alert;
pub mod appointment;
pub mod audit_action;
pub mod audit_event;
pub mod blob_deletion;
pub mod body_region;
pub mod care_plan;
pub mod care_plan_version;
pub mod check_in;
pub mod check_in_day;
pub mod clinic;
pub mod clinic_instrument;
pub mod exercise;
pub mod exercise_log;
pub mod instrument;
pub mod invite;
pub mod json_text;
pub mod lesson;
pub mod lesson_completion;
pub mod library_hidden;
pub mod measure_response;
pub mod measure_schedule;
pub mod patient;
pub mod payer_authorization;
pub mod plan_exercise;
pub mod plan_goal;
pub mod plan_lesson;
pub mod push_delivery;
pub mod push_subscription;
pub mod red_flag_report;
pub mod red_flags;
pub mod referral;
pub mod refresh_token;
pub mod reminder_kind;
pub mod reminder_occurrence;
pub mod reminder_preference;
pub mod reminder_rule;
pub mod reminder_watermark;
pub mod role;
pub mod rom_measure;
pub mod session_note;
pub mod session_note_addendum;
pub mod side;
pub mod timed_procedure;
pub mod user;
// Issue 13: scar and girth measures, discharge.
pub mod discharge_summary;
pub mod girth_measurement;
pub mod scar_assessment;
// Issue 15 (accounts): password resets and login sessions.
pub mod login_session;
pub mod password_reset;
// Issue 14: share links for the progress report.
pub mod share_link;
pub mod share_link_view;
// Issue 15: MFA.
pub mod clinic_mfa_policy;
pub mod mfa_challenge;
pub mod mfa_recovery_code;
pub mod mfa_totp;
// Issue 15: patient data rights.
pub mod clinic_data_policy;
pub mod consent_event;
pub mod erasure_request;
// issue 17: adaptive reminder timing
pub mod reminder_adaptation;
// Issue 17: secure messaging.
pub mod clinic_hours;
pub mod message;
pub mod message_attachment;
pub mod message_blob;
pub mod message_record_entry;

pub use audit_action::AuditAction;
pub use body_region::BodyRegion;
pub use instrument::InstrumentId;
pub use json_text::JsonText;
pub use red_flags::RedFlagsV1;
pub use role::Role;
pub use side::Side;

//! Domain logic. Services take already-validated inputs, own their transactions and
//! decide who may touch which object (another owner's object is "not found").

pub mod accounts;
pub mod adherence;
pub mod alerts;
pub mod appointments;
pub mod audit;
pub mod audit_sink;
pub mod baselines;
pub mod care_plans;
pub mod check_in_days;
pub mod check_ins;
pub mod clinic_settings;
pub mod discharge;
pub mod exercise_logs;
pub mod fhir;
pub mod girths;
pub mod idempotent;
pub mod lesson_grading;
pub mod library;
pub mod library_regions;
pub mod library_seed;
pub mod library_words;
pub mod localtime;
pub mod measured_site;
pub mod measures;
// Issue 15: MFA.
pub mod mfa;
pub mod mfa_policy;
pub mod patient_scope;
pub mod patients;
pub mod payer_authorizations;
pub mod provisioning;
pub mod push_subscriptions;
pub mod red_flags;
pub mod referrals;
pub mod reminder_preferences;
pub mod reminder_rules;
pub mod roster;
// issue 17: adaptive reminder timing
pub mod reminder_adaptation;
pub mod scars;
pub mod session_notes;
pub mod session_record_store;
pub mod session_tokens;
pub mod sessions;
pub mod staff;
pub mod sync;
pub mod today;
pub mod trends;
// Issue 15 (accounts): email, password reset, invites, login sessions.
pub mod invites;
pub mod mail;
pub mod my_sessions;
pub mod password_reset;
// Issue 14: the progress report and its share links.
pub mod report;
pub mod share_links;
// Issue 15: patient data rights.
pub mod consent_history;
pub mod consents;
pub mod erasure;
pub mod export;
// Issue 17: secure messaging.
pub mod messages;

use sea_orm::sea_query::LikeExpr;

pub use localtime::{local_date, local_day_end, local_day_start, patient_timezone};

/// A case-insensitive substring match for user input, with LIKE wildcards escaped.
/// Columns compared against it hold lower-cased text.
pub fn contains_pattern(search: &str) -> LikeExpr {
    let escaped: String = search
        .to_lowercase()
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    LikeExpr::new(format!("%{escaped}%")).escape('\\')
}

/// Opaque list cursors: the id of the last row of the previous page.
pub mod cursor {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    use uuid::Uuid;

    pub fn encode(last: Uuid) -> String {
        URL_SAFE_NO_PAD.encode(last.as_bytes())
    }

    pub fn decode(cursor: &str) -> Option<Uuid> {
        let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
        Uuid::from_slice(&bytes).ok()
    }
}

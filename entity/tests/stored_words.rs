//! The words every storage enum writes, as they were before the enums were declared with
//! `entity::vocabulary!`: rows already in a database must read back unchanged, in the
//! same column type, and a word outside the list must stay a decode error.

use std::fmt::Debug;

use entity::*;
use sea_orm::{ActiveEnum, ColumnType, DbErr, Iterable, sea_query::StringLen};

fn stored_as<E>(len: u32, words: &[&str])
where
    E: ActiveEnum<Value = String> + Iterable + Debug + PartialEq,
{
    let name = std::any::type_name::<E>();
    let written: Vec<String> = E::iter().map(|v| v.to_value()).collect();
    assert_eq!(written, words, "{name}");
    for word in words {
        let read = E::try_from_value(&(*word).to_owned()).unwrap_or_else(|e| panic!("{name} {word}: {e}"));
        assert_eq!(read.to_value(), *word, "{name}");
    }
    assert!(matches!(E::try_from_value(&"not_a_stored_word".to_owned()), Err(DbErr::Type(_))), "{name}");
    let column = format!("{:?}", E::db_type().get_column_type());
    assert_eq!(column, format!("{:?}", ColumnType::String(StringLen::N(len))), "{name}");
}

#[test]
fn every_storage_enum_writes_and_reads_the_words_it_always_has() {
    stored_as::<appointment::Status>(16, &["scheduled", "completed", "cancelled", "no_show"]);
    stored_as::<audit_event::Outcome>(16, &["success", "failure", "denied"]);
    stored_as::<audit_event::ActorRole>(16, &["admin", "therapist", "patient", "system"]);
    stored_as::<body_region::BodyRegion>(
        24,
        &[
            "head",
            "jaw",
            "neck",
            "shoulder",
            "upper_arm",
            "elbow",
            "forearm",
            "wrist",
            "hand",
            "chest",
            "abdomen",
            "upper_back",
            "mid_back",
            "lower_back",
            "sacrum",
            "hip",
            "buttock",
            "groin",
            "thigh",
            "hamstring",
            "knee",
            "calf",
            "shin",
            "ankle",
            "foot",
        ],
    );
    stored_as::<care_plan::Status>(16, &["active", "paused", "completed"]);
    stored_as::<consent_event::Consent>(32, &["reminders", "physician_sharing"]);
    stored_as::<discharge_summary::Reason>(
        32,
        &["goals_met", "plateau", "referred_back", "patient_choice", "authorization_ended"],
    );
    stored_as::<erasure_request::Status>(16, &["requested", "declined", "confirmed", "purging", "purged"]);
    stored_as::<instrument::InstrumentId>(32, &["nprs", "peg", "psfs", "pss4", "ndi"]);
    stored_as::<lesson::Topic>(24, &["posture", "body_mechanics", "ergonomics", "breathing", "sleep", "self_care"]);
    stored_as::<message::Author>(16, &["patient", "care_team", "automatic"]);
    stored_as::<message_attachment::ImageKind>(16, &["jpeg", "png"]);
    stored_as::<mfa_challenge::Purpose>(16, &["login", "enrol"]);
    stored_as::<plan_goal::Status>(16, &["active", "achieved", "dropped"]);
    stored_as::<push_delivery::Purpose>(16, &["reminder", "alert", "test", "message"]);
    stored_as::<push_delivery::Outcome>(16, &["delivered", "retry", "expired", "rejected", "failed", "refused"]);
    stored_as::<reminder_kind::ReminderKind>(
        16,
        &["exercises", "check_in", "lesson", "appointment_24h", "appointment_2h", "post_session"],
    );
    stored_as::<reminder_occurrence::Status>(16, &["pending", "leased", "sent", "skipped", "failed"]);
    stored_as::<role::Role>(16, &["admin", "therapist", "patient"]);
    stored_as::<rom_measure::Mode>(16, &["active", "passive"]);
    stored_as::<rom_measure::Method>(24, &["goniometer", "inclinometer", "visual_estimate"]);
    stored_as::<session_note::Position>(16, &["prone", "supine", "side_lying", "seated"]);
    stored_as::<session_note::Pressure>(16, &["light", "moderate", "firm"]);
    stored_as::<share_link_view::Outcome>(
        16,
        &["shown", "pdf", "code_asked", "wrong_code", "throttled", "expired", "revoked", "unknown"],
    );
    stored_as::<side::Side>(16, &["left", "right", "both", "none"]);
    stored_as::<timed_procedure::Code>(8, &["97124", "97140", "97110", "97112", "97530"]);
}

#[test]
fn audit_actions_write_and_read_the_words_they_always_have() {
    stored_as::<AuditAction>(
        64,
        &[
            "adherence.read",
            "admin.invite",
            "alert.acknowledge",
            "alert.add_red_flags",
            "alert.escalate",
            "alert.list",
            "alert.raise",
            "appointment.create",
            "appointment.read",
            "appointment.update",
            "auth.invite_accept",
            "auth.login",
            "auth.logout",
            "auth.mfa",
            "auth.mfa_recovery_code",
            "auth.password_change",
            "auth.password_reset",
            "auth.password_reset_request",
            "auth.refresh_token_reuse",
            "auth.session_end",
            "auth.session_end_others",
            "authorization.refused",
            "care_plan.discharge",
            "care_plan.history_read",
            "care_plan.list",
            "care_plan.read",
            "care_plan.update",
            "check_in.delete",
            "check_in.read",
            "check_in.update",
            "check_in.write",
            "clinic.hours.update",
            "clinic.mfa_policy.update",
            "clinic.retention.update",
            "clinic.settings.update",
            "consent_history.read",
            "discharge_summary.read",
            "erasure.confirm",
            "erasure.decline",
            "erasure.purge",
            "erasure.request",
            "erasure_request.list",
            "exercise_log.read",
            "exercise_log.write",
            "fhir.export",
            "fhir.export_clinic",
            "girth_measurement.create",
            "girth_measurement.read",
            "home.sync",
            "home.today_read",
            "instrument.enable",
            "invite.resend",
            "invite.revoke",
            "lesson.read",
            "lesson_completion.write",
            "library.exercise_create",
            "library.exercise_update",
            "library.hide",
            "library.lesson_create",
            "library.lesson_update",
            "library.show",
            "measure_response.write",
            "measure_schedule.create",
            "measure_schedule.end",
            "measure_schedule.read",
            "message.admin_review",
            "message.attachment_read",
            "message.mark_clinically_relevant",
            "message.mark_read",
            "message.read",
            "message.record_read",
            "message.send",
            "message.send_replayed",
            "mfa.totp.confirm",
            "mfa.totp.disable",
            "mfa.totp.enrol",
            "patient.archive",
            "patient.create",
            "patient.export",
            "patient.invite",
            "patient.list",
            "patient.read",
            "patient.update",
            "payer_authorization.create",
            "payer_authorization.list",
            "payer_authorization.read",
            "payer_authorization.update",
            "push_subscription.remove",
            "push_subscription.subscribe",
            "red_flag_report.write",
            "referral.create",
            "referral.list",
            "referral.read",
            "referral.update",
            "reminder_rule.update",
            "report.read",
            "scar_assessment.create",
            "scar_assessment.read",
            "session_note.addendum",
            "session_note.read",
            "session_note.sign",
            "session_note.write",
            "share_link.consent_check",
            "share_link.create",
            "share_link.list",
            "share_link.revoke",
            "share_link.view",
            "share_link.view_refused",
            "staff.disable",
            "staff.enable",
            "therapist.invite",
            "trends.read",
        ],
    );
}

#[test]
fn the_words_of_as_str_and_parse_are_the_stored_words() {
    fn same<E: ActiveEnum<Value = String> + Iterable>(as_str: impl Fn(&E) -> &'static str) {
        for v in E::iter() {
            assert_eq!(v.to_value(), as_str(&v));
        }
    }
    same::<Side>(|v| v.as_str());
    same::<Role>(|v| v.as_str());
    same::<BodyRegion>(|v| v.as_str());
    same::<InstrumentId>(|v| v.as_str());
    same::<AuditAction>(|v| v.as_str());
    same::<reminder_kind::ReminderKind>(|v| v.as_str());
    assert_eq!(InstrumentId::parse("pss4"), Some(InstrumentId::Pss4));
    assert_eq!(InstrumentId::parse("PSS4"), None);
}

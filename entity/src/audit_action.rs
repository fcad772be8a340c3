//! What an audit event records as its action, as `audit_event.action` stores it.
//!
//! One variant per word the server writes. The stored words never change once written
//! (old rows must stay readable and the admin filters by them), so a new action is a new
//! variant; a stored word outside this list is a decode error when the row is read.

use sea_orm::entity::prelude::*;

crate::vocabulary! {
    /// The action of an audit event: `<what it concerns>.<what happened>`, stored as that
    /// dotted lowercase word (at most 64 characters, the column's width), which the
    /// audit-log API also returns and filters by.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[sea_orm(db_type = "String(StringLen::N(64))")]
    pub enum AuditAction {
        AdherenceRead = "adherence.read",
        AdminInvite = "admin.invite",
        AlertAcknowledge = "alert.acknowledge",
        AlertAddRedFlags = "alert.add_red_flags",
        AlertEscalate = "alert.escalate",
        AlertList = "alert.list",
        AlertRaise = "alert.raise",
        AppointmentCreate = "appointment.create",
        AppointmentRead = "appointment.read",
        AppointmentUpdate = "appointment.update",
        AuthInviteAccept = "auth.invite_accept",
        AuthLogin = "auth.login",
        AuthLogout = "auth.logout",
        AuthMfa = "auth.mfa",
        AuthMfaRecoveryCode = "auth.mfa_recovery_code",
        AuthPasswordChange = "auth.password_change",
        AuthPasswordReset = "auth.password_reset",
        AuthPasswordResetRequest = "auth.password_reset_request",
        AuthRefreshTokenReuse = "auth.refresh_token_reuse",
        AuthSessionEnd = "auth.session_end",
        AuthSessionEndOthers = "auth.session_end_others",
        AuthorizationRefused = "authorization.refused",
        CarePlanDischarge = "care_plan.discharge",
        CarePlanHistoryRead = "care_plan.history_read",
        CarePlanList = "care_plan.list",
        CarePlanRead = "care_plan.read",
        CarePlanUpdate = "care_plan.update",
        CheckInDelete = "check_in.delete",
        CheckInRead = "check_in.read",
        CheckInUpdate = "check_in.update",
        CheckInWrite = "check_in.write",
        ClinicHoursUpdate = "clinic.hours.update",
        ClinicMfaPolicyUpdate = "clinic.mfa_policy.update",
        ClinicRetentionUpdate = "clinic.retention.update",
        ClinicSettingsUpdate = "clinic.settings.update",
        ConsentHistoryRead = "consent_history.read",
        DischargeSummaryRead = "discharge_summary.read",
        ErasureConfirm = "erasure.confirm",
        ErasureDecline = "erasure.decline",
        ErasurePurge = "erasure.purge",
        ErasureRequest = "erasure.request",
        ErasureRequestList = "erasure_request.list",
        ExerciseLogRead = "exercise_log.read",
        ExerciseLogWrite = "exercise_log.write",
        FhirExport = "fhir.export",
        FhirExportClinic = "fhir.export_clinic",
        GirthMeasurementCreate = "girth_measurement.create",
        GirthMeasurementRead = "girth_measurement.read",
        HomeSync = "home.sync",
        HomeTodayRead = "home.today_read",
        InstrumentEnable = "instrument.enable",
        InviteResend = "invite.resend",
        InviteRevoke = "invite.revoke",
        LessonRead = "lesson.read",
        LessonCompletionWrite = "lesson_completion.write",
        LibraryExerciseCreate = "library.exercise_create",
        LibraryExerciseUpdate = "library.exercise_update",
        LibraryHide = "library.hide",
        LibraryLessonCreate = "library.lesson_create",
        LibraryLessonUpdate = "library.lesson_update",
        LibraryShow = "library.show",
        MeasureResponseWrite = "measure_response.write",
        MeasureScheduleCreate = "measure_schedule.create",
        MeasureScheduleEnd = "measure_schedule.end",
        MeasureScheduleRead = "measure_schedule.read",
        MessageAdminReview = "message.admin_review",
        MessageAttachmentRead = "message.attachment_read",
        MessageMarkClinicallyRelevant = "message.mark_clinically_relevant",
        MessageMarkRead = "message.mark_read",
        MessageRead = "message.read",
        MessageRecordRead = "message.record_read",
        MessageSend = "message.send",
        MessageSendReplayed = "message.send_replayed",
        MfaTotpConfirm = "mfa.totp.confirm",
        MfaTotpDisable = "mfa.totp.disable",
        MfaTotpEnrol = "mfa.totp.enrol",
        PatientArchive = "patient.archive",
        PatientCreate = "patient.create",
        PatientExport = "patient.export",
        PatientInvite = "patient.invite",
        PatientList = "patient.list",
        PatientRead = "patient.read",
        PatientUpdate = "patient.update",
        PayerAuthorizationCreate = "payer_authorization.create",
        PayerAuthorizationList = "payer_authorization.list",
        PayerAuthorizationRead = "payer_authorization.read",
        PayerAuthorizationUpdate = "payer_authorization.update",
        PushSubscriptionRemove = "push_subscription.remove",
        PushSubscriptionSubscribe = "push_subscription.subscribe",
        RedFlagReportWrite = "red_flag_report.write",
        ReferralCreate = "referral.create",
        ReferralList = "referral.list",
        ReferralRead = "referral.read",
        ReferralUpdate = "referral.update",
        ReminderRuleUpdate = "reminder_rule.update",
        ReportRead = "report.read",
        ScarAssessmentCreate = "scar_assessment.create",
        ScarAssessmentRead = "scar_assessment.read",
        SessionNoteAddendum = "session_note.addendum",
        SessionNoteRead = "session_note.read",
        SessionNoteSign = "session_note.sign",
        SessionNoteWrite = "session_note.write",
        ShareLinkConsentCheck = "share_link.consent_check",
        ShareLinkCreate = "share_link.create",
        ShareLinkList = "share_link.list",
        ShareLinkRevoke = "share_link.revoke",
        ShareLinkView = "share_link.view",
        ShareLinkViewRefused = "share_link.view_refused",
        StaffDisable = "staff.disable",
        StaffEnable = "staff.enable",
        TherapistInvite = "therapist.invite",
        TrendsRead = "trends.read",
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::{ActiveEnum, Iterable};

    use super::AuditAction;

    #[test]
    fn every_action_reads_back_from_its_stored_word() {
        for action in AuditAction::iter() {
            assert_eq!(AuditAction::try_from_value(&action.to_value()).ok(), Some(action));
            assert_eq!(action.to_value(), action.as_str());
            assert_eq!(AuditAction::parse(action.as_str()), Some(action));
        }
    }

    #[test]
    fn stored_words_are_distinct_dotted_and_fit_the_column() {
        let words: Vec<&str> = AuditAction::iter().map(AuditAction::as_str).collect();
        for (i, word) in words.iter().enumerate() {
            assert!(word.len() <= 64 && word.contains('.'), "{word}");
            assert!(!words[..i].contains(word), "{word} twice");
        }
    }

    #[test]
    fn a_stored_word_the_server_never_writes_is_a_decode_error() {
        assert!(AuditAction::try_from_value(&"check_in.create".to_owned()).is_err());
        assert_eq!(AuditAction::parse("check_in.create"), None);
    }
}

//! Schema migrations. One file per change, named `m<YYYYMMDD>_<NNNNNN>_<verb_object>.rs`;
//! a migration that has been applied anywhere is never edited, only followed by another.

pub use sea_orm_migration::prelude::*;

mod m20261126_000001_create_accounts;
mod m20261126_000002_create_audit_event;
mod m20261126_000003_create_care_plans;
mod m20261126_000004_create_check_ins;
mod m20261126_000005_create_push;
mod m20261126_000006_add_alert_push;
mod m20261130_000010_add_clinic_safety_settings;
mod m20261130_000011_create_red_flag_reports;
mod m20261130_000012_add_alert_red_flags;
mod m20261130_000020_add_rom_mode_method;
mod m20261130_000021_add_measure_response_schedule;
mod m20261130_000030_create_check_in_day;
mod m20261201_000040_create_referrals;
mod m20261201_000041_add_appointment_links;
mod m20261201_000042_add_plan_of_care;
mod m20261201_000050_add_session_note_signing;
mod m20261201_000051_create_timed_procedure;
mod m20261201_000052_create_session_note_addendum;
mod m20261201_000053_add_clinic_late_note_days;
mod m20261201_000054_guard_signed_session_notes;
mod m20261201_000060_create_scar_girth;
mod m20261201_000061_create_discharge_summary;
// Issue 15 (accounts): password resets, revocable invites, login sessions.
mod m20261202_000080_create_account_lifecycle;
// Share links for the progress report (issue 14).
mod m20261202_000070_create_share_links;
// Issue 15: MFA.
mod m20261202_000090_create_mfa;
// Issue 15: patient data rights.
mod m20261202_000100_create_data_rights;
mod m20261202_000101_allow_purge_of_signed_notes;
mod m20261202_000130_create_reminder_adaptation;
// Issue 17: secure messaging.
mod m20261203_000010_create_messaging;
mod m20261204_000200_create_blob_deletion;
mod m20261205_000300_cluster_check_in_day;

pub struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261126_000001_create_accounts::Migration),
            Box::new(m20261126_000002_create_audit_event::Migration),
            Box::new(m20261126_000003_create_care_plans::Migration),
            Box::new(m20261126_000004_create_check_ins::Migration),
            Box::new(m20261126_000005_create_push::Migration),
            Box::new(m20261126_000006_add_alert_push::Migration),
            Box::new(m20261130_000010_add_clinic_safety_settings::Migration),
            Box::new(m20261130_000011_create_red_flag_reports::Migration),
            Box::new(m20261130_000012_add_alert_red_flags::Migration),
            Box::new(m20261130_000020_add_rom_mode_method::Migration),
            Box::new(m20261130_000021_add_measure_response_schedule::Migration),
            Box::new(m20261130_000030_create_check_in_day::Migration),
            Box::new(m20261201_000040_create_referrals::Migration),
            Box::new(m20261201_000041_add_appointment_links::Migration),
            Box::new(m20261201_000042_add_plan_of_care::Migration),
            Box::new(m20261201_000050_add_session_note_signing::Migration),
            Box::new(m20261201_000051_create_timed_procedure::Migration),
            Box::new(m20261201_000052_create_session_note_addendum::Migration),
            Box::new(m20261201_000053_add_clinic_late_note_days::Migration),
            Box::new(m20261201_000054_guard_signed_session_notes::Migration),
            Box::new(m20261201_000060_create_scar_girth::Migration),
            Box::new(m20261201_000061_create_discharge_summary::Migration),
            Box::new(m20261202_000070_create_share_links::Migration),
            Box::new(m20261202_000080_create_account_lifecycle::Migration),
            Box::new(m20261202_000090_create_mfa::Migration),
            Box::new(m20261202_000100_create_data_rights::Migration),
            Box::new(m20261202_000101_allow_purge_of_signed_notes::Migration),
            Box::new(m20261202_000130_create_reminder_adaptation::Migration),
            Box::new(m20261203_000010_create_messaging::Migration),
            Box::new(m20261204_000200_create_blob_deletion::Migration),
            Box::new(m20261205_000300_cluster_check_in_day::Migration),
        ]
    }
}

//! [`PatientScope`]: the id of a patient the caller may reach, the proof that services acting
//! on one patient take instead of a bare `Uuid`, so a handler that skipped the ownership
//! check does not compile.
//!
//! It is made only from a proof that already stands: `patients::Visible::scope()` (staff,
//! after `patients::find_visible`), a verified patient token, or, for workers and shell
//! commands, a row the server read from its own database. It lives apart from
//! `services::patients` so that services below it (consents) can take it without an
//! import loop.

use entity::{Role, patient};
use uuid::Uuid;

use crate::auth::{PatientPrincipal, Principal};

/// The id of a patient the caller was found to reach: for reads and writes that need the
/// id only, so the patient's own requests cost no extra query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PatientScope(Uuid);

impl PatientScope {
    pub fn uuid(self) -> Uuid {
        self.0
    }

    /// The scope of a patient row a service read from the database itself (a worker, a
    /// shell command, the alert rules run after a write): no caller's id went into it.
    pub fn of_stored_row(row: &patient::Model) -> Self {
        PatientScope(row.id)
    }

    /// A verified patient token reaches its own record; staff principals reach none this way.
    pub fn of_patient_caller(who: &Principal) -> Option<Self> {
        match (who.role, who.patient_id) {
            (Role::Patient, Some(id)) => Some(PatientScope(id)),
            _ => None,
        }
    }

    /// For workers and services that read a patient id from a stored row of another table
    /// (a reminder rule, an alert, a check-in, a share link already checked) — never from
    /// a request: an id that came from a caller goes through `patients::find_visible` instead.
    pub(crate) fn trusted(id: Uuid) -> Self {
        PatientScope(id)
    }
}

/// A verified patient token reaches its own record.
impl From<&PatientPrincipal> for PatientScope {
    fn from(who: &PatientPrincipal) -> Self {
        PatientScope(who.patient_id.uuid())
    }
}

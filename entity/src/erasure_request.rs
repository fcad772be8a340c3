use sea_orm::entity::prelude::*;

/// A patient's request to have their data erased, and what the clinic did with it.
/// `patient_id` has no foreign key: the row is the clinic's proof of the erasure and
/// outlives the purged record.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "erasure_request")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub clinic_id: Uuid,
    pub patient_id: Uuid,
    pub status: Status,
    /// What the patient wrote with the request; cleared when the record is purged.
    pub patient_note: Option<String>,
    pub requested_at: DateTimeUtc,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<DateTimeUtc>,
    pub decline_reason: Option<String>,
    /// Confirmed requests: when the retained clinical record is purged.
    pub retain_until: Option<DateTimeUtc>,
    pub purged_at: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

crate::vocabulary! {
    /// Stored as the lowercase word.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[sea_orm(db_type = "String(StringLen::N(16))")]
    pub enum Status {
        /// Waiting for a clinic admin.
        Requested = "requested",
        Declined = "declined",
        /// Self-care data deleted and the login ended; the clinical record waits for `retain_until`.
        Confirmed = "confirmed",
        /// Only inside the worker's purge transaction: the signed-note triggers let deletes through.
        Purging = "purging",
        Purged = "purged",
    }
}

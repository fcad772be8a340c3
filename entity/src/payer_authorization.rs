use sea_orm::entity::prelude::*;

/// A payer's authorization of a number of visits within a date range. Visits used are
/// counted from completed appointments linked to it, never stored.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payer_authorization")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub clinic_id: Uuid,
    pub patient_id: Uuid,
    pub referral_id: Option<Uuid>,
    pub payer_name: String,
    /// The member id, AES-256-GCM sealed (`v1:` + base64 of nonce and ciphertext); never
    /// stored in the clear.
    #[sea_orm(column_type = "Text")]
    pub member_id_sealed: String,
    pub authorization_number: String,
    pub visits_authorized: i32,
    pub starts_on: Date,
    pub ends_on: Date,
    /// When the "2 visits left" alert was raised (once per authorization).
    pub low_alerted_at: Option<DateTimeUtc>,
    /// When the "ends within 7 days" alert was raised (once per authorization).
    pub expiring_alerted_at: Option<DateTimeUtc>,
    pub created_by: Uuid,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

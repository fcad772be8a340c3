use sea_orm::entity::prelude::*;

/// A progress report frozen for the referring physician, reachable through an expiring,
/// revocable link. The link's token and code are stored only hashed.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "share_link")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub clinic_id: Uuid,
    pub patient_id: Uuid,
    /// Hex SHA-256 of the token in the link.
    #[sea_orm(unique)]
    pub token_hash: String,
    /// Hex SHA-256 of the token and the 6-digit code together; `None` when no code is asked.
    pub code_hash: Option<String>,
    pub period_from: Date,
    pub period_to: Date,
    pub expires_at: DateTimeUtc,
    pub revoked_at: Option<DateTimeUtc>,
    pub revoked_by: Option<Uuid>,
    /// The report as rendered when the link was made.
    #[sea_orm(column_type = "Text")]
    pub report_html: String,
    #[sea_orm(column_type = "Blob")]
    pub report_pdf: Vec<u8>,
    pub created_by: Uuid,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

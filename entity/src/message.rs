use sea_orm::entity::prelude::*;

/// One message in a patient's thread with their care team. The id is the phone's (or
/// the console's); `order_key` is the server's time-ordered key that lists sort by.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "message")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub order_key: Uuid,
    pub clinic_id: Uuid,
    /// The thread: one per patient.
    pub patient_id: Uuid,
    pub author: Author,
    /// The staff member or patient account that wrote it; none for automatic replies.
    pub author_user_id: Option<Uuid>,
    #[sea_orm(column_type = "Text")]
    pub text: String,
    /// SHA-256 (hex) of the text and the uploaded bytes of each attachment, in order.
    pub body_digest: String,
    pub attachment_count: i16,
    /// When the other side marked it read.
    pub read_at: Option<DateTimeUtc>,
    /// When the other side should get a push about it; none once claimed (or never).
    pub push_due_at: Option<DateTimeUtc>,
    pub clinically_relevant_at: Option<DateTimeUtc>,
    pub clinically_relevant_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

crate::vocabulary! {
    /// Which side of the thread wrote a message, stored as the `snake_case` word.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[sea_orm(db_type = "String(StringLen::N(16))")]
    pub enum Author {
        Patient = "patient",
        /// A therapist treating the patient.
        CareTeam = "care_team",
        /// The server's off-hours reply.
        Automatic = "automatic",
    }
}

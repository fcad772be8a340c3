use sea_orm::entity::prelude::*;

/// An in-clinic session.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "appointment")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub clinic_id: Uuid,
    pub patient_id: Uuid,
    pub therapist_id: Uuid,
    pub starts_at: DateTimeUtc,
    pub ends_at: DateTimeUtc,
    pub status: Status,
    /// The payer authorization this visit counts against, if any.
    pub authorization_id: Option<Uuid>,
    /// The plan of care this visit belongs to, if any.
    pub care_plan_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

crate::vocabulary! {
    /// Stored as the `snake_case` word.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[sea_orm(db_type = "String(StringLen::N(16))")]
    pub enum Status {
        Scheduled = "scheduled",
        Completed = "completed",
        Cancelled = "cancelled",
        NoShow = "no_show",
    }
}

use sea_orm::entity::prelude::*;

/// Red flags named in a check-in item that could not be stored as a check-in, kept so
/// they are never lost. One row per patient and item (`item_key`: the item's id, or a
/// hash of the item when it has none), so a replay adds nothing.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "red_flag_report")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub patient_id: Uuid,
    pub item_key: Uuid,
    /// The item's id when it had a readable one.
    pub check_in_id: Option<Uuid>,
    /// JSON of [`crate::RedFlagsV1`], sorted.
    pub red_flags: crate::JsonText<crate::RedFlagsV1>,
    /// The device instant, when the item had a readable one.
    pub recorded_at: Option<DateTimeUtc>,
    /// What was wrong with the rest of the item (field names and problems, no values).
    pub problems: String,
    /// Server receipt time.
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

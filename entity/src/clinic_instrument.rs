use sea_orm::entity::prelude::*;

/// A licensed instrument a clinic has switched on by supplying the item text it holds a
/// licence for. Without a row here such an instrument cannot be scheduled.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "clinic_instrument")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub clinic_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub instrument: crate::InstrumentId,
    /// JSON array of item prompts, one per item.
    pub item_text: String,
    pub enabled_by: Uuid,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

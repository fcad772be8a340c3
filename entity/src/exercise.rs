use sea_orm::entity::prelude::*;

/// A library exercise: built-in (`clinic_id` is null, id derived from `slug`) or owned by
/// a clinic (its own, or an edited copy of a built-in, `source_id` pointing at it).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "exercise")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub clinic_id: Option<Uuid>,
    pub slug: Option<String>,
    pub source_id: Option<Uuid>,
    pub title: String,
    pub search_title: String,
    pub summary: String,
    /// Region names joined with ','; also searched with LIKE, hence the fences: ",neck,".
    pub regions: String,
    /// JSON array of strings.
    pub steps: crate::JsonText<Vec<String>>,
    /// JSON array of strings.
    pub cautions: crate::JsonText<Vec<String>>,
    /// JSON array of URLs.
    pub media_urls: crate::JsonText<Vec<String>>,
    pub sets: i16,
    pub reps: i16,
    pub hold_seconds: i16,
    pub side: crate::Side,
    pub rest_seconds: i16,
    pub times_per_day: i16,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

use sea_orm::entity::prelude::*;

/// A posture / body-mechanics / self-care lesson; built-in or clinic-owned like `exercise`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "lesson")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub clinic_id: Option<Uuid>,
    pub slug: Option<String>,
    pub source_id: Option<Uuid>,
    pub title: String,
    pub search_title: String,
    pub topic: Topic,
    pub minutes: i16,
    /// Markdown.
    #[sea_orm(column_type = "Text")]
    pub body: String,
    /// JSON array of {prompt, options, correct, explanation}.
    #[sea_orm(column_type = "Text")]
    pub questions: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// Stored as the `snake_case` word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
pub enum Topic {
    #[sea_orm(string_value = "posture")]
    Posture,
    #[sea_orm(string_value = "body_mechanics")]
    BodyMechanics,
    #[sea_orm(string_value = "ergonomics")]
    Ergonomics,
    #[sea_orm(string_value = "breathing")]
    Breathing,
    #[sea_orm(string_value = "sleep")]
    Sleep,
    #[sea_orm(string_value = "self_care")]
    SelfCare,
}

use sea_orm::entity::prelude::*;

/// One time a patient did a prescribed exercise. The id is generated on the phone, so an
/// offline log replayed any number of times is stored once.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "exercise_log")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub patient_id: Uuid,
    pub plan_id: Uuid,
    pub plan_exercise_id: Uuid,
    pub exercise_id: Uuid,
    /// Device instant.
    pub performed_at: DateTimeUtc,
    /// The patient's local day, as the device saw it.
    pub local_date: Date,
    pub sets_done: Option<i16>,
    pub pain_during: Option<i16>,
    pub difficulty: Option<i16>,
    pub note: Option<String>,
    /// The exercise was no longer in the patient's active plan when logged.
    pub off_plan: bool,
    /// Server time the row was stored; the sync cursor follows it.
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

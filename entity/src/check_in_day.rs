use sea_orm::entity::prelude::*;

/// One patient's check-ins of one local day, summed up: what trends read instead of the
/// raw rows. Kept in the transaction that changes a check-in, so it always equals an
/// aggregate of the day's non-withdrawn check-ins. `*_min`/`*_max` are empty when the
/// day has no value for that rating (`*_count` is 0).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "check_in_day")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub patient_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub local_date: Date,
    pub pain_count: i32,
    pub pain_sum: i32,
    pub pain_min: Option<i16>,
    pub pain_max: Option<i16>,
    pub stress_count: i32,
    pub stress_sum: i32,
    pub stress_min: Option<i16>,
    pub stress_max: Option<i16>,
    pub sleep_quality_count: i32,
    pub sleep_quality_sum: i32,
    pub sleep_quality_min: Option<i16>,
    pub sleep_quality_max: Option<i16>,
    /// Check-ins whose `medication` is `none`, `non_opioid`, `opioid`.
    pub medication_none: i32,
    pub medication_non_opioid: i32,
    pub medication_opioid: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

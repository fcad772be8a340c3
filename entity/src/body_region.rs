//! The body-map region a measure was taken at, as scar and girth rows store it.

use sea_orm::entity::prelude::*;

/// Stored as the region's snake_case word (the same words the API uses), so rows written
/// before this was an enum read back unchanged; a word not listed here is a decode error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
pub enum BodyRegion {
    #[sea_orm(string_value = "head")]
    Head,
    #[sea_orm(string_value = "jaw")]
    Jaw,
    #[sea_orm(string_value = "neck")]
    Neck,
    #[sea_orm(string_value = "shoulder")]
    Shoulder,
    #[sea_orm(string_value = "upper_arm")]
    UpperArm,
    #[sea_orm(string_value = "elbow")]
    Elbow,
    #[sea_orm(string_value = "forearm")]
    Forearm,
    #[sea_orm(string_value = "wrist")]
    Wrist,
    #[sea_orm(string_value = "hand")]
    Hand,
    #[sea_orm(string_value = "chest")]
    Chest,
    #[sea_orm(string_value = "abdomen")]
    Abdomen,
    #[sea_orm(string_value = "upper_back")]
    UpperBack,
    #[sea_orm(string_value = "mid_back")]
    MidBack,
    #[sea_orm(string_value = "lower_back")]
    LowerBack,
    #[sea_orm(string_value = "sacrum")]
    Sacrum,
    #[sea_orm(string_value = "hip")]
    Hip,
    #[sea_orm(string_value = "buttock")]
    Buttock,
    #[sea_orm(string_value = "groin")]
    Groin,
    #[sea_orm(string_value = "thigh")]
    Thigh,
    #[sea_orm(string_value = "hamstring")]
    Hamstring,
    #[sea_orm(string_value = "knee")]
    Knee,
    #[sea_orm(string_value = "calf")]
    Calf,
    #[sea_orm(string_value = "shin")]
    Shin,
    #[sea_orm(string_value = "ankle")]
    Ankle,
    #[sea_orm(string_value = "foot")]
    Foot,
}

//! The body-map region a measure was taken at, as scar and girth rows store it.

use sea_orm::entity::prelude::*;

crate::vocabulary! {
    /// Stored as the region's snake_case word (the same words the API uses), so rows written
    /// before this was an enum read back unchanged; a word not listed here is a decode error.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[sea_orm(db_type = "String(StringLen::N(24))")]
    pub enum BodyRegion {
        Head = "head",
        Jaw = "jaw",
        Neck = "neck",
        Shoulder = "shoulder",
        UpperArm = "upper_arm",
        Elbow = "elbow",
        Forearm = "forearm",
        Wrist = "wrist",
        Hand = "hand",
        Chest = "chest",
        Abdomen = "abdomen",
        UpperBack = "upper_back",
        MidBack = "mid_back",
        LowerBack = "lower_back",
        Sacrum = "sacrum",
        Hip = "hip",
        Buttock = "buttock",
        Groin = "groin",
        Thigh = "thigh",
        Hamstring = "hamstring",
        Knee = "knee",
        Calf = "calf",
        Shin = "shin",
        Ankle = "ankle",
        Foot = "foot",
    }
}

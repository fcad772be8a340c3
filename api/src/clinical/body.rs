//! The body map: the regions a patient can mark, which of them have a left and right,
//! and the words for how pain feels.

use serde::{Deserialize, Serialize};

use crate::vocabulary::vocabulary;

vocabulary! {
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
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

impl BodyRegion {
    /// Regions that come in pairs; a pain site there must say which side.
    pub fn is_sided(self) -> bool {
        !matches!(
            self,
            BodyRegion::Head
                | BodyRegion::Neck
                | BodyRegion::Chest
                | BodyRegion::Abdomen
                | BodyRegion::UpperBack
                | BodyRegion::MidBack
                | BodyRegion::LowerBack
                | BodyRegion::Sacrum
        )
    }
}

vocabulary! {
    /// Side of a paired region. Midline regions take no side.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum BodySide {
        Left = "left",
        Right = "right",
        Both = "both",
    }
}

vocabulary! {
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum PainQuality {
        Aching = "aching",
        Sharp = "sharp",
        Burning = "burning",
        Stiff = "stiff",
        Tingling = "tingling",
        Numb = "numb",
        Throbbing = "throbbing",
        Shooting = "shooting",
        Cramping = "cramping",
        Tender = "tender",
    }
}

/// One marked spot on the body map. Built only through [`PainSite::new`], so a stored
/// site always has a side exactly when its region is paired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PainSite {
    region: BodyRegion,
    side: Option<BodySide>,
    intensity: u8,
    qualities: Vec<PainQuality>,
}

impl PainSite {
    pub fn new(
        region: BodyRegion,
        side: Option<BodySide>,
        intensity: u8,
        mut qualities: Vec<PainQuality>,
    ) -> Result<Self, &'static str> {
        if region.is_sided() && side.is_none() {
            return Err("this region needs a side: left, right or both");
        }
        if !region.is_sided() && side.is_some() {
            return Err("this region is on the midline and takes no side");
        }
        if intensity > 10 {
            return Err("intensity must be between 0 and 10");
        }
        // Order and repeats carry no meaning; normalising makes replays compare equal.
        qualities.sort();
        qualities.dedup();
        Ok(Self { region, side, intensity, qualities })
    }
    pub fn region(&self) -> BodyRegion {
        self.region
    }
    pub fn side(&self) -> Option<BodySide> {
        self.side
    }
    pub fn intensity(&self) -> u8 {
        self.intensity
    }
    pub fn qualities(&self) -> &[PainQuality] {
        &self.qualities
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_map_has_at_least_twenty_regions() {
        assert!(BodyRegion::ALL.len() >= 20);
    }

    #[test]
    fn paired_regions_need_a_side_and_midline_ones_refuse_one() {
        assert!(PainSite::new(BodyRegion::Shoulder, None, 5, vec![]).is_err());
        assert!(PainSite::new(BodyRegion::Shoulder, Some(BodySide::Left), 5, vec![]).is_ok());
        assert!(PainSite::new(BodyRegion::LowerBack, Some(BodySide::Left), 5, vec![]).is_err());
        assert!(PainSite::new(BodyRegion::LowerBack, None, 11, vec![]).is_err());
    }

    #[test]
    fn qualities_are_normalised() {
        let site =
            PainSite::new(BodyRegion::Neck, None, 3, vec![PainQuality::Stiff, PainQuality::Aching, PainQuality::Stiff])
                .unwrap();
        assert_eq!(site.qualities(), &[PainQuality::Aching, PainQuality::Stiff]);
    }
}

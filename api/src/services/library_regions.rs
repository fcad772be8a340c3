//! An exercise's regions between the domain's [`Region`] and the stored
//! `entity::exercise::RegionList` (the fenced words `exercise.regions` keeps and the
//! library's region filter searches). The two word lists are the same, variant for
//! variant, so rows written before the column was typed read back unchanged.

use entity::exercise::{self, RegionList};

use crate::content::Region;

/// The stored form of an exercise's regions (`entity::exercise::RegionList`, which
/// writes the fenced words the region filter searches).
pub fn stored_regions(regions: &[Region]) -> RegionList {
    RegionList(regions.iter().map(|&r| r.into()).collect())
}

impl From<Region> for exercise::Region {
    fn from(r: Region) -> Self {
        match r {
            Region::Neck => Self::Neck,
            Region::UpperBack => Self::UpperBack,
            Region::Shoulders => Self::Shoulders,
            Region::Chest => Self::Chest,
            Region::LowerBack => Self::LowerBack,
            Region::Hips => Self::Hips,
            Region::Legs => Self::Legs,
            Region::Feet => Self::Feet,
            Region::Wrists => Self::Wrists,
            Region::Jaw => Self::Jaw,
        }
    }
}

impl From<exercise::Region> for Region {
    fn from(r: exercise::Region) -> Self {
        match r {
            exercise::Region::Neck => Self::Neck,
            exercise::Region::UpperBack => Self::UpperBack,
            exercise::Region::Shoulders => Self::Shoulders,
            exercise::Region::Chest => Self::Chest,
            exercise::Region::LowerBack => Self::LowerBack,
            exercise::Region::Hips => Self::Hips,
            exercise::Region::Legs => Self::Legs,
            exercise::Region::Feet => Self::Feet,
            exercise::Region::Wrists => Self::Wrists,
            exercise::Region::Jaw => Self::Jaw,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The stored words are the API's words, so rows written before the column was
    /// typed read back as the same regions, and the filter finds what was written.
    #[test]
    fn every_region_is_stored_as_its_api_word() {
        for r in Region::ALL {
            assert_eq!(exercise::Region::from(r).word(), r.as_str());
            assert_eq!(Region::from(exercise::Region::from(r)), r);
        }
        assert_eq!(exercise::Region::ALL.len(), Region::ALL.len());
        assert_eq!(stored_regions(&[Region::Neck, Region::UpperBack]).to_text(), ",neck,upper_back,");
    }
}

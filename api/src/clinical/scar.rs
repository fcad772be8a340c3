//! Scar assessment: where the scar is, how big, and the Vancouver Scar Scale (VSS) with
//! its published scoring (Sullivan et al. 1990, as commonly used since Baryza & Baryza
//! 1995): pigmentation 0–2, vascularity 0–3, pliability 0–5, height 0–3, total 0–13. A
//! higher total is a more abnormal scar; 0 is skin that looks and moves like its
//! surroundings.
//!
//! The total is always the sum of the four items computed here, never a number a caller
//! supplies. The level descriptions are the project's own words.

use super::body::{BodyRegion, BodySide};

/// The four items of the scale, each with its highest level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VssItem {
    Pigmentation,
    Vascularity,
    Pliability,
    Height,
}

impl VssItem {
    pub const ALL: [VssItem; 4] = [VssItem::Pigmentation, VssItem::Vascularity, VssItem::Pliability, VssItem::Height];

    pub fn as_str(self) -> &'static str {
        match self {
            VssItem::Pigmentation => "pigmentation",
            VssItem::Vascularity => "vascularity",
            VssItem::Pliability => "pliability",
            VssItem::Height => "height",
        }
    }

    /// The highest level of the item; the lowest is 0 (like the surrounding skin).
    pub fn max(self) -> u8 {
        self.levels().len() as u8 - 1
    }

    /// What each level means, from 0 up, in the project's words.
    pub fn levels(self) -> &'static [&'static str] {
        match self {
            VssItem::Pigmentation => &[
                "same colour as the skin around it",
                "lighter than the skin around it",
                "darker than the skin around it",
            ],
            VssItem::Vascularity => &["normal: no redness, like the skin around it", "pink", "red", "purple or dusky"],
            VssItem::Pliability => &[
                "moves and bends like the skin around it",
                "supple: bends easily with little resistance",
                "yielding: gives way under pressure but resists somewhat",
                "firm: stiff, hard to move, resists pressure",
                "banding: cord-like tissue that pales when the scar is stretched",
                "contracture: lasting shortening that pulls the part out of shape",
            ],
            VssItem::Height => &[
                "flat, level with the skin around it",
                "raised or sunken by less than 2 mm",
                "raised or sunken by 2 to 5 mm",
                "raised or sunken by more than 5 mm",
            ],
        }
    }
}

/// The highest possible total: 2 + 3 + 5 + 3.
pub const VSS_MAX_TOTAL: u8 = 13;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ScarError {
    #[error("must be between 0 and {max}")]
    OutOfRange { item: VssItem, max: u8 },
    #[error("must be between {min} and {max} mm")]
    Size { field: &'static str, min: i64, max: i64 },
    #[error("give the side: left or right")]
    SideRequired,
    #[error("this region is on the midline and takes no side")]
    NoSide,
    #[error("a scar is on one side: left or right, not both")]
    BothSides,
    #[error("must be at most {max} characters")]
    LabelTooLong { max: usize },
}

impl ScarError {
    /// The request field the problem is in.
    pub fn field(self) -> &'static str {
        match self {
            ScarError::OutOfRange { item, .. } => item.as_str(),
            ScarError::Size { field, .. } => field,
            ScarError::SideRequired | ScarError::NoSide | ScarError::BothSides => "side",
            ScarError::LabelTooLong { .. } => "label",
        }
    }
}

/// The four rated items, each within its range; only [`Vss::new`] makes one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Vss {
    pigmentation: u8,
    vascularity: u8,
    pliability: u8,
    height: u8,
}

fn level(item: VssItem, value: i64) -> Result<u8, ScarError> {
    u8::try_from(value).ok().filter(|v| *v <= item.max()).ok_or(ScarError::OutOfRange { item, max: item.max() })
}

impl Vss {
    pub fn new(pigmentation: i64, vascularity: i64, pliability: i64, height: i64) -> Result<Self, ScarError> {
        Ok(Self {
            pigmentation: level(VssItem::Pigmentation, pigmentation)?,
            vascularity: level(VssItem::Vascularity, vascularity)?,
            pliability: level(VssItem::Pliability, pliability)?,
            height: level(VssItem::Height, height)?,
        })
    }

    pub fn get(&self, item: VssItem) -> u8 {
        match item {
            VssItem::Pigmentation => self.pigmentation,
            VssItem::Vascularity => self.vascularity,
            VssItem::Pliability => self.pliability,
            VssItem::Height => self.height,
        }
    }

    /// The sum of the four items, 0–13.
    pub fn total(&self) -> u8 {
        self.pigmentation + self.vascularity + self.pliability + self.height
    }

    /// The description of the level rated for `item`.
    pub fn description(&self, item: VssItem) -> &'static str {
        item.levels()[usize::from(self.get(item))]
    }
}

/// Scars of a few millimetres are measured too; a metre is beyond any single scar.
pub const MAX_LENGTH_MM: i64 = 1000;
pub const MAX_WIDTH_MM: i64 = 300;
pub const MAX_LABEL_CHARS: usize = 200;

/// Where a scar is: a region of the body map, the side at paired regions, and the
/// therapist's own words ("caesarean incision", "ACL portal, medial").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScarSite {
    region: BodyRegion,
    side: Option<BodySide>,
    label: String,
}

impl ScarSite {
    pub fn new(region: BodyRegion, side: Option<BodySide>, label: &str) -> Result<Self, ScarError> {
        match (region.is_sided(), side) {
            (true, None) => return Err(ScarError::SideRequired),
            (false, Some(_)) => return Err(ScarError::NoSide),
            (true, Some(BodySide::Both)) => return Err(ScarError::BothSides),
            _ => {}
        }
        let label = label.trim();
        if label.chars().count() > MAX_LABEL_CHARS {
            return Err(ScarError::LabelTooLong { max: MAX_LABEL_CHARS });
        }
        Ok(Self { region, side, label: label.to_owned() })
    }
    pub fn region(&self) -> BodyRegion {
        self.region
    }
    pub fn side(&self) -> Option<BodySide> {
        self.side
    }
    pub fn label(&self) -> &str {
        &self.label
    }
}

/// One valid assessment of one scar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScarAssessment {
    pub site: ScarSite,
    length_mm: i32,
    width_mm: i32,
    pub vss: Vss,
}

fn size(field: &'static str, value: i64, max: i64) -> Result<i32, ScarError> {
    i32::try_from(value).ok().filter(|v| (1..=max).contains(&i64::from(*v))).ok_or(ScarError::Size {
        field,
        min: 1,
        max,
    })
}

impl ScarAssessment {
    pub fn new(site: ScarSite, length_mm: i64, width_mm: i64, vss: Vss) -> Result<Self, ScarError> {
        Ok(Self {
            site,
            length_mm: size("length_mm", length_mm, MAX_LENGTH_MM)?,
            width_mm: size("width_mm", width_mm, MAX_WIDTH_MM)?,
            vss,
        })
    }
    pub fn length_mm(&self) -> i32 {
        self.length_mm
    }
    pub fn width_mm(&self) -> i32 {
        self.width_mm
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_total_is_the_sum_of_the_items_from_0_to_13() {
        assert_eq!(Vss::new(0, 0, 0, 0).unwrap().total(), 0);
        assert_eq!(Vss::new(1, 2, 3, 1).unwrap().total(), 7);
        assert_eq!(Vss::new(2, 3, 5, 3).unwrap().total(), VSS_MAX_TOTAL);
    }

    #[test]
    fn each_item_has_its_published_range() {
        assert_eq!(VssItem::ALL.map(VssItem::max), [2, 3, 5, 3]);
        assert_eq!(Vss::new(3, 0, 0, 0), Err(ScarError::OutOfRange { item: VssItem::Pigmentation, max: 2 }));
        assert_eq!(Vss::new(0, 4, 0, 0), Err(ScarError::OutOfRange { item: VssItem::Vascularity, max: 3 }));
        assert_eq!(Vss::new(0, 0, 6, 0), Err(ScarError::OutOfRange { item: VssItem::Pliability, max: 5 }));
        assert_eq!(Vss::new(0, 0, 0, 4), Err(ScarError::OutOfRange { item: VssItem::Height, max: 3 }));
        assert!(Vss::new(-1, 0, 0, 0).is_err());
        assert!(Vss::new(0, 0, i64::MAX, 0).is_err());
        assert_eq!(Vss::new(0, 0, 6, 0).unwrap_err().field(), "pliability");
    }

    #[test]
    fn every_level_has_a_description() {
        let vss = Vss::new(2, 1, 4, 0).unwrap();
        assert_eq!(vss.description(VssItem::Pigmentation), "darker than the skin around it");
        assert!(vss.description(VssItem::Pliability).starts_with("banding"));
        assert!(VssItem::ALL.iter().flat_map(|i| i.levels()).all(|d| !d.is_empty()));
    }

    #[test]
    fn a_site_needs_a_side_exactly_at_paired_regions() {
        assert!(ScarSite::new(BodyRegion::Knee, Some(BodySide::Left), " portal ").is_ok_and(|s| s.label() == "portal"));
        assert_eq!(ScarSite::new(BodyRegion::Knee, None, ""), Err(ScarError::SideRequired));
        assert_eq!(ScarSite::new(BodyRegion::Knee, Some(BodySide::Both), ""), Err(ScarError::BothSides));
        assert_eq!(ScarSite::new(BodyRegion::Abdomen, Some(BodySide::Left), ""), Err(ScarError::NoSide));
        assert!(ScarSite::new(BodyRegion::Abdomen, None, "").is_ok());
        let long = "x".repeat(MAX_LABEL_CHARS + 1);
        assert_eq!(ScarSite::new(BodyRegion::Abdomen, None, &long), Err(ScarError::LabelTooLong { max: 200 }));
    }

    #[test]
    fn length_and_width_are_whole_millimetres_within_bounds() {
        let site = ScarSite::new(BodyRegion::Abdomen, None, "").unwrap();
        let vss = Vss::new(0, 0, 0, 0).unwrap();
        assert!(ScarAssessment::new(site.clone(), 1, 1, vss).is_ok());
        assert!(ScarAssessment::new(site.clone(), 1000, 300, vss).is_ok());
        assert_eq!(
            ScarAssessment::new(site.clone(), 0, 3, vss),
            Err(ScarError::Size { field: "length_mm", min: 1, max: 1000 })
        );
        assert_eq!(
            ScarAssessment::new(site, 120, 301, vss),
            Err(ScarError::Size { field: "width_mm", min: 1, max: 300 })
        );
    }
}

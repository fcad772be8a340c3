//! `exercise`: the library's exercises, and the regions column's own type
//! ([`RegionList`]), which keeps the region words as the fenced text the library's LIKE
//! filter searches.

use sea_orm::entity::prelude::*;
use sea_orm::sea_query::{ArrayType, Nullable, ValueType, ValueTypeErr};
use sea_orm::{ActiveValue, ColIdx, IntoActiveValue, QueryResult, TryGetError, TryGetable};

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
    /// Region words joined with ','; also searched with LIKE, hence the fences: ",neck,".
    pub regions: RegionList,
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

/// A region an exercise works on, as `exercise.regions` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Region {
    Neck,
    UpperBack,
    Shoulders,
    Chest,
    LowerBack,
    Hips,
    Legs,
    Feet,
    Wrists,
    Jaw,
}

impl Region {
    pub const ALL: [Region; 10] = [
        Region::Neck,
        Region::UpperBack,
        Region::Shoulders,
        Region::Chest,
        Region::LowerBack,
        Region::Hips,
        Region::Legs,
        Region::Feet,
        Region::Wrists,
        Region::Jaw,
    ];

    /// The word stored for this region.
    pub fn word(self) -> &'static str {
        match self {
            Region::Neck => "neck",
            Region::UpperBack => "upper_back",
            Region::Shoulders => "shoulders",
            Region::Chest => "chest",
            Region::LowerBack => "lower_back",
            Region::Hips => "hips",
            Region::Legs => "legs",
            Region::Feet => "feet",
            Region::Wrists => "wrists",
            Region::Jaw => "jaw",
        }
    }

    /// The region a stored word names; `None` for any other text.
    pub fn from_word(word: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.word() == word)
    }
}

/// The `exercise.regions` column: the region words in order, joined with ',' and fenced
/// with ',' at both ends (",neck,upper_back,"; no regions is ",,"), so that one
/// `LIKE '%,neck,%'` ([`RegionList::like_containing`]) finds an exercise by region.
///
/// Invariants: what is written is exactly the fenced text above, as the services wrote
/// it before the column was typed. A stored word that names no [`Region`] is an error
/// when the row is read (`DbErr::Type`, naming the column but not the word), never a
/// region quietly left out. Empty words are skipped, so ",," reads as no regions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct RegionList(pub Vec<Region>);

impl RegionList {
    /// The text stored for this list.
    pub fn to_text(&self) -> String {
        let words: Vec<&str> = self.0.iter().map(|r| r.word()).collect();
        format!(",{},", words.join(","))
    }

    /// Reads stored `text`; `column` names it in the error.
    pub fn from_text(column: &str, text: &str) -> Result<Self, DbErr> {
        text.split(',')
            .filter(|word| !word.is_empty())
            .map(|word| Region::from_word(word).ok_or_else(|| DbErr::Type(format!("{column}: not a region word"))))
            .collect::<Result<_, _>>()
            .map(RegionList)
    }

    /// The `LIKE` pattern matching every stored list that holds `region`.
    pub fn like_containing(region: Region) -> String {
        format!("%,{},%", region.word())
    }
}

impl From<RegionList> for Value {
    fn from(value: RegionList) -> Self {
        Value::String(Some(value.to_text()))
    }
}

impl TryGetable for RegionList {
    fn try_get_by<I: ColIdx>(res: &QueryResult, index: I) -> Result<Self, TryGetError> {
        let text = String::try_get_by(res, index)?;
        let column = index.as_str().map_or_else(|| format!("column {index:?}"), str::to_owned);
        Self::from_text(&column, &text).map_err(TryGetError::DbErr)
    }
}

impl ValueType for RegionList {
    fn try_from(v: Value) -> Result<Self, ValueTypeErr> {
        let text = <String as ValueType>::try_from(v)?;
        Self::from_text("exercise.regions", &text).map_err(|_| ValueTypeErr)
    }

    fn type_name() -> String {
        "RegionList".to_owned()
    }

    fn array_type() -> ArrayType {
        ArrayType::String
    }

    fn column_type() -> ColumnType {
        ColumnType::String(StringLen::N(200))
    }
}

impl Nullable for RegionList {
    fn null() -> Value {
        Value::String(None)
    }
}

impl IntoActiveValue<RegionList> for RegionList {
    fn into_active_value(self) -> ActiveValue<RegionList> {
        ActiveValue::Set(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLUMN: &str = "exercise.regions";

    #[test]
    fn a_list_is_stored_as_the_fenced_words_earlier_builds_wrote() {
        assert_eq!(RegionList(vec![Region::Neck, Region::UpperBack]).to_text(), ",neck,upper_back,");
        assert_eq!(RegionList::default().to_text(), ",,");
        assert_eq!(Value::from(RegionList(vec![Region::Jaw])), Value::String(Some(",jaw,".to_owned())));
    }

    #[test]
    fn stored_text_reads_back_in_order() {
        let read = RegionList::from_text(COLUMN, ",shoulders,neck,").unwrap();
        assert_eq!(read, RegionList(vec![Region::Shoulders, Region::Neck]));
        assert_eq!(RegionList::from_text(COLUMN, ",,").unwrap(), RegionList::default());
        for r in Region::ALL {
            assert_eq!(RegionList::from_text(COLUMN, &RegionList(vec![r]).to_text()).unwrap().0, [r]);
        }
    }

    #[test]
    fn an_unknown_word_is_an_error_naming_the_column_not_the_word() {
        let read = RegionList::from_text(COLUMN, ",neck,elbowish,");
        assert!(matches!(read, Err(DbErr::Type(msg)) if msg == "exercise.regions: not a region word"));
        assert!(<RegionList as ValueType>::try_from(Value::String(Some(",Neck,".into()))).is_err());
    }

    #[test]
    fn the_like_pattern_matches_a_whole_fenced_word() {
        assert_eq!(RegionList::like_containing(Region::Neck), "%,neck,%");
    }
}

//! `clinic_instrument`: the licensed instruments a clinic has switched on, with the item
//! text it holds a licence for.
//!
//! `item_text` has been written in two formats, told apart by their shape: version 1 a
//! bare JSON array of prompts, version 2 an object whose `version` is 2. Both still read
//! ([`ItemText`]); only version 2 is written now. Anything else, including an object of
//! another version, fails the read.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Deserializer, Serialize, Serializer, de::Error as _};

/// A licensed instrument a clinic has switched on by supplying the item text it holds a
/// licence for. Without a row here such an instrument cannot be scheduled.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "clinic_instrument")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub clinic_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub instrument: crate::InstrumentId,
    /// JSON of [`ItemText`], in whichever version it was written.
    pub item_text: crate::JsonText<ItemText>,
    pub enabled_by: Uuid,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// The `clinic_instrument.item_text` column, in the version it was written in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemText {
    /// Version 1: one prompt per item, without answer labels, instructions or recall
    /// period (`["Q1","Q2"]`).
    PromptsV1(Vec<String>),
    /// Version 2, written since answer labels were required.
    V2(LicensedTextV2),
}

/// Version 2 of the licensed text: `{"version":2,"instructions":…,"recall_period":…,
/// "items":[{"prompt":…,"options":[…]}]}`. Unknown fields are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicensedTextV2 {
    pub instructions: String,
    pub recall_period: String,
    pub items: Vec<LicensedItemV2>,
}

/// One item of [`LicensedTextV2`]: its prompt and one label per answer value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicensedItemV2 {
    pub prompt: String,
    pub options: Vec<String>,
}

/// Version 2 as it is written: the version first, then the text's own fields.
#[derive(Serialize, Deserialize)]
struct Versioned<T> {
    version: u8,
    #[serde(flatten)]
    text: T,
}

const VERSION_2: u8 = 2;

impl Serialize for ItemText {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::PromptsV1(prompts) => prompts.serialize(s),
            Self::V2(text) => Versioned { version: VERSION_2, text }.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for ItemText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // The shape says the version: only version 1 is an array.
        let value = serde_json::Value::deserialize(d)?;
        if value.is_array() {
            return serde_json::from_value(value).map(Self::PromptsV1).map_err(D::Error::custom);
        }
        let stored: Versioned<LicensedTextV2> = serde_json::from_value(value).map_err(D::Error::custom)?;
        match stored.version {
            VERSION_2 => Ok(Self::V2(stored.text)),
            other => Err(D::Error::custom(format_args!("unknown version {other}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::JsonText;

    const COLUMN: &str = "clinic_instrument.item_text";

    /// Version 2 exactly as the services wrote it before the column was typed.
    const STORED_V2: &str = r#"{"version":2,"instructions":"Read each question.","recall_period":"In the last month","items":[{"prompt":"Q1","options":["never","often"]},{"prompt":"Q2","options":["never","often"]}]}"#;

    fn read(text: &str) -> Result<ItemText, DbErr> {
        JsonText::<ItemText>::from_text(COLUMN, text).map(JsonText::into_inner)
    }

    #[test]
    fn version_2_reads_back_and_is_written_with_the_same_bytes() {
        let text = read(STORED_V2).unwrap();
        let ItemText::V2(v2) = &text else { panic!("version 2 reads as version 2: {text:?}") };
        assert_eq!(v2.recall_period, "In the last month");
        assert_eq!(v2.items[1].options, ["never", "often"]);
        assert_eq!(JsonText(text).to_text(), STORED_V2);
    }

    #[test]
    fn version_1_prompts_still_read() {
        assert_eq!(
            read(r#"["Q1","Q2","Q3","Q4"]"#).unwrap(),
            ItemText::PromptsV1(vec!["Q1".into(), "Q2".into(), "Q3".into(), "Q4".into()])
        );
        assert_eq!(JsonText(ItemText::PromptsV1(vec!["Q1".into()])).to_text(), r#"["Q1"]"#);
    }

    #[test]
    fn an_unknown_version_or_shape_is_an_error() {
        let v3 = STORED_V2.replace(r#""version":2"#, r#""version":3"#);
        assert!(
            matches!(read(&v3), Err(DbErr::Json(msg)) if msg.starts_with("clinic_instrument.item_text: unknown version 3"))
        );
        assert!(read(r#"{"instructions":"Read.","recall_period":"Now","items":[]}"#).is_err(), "no version");
        assert!(read(r#"{"version":2,"instructions":"Read."}"#).is_err(), "version 2 without its items");
        assert!(read(r#"[1,2]"#).is_err(), "version 1 holds prompts");
        assert!(read("{not json").is_err());
    }
}

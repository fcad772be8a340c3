//! [`JsonText`]: a typed value kept as JSON in a TEXT column.
//!
//! The JSON columns of this schema were created as `text` (or `varchar`) on both
//! databases, not `json`/`jsonb`. Sea-orm's `FromJsonQueryResult` binds and reads
//! `json`, and sqlx refuses to decode a PostgreSQL `text` column as JSON, so such a
//! field could not read these columns. `JsonText<T>` instead reads and writes the column
//! as a string and does the JSON step itself.
//!
//! Invariants:
//! - What is written is exactly `serde_json::to_string(&value)`: the same bytes the
//!   services wrote before the column was typed (field order as declared, no spaces).
//! - A stored text that does not decode as `T` is an error when the row is read
//!   (`DbErr::Json`, naming the column), never a default: reading a corrupt value as
//!   "empty" would tell a therapist something false.

use sea_orm::sea_query::{ArrayType, ColumnType, Nullable, ValueType, ValueTypeErr};
use sea_orm::{ActiveValue, ColIdx, DbErr, IntoActiveValue, QueryResult, TryGetError, TryGetable, Value};
use serde::{Serialize, de::DeserializeOwned};

/// A `T` stored as its JSON text. Build one with `JsonText(value)`; read the value with
/// `.0` or [`JsonText::into_inner`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct JsonText<T>(pub T);

impl<T> JsonText<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: Serialize> JsonText<T> {
    /// The text stored for this value.
    pub fn to_text(&self) -> String {
        // Every stored type is plain data with string map keys, which cannot fail to
        // serialise; a type that could would be a programming error caught by its tests.
        serde_json::to_string(&self.0).expect("stored JSON types serialise")
    }
}

impl<T: DeserializeOwned> JsonText<T> {
    /// Decodes stored `text`; `column` names it in the error.
    pub fn from_text(column: &str, text: &str) -> Result<Self, DbErr> {
        serde_json::from_str(text).map(JsonText).map_err(|e| DbErr::Json(format!("{column}: {e}")))
    }
}

impl<T: Serialize> From<JsonText<T>> for Value {
    fn from(value: JsonText<T>) -> Self {
        Value::String(Some(value.to_text()))
    }
}

impl<T: DeserializeOwned> TryGetable for JsonText<T> {
    fn try_get_by<I: ColIdx>(res: &QueryResult, index: I) -> Result<Self, TryGetError> {
        let text = String::try_get_by(res, index)?;
        let column = index.as_str().map_or_else(|| format!("column {index:?}"), str::to_owned);
        Self::from_text(&column, &text).map_err(TryGetError::DbErr)
    }
}

impl<T: Serialize + DeserializeOwned> ValueType for JsonText<T> {
    fn try_from(v: Value) -> Result<Self, ValueTypeErr> {
        let text = <String as ValueType>::try_from(v)?;
        serde_json::from_str(&text).map(JsonText).map_err(|_| ValueTypeErr)
    }

    fn type_name() -> String {
        format!("JsonText<{}>", std::any::type_name::<T>())
    }

    fn array_type() -> ArrayType {
        ArrayType::String
    }

    fn column_type() -> ColumnType {
        ColumnType::Text
    }
}

impl<T> Nullable for JsonText<T> {
    fn null() -> Value {
        Value::String(None)
    }
}

impl<T: Serialize> IntoActiveValue<JsonText<T>> for JsonText<T> {
    fn into_active_value(self) -> ActiveValue<JsonText<T>> {
        ActiveValue::Set(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_stored_as_its_compact_json_text() {
        let value = Value::from(JsonText(vec!["a".to_owned(), "b".to_owned()]));
        assert_eq!(value, Value::String(Some(r#"["a","b"]"#.to_owned())));
    }

    #[test]
    fn a_stored_text_reads_back_as_the_value_it_was_written_from() {
        let written = JsonText(vec![Some(1u8), None, Some(3)]);
        let read: JsonText<Vec<Option<u8>>> = ValueType::try_from(Value::from(written.clone())).unwrap();
        assert_eq!(read, written);
    }

    #[test]
    fn a_stored_text_that_does_not_decode_is_an_error() {
        let decoded = JsonText::<Vec<String>>::from_text("exercise.steps", "{not json");
        assert!(matches!(decoded, Err(DbErr::Json(msg)) if msg.starts_with("exercise.steps: ")));
    }

    #[test]
    fn a_stored_text_of_another_shape_is_an_error_not_a_default() {
        assert!(JsonText::<Vec<String>>::from_text("exercise.steps", r#"{"steps": []}"#).is_err());
        assert!(<JsonText<Vec<String>> as ValueType>::try_from(Value::String(Some("{}".into()))).is_err());
    }
}

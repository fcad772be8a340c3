//! `Text`: a JSON string in a request body, and nothing else.
//!
//! poem-openapi reads a `String` field from a JSON number or boolean too (`12345` becomes
//! `"12345"`), so a body the schema refuses could still be acted on — logout took
//! `{"refresh_token": false}` as a token. Request DTOs use `Text`, which accepts only a
//! JSON string and documents itself exactly as `string` does.

use std::{borrow::Cow, fmt, ops::Deref};

use poem_openapi::{
    registry::MetaSchemaRef,
    types::{ParseError, ParseFromJSON, ParseResult, ToJSON, Type},
};
use serde_json::Value;

#[derive(Clone, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Text(String);

impl Text {
    pub fn into_string(self) -> String {
        self.0
    }
}

impl Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl From<Text> for String {
    fn from(t: Text) -> Self {
        t.0
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Self {
        Self(s.to_owned())
    }
}

// Request bodies can hold passwords and health notes: Debug never prints them.
impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Text({} chars)", self.0.chars().count())
    }
}

impl Type for Text {
    const IS_REQUIRED: bool = true;
    type RawValueType = Self;
    type RawElementValueType = Self;

    fn name() -> Cow<'static, str> {
        String::name()
    }
    fn schema_ref() -> MetaSchemaRef {
        String::schema_ref()
    }
    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        Some(self)
    }
    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl ParseFromJSON for Text {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        match value.unwrap_or_default() {
            // PostgreSQL text cannot hold a NUL character: refuse it here, for every field.
            Value::String(s) if s.contains('\0') => Err(ParseError::custom("must not contain NUL characters")),
            Value::String(s) => Ok(Self(s)),
            other => Err(ParseError::expected_type(other)),
        }
    }
}

impl ToJSON for Text {
    fn to_json(&self) -> Option<Value> {
        Some(Value::String(self.0.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_json_strings_are_text() {
        assert_eq!(Text::parse_from_json(Some(Value::from("a"))).unwrap().as_ref(), "a");
        assert!(Text::parse_from_json(Some(Value::from("a\u{0}b"))).is_err(), "NUL accepted");
        for other in [Value::from(false), Value::from(12345), Value::Null, serde_json::json!([]), serde_json::json!({})]
        {
            assert!(Text::parse_from_json(Some(other.clone())).is_err(), "{other} accepted");
        }
    }
}

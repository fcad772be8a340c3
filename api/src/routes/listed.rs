//! `Listed<E>`: a word from a controlled list in a request body, documented in the spec
//! exactly as the enum `E`, but checked by the handler instead of the parser.
//!
//! poem-openapi refuses an unknown enum value while reading the body, which gives a 400
//! naming no field. For vocabularies a clinician picks from (techniques, procedure
//! codes), an unknown word is a value problem, answered 422 `validation_failed` with the
//! field that holds it (`procedures[1].code`), like every other value the server refuses.
//! Anything that is not a JSON string is still unreadable (400).

use std::borrow::Cow;

use poem_openapi::{
    registry::{MetaSchemaRef, Registry},
    types::{ParseError, ParseFromJSON, ParseResult, ToJSON, Type},
};
use serde_json::Value;

use crate::error::ApiError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed<E>(Result<E, String>);

impl<E> Listed<E> {
    pub fn of(value: E) -> Self {
        Self(Ok(value))
    }

    /// The word, or a 422 naming `field` when it is not on the list.
    pub fn check(self, field: &str) -> Result<E, ApiError> {
        self.0
            .map_err(|_| ApiError::invalid(field, "is not a word of this list; see the schema for the allowed values"))
    }
}

impl<E: Type + ParseFromJSON + ToJSON> Type for Listed<E> {
    const IS_REQUIRED: bool = true;
    type RawValueType = Self;
    type RawElementValueType = Self;

    fn name() -> Cow<'static, str> {
        E::name()
    }
    fn schema_ref() -> MetaSchemaRef {
        E::schema_ref()
    }
    fn register(registry: &mut Registry) {
        E::register(registry);
    }
    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        Some(self)
    }
    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }
}

impl<E: Type + ParseFromJSON + ToJSON> ParseFromJSON for Listed<E> {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        match value.unwrap_or_default() {
            Value::String(word) => Ok(Self(E::parse_from_json(Some(Value::String(word.clone()))).map_err(|_| word))),
            other => Err(ParseError::expected_type(other)),
        }
    }
}

impl<E: Type + ParseFromJSON + ToJSON> ToJSON for Listed<E> {
    fn to_json(&self) -> Option<Value> {
        match &self.0 {
            Ok(value) => value.to_json(),
            Err(word) => Some(Value::String(word.clone())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clinical::body::BodyRegion;

    #[test]
    fn a_known_word_reads_and_an_unknown_one_waits_for_the_handler() {
        let neck = Listed::<BodyRegion>::parse_from_json(Some(Value::from("neck"))).unwrap();
        assert_eq!(neck.check("regions[0]").unwrap(), BodyRegion::Neck);
        let elbowish = Listed::<BodyRegion>::parse_from_json(Some(Value::from("elbowish"))).unwrap();
        assert!(elbowish.check("regions[0]").is_err());
        assert!(Listed::<BodyRegion>::parse_from_json(Some(Value::from(3))).is_err());
        assert!(Listed::<BodyRegion>::parse_from_json(None).is_err());
    }

    #[test]
    fn it_is_documented_as_the_enum() {
        assert_eq!(Listed::<BodyRegion>::name(), BodyRegion::name());
    }
}

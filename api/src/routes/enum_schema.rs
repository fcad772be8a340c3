//! The API side of the domain vocabularies (body map, range of motion, symptoms, alert and
//! reminder kinds, the exercise library's regions, topics and sides).
//!
//! Those enums are declared with `crate::vocabulary::vocabulary!` and carry no
//! poem-openapi derive. `enum_schema!` implements poem-openapi's `Type`, `ParseFromJSON`,
//! `ToJSON`, `ParseFromParameter` and `ParseFromMultipartField` for each of them here,
//! reading the values from the enum's own `ALL` and `as_str`, so no variant is listed
//! twice. The impls mirror what `#[derive(poem_openapi::Enum)]` (5.1) generates: a schema
//! named after the type, of type string, with the words in declaration order, and the
//! same parse errors.
//!
//! Invariant: the committed spec does not change. Schema descriptions are the API's words
//! and are written here, not taken from the domain doc comments, so editing a comment in
//! `clinical/` cannot change the published spec.

use crate::{
    clinical::{
        Direction,
        body::{BodyRegion, BodySide, PainQuality},
        rom::{RomMethod, RomMode, RomMovement, RomSide},
        rules::AlertKind,
        symptoms::{CheckInContext, Medication, RedFlag},
    },
    content::{Region, Side, Topic},
    reminders::ReminderKind,
};

/// `enum_schema!(Name)` or `enum_schema!(Name, "description")`: the API schema of a
/// vocabulary enum `Name` in scope, which must have `ALL`, `as_str` and `parse`.
macro_rules! enum_schema {
    ($name:ident) => {
        enum_schema!(@impl $name, None);
    };
    ($name:ident, $description:expr) => {
        enum_schema!(@impl $name, Some($description));
    };
    (@impl $name:ident, $description:expr) => {
        impl poem_openapi::types::Type for $name {
            const IS_REQUIRED: bool = true;

            type RawValueType = Self;

            type RawElementValueType = Self;

            fn name() -> std::borrow::Cow<'static, str> {
                std::borrow::Cow::Borrowed(stringify!($name))
            }

            fn as_raw_value(&self) -> Option<&Self::RawValueType> {
                Some(self)
            }

            fn schema_ref() -> poem_openapi::registry::MetaSchemaRef {
                poem_openapi::registry::MetaSchemaRef::Reference(stringify!($name).to_owned())
            }

            fn register(registry: &mut poem_openapi::registry::Registry) {
                registry.create_schema::<Self, _>(stringify!($name).to_owned(), |_| {
                    poem_openapi::registry::MetaSchema {
                        description: $description,
                        enum_items: $name::ALL
                            .iter()
                            .map(|v| serde_json::Value::String(v.as_str().to_owned()))
                            .collect(),
                        ..poem_openapi::registry::MetaSchema::new("string")
                    }
                });
            }

            fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
                Box::new(self.as_raw_value().into_iter())
            }
        }

        impl poem_openapi::types::ParseFromJSON for $name {
            fn parse_from_json(value: Option<serde_json::Value>) -> poem_openapi::types::ParseResult<Self> {
                let value = value.unwrap_or_default();
                match value.as_str().and_then($name::parse) {
                    Some(v) => Ok(v),
                    None => Err(poem_openapi::types::ParseError::expected_type(value)),
                }
            }
        }

        impl poem_openapi::types::ParseFromParameter for $name {
            fn parse_from_parameter(value: &str) -> poem_openapi::types::ParseResult<Self> {
                $name::parse(value)
                    .ok_or_else(|| poem_openapi::types::ParseError::custom("Expect a valid enumeration value."))
            }
        }

        impl poem_openapi::types::ToJSON for $name {
            fn to_json(&self) -> Option<serde_json::Value> {
                Some(serde_json::Value::String(self.as_str().to_owned()))
            }
        }

        impl poem_openapi::types::ParseFromMultipartField for $name {
            async fn parse_from_multipart(
                field: Option<poem::web::Field>,
            ) -> poem_openapi::types::ParseResult<Self> {
                use poem_openapi::types::ParseFromParameter;
                match field {
                    Some(field) => Self::parse_from_parameter(&field.text().await?),
                    None => Err(poem_openapi::types::ParseError::expected_input()),
                }
            }
        }
    };
}

enum_schema!(BodyRegion);
enum_schema!(BodySide, "Side of a paired region. Midline regions take no side.");
enum_schema!(PainQuality);

enum_schema!(RomMovement);
enum_schema!(RomMode, "Whether the patient moved on their own or the therapist moved the part.");
enum_schema!(RomMethod, "How it was measured; readings by different methods are not directly comparable.");
enum_schema!(RomSide, "The limb measured, or the way the neck or trunk turned or bent.");

enum_schema!(Direction, "Which way a change went, judged by whether higher scores are worse.");
enum_schema!(AlertKind);

enum_schema!(
    RedFlag,
    "Symptoms that may mean something other than muscle or fascia pain and need a\n\
     physician's eyes. Any of them answers the patient with guidance at once and alerts the\n\
     therapist; [`super::red_flags`] gives each its tier, wording and source.\n\
     \n\
     New values are only ever appended: stored check-ins keep their flags sorted in this\n\
     order, and a replay is compared with the stored text."
);
enum_schema!(
    Medication,
    "Medicine taken since the last check-in, by the class that matters for pain care or\n\
     for massage safety (blood thinners bruise easily; steroids thin skin and bone; muscle\n\
     relaxants dull the feedback a stretch relies on). The first three are the original\n\
     pain-medication values; old clients keep sending them."
);
enum_schema!(CheckInContext);

enum_schema!(Region, "Body regions an exercise works on. The list the API accepts for filtering.");
enum_schema!(Topic, "What a lesson is about.");
enum_schema!(Side, "Which side a one-sided exercise is done on.");

enum_schema!(ReminderKind);

#[cfg(test)]
mod tests {
    use poem_openapi::types::{ParseFromJSON, ParseFromParameter, ToJSON, Type};

    use super::*;

    #[test]
    fn a_vocabulary_schema_lists_its_words_in_declaration_order() {
        let mut registry = poem_openapi::registry::Registry::new();
        ReminderKind::register(&mut registry);
        let schema = &registry.schemas["ReminderKind"];
        assert_eq!(schema.ty, "string");
        let words: Vec<_> = schema.enum_items.iter().filter_map(|v| v.as_str()).collect();
        assert_eq!(words, ReminderKind::ALL.map(ReminderKind::as_str));
        assert_eq!(words[3], "appointment_24h");
    }

    #[test]
    fn words_round_trip_through_json_and_parameters_and_others_are_refused() {
        for flag in RedFlag::ALL {
            assert_eq!(RedFlag::parse_from_json(flag.to_json()).ok(), Some(flag));
            assert_eq!(RedFlag::parse_from_parameter(flag.as_str()).ok(), Some(flag));
        }
        assert!(RedFlag::parse_from_json(Some(serde_json::json!("ChestPain"))).is_err());
        assert!(RedFlag::parse_from_json(Some(serde_json::json!(3))).is_err());
        assert!(Region::parse_from_parameter("toes").is_err());
    }

    #[test]
    fn stored_json_and_the_api_use_the_same_words() {
        // Enums that also derive serde for stored JSON name their values by serde's
        // rename rule; the API names them by `as_str`. The two must agree.
        fn same<T: serde::Serialize + ToJSON + Copy>(all: &[T]) {
            for v in all {
                assert_eq!(serde_json::to_value(v).ok(), v.to_json());
            }
        }
        same(&BodyRegion::ALL);
        same(&BodySide::ALL);
        same(&PainQuality::ALL);
        same(&RomMovement::ALL);
        same(&RomMode::ALL);
        same(&RomMethod::ALL);
        same(&Direction::ALL);
        same(&AlertKind::ALL);
        same(&RedFlag::ALL);
        same(&Medication::ALL);
        same(&CheckInContext::ALL);
        same(&Side::ALL);
    }
}

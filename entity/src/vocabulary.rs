//! `vocabulary!`: declares a closed list of words (body regions, symptoms, reminder
//! kinds, audit actions …) as an enum whose every variant is written once, next to the
//! word that names it on the wire and in the database.
//!
//! Every form adds `ALL` (every value, in declaration order), `as_str` and `parse` (its
//! inverse). Whatever the caller writes above the enum (doc comments, `derive`s, `serde`
//! attributes for stored JSON) is kept as written.
//!
//! - Plain form: nothing else, no framework derives. The server's domain enums use it
//!   (through `fascia::vocabulary`); their API schema is built from `ALL` and `as_str`, so
//!   the order declared is the order the spec lists.
//! - Storage form, chosen by a `#[sea_orm(db_type = "…")]` among the attributes: the enum
//!   also derives sea-orm's `EnumIter` and string-backed `DeriveActiveEnum`, each variant
//!   stored as its word. A stored word outside the list is then a decode error
//!   (`DbErr::Type`) when the row is read. The caller needs the `sea_orm` crate and
//!   whatever the `db_type` text names (`StringLen`, from sea-orm's prelude) in scope.
//!
//! The words are the stored and published form: once written, a word never changes.

/// `vocabulary! { enum Name { Variant = "word", … } }`: an enum of unit variants with
/// `Name::ALL`, `Name::as_str` and `Name::parse`; with `#[sea_orm(db_type = "…")]` above
/// the enum, also a sea-orm column type storing each variant as its word.
#[macro_export]
macro_rules! vocabulary {
    // Sort the caller's attributes: the `sea_orm(db_type)` one picks the storage form and
    // is replaced by the full sea-orm attribute; the others are kept in order.
    (@split [$($kept:tt)*] [] #[sea_orm(db_type = $db_type:literal)] $($rest:tt)*) => {
        $crate::vocabulary!(@split [$($kept)*] [$db_type] $($rest)*);
    };
    (@split [$($kept:tt)*] [$($db_type:tt)*] #[$($attr:tt)*] $($rest:tt)*) => {
        $crate::vocabulary!(@split [$($kept)* #[$($attr)*]] [$($db_type)*] $($rest)*);
    };
    (@split [$($kept:tt)*] []
        $vis:vis enum $name:ident {
            $( $(#[$variant_meta:meta])* $variant:ident = $word:literal ),+ $(,)?
        }
    ) => {
        $($kept)*
        $vis enum $name {
            $( $(#[$variant_meta])* $variant ),+
        }

        $crate::vocabulary!(@words $name { $($variant = $word),+ });
    };
    (@split [$($kept:tt)*] [$db_type:literal]
        $vis:vis enum $name:ident {
            $( $(#[$variant_meta:meta])* $variant:ident = $word:literal ),+ $(,)?
        }
    ) => {
        $($kept)*
        #[derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum)]
        #[sea_orm(rs_type = "String", db_type = $db_type)]
        $vis enum $name {
            $( $(#[$variant_meta])* #[sea_orm(string_value = $word)] $variant ),+
        }

        $crate::vocabulary!(@words $name { $($variant = $word),+ });
    };
    (@words $name:ident { $($variant:ident = $word:literal),+ }) => {
        impl $name {
            /// Every value, in the order declared.
            pub const ALL: [$name; [$($word),+].len()] = [$($name::$variant),+];

            /// The word for this value.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $word ),+
                }
            }

            /// The value `word` names; `None` for any other text.
            pub fn parse(word: &str) -> Option<Self> {
                Self::ALL.into_iter().find(|v| v.as_str() == word)
            }
        }
    };
    ($($input:tt)+) => {
        $crate::vocabulary!(@split [] [] $($input)+);
    };
}

#[cfg(test)]
mod tests {
    use sea_orm::{ActiveEnum, DbErr, Iterable, entity::prelude::StringLen};

    crate::vocabulary! {
        /// A plain word list.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        enum Weather {
            Sunny = "sunny",
            /// A variant may carry its own doc comment.
            LightRain = "light_rain",
        }
    }

    crate::vocabulary! {
        /// A stored word list; the attributes around the `sea_orm` one stay as written.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[sea_orm(db_type = "String(StringLen::N(16))")]
        #[derive(serde::Serialize)]
        #[serde(rename_all = "snake_case")]
        enum Tide {
            High = "high",
            /// Stored as its word like the others.
            SlackWater = "slack_water",
        }
    }

    #[test]
    fn every_word_parses_back_to_its_value_and_nothing_else_does() {
        assert_eq!(Weather::ALL, [Weather::Sunny, Weather::LightRain]);
        for w in Weather::ALL {
            assert_eq!(Weather::parse(w.as_str()), Some(w));
        }
        assert_eq!(Weather::LightRain.as_str(), "light_rain");
        assert_eq!(Weather::parse("LightRain"), None);
    }

    #[test]
    fn the_storage_form_stores_each_value_as_its_word_in_declaration_order() {
        assert_eq!(Tide::iter().collect::<Vec<_>>(), Tide::ALL);
        for t in Tide::ALL {
            assert_eq!(t.to_value(), t.as_str());
            assert_eq!(Tide::try_from_value(&t.as_str().to_owned()).ok(), Some(t));
            assert_eq!(serde_json::to_value(t).ok(), Some(serde_json::json!(t.as_str())));
        }
        assert_eq!(Tide::SlackWater.to_value(), "slack_water");
        let column = format!("{:?}", Tide::db_type().get_column_type());
        assert_eq!(column, format!("{:?}", sea_orm::ColumnType::String(StringLen::N(16))));
    }

    #[test]
    fn a_stored_word_outside_the_list_is_a_decode_error() {
        let err = Tide::try_from_value(&"low".to_owned()).unwrap_err();
        assert!(matches!(err, DbErr::Type(_)), "{err:?}");
        assert_eq!(Tide::parse("low"), None);
    }
}

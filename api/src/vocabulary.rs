//! `vocabulary!`: declares a closed list of words (body regions, symptoms, reminder
//! kinds …) as a plain enum whose every variant is written once, next to the word that
//! names it on the wire and in the database.
//!
//! The macro adds `ALL` (every value, in declaration order), `as_str` and `parse`, and
//! nothing else: no framework derives. Whatever the caller writes above the enum (doc
//! comments, `derive`s, `serde` attributes for stored JSON) is kept as written. The API
//! schema of these enums is implemented in `routes::enum_schema` from `ALL` and
//! `as_str`, so the order of the variants here is the order the spec lists them in.
//!
//! A leaf: it names no other module.

/// Declares `enum Name { Variant = "word", … }` as an enum of unit variants with
/// `Name::ALL`, `Name::as_str` and `Name::parse` (the inverse of `as_str`).
macro_rules! vocabulary {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$variant_meta:meta])* $variant:ident = $word:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        $vis enum $name {
            $( $(#[$variant_meta])* $variant ),+
        }

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
}

pub(crate) use vocabulary;

#[cfg(test)]
mod tests {
    vocabulary! {
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        enum Weather {
            Sunny = "sunny",
            /// A variant may carry its own doc comment.
            LightRain = "light_rain",
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
}

//! Validated values. Each type can only be built from input that passed its rules, so
//! services never re-check them.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Invalid(pub &'static str);

/// A login email: trimmed and lower-cased, one `@`, a dot in the domain, no spaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let email = raw.trim().to_lowercase();
        let Some((local, domain)) = email.split_once('@') else {
            return Err(Invalid("must be an email address"));
        };
        let ok = !local.is_empty()
            && email.len() <= 254
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains('@')
            && !email.chars().any(|c| c.is_whitespace() || c.is_control());
        if ok { Ok(Self(email)) } else { Err(Invalid("must be an email address")) }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A password someone is choosing: 10 to 128 characters (the upper bound keeps hashing
/// cost bounded), not only whitespace.
#[derive(Clone)]
pub struct NewPassword(String);

impl NewPassword {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let chars = raw.chars().count();
        if chars < 10 {
            return Err(Invalid("must be at least 10 characters"));
        }
        if chars > 128 {
            return Err(Invalid("must be at most 128 characters"));
        }
        if raw.trim().is_empty() {
            return Err(Invalid("must not be only whitespace"));
        }
        Ok(Self(raw.to_owned()))
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword([redacted])")
    }
}

/// An IANA time zone name that chrono-tz knows, e.g. `Europe/Berlin`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeZoneName(String);

impl TimeZoneName {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        raw.trim()
            .parse::<chrono_tz::Tz>()
            .map(|tz| Self(tz.name().to_owned()))
            .map_err(|_| Invalid("must be an IANA time zone such as Europe/Berlin"))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A human name or title: trimmed, 1 to 200 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let name = raw.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(Invalid("must be 1 to 200 characters"));
        }
        if name.chars().any(char::is_control) {
            return Err(Invalid("must not contain control characters"));
        }
        Ok(Self(name.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An ICD-10 code such as `M54.2` or `M79.1`: a letter, two digits, optionally a dot and
/// one to four more letters or digits. Stored upper-case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Icd10Code(String);

impl Icd10Code {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let code = raw.trim().to_uppercase();
        // Walk characters, never byte offsets: a multi-byte character in the first three
        // places must be refused, not split.
        let mut chars = code.chars();
        let head = matches!(
            (chars.next(), chars.next(), chars.next()),
            (Some(a), Some(b), Some(c)) if a.is_ascii_uppercase() && b.is_ascii_digit() && c.is_ascii_alphanumeric()
        );
        let tail = match chars.as_str() {
            "" => true,
            rest => rest
                .strip_prefix('.')
                .is_some_and(|r| (1..=4).contains(&r.len()) && r.bytes().all(|c| c.is_ascii_alphanumeric())),
        };
        if head && tail { Ok(Self(code)) } else { Err(Invalid("must be ICD-10 codes such as M54.2")) }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A US National Provider Identifier: 10 digits, the last a Luhn check digit computed
/// over the first nine prefixed with `80840` (the NPI's issuer prefix).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Npi(String);

impl Npi {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let npi = raw.trim();
        if npi.len() != 10 || !npi.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Invalid("must be 10 digits"));
        }
        let digits: Vec<u32> = npi.bytes().map(|b| u32::from(b - b'0')).collect();
        // Luhn over "80840" + the first nine digits, doubling every second digit from
        // the right of that string; the prefix always contributes 24.
        let sum: u32 = 24
            + digits[..9]
                .iter()
                .rev()
                .enumerate()
                .map(|(i, &d)| if i % 2 == 0 { if d * 2 > 9 { d * 2 - 9 } else { d * 2 } } else { d })
                .sum::<u32>();
        if (10 - sum % 10) % 10 == digits[9] {
            Ok(Self(npi.to_owned()))
        } else {
            Err(Invalid("fails the NPI check digit"))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A phone or fax number as people write it: 3–40 characters of digits, spaces and
/// `+ - ( ) . /`, with at least 3 digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let phone = raw.trim();
        let allowed = phone.chars().all(|c| c.is_ascii_digit() || " +-().//".contains(c));
        let digits = phone.chars().filter(char::is_ascii_digit).count();
        if allowed && digits >= 3 && phone.len() <= 40 {
            Ok(Self(phone.to_owned()))
        } else {
            Err(Invalid("must be a phone number: digits, spaces and + - ( ) . /"))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A payer's member id: 6–40 letters, digits or dashes, stored upper-case. Sensitive
/// (it identifies the patient to the insurer): `Debug` never prints it and the API only
/// ever shows [`MemberId::masked`].
#[derive(Clone, PartialEq, Eq)]
pub struct MemberId(String);

impl MemberId {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let id = raw.trim().to_uppercase();
        let ok = (6..=40).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        // The message never repeats the value: error bodies and logs must not carry it.
        if ok { Ok(Self(id)) } else { Err(Invalid("must be 6–40 letters, digits or dashes")) }
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
    /// `••••` and the last four characters, e.g. `••••1234`.
    pub fn masked(&self) -> String {
        mask(&self.0)
    }
}

/// `••••` and the last four characters of `value` (all of it if shorter).
pub fn mask(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    let tail: String = chars[chars.len().saturating_sub(4)..].iter().collect();
    format!("••••{tail}")
}

impl fmt::Debug for MemberId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MemberId([redacted])")
    }
}

/// A 0–10 numeric pain rating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PainScore(u8);

impl PainScore {
    pub fn new(value: i64) -> Result<Self, Invalid> {
        u8::try_from(value).ok().filter(|v| *v <= 10).map(Self).ok_or(Invalid("must be between 0 and 10"))
    }
    pub fn get(self) -> u8 {
        self.0
    }
}

/// A 0–10 rating (stress, sleep quality, intensity of one pain site, a measure item).
pub type Rating = PainScore;

/// Days without a check-in before a disengaged alert: 1–60, 3 unless the therapist says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DisengagedDays(i16);

impl DisengagedDays {
    pub fn new(value: i64) -> Result<Self, Invalid> {
        i16::try_from(value).ok().filter(|v| (1..=60).contains(v)).map(Self).ok_or(Invalid("must be between 1 and 60"))
    }
    pub fn get(self) -> i16 {
        self.0
    }
}

impl Default for DisengagedDays {
    fn default() -> Self {
        Self(3)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_junk_is_refused() {
        assert_eq!(Email::parse("  Ana@Example.ORG ").unwrap().as_str(), "ana@example.org");
        for bad in ["", "ana", "@x.org", "ana@x", "a b@x.org", "ana@.org", "a@b@c.org"] {
            assert!(Email::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn icd10_codes_follow_the_letter_digit_digit_pattern() {
        assert_eq!(Icd10Code::parse("m54.2").unwrap().as_str(), "M54.2");
        assert!(Icd10Code::parse("M79").is_ok());
        for bad in ["54.2", "M5", "M54.", "M54.12345", "M54,2", "DROP TABLE", "M5é", "A1€", "é", "M5\u{301}"] {
            assert!(Icd10Code::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn passwords_must_be_long_enough_but_bounded() {
        assert!(NewPassword::parse("short").is_err());
        assert!(NewPassword::parse(&"x".repeat(129)).is_err());
        assert!(NewPassword::parse("           ").is_err());
        assert!(NewPassword::parse("a good long password").is_ok());
    }

    #[test]
    fn time_zones_must_be_iana_names() {
        assert_eq!(TimeZoneName::parse("America/New_York").unwrap().as_str(), "America/New_York");
        assert!(TimeZoneName::parse("Mars/Olympus").is_err());
    }

    #[test]
    fn npis_need_ten_digits_and_the_check_digit() {
        // Published examples of valid NPIs.
        for good in ["1234567893", "1245319599", " 1003000126 "] {
            assert!(Npi::parse(good).is_ok(), "{good:?} refused");
        }
        for bad in ["1234567890", "1234567894", "123456789", "12345678931", "12345678a3", "", "１234567893"] {
            assert!(Npi::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn phone_numbers_allow_the_usual_punctuation_only() {
        assert!(PhoneNumber::parse("+49 (30) 123-456.7").is_ok());
        for bad in ["", "12", "call me", "555-0100 ext. 4", &"1".repeat(41)] {
            assert!(PhoneNumber::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn member_ids_are_masked_and_never_debug_printed() {
        let id = MemberId::parse(" xk-99120034 ").unwrap();
        assert_eq!(id.expose(), "XK-99120034");
        assert_eq!(id.masked(), "••••0034");
        assert!(!format!("{id:?}").contains("0034"));
        for bad in ["", "12345", "AB 123456", "ÄB123456", &"1".repeat(41)] {
            let err = MemberId::parse(bad).unwrap_err();
            assert!(bad.is_empty() || !err.0.contains(bad), "{bad:?} echoed");
        }
    }

    #[test]
    fn pain_scores_are_zero_to_ten() {
        assert!(PainScore::new(10).is_ok());
        assert!(PainScore::new(11).is_err());
        assert!(PainScore::new(-1).is_err());
    }

    /// Every parser of user text, fed arbitrary Unicode (multi-byte, combining, control
    /// characters, near-valid prefixes): none may panic, and what one accepts is ASCII
    /// where the format is ASCII. A fixed seed keeps a failure reproducible.
    #[test]
    fn parsers_survive_arbitrary_unicode() {
        use rand::{Rng, SeedableRng, rngs::StdRng, seq::SliceRandom};

        const PIECES: &[&str] = &[
            "M",
            "m",
            "5",
            "4",
            ".",
            "2",
            "é",
            "€",
            "𝄞",
            "\u{301}",
            "\u{0}",
            "\u{7f}",
            "\u{200b}",
            "\u{feff}",
            " ",
            "\t",
            "@",
            "x.org",
            "Europe/",
            "Berlin",
            "ß",
            "İ",
            "ﬃ",
            "\u{10ffff}",
            "-",
            "/",
            "%",
            "push.apple.com",
            "https://",
            ":443",
            "..",
            "xn--",
            "日本",
        ];
        let mut rng = StdRng::seed_from_u64(0xFA5C1A);
        for _ in 0..20_000 {
            let len = rng.gen_range(0..12);
            let mut input = String::new();
            for _ in 0..len {
                if rng.gen_bool(0.3) {
                    input.push(rng.r#gen::<char>());
                } else {
                    input.push_str(PIECES.choose(&mut rng).expect("pieces"));
                }
            }
            if let Ok(code) = Icd10Code::parse(&input) {
                assert!(code.as_str().is_ascii(), "{input:?} gave {code:?}");
            }
            let _ = Email::parse(&input);
            let _ = NewPassword::parse(&input);
            let _ = TimeZoneName::parse(&input);
            let _ = DisplayName::parse(&input);
            let _ = Npi::parse(&input);
            let _ = MemberId::parse(&input).map(|m| m.masked());
            let _ = PhoneNumber::parse(&input);
            let _ = crate::push::endpoint::EndpointPolicy::new(false).check(&input);
            let _ =
                crate::push::endpoint::EndpointPolicy::new(true).check(&format!("https://{input}.push.apple.com/x"));
            let _ = crate::push::endpoint::SubscriptionKeys::parse(&input, &input);
            let _ = crate::services::cursor::decode(&input);
            let _ = crate::push::sender::parse_retry_after(&input, chrono::Utc::now());
            let _ = crate::clinical::symptoms::Medication::parse(&input);
            let _ = crate::reminders::kinds::ReminderKind::parse(&input);
        }
    }
}

//! Time-based one-time passwords (RFC 6238: HMAC-SHA1, six digits, 30-second steps) and
//! the one-time recovery codes that stand in for a lost authenticator.
//!
//! Checking a code answers the time step it matched, never just yes or no: the caller
//! stores the last accepted step and refuses that step and any earlier one, so a code
//! seen over someone's shoulder cannot be used again (RFC 6238 §5.2). One step either
//! side of now is accepted for clock drift between phone and server.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use rand::{Rng, RngCore};
use totp_rs::{Builder, Secret, Totp};

pub const STEP_SECONDS: u64 = 30;
const DIGITS: u8 = 6;
const SKEW_STEPS: u16 = 1;
/// 160 bits, the secret length RFC 4226 recommends.
const SECRET_BYTES: usize = 20;
pub const RECOVERY_CODES: usize = 10;
/// Lowercase letters and digits without look-alikes (0/o, 1/l/i), so codes written on
/// paper read back unambiguously; 10 of them carry about 49 bits.
const RECOVERY_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
const RECOVERY_LEN: usize = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the stored TOTP secret is not usable")]
pub struct BadSecret;

/// A fresh random secret, base32 as authenticator apps take it.
pub fn generate_secret() -> String {
    let mut bytes = [0u8; SECRET_BYTES];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    Secret::from(bytes).to_base32()
}

fn totp(secret_base32: &str, issuer: &str, account: &str) -> Result<Totp, BadSecret> {
    let secret = Secret::try_from_base32(secret_base32).map_err(|_| BadSecret)?;
    // The otpauth label separates issuer and account with a colon, so neither may hold one.
    Builder::new()
        .with_digits(DIGITS)
        .with_skew(SKEW_STEPS)
        .with_step_duration(STEP_SECONDS)
        .with_secret(secret)
        .with_issuer(Some(issuer.replace(':', " ")))
        .with_account_name(account.replace(':', " "))
        .build()
        .map_err(|_| BadSecret)
}

/// The `otpauth://totp/...` URI an authenticator app reads from a QR code.
pub fn provisioning_uri(secret_base32: &str, issuer: &str, account: &str) -> Result<String, BadSecret> {
    totp(secret_base32, issuer, account)?.to_url().map_err(|_| BadSecret)
}

fn unix_seconds(at: DateTime<Utc>) -> u64 {
    u64::try_from(at.timestamp()).unwrap_or(0)
}

/// The time step `code` is valid for at `now` (within one step of drift), if any.
/// Anything but six ASCII digits (spaces allowed) never matches.
pub fn matching_step(secret_base32: &str, code: &str, now: DateTime<Utc>) -> Result<Option<i64>, BadSecret> {
    let totp = totp(secret_base32, "x", "x")?;
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != usize::from(DIGITS) || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(None);
    }
    Ok(totp.check(&code, unix_seconds(now)).and_then(|step| i64::try_from(step).ok()))
}

/// The code an authenticator shows at `at` (for tests and the demo).
pub fn code_at(secret_base32: &str, at: DateTime<Utc>) -> Result<String, BadSecret> {
    Ok(totp(secret_base32, "x", "x")?.generate(unix_seconds(at)).to_string())
}

/// Fresh recovery codes, formatted `xxxxx-xxxxx` for reading aloud or writing down.
pub fn generate_recovery_codes() -> Vec<String> {
    let mut rng = rand::rngs::OsRng;
    (0..RECOVERY_CODES)
        .map(|_| {
            let raw: String = (0..RECOVERY_LEN)
                .map(|_| char::from(RECOVERY_ALPHABET[rng.gen_range(0..RECOVERY_ALPHABET.len())]))
                .collect();
            format!("{}-{}", &raw[..5], &raw[5..])
        })
        .collect()
}

/// A recovery code as it is hashed: case, spaces and dashes do not matter.
pub fn normalise_recovery_code(code: &str) -> String {
    code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect()
}

/// An opaque challenge token for the second login step (256 random bits).
pub fn generate_challenge() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    // RFC 6238 appendix B: the SHA-1 seed "12345678901234567890" at T=59 gives 94287082
    // with eight digits; six digits keep the last six.
    const RFC_SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

    #[test]
    fn the_rfc_test_vector_matches_at_its_step_only() {
        let at = Utc.timestamp_opt(59, 0).unwrap();
        assert_eq!(code_at(RFC_SECRET, at).unwrap(), "287082");
        assert_eq!(matching_step(RFC_SECRET, "287082", at).unwrap(), Some(1));
        assert_eq!(matching_step(RFC_SECRET, "287 082", at).unwrap(), Some(1));
        let much_later = Utc.timestamp_opt(59 + 10 * 30, 0).unwrap();
        assert_eq!(matching_step(RFC_SECRET, "287082", much_later).unwrap(), None);
    }

    #[test]
    fn a_code_from_the_neighbouring_step_is_accepted_for_drift() {
        let secret = generate_secret();
        let now = Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap();
        let previous = code_at(&secret, now - chrono::Duration::seconds(30)).unwrap();
        assert!(matching_step(&secret, &previous, now).unwrap().is_some());
        let too_old = code_at(&secret, now - chrono::Duration::seconds(90)).unwrap();
        assert_eq!(matching_step(&secret, &too_old, now).unwrap(), None);
    }

    #[test]
    fn garbage_codes_never_match_and_bad_secrets_are_errors() {
        let secret = generate_secret();
        let now = Utc::now();
        for bad in ["", "12345", "1234567", "abcdef", "١٢٣٤٥٦", "123456\0"] {
            assert_eq!(matching_step(&secret, bad, now).unwrap(), None, "{bad:?}");
        }
        assert_eq!(matching_step("not base32!", "123456", now), Err(BadSecret));
    }

    #[test]
    fn the_provisioning_uri_names_issuer_and_account() {
        let uri = provisioning_uri(RFC_SECRET, "Clinic: One", "maria@example.org").unwrap();
        assert!(uri.starts_with("otpauth://totp/"), "{uri}");
        assert!(uri.contains("secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"), "{uri}");
        assert!(uri.contains("maria%40example.org") || uri.contains("maria@example.org"), "{uri}");
    }

    #[test]
    fn recovery_codes_are_distinct_and_normalise() {
        let codes = generate_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), RECOVERY_CODES);
        assert_eq!(normalise_recovery_code(" ABCDE-fghjk "), "abcdefghjk");
    }
}

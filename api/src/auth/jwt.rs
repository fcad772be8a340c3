//! Access tokens: short-lived ES256 JWTs.
//!
//! Every claim the server relies on is required (`iss`, `aud`, `sub`, `exp`, `iat`,
//! `role`, `cid`, `sid`), the header must carry a known `kid` and the explicit type `at+jwt`,
//! and only ES256 is accepted, which rules out `alg: none` and HS/ES key confusion.
//! Expiry is checked against the injected clock rather than the system time.

use std::{collections::HashMap, path::Path, sync::Mutex};

use chrono::{DateTime, Utc};
use entity::Role;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey, LineEnding};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::config::{Environment, Settings};

pub const ISSUER: &str = "fascia";
pub const AUDIENCE: &str = "fascia-api";
pub const TOKEN_TYPE: &str = "at+jwt";
/// Allowed clock difference between replicas when checking `exp` and `iat`.
const LEEWAY_SECS: i64 = 30;
const DEV_KEY_FILE: &str = "jwt-es256.pem";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AccessClaims {
    pub iss: String,
    pub aud: String,
    pub sub: Uuid,
    pub exp: i64,
    pub iat: i64,
    pub role: Role,
    /// Clinic of the user.
    pub cid: Uuid,
    /// Patient record of a patient user; absent for staff.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid: Option<Uuid>,
    /// The login session (refresh-token family) the token was issued in. Every request
    /// checks that the session is still live, so a logout or a password change ends the
    /// access token at once instead of when it expires.
    pub sid: Uuid,
}

/// Whom a token is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subject {
    pub user: Uuid,
    pub role: Role,
    pub clinic: Uuid,
    /// The patient record of a patient user.
    pub patient: Option<Uuid>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("malformed token")]
    Malformed,
    #[error("unknown key id")]
    UnknownKey,
    #[error("wrong token type")]
    WrongType,
    #[error("invalid token")]
    Invalid,
    #[error("token expired")]
    Expired,
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(
        "FASCIA_JWT_PRIVATE_KEY is required when FASCIA_ENV=production \
         (an ES256 PKCS#8 PEM; `openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256` makes one)"
    )]
    MissingInProduction,
    #[error("FASCIA_JWT_PRIVATE_KEY is not a P-256 PKCS#8 PEM private key")]
    BadPrivateKey,
    #[error("FASCIA_JWT_PREVIOUS_PUBLIC_KEY needs FASCIA_JWT_PREVIOUS_KEY_ID and must be a P-256 public key PEM")]
    BadPreviousKey,
    #[error("cannot read or write the JWT key file {0}: {1}")]
    Io(String, std::io::Error),
}

pub struct JwtKeys {
    kid: String,
    encoding: EncodingKey,
    decoding: HashMap<String, DecodingKey>,
    ttl_secs: i64,
    /// Tokens whose signature and claims already verified, by SHA-256 of the token.
    /// An ECDSA verification costs far more than the rest of a typical request, and a
    /// PWA sends the same token for up to 15 minutes; expiry is still checked every time.
    verified: Mutex<HashMap<[u8; 32], AccessClaims>>,
}

const VERIFIED_CACHE_MAX: usize = 10_000;

impl JwtKeys {
    /// The configured key, or in dev a key generated once and kept in the data dir.
    pub fn from_settings(settings: &Settings) -> Result<Self, KeyError> {
        let pem = match &settings.jwt_private_key {
            Some(pem) => pem.expose().to_owned(),
            None if settings.env == Environment::Production => return Err(KeyError::MissingInProduction),
            None => load_or_create_dev_key(&settings.data_dir)?,
        };
        let mut keys = Self::from_pem(&pem, settings.jwt_key_id.clone(), settings.access_token_ttl.as_secs() as i64)?;
        if let Some(previous) = &settings.jwt_previous_public_key {
            let kid = settings.jwt_previous_key_id.clone().ok_or(KeyError::BadPreviousKey)?;
            let key = DecodingKey::from_ec_pem(previous.as_bytes()).map_err(|_| KeyError::BadPreviousKey)?;
            keys.decoding.insert(kid, key);
        }
        Ok(keys)
    }

    pub fn from_pem(private_pem: &str, kid: Option<String>, ttl_secs: i64) -> Result<Self, KeyError> {
        let secret = p256::SecretKey::from_pkcs8_pem(private_pem).map_err(|_| KeyError::BadPrivateKey)?;
        let public_der = secret.public_key().to_public_key_der().map_err(|_| KeyError::BadPrivateKey)?;
        let public_pem = secret.public_key().to_public_key_pem(LineEnding::LF).map_err(|_| KeyError::BadPrivateKey)?;
        // Derived from the public key, so every replica given the same key agrees on it.
        let kid = kid.unwrap_or_else(|| hex(&Sha256::digest(public_der.as_bytes())[..8]));
        let encoding = EncodingKey::from_ec_pem(private_pem.as_bytes()).map_err(|_| KeyError::BadPrivateKey)?;
        let decoding = DecodingKey::from_ec_pem(public_pem.as_bytes()).map_err(|_| KeyError::BadPrivateKey)?;
        Ok(Self {
            decoding: HashMap::from([(kid.clone(), decoding)]),
            kid,
            encoding,
            ttl_secs,
            verified: Mutex::default(),
        })
    }

    pub fn ttl_secs(&self) -> i64 {
        self.ttl_secs
    }

    pub fn issue(&self, subject: Subject, session: Uuid, now: DateTime<Utc>) -> String {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(self.kid.clone());
        header.typ = Some(TOKEN_TYPE.to_owned());
        let iat = now.timestamp();
        let claims = AccessClaims {
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            sub: subject.user,
            exp: iat + self.ttl_secs,
            iat,
            role: subject.role,
            cid: subject.clinic,
            pid: subject.patient,
            sid: session,
        };
        jsonwebtoken::encode(&header, &claims, &self.encoding).expect("ES256 signing with a validated key cannot fail")
    }

    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<AccessClaims, TokenError> {
        let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let cached = self.verified.lock().expect("jwt cache lock").get(&digest).cloned();
        let claims = match cached {
            Some(claims) => claims,
            None => {
                let claims = self.verify_signature(token)?;
                let mut cache = self.verified.lock().expect("jwt cache lock");
                if cache.len() >= VERIFIED_CACHE_MAX {
                    cache.clear();
                }
                cache.insert(digest, claims.clone());
                claims
            }
        };
        let now = now.timestamp();
        if now > claims.exp + LEEWAY_SECS {
            return Err(TokenError::Expired);
        }
        if claims.iat > now + LEEWAY_SECS {
            return Err(TokenError::Invalid);
        }
        Ok(claims)
    }

    /// Header, signature and the claims that do not depend on the time.
    fn verify_signature(&self, token: &str) -> Result<AccessClaims, TokenError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Malformed)?;
        if header.alg != Algorithm::ES256 {
            return Err(TokenError::Invalid);
        }
        if header.typ.as_deref() != Some(TOKEN_TYPE) {
            return Err(TokenError::WrongType);
        }
        let key = header.kid.as_deref().and_then(|kid| self.decoding.get(kid)).ok_or(TokenError::UnknownKey)?;
        let mut validation = Validation::new(Algorithm::ES256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        // Expiry is checked by `verify` against the injected clock.
        validation.validate_exp = false;
        let claims =
            jsonwebtoken::decode::<AccessClaims>(token, key, &validation).map_err(|_| TokenError::Invalid)?.claims;
        // A token claiming a longer life than this server ever issues was not made here.
        if claims.exp - claims.iat > self.ttl_secs.max(900) {
            return Err(TokenError::Invalid);
        }
        Ok(claims)
    }
}

fn load_or_create_dev_key(data_dir: &Path) -> Result<String, KeyError> {
    let path = data_dir.join(DEV_KEY_FILE);
    let io_err = |e| KeyError::Io(path.display().to_string(), e);
    if path.exists() {
        return std::fs::read_to_string(&path).map_err(io_err);
    }
    std::fs::create_dir_all(data_dir).map_err(io_err)?;
    let pem = generate_private_key_pem();
    write_private_file(&path, &pem).map_err(io_err)?;
    tracing::info!(path = %path.display(), "generated a development JWT signing key");
    Ok(pem)
}

/// A fresh P-256 key as PKCS#8 PEM.
pub fn generate_private_key_pem() -> String {
    let secret = p256::SecretKey::random(&mut rand::rngs::OsRng);
    secret.to_pkcs8_pem(LineEnding::LF).expect("PKCS#8 encoding of a fresh key").to_string()
}

pub(crate) fn write_private_file(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(contents.as_bytes())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject(role: Role) -> Subject {
        Subject { user: Uuid::now_v7(), role, clinic: Uuid::now_v7(), patient: None }
    }

    fn keys() -> JwtKeys {
        JwtKeys::from_pem(&generate_private_key_pem(), None, 900).unwrap()
    }

    #[test]
    fn a_token_verifies_until_it_expires_beyond_the_leeway() {
        let keys = keys();
        let now = Utc::now();
        let token = keys.issue(subject(Role::Patient), Uuid::now_v7(), now);
        assert!(keys.verify(&token, now).is_ok());
        assert!(keys.verify(&token, now + chrono::Duration::seconds(900 + LEEWAY_SECS)).is_ok());
        assert_eq!(keys.verify(&token, now + chrono::Duration::seconds(901 + LEEWAY_SECS)), Err(TokenError::Expired));
    }

    #[test]
    fn a_token_from_another_key_with_the_same_kid_is_refused() {
        let a = JwtKeys::from_pem(&generate_private_key_pem(), Some("k".into()), 900).unwrap();
        let b = JwtKeys::from_pem(&generate_private_key_pem(), Some("k".into()), 900).unwrap();
        let token = b.issue(subject(Role::Admin), Uuid::now_v7(), Utc::now());
        assert_eq!(a.verify(&token, Utc::now()), Err(TokenError::Invalid));
    }

    #[test]
    fn during_a_rotation_tokens_signed_with_the_previous_key_still_verify() {
        use crate::config::{Secret, Settings};
        let old_pem = generate_private_key_pem();
        let old = JwtKeys::from_pem(&old_pem, Some("old".into()), 900).unwrap();
        let old_public =
            p256::SecretKey::from_pkcs8_pem(&old_pem).unwrap().public_key().to_public_key_pem(LineEnding::LF).unwrap();
        let mut settings = Settings::from_map(&Default::default()).unwrap();
        settings.jwt_private_key = Some(Secret::new(generate_private_key_pem()));
        settings.jwt_key_id = Some("new".into());
        settings.jwt_previous_public_key = Some(old_public);
        settings.jwt_previous_key_id = Some("old".into());
        let current = JwtKeys::from_settings(&settings).unwrap();

        let now = Utc::now();
        let from_old = old.issue(subject(Role::Therapist), Uuid::now_v7(), now);
        assert!(current.verify(&from_old, now).is_ok());
        let from_new = current.issue(subject(Role::Therapist), Uuid::now_v7(), now);
        assert_eq!(jsonwebtoken::decode_header(&from_new).unwrap().kid.as_deref(), Some("new"));
    }
}

//! Encryption of single sensitive values at rest (a payer member id): AES-256-GCM with
//! the key from `FASCIA_DATA_KEY`, or in dev one generated once and kept in
//! `<data dir>/data.key` (mode 0600), as the dev JWT and VAPID keys are kept. Production
//! refuses to start without the setting, so a lost file can never silently make stored
//! values unreadable there.
//!
//! A stored value is `v1:` followed by base64 of a fresh random 96-bit nonce and the
//! ciphertext with its tag. The prefix names the key version, so a later rotation can add
//! a `v2` key and keep reading `v1` values. The associated data names the column and the
//! row, so a ciphertext copied into another row or column does not decrypt.
//!
//! Neither the key nor a plaintext is ever printed: `Debug` is redacted and errors say
//! only what failed, never with what.

use std::{fmt, path::Path};

use aes_gcm::{
    Aes256Gcm, Nonce,
    aead::{Aead, KeyInit, Payload},
};
use base64::{Engine, engine::general_purpose::STANDARD};
use rand::RngCore;

use crate::{
    auth::jwt::write_private_file,
    config::{Environment, Settings},
};

const DEV_KEY_FILE: &str = "data.key";
/// The version of the only key there is so far; written before every stored value.
const VERSION: &str = "v1";
const NONCE_LEN: usize = 12;

#[derive(Debug, thiserror::Error)]
pub enum DataKeyError {
    #[error("FASCIA_DATA_KEY is required when FASCIA_ENV=production (base64 of 32 random bytes)")]
    MissingInProduction,
    #[error("FASCIA_DATA_KEY must be base64 of exactly 32 bytes")]
    BadKey,
    #[error("cannot read or write the data key file {0}: {1}")]
    Io(String, std::io::Error),
}

/// A stored value that does not decrypt with this server's key: corrupt, moved to
/// another row, or written under a key this server does not have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a stored encrypted value does not decrypt")]
pub struct Undecryptable;

pub struct DataKey {
    cipher: Aes256Gcm,
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DataKey([redacted])")
    }
}

impl DataKey {
    pub fn from_settings(settings: &Settings) -> Result<Self, DataKeyError> {
        let encoded = match &settings.data_key {
            Some(key) => key.expose().to_owned(),
            None if settings.env == Environment::Production => return Err(DataKeyError::MissingInProduction),
            None => load_or_create_dev_key(&settings.data_dir)?,
        };
        Self::from_base64(&encoded)
    }

    pub fn from_base64(encoded: &str) -> Result<Self, DataKeyError> {
        let bytes = STANDARD.decode(encoded.trim()).map_err(|_| DataKeyError::BadKey)?;
        let cipher = Aes256Gcm::new_from_slice(&bytes).map_err(|_| DataKeyError::BadKey)?;
        Ok(Self { cipher })
    }

    /// `plaintext` sealed for the place named by `context` (e.g. `table.column:row id`).
    pub fn seal(&self, context: &str, plaintext: &str) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let payload = Payload { msg: plaintext.as_bytes(), aad: context.as_bytes() };
        // Encryption fails only for messages near 64 GiB; these are short strings.
        let sealed = self.cipher.encrypt(&Nonce::from(nonce), payload).expect("AES-GCM seals a short value");
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        format!("{VERSION}:{}", STANDARD.encode(out))
    }

    /// The plaintext of a value [`seal`](Self::seal)ed for the same `context`.
    pub fn open(&self, context: &str, stored: &str) -> Result<String, Undecryptable> {
        let body = stored.strip_prefix(VERSION).and_then(|r| r.strip_prefix(':')).ok_or(Undecryptable)?;
        let bytes = STANDARD.decode(body).map_err(|_| Undecryptable)?;
        if bytes.len() <= NONCE_LEN {
            return Err(Undecryptable);
        }
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| Undecryptable)?;
        let plain = self
            .cipher
            .decrypt(&Nonce::from(nonce), Payload { msg: sealed, aad: context.as_bytes() })
            .map_err(|_| Undecryptable)?;
        String::from_utf8(plain).map_err(|_| Undecryptable)
    }
}

/// A fresh key as `FASCIA_DATA_KEY` takes it.
pub fn generate() -> String {
    let mut key = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut key);
    STANDARD.encode(key)
}

fn load_or_create_dev_key(data_dir: &Path) -> Result<String, DataKeyError> {
    let path = data_dir.join(DEV_KEY_FILE);
    let io_err = |e| DataKeyError::Io(path.display().to_string(), e);
    if path.exists() {
        return std::fs::read_to_string(&path).map_err(io_err);
    }
    std::fs::create_dir_all(data_dir).map_err(io_err)?;
    let key = generate();
    match write_private_file(&path, &key) {
        Ok(()) => {
            tracing::info!(path = %path.display(), "generated a development data key");
            Ok(key)
        }
        // Another process sharing the data dir wrote it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => std::fs::read_to_string(&path).map_err(io_err),
        Err(e) => Err(io_err(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> DataKey {
        DataKey::from_base64(&generate()).unwrap()
    }

    #[test]
    fn a_sealed_value_opens_in_its_own_place_only() {
        let k = key();
        let sealed = k.seal("t.c:1", "MBR-4471-9921");
        assert!(sealed.starts_with("v1:"));
        assert!(!sealed.contains("4471"));
        assert_eq!(k.open("t.c:1", &sealed).unwrap(), "MBR-4471-9921");
        assert_eq!(k.open("t.c:2", &sealed), Err(Undecryptable));
    }

    #[test]
    fn every_seal_uses_a_fresh_nonce() {
        let k = key();
        assert_ne!(k.seal("x", "same"), k.seal("x", "same"));
    }

    #[test]
    fn another_key_or_a_damaged_value_does_not_open() {
        let sealed = key().seal("x", "secret");
        assert_eq!(key().open("x", &sealed), Err(Undecryptable));
        for bad in
            ["", "v1:", "v1:AAAA", "v2:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "plain text", &sealed[..sealed.len() - 2]]
        {
            assert_eq!(key().open("x", bad), Err(Undecryptable), "{bad:?}");
        }
    }

    #[test]
    fn keys_must_be_32_bytes_of_base64() {
        assert!(DataKey::from_base64("c2hvcnQ=").is_err());
        assert!(DataKey::from_base64("not base64 at all!").is_err());
        assert!(format!("{:?}", key()).contains("redacted"));
    }

    #[test]
    fn production_needs_the_key_in_its_settings() {
        let settings = |extra: &[(&str, &str)]| {
            let mut vars = std::collections::HashMap::from([
                ("FASCIA_ENV".to_owned(), "production".to_owned()),
                ("FASCIA_VAPID_SUBJECT".to_owned(), "mailto:ops@example.org".to_owned()),
                ("FASCIA_DATA_DIR".to_owned(), "/nonexistent/fascia".to_owned()),
            ]);
            vars.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
            Settings::from_map(&vars).unwrap()
        };
        assert!(matches!(DataKey::from_settings(&settings(&[])), Err(DataKeyError::MissingInProduction)));
        assert!(matches!(
            DataKey::from_settings(&settings(&[("FASCIA_DATA_KEY", "c2hvcnQ=")])),
            Err(DataKeyError::BadKey)
        ));
        let key = generate();
        let from_settings = DataKey::from_settings(&settings(&[("FASCIA_DATA_KEY", &key)])).unwrap();
        let sealed = from_settings.seal("x", "value");
        assert_eq!(DataKey::from_base64(&key).unwrap().open("x", &sealed).unwrap(), "value");
    }

    #[test]
    fn a_dev_key_survives_a_restart_and_is_private() {
        let dir = std::env::temp_dir().join(format!("fascia-data-key-{}", uuid::Uuid::new_v4().simple()));
        let first = load_or_create_dev_key(&dir).unwrap();
        assert_eq!(first, load_or_create_dev_key(&dir).unwrap());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join(DEV_KEY_FILE)).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::remove_dir_all(dir).unwrap();
    }
}

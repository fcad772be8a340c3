//! The VAPID key pair that identifies this server to push services (RFC 8292).
//!
//! The PWA subscribes with the public key (`applicationServerKey`), so the key must stay
//! the same across restarts and replicas: it comes from `FASCIA_VAPID_PRIVATE_KEY`, or in
//! dev is generated once and kept in the data dir (mode 0600) like the dev JWT key.

use std::path::Path;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use p256::{elliptic_curve::sec1::ToEncodedPoint, pkcs8::DecodePrivateKey};
use sha2::{Digest, Sha256};
use web_push::{PartialVapidSignatureBuilder, VapidSignatureBuilder};

use crate::{
    auth::jwt::{generate_private_key_pem, write_private_file},
    config::{Environment, Settings},
};

const DEV_KEY_FILE: &str = "vapid-p256.pem";

#[derive(Debug, thiserror::Error)]
pub enum VapidError {
    #[error(
        "FASCIA_VAPID_PRIVATE_KEY is required when FASCIA_ENV=production \
         (`fascia vapid-keys` prints a new pair)"
    )]
    MissingInProduction,
    #[error("FASCIA_VAPID_PRIVATE_KEY is not a P-256 PKCS#8 PEM private key")]
    BadKey,
    #[error("cannot read or write the VAPID key file {0}: {1}")]
    Io(String, std::io::Error),
}

pub struct VapidKeys {
    signer: PartialVapidSignatureBuilder,
    public_key: Vec<u8>,
    key_id: String,
    subject: String,
}

impl VapidKeys {
    pub fn from_settings(settings: &Settings) -> Result<Self, VapidError> {
        let pem = match &settings.push.vapid_private_key {
            Some(pem) => pem.expose().to_owned(),
            None if settings.env == Environment::Production => return Err(VapidError::MissingInProduction),
            None => load_or_create_dev_key(&settings.data_dir)?,
        };
        Self::from_pem(&pem, settings.push.vapid_subject.clone())
    }

    pub fn from_pem(pem: &str, subject: String) -> Result<Self, VapidError> {
        // Parsed once with p256 as well, so a bad key is reported here and not per message.
        let secret = p256::SecretKey::from_pkcs8_pem(pem).map_err(|_| VapidError::BadKey)?;
        let public_key = secret.public_key().to_encoded_point(false).as_bytes().to_vec();
        let signer = VapidSignatureBuilder::from_pem_no_sub(pem.as_bytes()).map_err(|_| VapidError::BadKey)?;
        let key_id = hex(&Sha256::digest(&public_key)[..8]);
        Ok(Self { signer, public_key, key_id, subject })
    }

    /// The uncompressed public point, base64url: the PWA's `applicationServerKey`.
    pub fn application_server_key(&self) -> String {
        URL_SAFE_NO_PAD.encode(&self.public_key)
    }

    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    pub fn subject(&self) -> &str {
        &self.subject
    }

    pub(crate) fn signer(&self) -> PartialVapidSignatureBuilder {
        self.signer.clone()
    }
}

/// A new key pair for operators: (private PKCS#8 PEM, public key base64url).
pub fn generate_pair() -> (String, String) {
    let pem = generate_private_key_pem();
    let keys = VapidKeys::from_pem(&pem, String::new()).expect("a fresh key is valid");
    (pem, keys.application_server_key())
}

fn load_or_create_dev_key(data_dir: &Path) -> Result<String, VapidError> {
    let path = data_dir.join(DEV_KEY_FILE);
    let io_err = |e| VapidError::Io(path.display().to_string(), e);
    if path.exists() {
        return std::fs::read_to_string(&path).map_err(io_err);
    }
    std::fs::create_dir_all(data_dir).map_err(io_err)?;
    let pem = generate_private_key_pem();
    match write_private_file(&path, &pem) {
        Ok(()) => {
            tracing::info!(path = %path.display(), "generated a development VAPID key");
            Ok(pem)
        }
        // Another process sharing the data dir wrote it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => std::fs::read_to_string(&path).map_err(io_err),
        Err(e) => Err(io_err(e)),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_public_key_is_an_uncompressed_point_and_the_key_id_follows_it() {
        let (pem, public) = generate_pair();
        let keys = VapidKeys::from_pem(&pem, "mailto:a@b.test".into()).unwrap();
        let raw = URL_SAFE_NO_PAD.decode(keys.application_server_key()).unwrap();
        assert_eq!(raw.len(), 65);
        assert_eq!(raw[0], 4);
        assert_eq!(keys.application_server_key(), public);
        assert_eq!(keys.key_id().len(), 16);
    }

    #[test]
    fn a_dev_key_survives_a_restart() {
        let dir = std::env::temp_dir().join(format!("fascia-vapid-{}", uuid::Uuid::new_v4().simple()));
        let first = load_or_create_dev_key(&dir).unwrap();
        let second = load_or_create_dev_key(&dir).unwrap();
        assert_eq!(first, second);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join(DEV_KEY_FILE)).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::remove_dir_all(dir).unwrap();
    }
}

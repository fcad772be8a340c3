//! `FASCIA_BLOB_STORE`: where message attachments are kept, and the S3 settings.
//!
//! `database` (the default) needs nothing else. `s3` needs the endpoint, bucket, region
//! and both halves of the access key; a half-configured store refuses to start rather
//! than fail on the first upload, and S3 settings without `FASCIA_BLOB_STORE=s3` are
//! refused too (they would be silently ignored otherwise). In production the endpoint
//! must be `https`, unless it is on loopback (a local gateway): the bytes are patients'
//! photos.

use url::{Host, Url};

use super::{ConfigError, Environment, Secret, invalid};

const S3_KEYS: [&str; 6] = [
    "FASCIA_S3_ENDPOINT",
    "FASCIA_S3_BUCKET",
    "FASCIA_S3_REGION",
    "FASCIA_S3_ACCESS_KEY_ID",
    "FASCIA_S3_SECRET_ACCESS_KEY",
    "FASCIA_S3_PREFIX",
];

#[derive(Debug, Clone)]
pub enum BlobStoreSettings {
    /// Bytes in the `message_blob` table, written in the message's transaction.
    Database,
    /// Bytes in an S3-compatible object store (boxed: the settings are large, and
    /// most deployments use the database).
    S3(Box<S3Settings>),
}

/// An S3-compatible bucket, addressed path-style: `{endpoint}/{bucket}/{prefix}{key}`.
#[derive(Debug, Clone)]
pub struct S3Settings {
    /// Scheme, host and port only, e.g. `https://s3.eu-central-1.amazonaws.com`.
    pub endpoint: Url,
    pub bucket: String,
    /// The region the signature is scoped to (`us-east-1` for most S3-compatible stores).
    pub region: String,
    /// Put before every key, e.g. `fascia/attachments/`; may be empty.
    pub prefix: String,
    /// The access key's id is an identifier, not a secret (it is sent in every request).
    pub access_key_id: String,
    pub secret_access_key: Secret,
}

/// Reads `FASCIA_BLOB_STORE` and, for `s3`, the `FASCIA_S3_*` settings.
pub(super) fn from_vars(
    get: &dyn Fn(&str) -> Option<String>,
    env: Environment,
) -> Result<BlobStoreSettings, ConfigError> {
    match get("FASCIA_BLOB_STORE").as_deref() {
        None | Some("database") => match S3_KEYS.into_iter().find(|key| get(key).is_some()) {
            Some(key) => {
                Err(invalid(key, "is set but FASCIA_BLOB_STORE is not s3; set FASCIA_BLOB_STORE=s3 or remove it"))
            }
            None => Ok(BlobStoreSettings::Database),
        },
        Some("s3") => Ok(BlobStoreSettings::S3(Box::new(s3_settings(get, env)?))),
        Some(_) => Err(invalid("FASCIA_BLOB_STORE", "expected database or s3")),
    }
}

fn s3_settings(get: &dyn Fn(&str) -> Option<String>, env: Environment) -> Result<S3Settings, ConfigError> {
    let required = |key: &'static str| get(key).ok_or_else(|| invalid(key, "is required when FASCIA_BLOB_STORE=s3"));
    let endpoint = endpoint(&required("FASCIA_S3_ENDPOINT")?, env)?;
    let bucket = required("FASCIA_S3_BUCKET")?;
    let bucket_chars = bucket.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-');
    let alnum_ends = bucket.starts_with(|c: char| c.is_ascii_alphanumeric())
        && bucket.ends_with(|c: char| c.is_ascii_alphanumeric());
    if !(3..=63).contains(&bucket.len()) || !bucket_chars || !alnum_ends {
        return Err(invalid("FASCIA_S3_BUCKET", "must be 3–63 lower-case letters, digits, dots or hyphens"));
    }
    let region = required("FASCIA_S3_REGION")?;
    if region.len() > 32 || !region.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
        return Err(invalid("FASCIA_S3_REGION", "must be a region name such as us-east-1"));
    }
    let prefix = get("FASCIA_S3_PREFIX").unwrap_or_default();
    let prefix_chars = prefix.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'.'));
    if prefix.len() > 200 || !prefix_chars || prefix.starts_with('/') || prefix.split('/').any(|s| s == "..") {
        return Err(invalid(
            "FASCIA_S3_PREFIX",
            "must be at most 200 letters, digits, '/', '-', '_' or '.', not starting with '/'",
        ));
    }
    let access_key_id = required("FASCIA_S3_ACCESS_KEY_ID")?;
    // The id is written into the signature's `Credential=id/scope` field.
    if access_key_id.len() > 128 || !access_key_id.bytes().all(|b| b.is_ascii_graphic() && b != b'/' && b != b',') {
        return Err(invalid("FASCIA_S3_ACCESS_KEY_ID", "must be printable ASCII without '/' or ','"));
    }
    let secret_access_key = Secret::new(required("FASCIA_S3_SECRET_ACCESS_KEY")?);
    Ok(S3Settings { endpoint, bucket, region, prefix, access_key_id, secret_access_key })
}

fn endpoint(value: &str, env: Environment) -> Result<Url, ConfigError> {
    const KEY: &str = "FASCIA_S3_ENDPOINT";
    let url = Url::parse(value).map_err(|e| invalid(KEY, format!("not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(invalid(KEY, "must be an http(s) URL with a host, e.g. https://s3.example.org"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid(KEY, "must not carry credentials; use FASCIA_S3_ACCESS_KEY_ID and _SECRET_ACCESS_KEY"));
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(invalid(KEY, "must be scheme, host and port only; the bucket is FASCIA_S3_BUCKET"));
    }
    let loopback = match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        Some(Host::Domain(name)) => name == "localhost",
        None => false,
    };
    if env == Environment::Production && url.scheme() != "https" && !loopback {
        return Err(invalid(KEY, "must be https in production (attachments are patients' photos)"));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::config::Settings;

    fn s3(extra: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let mut vars: HashMap<String, String> = [
            ("FASCIA_BLOB_STORE", "s3"),
            ("FASCIA_S3_ENDPOINT", "https://objects.example.org"),
            ("FASCIA_S3_BUCKET", "clinic-attachments"),
            ("FASCIA_S3_REGION", "eu-central-1"),
            ("FASCIA_S3_ACCESS_KEY_ID", "AKIDEXAMPLE"),
            ("FASCIA_S3_SECRET_ACCESS_KEY", "very-secret-key-material"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        for (k, v) in extra {
            vars.insert(k.to_string(), v.to_string());
        }
        Settings::from_map(&vars)
    }

    fn refused_key(result: Result<Settings, ConfigError>) -> &'static str {
        match result {
            Err(ConfigError::Invalid { key, .. }) => key,
            other => panic!("expected a refusal, got {:?}", other.map(|s| s.blobs)),
        }
    }

    #[test]
    fn the_database_is_the_default_store() {
        let s = Settings::from_map(&HashMap::new()).unwrap();
        assert!(matches!(s.blobs, BlobStoreSettings::Database));
    }

    #[test]
    fn a_complete_s3_setting_is_read_with_an_empty_prefix_by_default() {
        let BlobStoreSettings::S3(s) = s3(&[]).unwrap().blobs else { panic!("expected s3") };
        assert_eq!(
            (s.bucket.as_str(), s.region.as_str(), s.prefix.as_str()),
            ("clinic-attachments", "eu-central-1", "")
        );
        assert_eq!(s.endpoint.as_str(), "https://objects.example.org/");
    }

    #[test]
    fn each_missing_s3_setting_refuses_to_start_and_names_itself() {
        for key in S3_KEYS.into_iter().filter(|k| *k != "FASCIA_S3_PREFIX") {
            assert_eq!(refused_key(s3(&[(key, "")])), key);
        }
    }

    #[test]
    fn malformed_s3_settings_are_refused() {
        let cases = [
            ("FASCIA_BLOB_STORE", "minio"),
            ("FASCIA_S3_ENDPOINT", "ftp://objects.example.org"),
            ("FASCIA_S3_ENDPOINT", "https://user:pw@objects.example.org"),
            ("FASCIA_S3_ENDPOINT", "https://objects.example.org/bucket"),
            ("FASCIA_S3_BUCKET", "Upper_Case"),
            ("FASCIA_S3_BUCKET", "ab"),
            ("FASCIA_S3_REGION", "eu central"),
            ("FASCIA_S3_PREFIX", "/absolute/"),
            ("FASCIA_S3_PREFIX", "a/../b/"),
            ("FASCIA_S3_PREFIX", "spaces are bad/"),
            ("FASCIA_S3_ACCESS_KEY_ID", "id/with/slashes"),
        ];
        for (key, value) in cases {
            assert_eq!(refused_key(s3(&[(key, value)])), key, "{key}={value}");
        }
    }

    #[test]
    fn s3_settings_without_the_s3_store_are_refused() {
        let vars = HashMap::from([("FASCIA_S3_BUCKET".to_owned(), "clinic-attachments".to_owned())]);
        assert_eq!(refused_key(Settings::from_map(&vars)), "FASCIA_S3_BUCKET");
    }

    #[test]
    fn production_wants_https_except_on_loopback() {
        let prod = [("FASCIA_ENV", "production"), ("FASCIA_VAPID_SUBJECT", "mailto:ops@example.org")];
        let with = |endpoint: &'static str| {
            let mut extra = prod.to_vec();
            extra.push(("FASCIA_S3_ENDPOINT", endpoint));
            s3(&extra)
        };
        assert_eq!(refused_key(with("http://objects.example.org")), "FASCIA_S3_ENDPOINT");
        assert!(with("http://127.0.0.1:9000").is_ok());
        assert!(with("https://objects.example.org").is_ok());
    }

    #[test]
    fn the_secret_key_never_shows_in_debug_output() {
        let shown = format!("{:?}", s3(&[]).unwrap());
        assert!(!shown.contains("very-secret-key-material"));
        assert!(shown.contains("AKIDEXAMPLE"));
    }
}

//! Settings: read once at start-up from `FASCIA_*` environment variables, optionally
//! preceded by a `KEY=VALUE` file named by `FASCIA_CONFIG_FILE` (the environment wins).
//! Secrets are wrapped in [`Secret`] so `Debug` and logs never show them.

mod blob_store;

use std::{collections::HashMap, fmt, net::SocketAddr, path::PathBuf, time::Duration};

pub use blob_store::{BlobStoreSettings, S3Settings};

/// A value that must never be printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    Dev,
    Production,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub addr: SocketAddr,
    pub data_dir: PathBuf,
    /// `sqlite://...` or `postgres://...`; may carry a password, hence secret.
    pub database_url: Secret,
    pub env: Environment,
    /// Where the PWA and API are reached from outside; used in invite links.
    pub public_url: String,
    /// Exact origins allowed to call the API from a browser. Empty: no CORS at all.
    pub cors_origins: Vec<String>,
    /// A `tracing` filter directive, e.g. `info` or `fascia=debug`.
    pub log: String,
    /// ES256 private key (PKCS#8 PEM) that signs access tokens, and its key id.
    pub jwt_private_key: Option<Secret>,
    pub jwt_key_id: Option<String>,
    /// The previous signing key's public half, still accepted during a rotation.
    pub jwt_previous_public_key: Option<String>,
    pub jwt_previous_key_id: Option<String>,
    pub access_token_ttl: Duration,
    pub refresh_idle_ttl: Duration,
    pub refresh_absolute_ttl: Duration,
    pub invite_ttl: Duration,
    pub max_body_bytes: usize,
    pub db_max_connections: u32,
    /// Writer lanes on PostgreSQL: each is a writer thread with its own connection, and a
    /// patient's writes always take the same one. SQLite always has exactly one writer.
    pub db_writers: usize,
    /// The longest a request (or a background step) waits for the database: for a pooled
    /// connection, and on SQLite for a lock held by another writer. Past it the request
    /// is answered 503 with `Retry-After`, so clients and load balancers see an outage at
    /// once instead of hanging.
    pub db_deadline: Duration,
    /// How long a login session seen live is trusted without asking the database again
    /// (`FASCIA_SESSION_CACHE_MS`, 0–10000, default 1000): the longest another replica
    /// may still accept a token after a logout, password change or disabled account.
    pub session_cache: Duration,
    /// How often the alert worker checks for disengaged patients and low adherence;
    /// zero turns it off in this process.
    pub alert_interval: Duration,
    /// Web Push and the reminder worker.
    pub push: PushSettings,
    /// Base64 of the 32-byte AES-256-GCM key for values encrypted at rest (payer member
    /// ids); generated and kept in the data dir when unset in dev, required in production.
    pub data_key: Option<Secret>,
    /// Outgoing email: SMTP, or `.eml` files in the data dir (issue 15).
    pub mail: MailSettings,
    /// Metrics, log format, proxies and rate limits (issue 15).
    pub ops: OpsSettings,
    /// Where message attachments are kept: the database, or an S3-compatible store.
    pub blobs: BlobStoreSettings,
}

/// How mail leaves the server.
#[derive(Debug, Clone)]
pub struct MailSettings {
    /// `smtp://user:pass@host:587?tls=starttls`, `smtps://host:465`, or
    /// `smtp://127.0.0.1:2525?tls=none`; `None` writes `.eml` files instead.
    pub smtp_url: Option<Secret>,
    /// The sender address; each message shows the clinic's name beside it.
    pub from: String,
    /// The longest one send may take, connection included.
    pub timeout: Duration,
}

impl MailSettings {
    /// Reads `FASCIA_SMTP_URL`, `FASCIA_MAIL_FROM` and `FASCIA_SMTP_TIMEOUT_SECONDS`.
    pub fn from_vars(get: &dyn Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let invalid = |key: &'static str, problem: &str| ConfigError::Invalid { key, problem: problem.into() };
        let smtp_url = get("FASCIA_SMTP_URL");
        if let Some(url) = &smtp_url {
            crate::smtp_url::lettre_url(url).map_err(|p| invalid("FASCIA_SMTP_URL", &p))?;
        }
        let from = get("FASCIA_MAIL_FROM").unwrap_or_else(|| "no-reply@fascia.invalid".into());
        if from.parse::<lettre::Address>().is_err() {
            return Err(invalid("FASCIA_MAIL_FROM", "must be a plain email address, e.g. no-reply@clinic.example"));
        }
        let timeout = match get("FASCIA_SMTP_TIMEOUT_SECONDS").map(|v| v.parse::<u64>()) {
            None => 10,
            Some(Ok(secs @ 1..=120)) => secs,
            Some(_) => return Err(invalid("FASCIA_SMTP_TIMEOUT_SECONDS", "must be 1–120")),
        };
        Ok(Self { smtp_url: smtp_url.map(Secret::new), from, timeout: Duration::from_secs(timeout) })
    }
}

/// How the process is operated: where metrics are served, how logs look, whom to
/// believe about client addresses, and how fast clients may call.
#[derive(Debug, Clone)]
pub struct OpsSettings {
    /// `FASCIA_METRICS_ADDR`: where `/metrics` listens; unset: no metrics listener.
    pub metrics_addr: Option<SocketAddr>,
    /// `FASCIA_LOG_FORMAT`: `text` (default) or `json` (one object per line).
    pub log_json: bool,
    /// `FASCIA_TRUSTED_PROXIES`: peers whose `X-Forwarded-For` is believed.
    pub trusted_proxies: crate::client_addr::TrustedProxies,
    /// `FASCIA_RATE_LIMIT_PER_ADDRESS`, `FASCIA_RATE_LIMIT_PER_USER` (per minute, 0 off)
    /// and `FASCIA_RATE_LIMIT_EXEMPT` (CIDRs, or `none`).
    pub rate_limits: crate::rate_limit::RateLimitSettings,
}

#[derive(Debug, Clone)]
pub struct PushSettings {
    /// VAPID private key (P-256 PKCS#8 PEM); generated and kept in the data dir when unset.
    pub vapid_private_key: Option<Secret>,
    /// The VAPID `sub` claim: a `mailto:` or `https:` contact for push services.
    pub vapid_subject: String,
    /// Tests only: also accept `http(s)://127.0.0.1:<port>` push endpoints.
    pub allow_loopback: bool,
    /// Run the reminder worker in this process.
    pub worker: bool,
    /// Pause between two dispatcher steps.
    pub interval: Duration,
    /// How long a worker owns the occurrences it leased before another may take them over.
    pub lease: Duration,
    /// Occurrences leased at once.
    pub batch: u64,
    /// Timeout of one request to a push service.
    pub timeout: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{key}: {problem}")]
    Invalid { key: &'static str, problem: String },
    #[error("cannot read config file {path}: {source}")]
    File { path: String, source: std::io::Error },
}

fn invalid(key: &'static str, problem: impl Into<String>) -> ConfigError {
    ConfigError::Invalid { key, problem: problem.into() }
}

/// Writer lanes on PostgreSQL unless `FASCIA_DB_WRITERS` says otherwise (measured in the
/// README's Performance section).
pub const DEFAULT_DB_WRITERS: usize = 2;

/// Pooled database connections per process unless `FASCIA_DB_MAX_CONNECTIONS` says otherwise.
pub const DEFAULT_DB_MAX_CONNECTIONS: u32 = 16;

impl Settings {
    /// Settings from the process environment (and `FASCIA_CONFIG_FILE`, if set).
    pub fn from_env() -> Result<Self, ConfigError> {
        let mut vars: HashMap<String, String> = HashMap::new();
        if let Ok(path) = std::env::var("FASCIA_CONFIG_FILE") {
            let text =
                std::fs::read_to_string(&path).map_err(|source| ConfigError::File { path: path.clone(), source })?;
            vars.extend(parse_env_file(&text));
        }
        vars.extend(std::env::vars().filter(|(k, _)| k.starts_with("FASCIA_")));
        Self::from_map(&vars)
    }

    /// Settings from an explicit map of `FASCIA_*` keys; unknown keys are ignored.
    pub fn from_map(vars: &HashMap<String, String>) -> Result<Self, ConfigError> {
        let get = |k: &str| vars.get(k).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let env = match get("FASCIA_ENV").as_deref() {
            None | Some("dev") => Environment::Dev,
            Some("production") => Environment::Production,
            Some(other) => return Err(invalid("FASCIA_ENV", format!("expected dev or production, got {other:?}"))),
        };
        let addr: SocketAddr = get("FASCIA_ADDR")
            .unwrap_or_else(|| "127.0.0.1:8080".into())
            .parse()
            .map_err(|e| invalid("FASCIA_ADDR", format!("{e}")))?;
        let data_dir = PathBuf::from(get("FASCIA_DATA_DIR").unwrap_or_else(|| "./data".into()));
        let database_url = match get("FASCIA_DATABASE_URL") {
            Some(url)
                if url.starts_with("sqlite:") || url.starts_with("postgres://") || url.starts_with("postgresql://") =>
            {
                url
            }
            Some(_) => return Err(invalid("FASCIA_DATABASE_URL", "must start with sqlite: or postgres://")),
            None => format!("sqlite://{}?mode=rwc", data_dir.join("fascia.db").display()),
        };
        let public_url = get("FASCIA_PUBLIC_URL").unwrap_or_else(|| format!("http://{addr}"));
        let cors_origins = get("FASCIA_CORS_ORIGINS")
            .map(|v| {
                v.split(',').map(|o| o.trim().trim_end_matches('/').to_owned()).filter(|o| !o.is_empty()).collect()
            })
            .unwrap_or_default();
        let secs = |key: &'static str, default: u64| -> Result<Duration, ConfigError> {
            match get(key) {
                None => Ok(Duration::from_secs(default)),
                Some(v) => v.parse().map(Duration::from_secs).map_err(|_| invalid(key, "expected whole seconds")),
            }
        };
        let access_token_ttl = secs("FASCIA_ACCESS_TOKEN_TTL", 15 * 60)?;
        if access_token_ttl > Duration::from_secs(15 * 60) || access_token_ttl.is_zero() {
            return Err(invalid("FASCIA_ACCESS_TOKEN_TTL", "must be between 1 and 900 seconds"));
        }
        let max_body_bytes = match get("FASCIA_MAX_BODY_BYTES") {
            None => 256 * 1024,
            Some(v) => v.parse().map_err(|_| invalid("FASCIA_MAX_BODY_BYTES", "expected a byte count"))?,
        };
        let db_max_connections = match get("FASCIA_DB_MAX_CONNECTIONS") {
            None => DEFAULT_DB_MAX_CONNECTIONS,
            Some(v) => v.parse().map_err(|_| invalid("FASCIA_DB_MAX_CONNECTIONS", "expected a number"))?,
        };
        let db_writers = match get("FASCIA_DB_WRITERS") {
            None => DEFAULT_DB_WRITERS,
            Some(v) => v
                .parse()
                .ok()
                .filter(|n| (1..=16).contains(n))
                .ok_or_else(|| invalid("FASCIA_DB_WRITERS", "expected 1 to 16"))?,
        };
        let db_deadline = match get("FASCIA_DB_DEADLINE_MS") {
            None => Duration::from_millis(2000),
            Some(v) => match v.parse::<u64>() {
                Ok(ms @ 50..=60_000) => Duration::from_millis(ms),
                _ => return Err(invalid("FASCIA_DB_DEADLINE_MS", "expected milliseconds, 50–60000")),
            },
        };
        let session_cache = match get("FASCIA_SESSION_CACHE_MS") {
            None => Duration::from_millis(1000),
            Some(v) => match v.parse::<u64>() {
                Ok(ms @ 0..=10_000) => Duration::from_millis(ms),
                _ => return Err(invalid("FASCIA_SESSION_CACHE_MS", "expected milliseconds, 0–10000")),
            },
        };
        let push = push_settings(&get, env)?;
        Ok(Settings {
            push,
            addr,
            data_dir,
            database_url: Secret::new(database_url),
            env,
            public_url: public_url.trim_end_matches('/').to_owned(),
            cors_origins,
            log: get("FASCIA_LOG").unwrap_or_else(|| "info".into()),
            jwt_private_key: get("FASCIA_JWT_PRIVATE_KEY").map(Secret::new),
            jwt_key_id: get("FASCIA_JWT_KEY_ID"),
            jwt_previous_public_key: get("FASCIA_JWT_PREVIOUS_PUBLIC_KEY"),
            jwt_previous_key_id: get("FASCIA_JWT_PREVIOUS_KEY_ID"),
            access_token_ttl,
            refresh_idle_ttl: secs("FASCIA_REFRESH_IDLE_TTL", 14 * 24 * 3600)?,
            refresh_absolute_ttl: secs("FASCIA_REFRESH_ABSOLUTE_TTL", 90 * 24 * 3600)?,
            invite_ttl: secs("FASCIA_INVITE_TTL", 7 * 24 * 3600)?,
            max_body_bytes,
            db_max_connections,
            db_writers,
            db_deadline,
            session_cache,
            alert_interval: secs("FASCIA_ALERT_INTERVAL", 300)?,
            data_key: get("FASCIA_DATA_KEY").map(Secret::new),
            mail: MailSettings::from_vars(&get)?,
            ops: ops_settings(&get)?,
            blobs: blob_store::from_vars(&get, env)?,
        })
    }

    pub fn is_sqlite(&self) -> bool {
        self.database_url.expose().starts_with("sqlite:")
    }
}

fn push_settings(get: &dyn Fn(&str) -> Option<String>, env: Environment) -> Result<PushSettings, ConfigError> {
    let subject = match get("FASCIA_VAPID_SUBJECT") {
        Some(s) if s.starts_with("mailto:") || s.starts_with("https://") => s,
        Some(_) => return Err(invalid("FASCIA_VAPID_SUBJECT", "must be a mailto: or https: URL")),
        None if env == Environment::Production => {
            return Err(invalid("FASCIA_VAPID_SUBJECT", "is required in production (mailto: or https: contact)"));
        }
        // `.invalid` never resolves, so a dev default cannot reach a real mailbox.
        None => "mailto:reminders@fascia.invalid".to_owned(),
    };
    let flag = |key: &'static str, default: bool| match get(key).as_deref() {
        None => Ok(default),
        Some("true" | "1") => Ok(true),
        Some("false" | "0") => Ok(false),
        Some(_) => Err(invalid(key, "expected true or false")),
    };
    let number = |key: &'static str, default: u64, min: u64, max: u64| -> Result<u64, ConfigError> {
        let value = match get(key) {
            None => default,
            Some(v) => v.parse().map_err(|_| invalid(key, "expected a whole number"))?,
        };
        if (min..=max).contains(&value) { Ok(value) } else { Err(invalid(key, format!("must be {min}–{max}"))) }
    };
    let allow_loopback = flag("FASCIA_PUSH_ALLOW_LOOPBACK", false)?;
    if allow_loopback && env == Environment::Production {
        return Err(invalid("FASCIA_PUSH_ALLOW_LOOPBACK", "is for tests and refused in production"));
    }
    Ok(PushSettings {
        vapid_private_key: get("FASCIA_VAPID_PRIVATE_KEY").map(Secret::new),
        vapid_subject: subject,
        allow_loopback,
        worker: flag("FASCIA_REMINDER_WORKER", true)?,
        interval: Duration::from_millis(number("FASCIA_REMINDER_INTERVAL_MS", 5000, 10, 3_600_000)?),
        lease: Duration::from_secs(number("FASCIA_PUSH_LEASE_SECONDS", 60, 1, 3600)?),
        batch: number("FASCIA_PUSH_BATCH", 100, 1, 10_000)?,
        timeout: Duration::from_secs(number("FASCIA_PUSH_TIMEOUT_SECONDS", 10, 1, 120)?),
    })
}

fn ops_settings(get: &dyn Fn(&str) -> Option<String>) -> Result<OpsSettings, ConfigError> {
    let metrics_addr = get("FASCIA_METRICS_ADDR")
        .map(|v| v.parse::<SocketAddr>().map_err(|e| invalid("FASCIA_METRICS_ADDR", format!("{e}"))))
        .transpose()?;
    let log_json = match get("FASCIA_LOG_FORMAT").as_deref() {
        None | Some("text") => false,
        Some("json") => true,
        Some(_) => return Err(invalid("FASCIA_LOG_FORMAT", "expected text or json")),
    };
    let trusted_proxies = crate::client_addr::TrustedProxies::parse(&get("FASCIA_TRUSTED_PROXIES").unwrap_or_default())
        .map_err(|e| invalid("FASCIA_TRUSTED_PROXIES", e))?;
    let defaults = crate::rate_limit::RateLimitSettings::default();
    let per_minute = |key: &'static str, default: u32| match get(key) {
        None => Ok(default),
        Some(v) => v.parse::<u32>().map_err(|_| invalid(key, "expected requests per minute (0 turns it off)")),
    };
    let exempt = match get("FASCIA_RATE_LIMIT_EXEMPT").as_deref() {
        None => defaults.exempt.clone(),
        Some("none") => Vec::new(),
        Some(list) => list
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| s.parse().map_err(|_| invalid("FASCIA_RATE_LIMIT_EXEMPT", format!("{s:?} is not a CIDR"))))
            .collect::<Result<_, _>>()?,
    };
    Ok(OpsSettings {
        metrics_addr,
        log_json,
        trusted_proxies,
        rate_limits: crate::rate_limit::RateLimitSettings {
            per_address_per_minute: per_minute("FASCIA_RATE_LIMIT_PER_ADDRESS", defaults.per_address_per_minute)?,
            per_user_per_minute: per_minute("FASCIA_RATE_LIMIT_PER_USER", defaults.per_user_per_minute)?,
            exempt,
        },
    })
}

/// `KEY=VALUE` lines; `#` starts a comment; values may be wrapped in double quotes.
fn parse_env_file(text: &str) -> impl Iterator<Item = (String, String)> + '_ {
    text.lines().filter_map(|line| {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            return None;
        }
        let (k, v) = line.split_once('=')?;
        Some((k.trim().to_owned(), v.trim().trim_matches('"').to_owned()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_give_a_local_sqlite_server() {
        let s = Settings::from_map(&HashMap::new()).unwrap();
        assert_eq!(s.addr.to_string(), "127.0.0.1:8080");
        assert!(s.is_sqlite());
        assert_eq!(s.env, Environment::Dev);
    }

    #[test]
    fn debug_output_never_contains_secrets() {
        let vars = HashMap::from([
            ("FASCIA_DATABASE_URL".to_owned(), "postgres://u:hunter2@db/x".to_owned()),
            ("FASCIA_JWT_PRIVATE_KEY".to_owned(), "-----BEGIN PRIVATE KEY-----abc".to_owned()),
            ("FASCIA_DATA_KEY".to_owned(), "c2VjcmV0LWRhdGEta2V5LWJ5dGVz".to_owned()),
        ]);
        let s = Settings::from_map(&vars).unwrap();
        let shown = format!("{s:?}");
        assert!(!shown.contains("hunter2"));
        assert!(!shown.contains("BEGIN PRIVATE KEY"));
        assert!(!shown.contains("c2VjcmV0LWRhdGEta2V5LWJ5dGVz"));
    }

    #[test]
    fn writer_lanes_are_one_to_sixteen() {
        let lanes = |v: &str| {
            Settings::from_map(&HashMap::from([("FASCIA_DB_WRITERS".to_owned(), v.to_owned())])).map(|s| s.db_writers)
        };
        assert_eq!(lanes("3").unwrap(), 3);
        assert_eq!(lanes("").unwrap(), DEFAULT_DB_WRITERS);
        for bad in ["0", "17", "-1", "two"] {
            assert!(lanes(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn access_tokens_longer_than_fifteen_minutes_are_refused() {
        let vars = HashMap::from([("FASCIA_ACCESS_TOKEN_TTL".to_owned(), "3600".to_owned())]);
        assert!(Settings::from_map(&vars).is_err());
    }

    #[test]
    fn production_needs_a_vapid_contact_and_refuses_loopback_push() {
        let prod = |extra: &[(&str, &str)]| {
            let mut vars = HashMap::from([("FASCIA_ENV".to_owned(), "production".to_owned())]);
            vars.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
            Settings::from_map(&vars)
        };
        assert!(prod(&[]).is_err());
        assert!(prod(&[("FASCIA_VAPID_SUBJECT", "ops@example.org")]).is_err());
        assert!(prod(&[("FASCIA_VAPID_SUBJECT", "mailto:ops@example.org")]).is_ok());
        let loopback = [("FASCIA_VAPID_SUBJECT", "https://example.org"), ("FASCIA_PUSH_ALLOW_LOOPBACK", "true")];
        assert!(prod(&loopback).is_err());
    }

    #[test]
    fn the_database_deadline_defaults_to_two_seconds_and_refuses_nonsense() {
        assert_eq!(Settings::from_map(&HashMap::new()).unwrap().db_deadline, Duration::from_secs(2));
        let with = |v: &str| Settings::from_map(&HashMap::from([("FASCIA_DB_DEADLINE_MS".to_owned(), v.to_owned())]));
        assert_eq!(with("500").unwrap().db_deadline, Duration::from_millis(500));
        assert!(with("0").is_err());
        assert!(with("2s").is_err());
    }

    #[test]
    fn env_file_lines_parse_with_comments_and_quotes() {
        let parsed: Vec<_> = parse_env_file("# c\nFASCIA_ADDR=\"0.0.0.0:1\"\n\n").collect();
        assert_eq!(parsed, vec![("FASCIA_ADDR".to_owned(), "0.0.0.0:1".to_owned())]);
    }
}

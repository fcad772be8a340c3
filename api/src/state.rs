//! What every handler can reach: the database, the clock, the signing keys, the settings.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;

use crate::{
    auth::{jwt::JwtKeys, live_sessions::LiveSessions, throttle::LoginThrottle},
    clock::SharedClock,
    config::Settings,
    data_key::DataKey,
    push::PushSender,
    services::audit_sink,
    writer::Writer,
};

#[derive(Clone)]
pub struct AppState {
    /// The readers' pool. Hot writes go through `writer`; the rest still open their own
    /// transactions here.
    pub db: DatabaseConnection,
    /// The process's one writer (group commit, see `writer`).
    pub writer: Writer,
    /// Where reads leave their audit events.
    pub audit: audit_sink::Sink,
    pub clock: SharedClock,
    pub jwt: Arc<JwtKeys>,
    pub throttle: Arc<LoginThrottle>,
    /// Login sessions seen live within the last moment (see `auth::live_sessions`).
    pub live_sessions: Arc<LiveSessions>,
    pub settings: Arc<Settings>,
    /// Sends Web Push messages (VAPID keys, endpoint allowlist, pooled client).
    pub push: Arc<PushSender>,
    /// Seals and opens values encrypted at rest (payer member ids).
    pub data_key: Arc<DataKey>,
    /// Failed second login steps (TOTP or recovery codes), per account and per address.
    pub mfa_throttle: Arc<LoginThrottle>,
    /// Request rate limits per address and per user.
    pub rate_limits: Arc<crate::rate_limit::RateLimits>,
    /// Request counters and latencies for `/metrics`.
    pub metrics: Arc<crate::metrics::Metrics>,
    /// Where message attachments are kept (the database by default).
    pub blobs: Arc<dyn crate::services::messages::storage::BlobStore>,
}

impl AppState {
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }
}

//! What every handler can reach: the database, the clock, the signing keys, the settings.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use tokio::sync::{Semaphore, SemaphorePermit};

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
    /// Heavy reads being built at once (see [`AppState::heavy_read`]).
    pub heavy_reads: Arc<Semaphore>,
}

/// How many heavy reads are built at once: two per core keeps every core busy.
pub fn heavy_read_permits() -> usize {
    2 * std::thread::available_parallelism().map_or(1, usize::from)
}

impl AppState {
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// A turn to build a heavy read (a year of trends: a few hundred rows read and a
    /// response of about 100 KB built). The work is CPU-bound, so building more of them
    /// at once than the cores can run makes none finish sooner; it only holds more memory
    /// (the server's resident memory after 64 concurrent one-year trends was mostly such
    /// answers in flight). Callers wait in arrival order.
    pub async fn heavy_read(&self) -> SemaphorePermit<'_> {
        match self.heavy_reads.acquire().await {
            Ok(permit) => permit,
            Err(_) => unreachable!("the heavy-read semaphore is never closed"),
        }
    }
}

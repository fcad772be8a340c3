//! What every handler can reach: the database, the clock, the signing keys, the settings.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;

use crate::{
    auth::{jwt::JwtKeys, throttle::LoginThrottle},
    clock::SharedClock,
    config::Settings,
    push::PushSender,
};

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub clock: SharedClock,
    pub jwt: Arc<JwtKeys>,
    pub throttle: Arc<LoginThrottle>,
    pub settings: Arc<Settings>,
    /// Sends Web Push messages (VAPID keys, endpoint allowlist, pooled client).
    pub push: Arc<PushSender>,
}

impl AppState {
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }
}

use sea_orm::entity::prelude::*;

/// A browser's push subscription (`PushSubscription.toJSON()`), owned by one user. The
/// endpoint is unique: a browser that subscribes again under another login moves to it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "push_subscription")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    #[sea_orm(unique)]
    pub endpoint: String,
    /// The browser's P-256 public key, base64url without padding.
    pub p256dh: String,
    /// The 16-byte auth secret, base64url without padding.
    pub auth: String,
    /// Which VAPID key the browser subscribed with (its `applicationServerKey`).
    pub vapid_key_id: String,
    pub device_label: Option<String>,
    pub expiration_time: Option<DateTimeUtc>,
    pub last_success_at: Option<DateTimeUtc>,
    pub consecutive_failures: i32,
    /// Set when the push service says the subscription is gone (404/410); never used again.
    pub expired_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

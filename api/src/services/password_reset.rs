//! Password reset by email: ask with an address, get a single-use link, choose a new
//! password.
//!
//! Invariants:
//! - Asking answers the same whether or not the address has an account, and the mail is
//!   sent after the answer, so neither the answer nor its timing tells them apart.
//! - Requests are throttled per email (digest) and per client address, counted in the
//!   database so every replica sees the same numbers.
//! - A token is 256 random bits, stored as its SHA-256, valid for 30 minutes, once; a
//!   newer request retires the older tokens of the same account.
//! - Using it sets the password and ends every login session of the account (refresh
//!   tokens revoked, which also stops their access tokens at the next request); both the
//!   request and the reset are audited.

use chrono::{DateTime, Duration, Utc};
use entity::{AuditAction, clinic, password_reset, user};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter,
    sea_query::Expr,
};
use uuid::Uuid;

use crate::{
    auth::tokens,
    db,
    domain::{Email, NewPassword},
    ids::UserId,
    services::{
        audit::{self, Event, Outcome},
        mail,
        sessions::{self, hash_password},
    },
    state::AppState,
};

/// How long a reset link works.
pub const TOKEN_TTL: Duration = Duration::minutes(30);
/// The window the throttle counts requests in.
const WINDOW: Duration = Duration::hours(1);
/// Requests per email address per window: enough for a lost first mail, too few to flood
/// someone's inbox.
const MAX_PER_EMAIL: u64 = 3;
/// Requests per client address per window (a clinic's front desk may help several people).
const MAX_PER_ADDRESS: u64 = 10;
/// How long a request row is kept: past both the throttle window and the link's life.
const KEEP: Duration = Duration::days(1);

#[derive(Debug, thiserror::Error)]
pub enum ResetError {
    #[error("too many reset requests")]
    Throttled { retry_after_secs: u64 },
    #[error("reset link not found")]
    NotFound,
    #[error("this reset link has already been used")]
    Used,
    #[error("this reset link has expired; ask for a new one")]
    Expired,
    #[error(transparent)]
    Db(#[from] DbErr),
}

async fn retry_after<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    email_digest: &str,
    address: &str,
) -> Result<Option<u64>, DbErr> {
    let since = now - WINDOW;
    let recent = |col: password_reset::Column, value: &str| {
        password_reset::Entity::find().filter(col.eq(value)).filter(password_reset::Column::CreatedAt.gt(since))
    };
    let per_email = recent(password_reset::Column::EmailDigest, email_digest).count(db).await?;
    let per_address = recent(password_reset::Column::Address, address).count(db).await?;
    if per_email >= MAX_PER_EMAIL || per_address >= MAX_PER_ADDRESS {
        // The oldest request in the window ages out within the hour; ask for the whole
        // window rather than reveal which limit was hit.
        return Ok(Some(WINDOW.num_seconds() as u64));
    }
    Ok(None)
}

/// Records a reset request and, when the address belongs to an enabled account, mails a
/// link in the background. Answers `Ok` for unknown addresses too.
pub async fn request(state: &AppState, raw_email: &str, address: &str) -> Result<(), ResetError> {
    let now = state.now();
    // An address that does not parse cannot have an account; count it all the same.
    let email = Email::parse(raw_email).map(|e| e.as_str().to_owned()).unwrap_or_else(|_| raw_email.to_lowercase());
    let email_digest = tokens::digest(&email);
    let address: String = address.chars().take(64).collect();
    if let Some(retry_after_secs) = retry_after(&state.db, now, &email_digest, &address).await? {
        let event =
            Event::anonymous(AuditAction::AuthPasswordResetRequest).resource("throttled").outcome(Outcome::Denied);
        audit::record(&state.db, now, event).await?;
        return Err(ResetError::Throttled { retry_after_secs });
    }
    let account = user::Entity::find()
        .filter(user::Column::Email.eq(&email))
        .filter(user::Column::DisabledAt.is_null())
        .one(&state.db)
        .await?;
    let token = account.as_ref().map(|_| tokens::generate());
    let txn = db::begin_write(&state.db).await?;
    // Requests older than the throttle window and every link's life serve no purpose.
    password_reset::Entity::delete_many().filter(password_reset::Column::CreatedAt.lt(now - KEEP)).exec(&txn).await?;
    if let Some(account) = &account {
        // Only the newest link works.
        password_reset::Entity::update_many()
            .col_expr(password_reset::Column::ExpiresAt, Expr::value(now))
            .filter(password_reset::Column::UserId.eq(account.id))
            .filter(password_reset::Column::UsedAt.is_null())
            .filter(password_reset::Column::ExpiresAt.gt(now))
            .exec(&txn)
            .await?;
    }
    password_reset::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(account.as_ref().map(|a| a.id)),
        email_digest: Set(email_digest),
        address: Set(address),
        token_hash: Set(token.as_deref().map(tokens::digest)),
        expires_at: Set(now + TOKEN_TTL),
        used_at: Set(None),
        created_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let event = match &account {
        Some(a) => Event::by_user(a, AuditAction::AuthPasswordResetRequest),
        None => Event::anonymous(AuditAction::AuthPasswordResetRequest).outcome(Outcome::Failure),
    };
    audit::record(&txn, now, event).await?;
    txn.commit().await?;

    if let (Some(account), Some(token)) = (account, token) {
        let clinic_name = clinic::Entity::find_by_id(account.clinic_id)
            .one(&state.db)
            .await?
            .map(|c| c.name)
            .unwrap_or_else(|| "Fascia".into());
        let link = format!("{}/reset-password#token={token}", state.settings.public_url);
        let message = mail::compose(
            &clinic_name,
            &account.email,
            &account.display_name,
            &format!("Reset your {clinic_name} password"),
            "Someone asked to reset the password of your account. Open this link within 30 minutes \
             to choose a new one; it works once. Every device signed in to your account will be signed out.",
            &link,
        );
        let settings = state.settings.clone();
        // After the answer: a slow mail server must not make known addresses slower.
        tokio::spawn(async move {
            let _ = mail::send(&settings, &message).await;
        });
    }
    Ok(())
}

/// Sets a new password with a reset token and ends every session of the account.
pub async fn confirm(state: &AppState, token: &str, new: &NewPassword) -> Result<(), ResetError> {
    let now = state.now();
    let found = password_reset::Entity::find()
        .filter(password_reset::Column::TokenHash.eq(tokens::digest(token)))
        .one(&state.db)
        .await?;
    let Some(reset) = found else { return Err(ResetError::NotFound) };
    let Some(user_id) = reset.user_id else { return Err(ResetError::NotFound) };
    if reset.used_at.is_some() {
        return Err(ResetError::Used);
    }
    if now >= reset.expires_at {
        return Err(ResetError::Expired);
    }
    let account = user::Entity::find_by_id(user_id).one(&state.db).await?;
    let Some(account) = account.filter(|a| a.disabled_at.is_none()) else { return Err(ResetError::NotFound) };
    let hash = hash_password(new).await;

    let txn = db::begin_write(&state.db).await?;
    // The conditional claim makes the token single-use under concurrent confirms.
    let claimed = password_reset::Entity::update_many()
        .col_expr(password_reset::Column::UsedAt, Expr::value(now))
        .filter(password_reset::Column::Id.eq(reset.id))
        .filter(password_reset::Column::UsedAt.is_null())
        .exec(&txn)
        .await?
        .rows_affected
        == 1;
    if !claimed {
        return Err(ResetError::Used);
    }
    let mut active: user::ActiveModel = account.clone().into();
    active.password_hash = Set(hash);
    active.password_changed_at = Set(now);
    active.updated_at = Set(now);
    active.update(&txn).await?;
    sessions::revoke_all(&txn, UserId::new(account.id), now).await?;
    audit::record(
        &txn,
        now,
        Event::by_user(&account, AuditAction::AuthPasswordReset).resource(format!("reset:{}", reset.id)),
    )
    .await?;
    txn.commit().await?;
    state.live_sessions.changed();
    Ok(())
}

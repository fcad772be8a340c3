//! Logging in, refresh-token rotation, logging out, changing passwords, accepting invites.
//!
//! Refresh tokens form families, one per login. Each use rotates the presented token
//! (a conditional UPDATE, so of N concurrent uses exactly one wins) and issues the next
//! link. Presenting an already-rotated token means it was copied: the whole family is
//! revoked, which logs out both the thief and the victim, who then logs in again.

use chrono::{DateTime, Utc};
use entity::{AuditAction, invite, patient, refresh_token, user};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, sea_query::Expr,
};
use uuid::Uuid;

pub use super::session_tokens::TokenPair;

use crate::{
    auth::{Principal, password, tokens},
    db,
    domain::{Email, NewPassword},
    ids::UserId,
    services::{
        audit::{self, Event, Outcome},
        mfa::{self, SecondStep},
        session_tokens,
    },
    state::AppState,
};

/// What a correct password gives: tokens, or a second step first.
#[derive(Debug, Clone)]
pub enum LoginOutcome {
    Tokens(TokenPair),
    SecondStep(mfa::Challenge),
}

#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("invalid email or password")]
    InvalidCredentials,
    #[error("too many failed attempts")]
    Throttled { retry_after_secs: u64 },
    #[error("invalid or expired refresh token")]
    InvalidRefreshToken,
    #[error("the current password is wrong")]
    WrongCurrentPassword,
    #[error("invite not found")]
    InviteNotFound,
    #[error("invite expired")]
    InviteExpired,
    #[error("invite already used")]
    InviteUsed,
    #[error("invite revoked")]
    InviteRevoked,
    #[error("an account with this email already exists")]
    EmailTaken,
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Password work running at once is capped at the number of cores. Argon2 is pure CPU, so
/// more at once is no faster; and each run holds a 19 MiB buffer, so a burst of logins on
/// many blocking threads would hold hundreds of MB (the memory allocator keeps a
/// thread's freed buffer for that thread).
async fn hashing_slot() -> tokio::sync::SemaphorePermit<'static> {
    static SLOTS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    let slots = SLOTS.get_or_init(|| {
        tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, std::num::NonZero::get))
    });
    slots.acquire().await.expect("the semaphore is never closed")
}

/// Checks the password (in a blocking thread: argon2 takes tens of milliseconds of CPU).
async fn verify_password(password: String, hash: Option<String>) -> bool {
    let _slot = hashing_slot().await;
    tokio::task::spawn_blocking(move || match hash {
        Some(h) => password::verify(&password, &h),
        None => password::verify_dummy(&password),
    })
    .await
    .unwrap_or(false)
}

pub async fn hash_password(password: &NewPassword) -> String {
    let password = password.expose().to_owned();
    let _slot = hashing_slot().await;
    tokio::task::spawn_blocking(move || password::hash(&password)).await.expect("hashing task")
}

pub async fn login(
    state: &AppState,
    raw_email: &str,
    password: String,
    address: &str,
) -> Result<LoginOutcome, SessionError> {
    let now = state.now();
    // An unparseable email cannot match an account, but costs the same as one that could.
    let email = Email::parse(raw_email).map(|e| e.as_str().to_owned()).unwrap_or_else(|_| raw_email.to_lowercase());
    if let Some(retry_after_secs) = state.throttle.retry_after(&email, address, now) {
        audit::record(
            &state.db,
            now,
            Event::anonymous(AuditAction::AuthLogin).resource("throttled").outcome(Outcome::Denied),
        )
        .await?;
        return Err(SessionError::Throttled { retry_after_secs });
    }
    let account = user::Entity::find().filter(user::Column::Email.eq(&email)).one(&state.db).await?;
    let ok = verify_password(password, account.as_ref().map(|u| u.password_hash.clone())).await;
    match account {
        Some(account) if ok && account.disabled_at.is_none() => {
            state.throttle.record_success(&email);
            // An enrolled account, or staff of a clinic that requires MFA, gets a
            // challenge for the second step instead of tokens.
            if let SecondStep::Required(purpose) = mfa::second_step_for(&state.db, &account).await? {
                let challenge = mfa::issue_challenge(&state.db, &account, purpose, now).await?;
                let event = Event::by_user(&account, AuditAction::AuthLogin).resource("mfa_challenge");
                audit::record(&state.db, now, event).await?;
                return Ok(LoginOutcome::SecondStep(challenge));
            }
            let pair = session_tokens::start_session(state, &state.db, &account, now).await?;
            audit::record(&state.db, now, Event::by_user(&account, AuditAction::AuthLogin)).await?;
            Ok(LoginOutcome::Tokens(pair))
        }
        account => {
            state.throttle.record_failure(&email, address, now);
            let event = match &account {
                Some(a) => Event::by_user(a, AuditAction::AuthLogin),
                None => Event::anonymous(AuditAction::AuthLogin),
            };
            audit::record(&state.db, now, event.outcome(Outcome::Failure)).await?;
            Err(SessionError::InvalidCredentials)
        }
    }
}

/// Ends every login session of `user_id` (password change or reset, disabled account).
/// The caller flushes `AppState::live_sessions` once its transaction has committed.
pub async fn revoke_all<C: ConnectionTrait>(db: &C, user_id: UserId, now: DateTime<Utc>) -> Result<(), DbErr> {
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(now))
        .filter(refresh_token::Column::UserId.eq(user_id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

async fn revoke_family<C: ConnectionTrait>(db: &C, family_id: Uuid, now: DateTime<Utc>) -> Result<(), DbErr> {
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(now))
        .filter(refresh_token::Column::FamilyId.eq(family_id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

pub async fn refresh(state: &AppState, presented: &str) -> Result<TokenPair, SessionError> {
    let now = state.now();
    let Some(link) = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(tokens::digest(presented)))
        .one(&state.db)
        .await?
    else {
        return Err(SessionError::InvalidRefreshToken);
    };
    let account = user::Entity::find_by_id(link.user_id).one(&state.db).await?;
    let Some(account) = account.filter(|a| a.disabled_at.is_none()) else {
        return Err(SessionError::InvalidRefreshToken);
    };
    if link.revoked_at.is_some() || now >= link.expires_at || now >= link.family_expires_at {
        return Err(SessionError::InvalidRefreshToken);
    }
    if link.rotated_at.is_some() {
        return Err(reuse_detected(state, &account, &link, now).await?);
    }

    let txn = db::begin_write(&state.db).await?;
    // The conditional UPDATE is the first statement, so on SQLite the transaction takes
    // the write lock at once and concurrent refreshes queue instead of deadlocking.
    let won = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RotatedAt, Expr::value(now))
        .filter(refresh_token::Column::Id.eq(link.id))
        .filter(refresh_token::Column::RotatedAt.is_null())
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?
        .rows_affected
        == 1;
    if !won {
        txn.rollback().await?;
        return Err(reuse_detected(state, &account, &link, now).await?);
    }
    let pair = session_tokens::issue(state, &txn, &account, link.family_id, link.family_expires_at, now).await?;
    txn.commit().await?;
    Ok(pair)
}

async fn reuse_detected(
    state: &AppState,
    account: &user::Model,
    link: &refresh_token::Model,
    now: DateTime<Utc>,
) -> Result<SessionError, DbErr> {
    revoke_family(&state.db, link.family_id, now).await?;
    state.live_sessions.changed();
    let event = Event::by_user(account, AuditAction::AuthRefreshTokenReuse)
        .resource(format!("refresh_family:{}", link.family_id));
    audit::record(&state.db, now, event.outcome(Outcome::Denied)).await?;
    tracing::warn!(user_id = %account.id, "refresh token reuse: family revoked");
    Ok(SessionError::InvalidRefreshToken)
}

/// Revokes the login session the token belongs to. Unknown tokens are ignored, so the
/// answer never says whether a token was valid.
pub async fn logout(state: &AppState, presented: &str) -> Result<(), DbErr> {
    let now = state.now();
    let link = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(tokens::digest(presented)))
        .one(&state.db)
        .await?;
    if let Some(link) = link {
        revoke_family(&state.db, link.family_id, now).await?;
        state.live_sessions.changed();
        if let Some(account) = user::Entity::find_by_id(link.user_id).one(&state.db).await? {
            audit::record(&state.db, now, Event::by_user(&account, AuditAction::AuthLogout)).await?;
        }
    }
    Ok(())
}

/// Changes the password and ends every session of the account, this one included.
pub async fn change_password(
    state: &AppState,
    who: &Principal,
    current: String,
    new: &NewPassword,
) -> Result<(), SessionError> {
    let now = state.now();
    let account =
        user::Entity::find_by_id(who.user_id).one(&state.db).await?.ok_or(SessionError::InvalidCredentials)?;
    if !verify_password(current, Some(account.password_hash.clone())).await {
        audit::record(&state.db, now, Event::by(who, AuditAction::AuthPasswordChange).outcome(Outcome::Failure))
            .await?;
        return Err(SessionError::WrongCurrentPassword);
    }
    let hash = hash_password(new).await;
    let txn = db::begin_write(&state.db).await?;
    let mut active: user::ActiveModel = account.into();
    active.password_hash = Set(hash);
    active.password_changed_at = Set(now);
    active.updated_at = Set(now);
    active.update(&txn).await?;
    revoke_all(&txn, who.user(), now).await?;
    audit::record(&txn, now, Event::by(who, AuditAction::AuthPasswordChange)).await?;
    txn.commit().await?;
    state.live_sessions.changed();
    Ok(())
}

/// Accepts an invite: creates the account with the chosen password, links a patient
/// invite to its record, and logs the new user in.
pub async fn accept_invite(state: &AppState, token: &str, password: &NewPassword) -> Result<TokenPair, SessionError> {
    let now = state.now();
    let Some(inv) =
        invite::Entity::find().filter(invite::Column::TokenHash.eq(tokens::digest(token))).one(&state.db).await?
    else {
        return Err(SessionError::InviteNotFound);
    };
    if inv.accepted_at.is_some() {
        return Err(SessionError::InviteUsed);
    }
    if inv.revoked_at.is_some() {
        return Err(SessionError::InviteRevoked);
    }
    if now >= inv.expires_at {
        return Err(SessionError::InviteExpired);
    }
    let hash = hash_password(password).await;
    let clinic = entity::clinic::Entity::find_by_id(inv.clinic_id).one(&state.db).await?;
    let timezone = clinic.map(|c| c.timezone).unwrap_or_else(|| "UTC".into());

    let txn = db::begin_write(&state.db).await?;
    let claimed = invite::Entity::update_many()
        .col_expr(invite::Column::AcceptedAt, Expr::value(now))
        .filter(invite::Column::Id.eq(inv.id))
        .filter(invite::Column::AcceptedAt.is_null())
        .filter(invite::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?
        .rows_affected
        == 1;
    if !claimed {
        return Err(SessionError::InviteUsed);
    }
    let email_taken = user::Entity::find().filter(user::Column::Email.eq(&inv.email)).one(&txn).await?.is_some();
    if email_taken {
        return Err(SessionError::EmailTaken);
    }
    let account = user::ActiveModel {
        id: Set(Uuid::now_v7()),
        clinic_id: Set(inv.clinic_id),
        role: Set(inv.role),
        email: Set(inv.email.clone()),
        password_hash: Set(hash),
        display_name: Set(inv.display_name.clone()),
        timezone: Set(timezone),
        disabled_at: Set(None),
        password_changed_at: Set(now),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    if let Some(patient_id) = inv.patient_id {
        let linked = patient::Entity::update_many()
            .col_expr(patient::Column::UserId, Expr::value(account.id))
            .col_expr(patient::Column::UpdatedAt, Expr::value(now))
            .filter(patient::Column::Id.eq(patient_id))
            .filter(patient::Column::UserId.is_null())
            .exec(&txn)
            .await?
            .rows_affected
            == 1;
        if !linked {
            return Err(SessionError::InviteUsed);
        }
    }
    let mut event = Event::by_user(&account, AuditAction::AuthInviteAccept).resource(format!("invite:{}", inv.id));
    if let Some(patient_id) = inv.patient_id {
        event = event.patient(patient_id);
    }
    audit::record(&txn, now, event).await?;
    let pair = session_tokens::start_session(state, &txn, &account, now).await?;
    txn.commit().await?;
    Ok(pair)
}

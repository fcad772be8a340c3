//! Second factors: TOTP enrolment, confirmation and removal, recovery codes, and the
//! second login step.
//!
//! Invariants: a TOTP secret is stored only sealed with the data key, recovery codes and
//! challenges only as their SHA-256; a TOTP step is accepted at most once per account (a
//! conditional UPDATE on `last_step`, so two requests racing with one code cannot both
//! win); a recovery code and a challenge are spent by a conditional UPDATE too. Failed
//! second steps count against their own throttle, per account and per address.

use chrono::{DateTime, Duration, Utc};
use entity::AuditAction;
use entity::{
    Role, clinic,
    mfa_challenge::{self, Purpose},
    mfa_recovery_code, mfa_totp, user,
};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter,
    sea_query::{Condition, Expr},
};
use uuid::Uuid;

use crate::{
    auth::{Principal, tokens, totp},
    data_key::Undecryptable,
    db,
    ids::{ClinicId, UserId},
    services::{
        audit::{self, Event, Outcome},
        mfa_policy,
        session_tokens::{self, TokenPair},
    },
    state::AppState,
};

/// How long the second step may take after a correct password.
pub const CHALLENGE_TTL: Duration = Duration::minutes(5);

#[derive(Debug, thiserror::Error)]
pub enum MfaError {
    #[error("two-factor authentication is not enabled")]
    NotEnrolled,
    #[error("two-factor authentication is already enabled; disable it first to start over")]
    AlreadyEnrolled,
    #[error("start enrolment first")]
    NoPendingEnrolment,
    #[error("the code is wrong or was already used")]
    WrongCode,
    #[error("too many wrong codes")]
    Throttled { retry_after_secs: u64 },
    #[error("the challenge is unknown, used or expired; log in again")]
    InvalidChallenge,
    #[error("your clinic requires two-factor authentication for staff")]
    RequiredByClinic,
    #[error(transparent)]
    Stored(#[from] StoredSecretError),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// A stored secret that does not open or does not parse: never treated as "no secret".
#[derive(Debug, thiserror::Error)]
pub enum StoredSecretError {
    #[error(transparent)]
    Sealed(#[from] Undecryptable),
    #[error(transparent)]
    Totp(#[from] totp::BadSecret),
}

/// What proves the second factor.
#[derive(Debug, Clone)]
pub enum Proof {
    Code(String),
    RecoveryCode(String),
}

/// A new (pending) TOTP secret, shown once to be put into an authenticator app.
#[derive(Debug, Clone)]
pub struct Enrolment {
    pub secret: String,
    pub provisioning_uri: String,
}

/// What a correct password leads to for this account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecondStep {
    None,
    Required(Purpose),
}

/// A challenge handed to the client after a correct password.
#[derive(Debug, Clone)]
pub struct Challenge {
    pub token: String,
    pub purpose: Purpose,
    pub expires_in: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Status {
    pub totp_enabled: bool,
    pub recovery_codes_left: u64,
    pub required: bool,
}

fn sealing_context(user_id: UserId) -> String {
    format!("mfa_totp.secret_sealed:{user_id}")
}

fn is_staff(account: &user::Model) -> bool {
    matches!(account.role, Role::Admin | Role::Therapist)
}

async fn totp_row<C: ConnectionTrait>(db: &C, user_id: UserId) -> Result<Option<mfa_totp::Model>, DbErr> {
    mfa_totp::Entity::find_by_id(user_id).one(db).await
}

/// Whether MFA is required of this account by its clinic.
async fn required_for<C: ConnectionTrait>(db: &C, account: &user::Model) -> Result<bool, DbErr> {
    Ok(is_staff(account) && mfa_policy::staff_required(db, ClinicId::new(account.clinic_id)).await?)
}

/// Which second step, if any, a login of `account` needs.
pub async fn second_step_for<C: ConnectionTrait>(db: &C, account: &user::Model) -> Result<SecondStep, DbErr> {
    if totp_row(db, UserId::new(account.id)).await?.is_some_and(|t| t.confirmed_at.is_some()) {
        return Ok(SecondStep::Required(Purpose::Login));
    }
    Ok(if required_for(db, account).await? { SecondStep::Required(Purpose::Enrol) } else { SecondStep::None })
}

pub async fn issue_challenge<C: ConnectionTrait>(
    db: &C,
    account: &user::Model,
    purpose: Purpose,
    now: DateTime<Utc>,
) -> Result<Challenge, DbErr> {
    // Expired challenges are useless; clearing them here keeps the table small.
    mfa_challenge::Entity::delete_many().filter(mfa_challenge::Column::ExpiresAt.lt(now)).exec(db).await?;
    let token = totp::generate_challenge();
    mfa_challenge::Entity::insert(mfa_challenge::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(account.id),
        token_hash: Set(tokens::digest(&token)),
        purpose: Set(purpose),
        expires_at: Set(now + CHALLENGE_TTL),
        used_at: Set(None),
        created_at: Set(now),
    })
    .exec_without_returning(db)
    .await?;
    Ok(Challenge { token, purpose, expires_in: CHALLENGE_TTL.num_seconds() })
}

pub async fn status(state: &AppState, who: &Principal) -> Result<Status, DbErr> {
    let enabled = totp_row(&state.db, who.user()).await?.is_some_and(|t| t.confirmed_at.is_some());
    let left = if enabled {
        mfa_recovery_code::Entity::find()
            .filter(mfa_recovery_code::Column::UserId.eq(who.user_id))
            .filter(mfa_recovery_code::Column::UsedAt.is_null())
            .count(&state.db)
            .await?
    } else {
        0
    };
    Ok(Status {
        totp_enabled: enabled,
        recovery_codes_left: left,
        required: required_for(&state.db, &who.account).await?,
    })
}

/// Starts (or restarts) enrolment: a new pending secret replaces any earlier pending one.
pub async fn enrol(state: &AppState, account: &user::Model) -> Result<Enrolment, MfaError> {
    let now = state.now();
    if totp_row(&state.db, UserId::new(account.id)).await?.is_some_and(|t| t.confirmed_at.is_some()) {
        return Err(MfaError::AlreadyEnrolled);
    }
    let secret = totp::generate_secret();
    let issuer = clinic::Entity::find_by_id(account.clinic_id)
        .one(&state.db)
        .await?
        .map(|c| format!("Fascia ({})", c.name))
        .unwrap_or_else(|| "Fascia".into());
    let provisioning_uri = totp::provisioning_uri(&secret, &issuer, &account.email).map_err(StoredSecretError::from)?;
    let txn = db::begin_write(&state.db).await?;
    mfa_totp::Entity::delete_many()
        .filter(mfa_totp::Column::UserId.eq(account.id))
        .filter(mfa_totp::Column::ConfirmedAt.is_null())
        .exec(&txn)
        .await?;
    mfa_totp::Entity::insert(mfa_totp::ActiveModel {
        user_id: Set(account.id),
        secret_sealed: Set(state.data_key.seal(&sealing_context(UserId::new(account.id)), &secret)),
        confirmed_at: Set(None),
        last_step: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec_without_returning(&txn)
    .await?;
    audit::record(&txn, now, Event::by_user(account, AuditAction::MfaTotpEnrol)).await?;
    txn.commit().await?;
    Ok(Enrolment { secret, provisioning_uri })
}

fn open_secret(state: &AppState, row: &mfa_totp::Model) -> Result<String, StoredSecretError> {
    Ok(state.data_key.open(&sealing_context(UserId::new(row.user_id)), &row.secret_sealed)?)
}

/// Accepts `code` for `row` at most once per time step.
async fn spend_code<C: ConnectionTrait>(
    state: &AppState,
    db: &C,
    row: &mfa_totp::Model,
    code: &str,
    now: DateTime<Utc>,
) -> Result<bool, MfaError> {
    let secret = open_secret(state, row)?;
    let Some(step) = totp::matching_step(&secret, code, now).map_err(StoredSecretError::from)? else {
        return Ok(false);
    };
    let won = mfa_totp::Entity::update_many()
        .col_expr(mfa_totp::Column::LastStep, Expr::value(step))
        .col_expr(mfa_totp::Column::UpdatedAt, Expr::value(now))
        .filter(mfa_totp::Column::UserId.eq(row.user_id))
        .filter(Condition::any().add(mfa_totp::Column::LastStep.is_null()).add(mfa_totp::Column::LastStep.lt(step)))
        .exec(db)
        .await?
        .rows_affected
        == 1;
    Ok(won)
}

async fn spend_recovery_code<C: ConnectionTrait>(
    db: &C,
    user_id: UserId,
    code: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let hash = tokens::digest(&totp::normalise_recovery_code(code));
    Ok(mfa_recovery_code::Entity::update_many()
        .col_expr(mfa_recovery_code::Column::UsedAt, Expr::value(now))
        .filter(mfa_recovery_code::Column::UserId.eq(user_id))
        .filter(mfa_recovery_code::Column::CodeHash.eq(hash))
        .filter(mfa_recovery_code::Column::UsedAt.is_null())
        .exec(db)
        .await?
        .rows_affected
        == 1)
}

/// Replaces the account's recovery codes with ten new ones and answers them in clear.
async fn new_recovery_codes<C: ConnectionTrait>(
    db: &C,
    user_id: UserId,
    now: DateTime<Utc>,
) -> Result<Vec<String>, DbErr> {
    mfa_recovery_code::Entity::delete_many().filter(mfa_recovery_code::Column::UserId.eq(user_id)).exec(db).await?;
    let codes = totp::generate_recovery_codes();
    let rows = codes.iter().map(|code| mfa_recovery_code::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id.uuid()),
        code_hash: Set(tokens::digest(&totp::normalise_recovery_code(code))),
        used_at: Set(None),
        created_at: Set(now),
    });
    mfa_recovery_code::Entity::insert_many(rows).exec_without_returning(db).await?;
    Ok(codes)
}

fn throttle_key(user_id: UserId) -> String {
    format!("mfa:{user_id}")
}

/// Confirms a pending enrolment with a first code; answers the recovery codes.
pub async fn confirm(
    state: &AppState,
    account: &user::Model,
    code: &str,
    address: &str,
) -> Result<Vec<String>, MfaError> {
    let now = state.now();
    let key = throttle_key(UserId::new(account.id));
    if let Some(retry_after_secs) = state.mfa_throttle.retry_after(&key, address, now) {
        return Err(MfaError::Throttled { retry_after_secs });
    }
    let row = match totp_row(&state.db, UserId::new(account.id)).await? {
        None => return Err(MfaError::NoPendingEnrolment),
        Some(row) if row.confirmed_at.is_some() => return Err(MfaError::AlreadyEnrolled),
        Some(row) => row,
    };
    let txn = db::begin_write(&state.db).await?;
    if !spend_code(state, &txn, &row, code, now).await? {
        txn.rollback().await?;
        state.mfa_throttle.record_failure(&key, address, now);
        audit::record(&state.db, now, Event::by_user(account, AuditAction::MfaTotpConfirm).outcome(Outcome::Failure))
            .await?;
        return Err(MfaError::WrongCode);
    }
    mfa_totp::Entity::update_many()
        .col_expr(mfa_totp::Column::ConfirmedAt, Expr::value(now))
        .filter(mfa_totp::Column::UserId.eq(account.id))
        .exec(&txn)
        .await?;
    let codes = new_recovery_codes(&txn, UserId::new(account.id), now).await?;
    audit::record(&txn, now, Event::by_user(account, AuditAction::MfaTotpConfirm)).await?;
    txn.commit().await?;
    state.mfa_throttle.record_success(&key);
    Ok(codes)
}

/// Checks `proof` for an enrolled account inside `txn`, spending what it uses.
async fn verify<C: ConnectionTrait>(
    state: &AppState,
    txn: &C,
    row: &mfa_totp::Model,
    proof: &Proof,
    now: DateTime<Utc>,
) -> Result<bool, MfaError> {
    match proof {
        Proof::Code(code) => spend_code(state, txn, row, code, now).await,
        Proof::RecoveryCode(code) => Ok(spend_recovery_code(txn, UserId::new(row.user_id), code, now).await?),
    }
}

/// Turns TOTP off (with a current code or a recovery code); recovery codes go too.
pub async fn disable(state: &AppState, account: &user::Model, proof: &Proof, address: &str) -> Result<(), MfaError> {
    let now = state.now();
    let key = throttle_key(UserId::new(account.id));
    if let Some(retry_after_secs) = state.mfa_throttle.retry_after(&key, address, now) {
        return Err(MfaError::Throttled { retry_after_secs });
    }
    let Some(row) = totp_row(&state.db, UserId::new(account.id)).await?.filter(|t| t.confirmed_at.is_some()) else {
        return Err(MfaError::NotEnrolled);
    };
    if required_for(&state.db, account).await? {
        return Err(MfaError::RequiredByClinic);
    }
    let txn = db::begin_write(&state.db).await?;
    if !verify(state, &txn, &row, proof, now).await? {
        txn.rollback().await?;
        state.mfa_throttle.record_failure(&key, address, now);
        audit::record(&state.db, now, Event::by_user(account, AuditAction::MfaTotpDisable).outcome(Outcome::Failure))
            .await?;
        return Err(MfaError::WrongCode);
    }
    mfa_totp::Entity::delete_by_id(account.id).exec(&txn).await?;
    mfa_recovery_code::Entity::delete_many()
        .filter(mfa_recovery_code::Column::UserId.eq(account.id))
        .exec(&txn)
        .await?;
    audit::record(&txn, now, Event::by_user(account, AuditAction::MfaTotpDisable)).await?;
    txn.commit().await?;
    state.mfa_throttle.record_success(&key);
    Ok(())
}

/// The live challenge `token` names, with its account, if it has `purpose`.
async fn open_challenge(
    state: &AppState,
    token: &str,
    purpose: Purpose,
    now: DateTime<Utc>,
) -> Result<(mfa_challenge::Model, user::Model), MfaError> {
    let challenge = mfa_challenge::Entity::find()
        .filter(mfa_challenge::Column::TokenHash.eq(tokens::digest(token)))
        .one(&state.db)
        .await?
        .filter(|c| c.purpose == purpose && c.used_at.is_none() && now < c.expires_at)
        .ok_or(MfaError::InvalidChallenge)?;
    let account = user::Entity::find_by_id(challenge.user_id)
        .one(&state.db)
        .await?
        .filter(|a| a.disabled_at.is_none())
        .ok_or(MfaError::InvalidChallenge)?;
    Ok((challenge, account))
}

/// Spends the challenge; false when another request spent it first.
async fn spend_challenge<C: ConnectionTrait>(db: &C, id: Uuid, now: DateTime<Utc>) -> Result<bool, DbErr> {
    Ok(mfa_challenge::Entity::update_many()
        .col_expr(mfa_challenge::Column::UsedAt, Expr::value(now))
        .filter(mfa_challenge::Column::Id.eq(id))
        .filter(mfa_challenge::Column::UsedAt.is_null())
        .exec(db)
        .await?
        .rows_affected
        == 1)
}

/// The second login step: a challenge and a code (or a recovery code) give the tokens.
pub async fn complete_login(
    state: &AppState,
    token: &str,
    proof: &Proof,
    address: &str,
) -> Result<TokenPair, MfaError> {
    let now = state.now();
    let (challenge, account) = open_challenge(state, token, Purpose::Login, now).await?;
    let key = throttle_key(UserId::new(account.id));
    if let Some(retry_after_secs) = state.mfa_throttle.retry_after(&key, address, now) {
        audit::record(
            &state.db,
            now,
            Event::by_user(&account, AuditAction::AuthMfa).resource("throttled").outcome(Outcome::Denied),
        )
        .await?;
        return Err(MfaError::Throttled { retry_after_secs });
    }
    let row = totp_row(&state.db, UserId::new(account.id))
        .await?
        .filter(|t| t.confirmed_at.is_some())
        .ok_or(MfaError::InvalidChallenge)?;
    let txn = db::begin_write(&state.db).await?;
    if !spend_challenge(&txn, challenge.id, now).await? {
        txn.rollback().await?;
        return Err(MfaError::InvalidChallenge);
    }
    if !verify(state, &txn, &row, proof, now).await? {
        txn.rollback().await?;
        state.mfa_throttle.record_failure(&key, address, now);
        audit::record(&state.db, now, Event::by_user(&account, AuditAction::AuthMfa).outcome(Outcome::Failure)).await?;
        return Err(MfaError::WrongCode);
    }
    let action = match proof {
        Proof::Code(_) => AuditAction::AuthMfa,
        Proof::RecoveryCode(_) => AuditAction::AuthMfaRecoveryCode,
    };
    audit::record(&txn, now, Event::by_user(&account, action)).await?;
    let pair = session_tokens::start_session(state, &txn, &account, now).await?;
    txn.commit().await?;
    state.mfa_throttle.record_success(&key);
    Ok(pair)
}

/// Enrolment demanded by the clinic at login: the enrol challenge stands in for a token.
pub async fn enrol_by_challenge(state: &AppState, token: &str) -> Result<Enrolment, MfaError> {
    let (_, account) = open_challenge(state, token, Purpose::Enrol, state.now()).await?;
    enrol(state, &account).await
}

/// Confirms an enrolment demanded at login, spends the challenge and logs in.
pub async fn confirm_by_challenge(
    state: &AppState,
    token: &str,
    code: &str,
    address: &str,
) -> Result<(Vec<String>, TokenPair), MfaError> {
    let now = state.now();
    let (challenge, account) = open_challenge(state, token, Purpose::Enrol, now).await?;
    let codes = confirm(state, &account, code, address).await?;
    let txn = db::begin_write(&state.db).await?;
    if !spend_challenge(&txn, challenge.id, now).await? {
        txn.rollback().await?;
        return Err(MfaError::InvalidChallenge);
    }
    audit::record(&txn, now, Event::by_user(&account, AuditAction::AuthMfa)).await?;
    let pair = session_tokens::start_session(state, &txn, &account, now).await?;
    txn.commit().await?;
    Ok((codes, pair))
}

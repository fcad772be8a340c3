//! Share links: a therapist freezes a patient's progress report for the referring
//! physician behind an expiring, revocable link; the patient sees and revokes their own.
//!
//! Invariants:
//! - A link is made only for a patient who consented to physician sharing; the check is
//!   audited whichever way it goes.
//! - The 256-bit token and the optional 6-digit code leave the server once, in the
//!   create answer. Only SHA-256 hashes are stored; the code's hash includes the token.
//! - The report is rendered when the link is made and never again: the physician sees
//!   exactly what was shared.
//! - Every attempt to open a link is a `share_link_view` row (time, address, user agent,
//!   outcome) and successful views are also audit events. Those rows are the throttle:
//!   [`MAX_WRONG_CODES`] wrong codes lock a link, [`MAX_FAILURES_PER_ADDRESS`] failures
//!   lock an address, each for [`THROTTLE_WINDOW`], on every replica alike.

use base64::Engine as _;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use entity::AuditAction;
use entity::{
    clinic, share_link,
    share_link_view::{self, Outcome as ViewOutcome},
};
use rand::RngCore;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, TransactionSession, TransactionTrait,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::{
    auth::Principal,
    db,
    ids::ClinicId,
    services::{
        audit::{self, Event, Outcome},
        local_date,
        patients::{self, PatientError, PatientScope},
        report::{self, ReportError},
    },
};

pub const DEFAULT_EXPIRY_DAYS: u16 = 14;
pub const MAX_EXPIRY_DAYS: u16 = 90;
pub const THROTTLE_WINDOW: Duration = Duration::minutes(15);
pub const MAX_WRONG_CODES: u64 = 5;
pub const MAX_FAILURES_PER_ADDRESS: u64 = 20;
const LIST_LIMIT: u64 = 200;

#[derive(Debug, thiserror::Error)]
pub enum ShareError {
    #[error("not found")]
    NotFound,
    #[error("the patient has not consented to sharing with their physician")]
    NoConsent,
    #[error("{0}: {1}")]
    Invalid(&'static str, &'static str),
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl From<PatientError> for ShareError {
    fn from(e: PatientError) -> Self {
        match e {
            PatientError::Db(e) => ShareError::Db(e),
            _ => ShareError::NotFound,
        }
    }
}

impl From<ReportError> for ShareError {
    fn from(e: ReportError) -> Self {
        match e {
            ReportError::NotFound => ShareError::NotFound,
            ReportError::Invalid(f, p) => ShareError::Invalid(f, p),
            ReportError::Db(e) => ShareError::Db(e),
        }
    }
}

/// Days a link stays open: 1 to [`MAX_EXPIRY_DAYS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExpiryDays(u16);

impl ExpiryDays {
    pub fn new(days: Option<u16>) -> Result<Self, ShareError> {
        match days.unwrap_or(DEFAULT_EXPIRY_DAYS) {
            d @ 1..=MAX_EXPIRY_DAYS => Ok(Self(d)),
            _ => Err(ShareError::Invalid("expires_in_days", "must be 1–90")),
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewShareLink {
    /// Either end `None`: the report's default.
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub expires_in: ExpiryDays,
    pub require_code: bool,
}

/// A link's facts without its frozen report.
#[derive(Debug, Clone, PartialEq, FromQueryResult)]
pub struct LinkSummary {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub code_hash: Option<String>,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
}

impl LinkSummary {
    pub fn requires_code(&self) -> bool {
        self.code_hash.is_some()
    }
}

/// What the creator gets once: the token and the code, never stored in the clear.
#[derive(Debug, Clone)]
pub struct Created {
    pub link: LinkSummary,
    pub token: String,
    pub code: Option<String>,
}

fn hex_sha256(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0]);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

pub fn token_hash(token: &str) -> String {
    hex_sha256(&["share-token", token])
}

fn code_hash(token: &str, code: &str) -> String {
    hex_sha256(&["share-code", token, code])
}

/// The cookie value that proves the code was given for this link: derived from the
/// stored code hash, which only someone with the database or the code can make.
fn unlock_value(code_hash: &str) -> String {
    hex_sha256(&["share-unlock", code_hash])
}

/// Compares without stopping at the first difference.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn summary_query() -> sea_orm::Select<share_link::Entity> {
    use share_link::Column as C;
    share_link::Entity::find().select_only().columns([
        C::Id,
        C::PatientId,
        C::PeriodFrom,
        C::PeriodTo,
        C::ExpiresAt,
        C::RevokedAt,
        C::CodeHash,
        C::CreatedBy,
        C::CreatedAt,
    ])
}

pub async fn create<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    patient_id: Uuid,
    new: NewShareLink,
) -> Result<Created, ShareError> {
    let (record, tz) = patients::find_visible_in_zone(db, who, patient_id).await?;
    let consent = Event::by(who, AuditAction::ShareLinkConsentCheck).patient(record.id);
    if !record.consent_physician_sharing {
        audit::record(db, now, consent.outcome(Outcome::Denied)).await?;
        return Err(ShareError::NoConsent);
    }
    let period = report::resolve_period(db, &record, tz, local_date(now, tz), new.from, new.to).await?;
    let gathered = report::gather(db, who, &record, tz, period, now).await?;
    let html = report::html::render(&gathered);
    let pdf = report::pdf::render(&gathered);

    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let code = new.require_code.then(|| format!("{:06}", rand::rngs::OsRng.next_u32() % 1_000_000));
    let row = share_link::ActiveModel {
        id: Set(Uuid::now_v7()),
        clinic_id: Set(record.clinic_id),
        patient_id: Set(record.id),
        token_hash: Set(token_hash(&token)),
        code_hash: Set(code.as_deref().map(|c| code_hash(&token, c))),
        period_from: Set(period.from),
        period_to: Set(period.to),
        expires_at: Set(now + Duration::days(i64::from(new.expires_in.0))),
        revoked_at: Set(None),
        revoked_by: Set(None),
        report_html: Set(html),
        report_pdf: Set(pdf),
        created_by: Set(who.user_id),
        created_at: Set(now),
        updated_at: Set(now),
    };
    let txn = db::begin_write(db).await?;
    let row = row.insert(&txn).await?;
    audit::record(&txn, now, consent).await?;
    let event =
        Event::by(who, AuditAction::ShareLinkCreate).patient(record.id).resource(format!("share_link:{}", row.id));
    audit::record(&txn, now, event).await?;
    txn.commit().await?;
    let link = LinkSummary {
        id: row.id,
        patient_id: row.patient_id,
        period_from: row.period_from,
        period_to: row.period_to,
        expires_at: row.expires_at,
        revoked_at: row.revoked_at,
        code_hash: row.code_hash,
        created_by: row.created_by,
        created_at: row.created_at,
    };
    Ok(Created { link, token, code })
}

/// A patient's links, newest first.
pub async fn list<C: ConnectionTrait>(db: &C, patient: PatientScope) -> Result<Vec<LinkSummary>, DbErr> {
    summary_query()
        .filter(share_link::Column::PatientId.eq(patient.uuid()))
        .order_by_desc(share_link::Column::CreatedAt)
        .order_by_desc(share_link::Column::Id)
        .limit(LIST_LIMIT)
        .into_model::<LinkSummary>()
        .all(db)
        .await
}

/// A patient's links, for staff who may see the patient.
pub async fn list_visible<C: ConnectionTrait>(
    db: &C,
    who: &Principal,
    patient_id: Uuid,
) -> Result<Vec<LinkSummary>, ShareError> {
    let record = patients::find_visible(db, who, patient_id).await?;
    Ok(list(db, record.scope()).await?)
}

/// Revokes a patient's link, for staff who may see the patient.
pub async fn revoke_visible<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    patient_id: Uuid,
    link_id: Uuid,
) -> Result<(), ShareError> {
    let record = patients::find_visible(db, who, patient_id).await?;
    revoke(db, now, who, record.scope(), link_id).await
}

/// Closes a link of `patient` for good; revoking a revoked link changes nothing.
pub async fn revoke<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    patient: PatientScope,
    link_id: Uuid,
) -> Result<(), ShareError> {
    let row = share_link::Entity::find_by_id(link_id)
        .filter(share_link::Column::PatientId.eq(patient.uuid()))
        .select_only()
        .columns([share_link::Column::Id, share_link::Column::RevokedAt])
        .into_tuple::<(Uuid, Option<DateTime<Utc>>)>()
        .one(db)
        .await?
        .ok_or(ShareError::NotFound)?;
    if row.1.is_some() {
        return Ok(());
    }
    let txn = db::begin_write(db).await?;
    share_link::Entity::update_many()
        .col_expr(share_link::Column::RevokedAt, sea_orm::sea_query::Expr::value(now))
        .col_expr(share_link::Column::RevokedBy, sea_orm::sea_query::Expr::value(who.user_id))
        .col_expr(share_link::Column::UpdatedAt, sea_orm::sea_query::Expr::value(now))
        .filter(share_link::Column::Id.eq(link_id))
        .filter(share_link::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    let event =
        Event::by(who, AuditAction::ShareLinkRevoke).patient(patient.uuid()).resource(format!("share_link:{link_id}"));
    audit::record(&txn, now, event).await?;
    txn.commit().await?;
    Ok(())
}

/// One visit to a link by someone without an account.
#[derive(Debug, Clone)]
pub struct Visit<'a> {
    pub token: &'a str,
    pub address: &'a str,
    pub user_agent: Option<&'a str>,
    /// A code typed into the form.
    pub code: Option<&'a str>,
    /// The unlock cookie from an earlier correct code.
    pub unlock: Option<&'a str>,
    pub pdf: bool,
}

/// How to reach the clinic, for the closed-link page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClinicContact {
    pub name: String,
    pub phone: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Opened {
    /// The frozen report; `unlock` is the cookie to set after a correct code.
    Report {
        html: String,
        pdf: Vec<u8>,
        unlock: Option<String>,
    },
    /// The link wants its code.
    NeedCode,
    WrongCode,
    /// Too many failures; try again after this many seconds.
    Throttled(u64),
    Expired(ClinicContact),
    Revoked(ClinicContact),
    Unknown,
}

async fn failures_since<C: ConnectionTrait>(
    db: &C,
    filter: sea_orm::Condition,
    outcomes: &[ViewOutcome],
    since: DateTime<Utc>,
) -> Result<(u64, Option<DateTime<Utc>>), DbErr> {
    let q = share_link_view::Entity::find()
        .filter(filter)
        .filter(share_link_view::Column::Outcome.is_in(outcomes.iter().copied()))
        .filter(share_link_view::Column::At.gt(since));
    let count = q.clone().count(db).await?;
    let oldest: Option<DateTime<Utc>> = q
        .select_only()
        .column(share_link_view::Column::At)
        .order_by_asc(share_link_view::Column::At)
        .into_tuple()
        .one(db)
        .await?;
    Ok((count, oldest))
}

fn retry_after(oldest: Option<DateTime<Utc>>, now: DateTime<Utc>) -> u64 {
    oldest.map_or(1, |t| (t + THROTTLE_WINDOW - now).num_seconds().max(1) as u64)
}

async fn log<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
    visit: &Visit<'_>,
    link: Option<&share_link::Model>,
    outcome: ViewOutcome,
) -> Result<(), DbErr> {
    let txn = db::begin_write(db).await?;
    share_link_view::ActiveModel {
        id: Set(Uuid::now_v7()),
        share_link_id: Set(link.map(|l| l.id)),
        at: Set(now),
        address: Set(visit.address.chars().take(64).collect()),
        user_agent: Set(visit.user_agent.map(|u| u.chars().take(300).collect())),
        outcome: Set(outcome),
    }
    .insert(&txn)
    .await?;
    if let Some(l) = link {
        let action = match outcome {
            ViewOutcome::Shown | ViewOutcome::Pdf => AuditAction::ShareLinkView,
            _ => AuditAction::ShareLinkViewRefused,
        };
        let result =
            if matches!(outcome, ViewOutcome::Shown | ViewOutcome::Pdf) { Outcome::Success } else { Outcome::Denied };
        let event = Event::anonymous(action)
            .in_clinic(ClinicId::new(l.clinic_id))
            .patient(l.patient_id)
            .resource(format!("share_link:{}", l.id))
            .outcome(result);
        audit::record(&txn, now, event).await?;
    }
    txn.commit().await
}

async fn contact<C: ConnectionTrait>(db: &C, clinic_id: ClinicId) -> Result<ClinicContact, DbErr> {
    let c = clinic::Entity::find_by_id(clinic_id)
        .one(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("clinic {clinic_id} of a share link")))?;
    Ok(ClinicContact { name: c.name, phone: c.clinic_phone })
}

/// Opens a link for a visitor: throttle, token, state, code, then the frozen report.
/// Every outcome is logged before it is answered.
pub async fn open<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
    visit: Visit<'_>,
) -> Result<Opened, DbErr> {
    let since = now - THROTTLE_WINDOW;
    let by_address = sea_orm::Condition::all().add(share_link_view::Column::Address.eq(visit.address));
    let (failures, oldest) =
        failures_since(db, by_address, &[ViewOutcome::WrongCode, ViewOutcome::Unknown], since).await?;
    if failures >= MAX_FAILURES_PER_ADDRESS {
        log(db, now, &visit, None, ViewOutcome::Throttled).await?;
        return Ok(Opened::Throttled(retry_after(oldest, now)));
    }
    let Some(link) =
        share_link::Entity::find().filter(share_link::Column::TokenHash.eq(token_hash(visit.token))).one(db).await?
    else {
        log(db, now, &visit, None, ViewOutcome::Unknown).await?;
        return Ok(Opened::Unknown);
    };
    if link.revoked_at.is_some() {
        log(db, now, &visit, Some(&link), ViewOutcome::Revoked).await?;
        return Ok(Opened::Revoked(contact(db, ClinicId::new(link.clinic_id)).await?));
    }
    if now >= link.expires_at {
        log(db, now, &visit, Some(&link), ViewOutcome::Expired).await?;
        return Ok(Opened::Expired(contact(db, ClinicId::new(link.clinic_id)).await?));
    }
    let mut unlock = None;
    if let Some(expected) = &link.code_hash {
        let by_link = sea_orm::Condition::all().add(share_link_view::Column::ShareLinkId.eq(link.id));
        let (wrong, oldest) = failures_since(db, by_link, &[ViewOutcome::WrongCode], since).await?;
        if wrong >= MAX_WRONG_CODES {
            log(db, now, &visit, Some(&link), ViewOutcome::Throttled).await?;
            return Ok(Opened::Throttled(retry_after(oldest, now)));
        }
        let cookie_ok = visit.unlock.is_some_and(|c| same(c, &unlock_value(expected)));
        match visit.code {
            Some(code) if same(&code_hash(visit.token, code.trim()), expected) => {
                unlock = Some(unlock_value(expected));
            }
            Some(_) => {
                log(db, now, &visit, Some(&link), ViewOutcome::WrongCode).await?;
                return Ok(Opened::WrongCode);
            }
            None if cookie_ok => {}
            None => {
                log(db, now, &visit, Some(&link), ViewOutcome::CodeAsked).await?;
                return Ok(Opened::NeedCode);
            }
        }
    }
    log(db, now, &visit, Some(&link), if visit.pdf { ViewOutcome::Pdf } else { ViewOutcome::Shown }).await?;
    Ok(Opened::Report { html: link.report_html, pdf: link.report_pdf, unlock })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_defaults_to_14_days_and_stops_at_90() {
        assert_eq!(ExpiryDays::new(None).unwrap(), ExpiryDays(14));
        assert!(ExpiryDays::new(Some(90)).is_ok());
        assert!(ExpiryDays::new(Some(0)).is_err() && ExpiryDays::new(Some(91)).is_err());
    }

    #[test]
    fn the_code_hash_depends_on_the_token() {
        assert_ne!(code_hash("a", "123456"), code_hash("b", "123456"));
        assert_ne!(token_hash("a"), code_hash("a", ""));
        assert!(same("abc", "abc") && !same("abc", "abd") && !same("abc", "ab"));
    }
}

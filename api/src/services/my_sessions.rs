//! The caller's own login sessions: list them, end one, end all but this one.
//!
//! A session is a refresh-token family; it is live while its newest link is neither
//! rotated, revoked nor past its idle or absolute limit. `login_session` remembers where
//! it began (device label, address) and is written right after login; liveness is never
//! read from it. Ending a session revokes its family, which also refuses its access
//! tokens at the next request (see `auth::authenticate`).
//!
//! Only the caller's own sessions are reachable; any other id is "not found".

use chrono::{DateTime, Utc};
use entity::{AuditAction, login_session, refresh_token};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, sea_query::Expr,
};
use uuid::Uuid;

use crate::{
    auth::{Principal, tokens},
    ids::UserId,
    services::audit::{self, Event},
};

#[derive(Debug, thiserror::Error)]
pub enum MySessionError {
    #[error("session not found")]
    NotFound,
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// One live login session.
#[derive(Debug, Clone)]
pub struct SessionView {
    pub id: Uuid,
    pub device_label: String,
    pub address: Option<String>,
    pub created_at: DateTime<Utc>,
    /// When the session last refreshed its tokens (or began).
    pub last_used_at: DateTime<Utc>,
    /// The session of the access token making this request.
    pub current: bool,
}

/// A short "Browser on System" label from a `User-Agent` header; never the raw string,
/// which is long and fingerprints the device.
pub fn device_label(user_agent: &str) -> String {
    let ua = user_agent.to_ascii_lowercase();
    let browser = [
        ("edg/", "Edge"),
        ("samsungbrowser", "Samsung Internet"),
        ("opr/", "Opera"),
        ("firefox/", "Firefox"),
        ("fxios", "Firefox"),
        ("crios", "Chrome"),
        ("chrome/", "Chrome"),
        ("safari/", "Safari"),
        ("curl/", "curl"),
    ]
    .iter()
    .find(|(needle, _)| ua.contains(needle))
    .map(|(_, name)| *name);
    let system = [
        ("iphone", "iPhone"),
        ("ipad", "iPad"),
        ("android", "Android"),
        ("windows", "Windows"),
        ("mac os x", "macOS"),
        ("macintosh", "macOS"),
        ("cros", "ChromeOS"),
        ("linux", "Linux"),
    ]
    .iter()
    .find(|(needle, _)| ua.contains(needle))
    .map(|(_, name)| *name);
    match (browser, system) {
        (Some(b), Some(s)) => format!("{b} on {s}"),
        (Some(b), None) => b.to_owned(),
        (None, Some(s)) => s.to_owned(),
        (None, None) => "Unknown device".to_owned(),
    }
}

/// Remembers where the session of a just-issued refresh token began. A token that
/// matches nothing is ignored (it was just issued, so that does not happen).
pub async fn record_origin<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    refresh: &str,
    user_agent: Option<&str>,
    address: &str,
) -> Result<(), DbErr> {
    let link = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(tokens::digest(refresh)))
        .one(db)
        .await?;
    let Some(link) = link else { return Ok(()) };
    let row = login_session::ActiveModel {
        family_id: Set(link.family_id),
        user_id: Set(link.user_id),
        device_label: Set(device_label(user_agent.unwrap_or_default())),
        address: Set(address.chars().take(64).collect()),
        created_at: Set(now),
    };
    login_session::Entity::insert(row)
        .on_conflict(sea_orm::sea_query::OnConflict::column(login_session::Column::FamilyId).do_nothing().to_owned())
        .exec_without_returning(db)
        .await?;
    Ok(())
}

fn live_heads(user_id: UserId, now: DateTime<Utc>) -> sea_orm::Select<refresh_token::Entity> {
    refresh_token::Entity::find()
        .filter(refresh_token::Column::UserId.eq(user_id))
        .filter(refresh_token::Column::RotatedAt.is_null())
        .filter(refresh_token::Column::RevokedAt.is_null())
        .filter(refresh_token::Column::ExpiresAt.gt(now))
        .filter(refresh_token::Column::FamilyExpiresAt.gt(now))
}

/// The caller's live sessions, newest use first.
pub async fn list<C: ConnectionTrait>(db: &C, now: DateTime<Utc>, who: &Principal) -> Result<Vec<SessionView>, DbErr> {
    let heads = live_heads(who.user(), now).order_by_desc(refresh_token::Column::CreatedAt).all(db).await?;
    let families: Vec<Uuid> = heads.iter().map(|h| h.family_id).collect();
    let origins = login_session::Entity::find().filter(login_session::Column::FamilyId.is_in(families)).all(db).await?;
    Ok(heads
        .into_iter()
        .map(|head| {
            let origin = origins.iter().find(|o| o.family_id == head.family_id);
            SessionView {
                id: head.family_id,
                device_label: origin.map_or_else(|| "Unknown device".to_owned(), |o| o.device_label.clone()),
                address: origin.map(|o| o.address.clone()).filter(|a| !a.is_empty()),
                created_at: origin.map_or(head.created_at, |o| o.created_at),
                last_used_at: head.created_at,
                current: head.family_id == who.session_id,
            }
        })
        .collect())
}

async fn revoke_families<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    family: Option<Uuid>,
    except: Option<Uuid>,
) -> Result<u64, DbErr> {
    let mut q = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(now))
        .filter(refresh_token::Column::UserId.eq(who.user_id))
        .filter(refresh_token::Column::RevokedAt.is_null());
    if let Some(family) = family {
        q = q.filter(refresh_token::Column::FamilyId.eq(family));
    }
    if let Some(except) = except {
        q = q.filter(refresh_token::Column::FamilyId.ne(except));
    }
    Ok(q.exec(db).await?.rows_affected)
}

/// Ends one of the caller's live sessions (this one included: that is a logout).
pub async fn end<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    id: Uuid,
) -> Result<(), MySessionError> {
    let live = live_heads(who.user(), now).filter(refresh_token::Column::FamilyId.eq(id)).one(db).await?;
    if live.is_none() {
        return Err(MySessionError::NotFound);
    }
    revoke_families(db, now, who, Some(id), None).await?;
    audit::record(db, now, Event::by(who, AuditAction::AuthSessionEnd).resource(format!("session:{id}"))).await?;
    Ok(())
}

/// Ends every session of the caller except the one making the request.
pub async fn end_others<C: ConnectionTrait>(db: &C, now: DateTime<Utc>, who: &Principal) -> Result<(), DbErr> {
    let ended = revoke_families(db, now, who, None, Some(who.session_id)).await?;
    audit::record(db, now, Event::by(who, AuditAction::AuthSessionEndOthers).resource(format!("tokens:{ended}"))).await
}

#[cfg(test)]
mod tests {
    use super::device_label;

    #[test]
    fn labels_name_browser_and_system() {
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1";
        assert_eq!(device_label(iphone), "Safari on iPhone");
        let android = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36";
        assert_eq!(device_label(android), "Chrome on Android");
        let edge = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36 Edg/124.0";
        assert_eq!(device_label(edge), "Edge on Windows");
        assert_eq!(
            device_label("Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"),
            "Firefox on Linux"
        );
    }

    #[test]
    fn unknown_or_empty_agents_get_a_plain_label() {
        assert_eq!(device_label(""), "Unknown device");
        assert_eq!(device_label("\u{0}\u{ffff} garbage"), "Unknown device");
        assert_eq!(device_label("reqwest/0.12"), "Unknown device");
    }
}

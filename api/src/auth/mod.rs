//! Authentication and the role check.
//!
//! Each role is a poem-openapi security scheme whose checker verifies the access token,
//! loads the account while the token's login session is live (a disabled account, a
//! logged-out session, or one a password change ended, is refused) and checks the role. A handler that takes `TherapistAuth` therefore cannot
//! run for anyone else: reaching it IS the role check. Which objects a principal may
//! touch is decided in the services.

pub mod jwt;
pub mod live_sessions;
pub mod password;
pub mod throttle;
pub mod tokens;
pub mod totp;

use entity::{AuditAction, Role, refresh_token, user};
use poem::{Request, http::StatusCode};
use poem_openapi::{SecurityScheme, auth::Bearer};
use sea_orm::{
    ColumnTrait, EntityTrait, QueryFilter,
    sea_query::{Expr, Query},
};
use uuid::Uuid;

use crate::{
    ids::{ClinicId, UserId},
    services::audit,
    state::AppState,
};

/// Who is calling, as established from a verified access token and the live account.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user_id: Uuid,
    pub clinic_id: Uuid,
    pub role: Role,
    /// The caller's own patient record, for patients.
    pub patient_id: Option<Uuid>,
    /// The account as loaded while checking the token, so handlers need not load it again.
    pub account: user::Model,
    /// The login session (refresh-token family) the access token belongs to.
    pub session_id: Uuid,
}

impl From<&Principal> for audit::Actor {
    fn from(p: &Principal) -> Self {
        Self { clinic_id: p.clinic_id, user_id: p.user_id, role: p.role }
    }
}

impl Principal {
    /// The caller's clinic, typed so it cannot be passed where another id belongs.
    pub fn clinic(&self) -> ClinicId {
        ClinicId::new(self.clinic_id)
    }

    /// The caller's account.
    pub fn user(&self) -> UserId {
        UserId::new(self.user_id)
    }

    /// The caller's IANA zone; local days ("today", check-in dates) are counted in it.
    pub fn timezone(&self) -> chrono_tz::Tz {
        crate::stored::zone_or_utc("user.timezone", &self.account.timezone)
    }
}

/// The id of a patient record, as named by a verified patient token. Only the patient
/// security scheme makes one, so a handler holding it needs no fallback for a missing id
/// (there is no nil UUID to query with by mistake).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PatientId(Uuid);

impl PatientId {
    pub fn uuid(self) -> Uuid {
        self.0
    }
}

impl From<PatientId> for Uuid {
    fn from(id: PatientId) -> Self {
        id.0
    }
}

/// A verified patient: the principal and the patient record it acts for. Derefs to the
/// principal, so it goes wherever a `&Principal` does.
#[derive(Debug, Clone)]
pub struct PatientPrincipal {
    pub principal: Principal,
    pub patient_id: PatientId,
}

impl std::ops::Deref for PatientPrincipal {
    type Target = Principal;
    fn deref(&self) -> &Principal {
        &self.principal
    }
}

impl From<&PatientPrincipal> for audit::Actor {
    fn from(p: &PatientPrincipal) -> Self {
        Self::from(&p.principal)
    }
}

/// Access token of a patient.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", bearer_format = "JWT", checker = "check_patient")]
pub struct PatientAuth(pub PatientPrincipal);

/// Access token of a therapist or a clinic admin (admins act on the whole clinic).
#[derive(SecurityScheme)]
#[oai(ty = "bearer", bearer_format = "JWT", checker = "check_therapist")]
pub struct TherapistAuth(pub Principal);

/// Access token of a clinic admin.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", bearer_format = "JWT", checker = "check_admin")]
pub struct AdminAuth(pub Principal);

/// Access token of any signed-in user.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", bearer_format = "JWT", checker = "check_any")]
pub struct UserAuth(pub Principal);

async fn check_patient(req: &Request, bearer: Bearer) -> poem::Result<PatientPrincipal> {
    let principal = authenticate(req, &bearer.token, &[Role::Patient]).await?;
    // `authenticate` already refuses a patient token without a patient id.
    let patient_id = principal.patient_id.map(PatientId).ok_or_else(unauthorized)?;
    Ok(PatientPrincipal { principal, patient_id })
}

async fn check_therapist(req: &Request, bearer: Bearer) -> poem::Result<Principal> {
    authenticate(req, &bearer.token, &[Role::Therapist, Role::Admin]).await
}

async fn check_admin(req: &Request, bearer: Bearer) -> poem::Result<Principal> {
    authenticate(req, &bearer.token, &[Role::Admin]).await
}

async fn check_any(req: &Request, bearer: Bearer) -> poem::Result<Principal> {
    authenticate(req, &bearer.token, &[Role::Admin, Role::Therapist, Role::Patient]).await
}

/// A database failure while checking a token answers like one in a handler: 503 with
/// `Retry-After` when the database is unreachable, else a 500 that says nothing.
fn db_failure(err: sea_orm::DbErr) -> poem::Error {
    poem::Error::from_response(poem::IntoResponse::into_response(crate::error::ApiError::from(err)))
}

fn unauthorized() -> poem::Error {
    poem::Error::from_string("missing, expired or invalid access token", StatusCode::UNAUTHORIZED)
}

async fn authenticate(req: &Request, token: &str, allowed: &[Role]) -> poem::Result<Principal> {
    let state = req.data::<AppState>().expect("AppState is attached to every route");
    let now = state.now();
    let claims = state.jwt.verify(token, now).map_err(|_| unauthorized())?;
    let user = match state.live_sessions.get(claims.sid, claims.sub) {
        Some(user) => user,
        None => {
            let generation = state.live_sessions.generation();
            let user = live_account(state, claims.sid, claims.sub).await?;
            state.live_sessions.remember(claims.sid, user.id, &user, generation);
            user
        }
    };
    if user.disabled_at.is_some() || user.role != claims.role || user.clinic_id != claims.cid {
        return Err(unauthorized());
    }
    if claims.role == Role::Patient && claims.pid.is_none() {
        return Err(unauthorized());
    }
    let address = req.extensions().get::<crate::client_addr::ClientAddr>().map(|a| a.0);
    if let Some(retry_after) = state.rate_limits.check_user(user.id, address) {
        let limited = crate::error::ApiError::rate_limited(retry_after);
        return Err(poem::Error::from_response(poem::IntoResponse::into_response(limited)));
    }
    let principal = Principal {
        user_id: user.id,
        clinic_id: user.clinic_id,
        role: user.role,
        patient_id: claims.pid,
        account: user,
        session_id: claims.sid,
    };
    if !allowed.contains(&principal.role) {
        let event = audit::Event::by(&principal, AuditAction::AuthorizationRefused)
            .resource(format!("{} {}", req.method(), req.uri().path()))
            .outcome(audit::Outcome::Denied);
        audit::record(&state.db, now, event).await.map_err(db_failure)?;
        return Err(poem::Error::from_string("this role may not use this operation", StatusCode::FORBIDDEN));
    }
    Ok(principal)
}

/// One query: the account, only while the login session `sid` is live (a logout or
/// password change revokes the session's refresh tokens).
async fn live_account(state: &AppState, sid: Uuid, user_id: Uuid) -> poem::Result<user::Model> {
    let live_session = Query::select()
        .expr(Expr::val(1))
        .from(refresh_token::Entity)
        .and_where(refresh_token::Column::FamilyId.eq(sid))
        .and_where(refresh_token::Column::UserId.eq(user_id))
        .and_where(refresh_token::Column::RevokedAt.is_null())
        .to_owned();
    user::Entity::find_by_id(user_id)
        .filter(Expr::exists(live_session))
        .one(&state.db)
        .await
        .map_err(db_failure)?
        .ok_or_else(unauthorized)
}

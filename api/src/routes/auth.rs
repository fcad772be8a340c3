//! `/api/v1/auth/...`: sessions, invites and passwords.

use poem::{Request, web::Data};
use poem_openapi::{ApiResponse, Object, OpenApi, payload::Json, types::Example};

use super::{ApiTags, NoContent, mfa_challenge::MfaChallengeDto, text::Text};
use crate::{
    auth::UserAuth,
    client_addr,
    domain::NewPassword,
    error::ApiError,
    services::{
        my_sessions,
        sessions::{self, LoginOutcome, SessionError, TokenPair},
    },
    state::AppState,
};

#[derive(Debug, Object)]
#[oai(deny_unknown_fields, example)]
pub struct LoginRequest {
    #[oai(validator(max_length = 254))]
    pub email: Text,
    #[oai(validator(max_length = 1024))]
    pub password: Text,
}

impl Example for LoginRequest {
    fn example() -> Self {
        Self { email: "maria.keller@example.org".into(), password: "heron-shoulder-blade-42".into() }
    }
}

#[derive(Debug, Object)]
#[oai(example)]
pub struct TokenResponse {
    /// ES256 JWT to send as `Authorization: Bearer ...`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// Opaque token for `POST /api/v1/auth/refresh`; single use, rotated every time.
    pub refresh_token: String,
}

impl Example for TokenResponse {
    fn example() -> Self {
        Self {
            access_token: "eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIwMTkzYTViMi00YzAwLTcwMDAtODAwMC0wMDAwMDAwMDAwYjEiLCJleHAiOjE3OTYwMjc0MDB9.VwfA7QlO3pgsPuZHu8EFIzdbuLlzIyt89jM54usR-ZBZ7-HuGP7dTm-ACT95Z-uMuL7UJm1-KFaLh3szlX_Tqw".into(),
            token_type: "Bearer".into(),
            expires_in: 900,
            refresh_token: "eE07Ynb5-fVbWlc2uvdNCm1KM58k_kmj77aNf_Aq8oQ".into(),
        }
    }
}

impl From<TokenPair> for TokenResponse {
    fn from(p: TokenPair) -> Self {
        Self {
            access_token: p.access_token,
            token_type: "Bearer".into(),
            expires_in: p.expires_in,
            refresh_token: p.refresh_token,
        }
    }
}

/// The answer to a correct password.
#[derive(ApiResponse)]
pub enum LoginResponse {
    /// Logged in.
    #[oai(status = 200)]
    Tokens(Json<TokenResponse>),
    /// Password accepted; a second step is needed first (`next` says which).
    #[oai(status = 202)]
    SecondStep(Json<MfaChallengeDto>),
}

#[derive(Debug, Object)]
#[oai(deny_unknown_fields, example)]
pub struct RefreshRequest {
    #[oai(validator(max_length = 200))]
    pub refresh_token: Text,
}

impl Example for RefreshRequest {
    fn example() -> Self {
        Self { refresh_token: "eE07Ynb5-fVbWlc2uvdNCm1KM58k_kmj77aNf_Aq8oQ".into() }
    }
}

#[derive(Debug, Object)]
#[oai(deny_unknown_fields, example)]
pub struct AcceptInviteRequest {
    /// The token from the invite link.
    #[oai(validator(max_length = 200))]
    pub token: Text,
    /// 10 to 128 characters.
    #[oai(validator(max_length = 1024, min_length = 10))]
    pub password: Text,
}

impl Example for AcceptInviteRequest {
    fn example() -> Self {
        Self { token: "1mAZvQjQlVBlRLgoCBh-ICUQXXTNAYlAWgW42_ljCJ8".into(), password: "heron-shoulder-blade-42".into() }
    }
}

#[derive(Debug, Object)]
#[oai(deny_unknown_fields, example)]
pub struct ChangePasswordRequest {
    #[oai(validator(max_length = 1024))]
    pub current_password: Text,
    #[oai(validator(max_length = 1024, min_length = 10))]
    pub new_password: Text,
}

impl Example for ChangePasswordRequest {
    fn example() -> Self {
        Self { current_password: "heron-shoulder-blade-42".into(), new_password: "quiet-lamp-chin-tuck-7".into() }
    }
}

impl From<SessionError> for ApiError {
    fn from(err: SessionError) -> Self {
        match err {
            SessionError::InvalidCredentials | SessionError::InvalidRefreshToken => {
                ApiError::unauthorized(err.to_string())
            }
            SessionError::Throttled { retry_after_secs } => ApiError::too_many_requests(retry_after_secs),
            SessionError::WrongCurrentPassword => ApiError::invalid("current_password", "is wrong"),
            SessionError::InviteNotFound => ApiError::not_found("invite"),
            SessionError::InviteExpired => ApiError::invalid("token", "this invite has expired; ask for a new one"),
            SessionError::InviteUsed => ApiError::conflict("this invite has already been used"),
            SessionError::InviteRevoked => ApiError::conflict("this invite was withdrawn; ask for a new one"),
            SessionError::EmailTaken => ApiError::conflict(err.to_string()),
            SessionError::Db(e) => e.into(),
        }
    }
}

pub(super) fn new_password(field: &str, raw: &str) -> Result<NewPassword, ApiError> {
    NewPassword::parse(raw).map_err(|e| ApiError::invalid(field, e.0))
}

pub struct AuthApi;

/// Notes the device and address a new login session came from, for `GET /me/sessions`.
/// Every route that hands out a new session's tokens calls it.
pub(super) async fn remember_device(state: &AppState, req: &Request, pair: &TokenPair) -> Result<(), ApiError> {
    let agent = req.headers().get(poem::http::header::USER_AGENT).and_then(|v| v.to_str().ok());
    let address = client_addr::text_of(req);
    my_sessions::record_origin(&state.db, state.now(), &pair.refresh_token, agent, &address).await?;
    Ok(())
}

#[OpenApi(prefix_path = "/api/v1/auth", tag = "ApiTags::Auth")]
impl AuthApi {
    /// Log in with email and password: the tokens, or (202) a challenge for a second step.
    #[oai(path = "/login", method = "post", operation_id = "create_session")]
    async fn create_session(
        &self,
        state: Data<&AppState>,
        req: &Request,
        body: Json<LoginRequest>,
    ) -> Result<LoginResponse, ApiError> {
        let address = client_addr::text_of(req);
        let LoginRequest { email, password } = body.0;
        Ok(match sessions::login(&state, &email, password.into(), &address).await? {
            LoginOutcome::Tokens(pair) => {
                remember_device(&state, req, &pair).await?;
                LoginResponse::Tokens(Json(pair.into()))
            }
            LoginOutcome::SecondStep(challenge) => LoginResponse::SecondStep(Json(challenge.into())),
        })
    }

    /// Trade a refresh token for a new token pair. Each refresh token works once.
    #[oai(path = "/refresh", method = "post", operation_id = "refresh_session")]
    async fn refresh_session(
        &self,
        state: Data<&AppState>,
        body: Json<RefreshRequest>,
    ) -> Result<Json<TokenResponse>, ApiError> {
        Ok(Json(sessions::refresh(&state, &body.refresh_token).await?.into()))
    }

    /// Log out: the refresh token and every token rotated from the same login stop working.
    #[oai(path = "/logout", method = "post", operation_id = "delete_session")]
    async fn delete_session(&self, state: Data<&AppState>, body: Json<RefreshRequest>) -> Result<NoContent, ApiError> {
        sessions::logout(&state, &body.refresh_token).await?;
        Ok(NoContent::Done)
    }

    /// Accept an invite by choosing a password; creates the account and logs it in.
    #[oai(path = "/invites/accept", method = "post", operation_id = "accept_invite")]
    async fn accept_invite(
        &self,
        state: Data<&AppState>,
        req: &Request,
        body: Json<AcceptInviteRequest>,
    ) -> Result<Json<TokenResponse>, ApiError> {
        let password = new_password("password", &body.password)?;
        let pair = sessions::accept_invite(&state, &body.token, &password).await?;
        remember_device(&state, req, &pair).await?;
        Ok(Json(pair.into()))
    }

    /// Change your password. Every session ends, this one too: log in again afterwards.
    #[oai(path = "/password", method = "post", operation_id = "change_password")]
    async fn change_password(
        &self,
        state: Data<&AppState>,
        auth: UserAuth,
        body: Json<ChangePasswordRequest>,
    ) -> Result<NoContent, ApiError> {
        let new = new_password("new_password", &body.new_password)?;
        sessions::change_password(&state, &auth.0, body.0.current_password.into(), &new).await?;
        Ok(NoContent::Done)
    }
}

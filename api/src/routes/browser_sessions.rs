//! `/api/v1/auth/browser/...`: sessions for the web app served by this binary.
//!
//! The same login (with its second step or a required TOTP enrolment), invite acceptance and refresh as `auth.rs` and
//! `mfa.rs`, but the refresh token never reaches script:
//! it travels in the `fascia_refresh` cookie (`HttpOnly; Secure; SameSite=Strict`,
//! scoped to `/api/v1/auth`), and the JSON carries only the short-lived access token,
//! which the app keeps in memory. Invariant: every operation here refuses a request that
//! lacks the `X-Fascia-Client: web` header or comes from another origin, so a cross-site
//! form or script can neither log a victim in nor spend or end their session.

use poem::{Request, http::HeaderMap, web::Data};
use poem_openapi::{ApiResponse, Object, OpenApi, payload::Json, types::Example};

use super::{
    ApiTags,
    auth::{AcceptInviteRequest, LoginRequest, new_password},
    mfa::{CompleteMfaRequest, ConfirmEnrolmentRequest, at_login, proof},
    mfa_challenge::MfaChallengeDto,
};
use crate::{
    error::{ApiError, ErrorBody},
    services::{
        mfa,
        sessions::{self, LoginOutcome, TokenPair},
    },
    state::AppState,
};

/// The cookie that holds a browser's refresh token.
pub const REFRESH_COOKIE: &str = "fascia_refresh";
const COOKIE_PATH: &str = "/api/v1/auth";
/// The header the web app sends on every session call; a plain cross-site form cannot
/// set it, and a cross-site script would need a CORS preflight this server refuses.
pub const CLIENT_HEADER: &str = "x-fascia-client";

#[derive(Debug, Object)]
#[oai(example)]
pub struct BrowserSession {
    /// ES256 JWT to send as `Authorization: Bearer ...`; keep it in memory only.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires; refresh before then.
    pub expires_in: i64,
}

impl Example for BrowserSession {
    fn example() -> Self {
        Self { access_token: "eyJhbGciOiJFUzI1NiJ9.e30.c2ln".into(), token_type: "Bearer".into(), expires_in: 900 }
    }
}

#[derive(ApiResponse)]
pub enum BrowserSessionResponse {
    /// Signed in: the refresh token is in the `fascia_refresh` cookie.
    #[oai(status = 200)]
    Ok(Json<BrowserSession>, #[oai(header = "Set-Cookie")] String),
    /// Password accepted; the account needs a second step first (`complete_browser_mfa`).
    #[oai(status = 202)]
    SecondStep(Json<MfaChallengeDto>),
}

#[derive(ApiResponse)]
pub enum BrowserSignedIn {
    /// Signed in: the refresh token is in the `fascia_refresh` cookie.
    #[oai(status = 200)]
    Ok(Json<BrowserSession>, #[oai(header = "Set-Cookie")] String),
}

/// A finished enrolment: the recovery codes, shown once, and the access token of the login
/// it completed. Unlike `confirm_mfa_enrolment` the refresh token stays in the cookie.
#[derive(Debug, Object)]
pub struct BrowserEnrolled {
    /// Ten single-use recovery codes. Shown once: keep them safe.
    pub recovery_codes: Vec<String>,
    pub session: BrowserSession,
}

#[derive(ApiResponse)]
pub enum BrowserEnrolledResponse {
    /// Enrolled and signed in: the refresh token is in the `fascia_refresh` cookie.
    #[oai(status = 200)]
    Ok(Json<BrowserEnrolled>, #[oai(header = "Set-Cookie")] String),
}

#[derive(ApiResponse)]
pub enum BrowserLogoutResponse {
    /// Signed out: the session is revoked and the cookie cleared.
    #[oai(status = 204)]
    Done(#[oai(header = "Set-Cookie")] String),
}

fn set_cookie(token: &str, max_age_secs: u64) -> String {
    format!("{REFRESH_COOKIE}={token}; Path={COOKIE_PATH}; Max-Age={max_age_secs}; HttpOnly; Secure; SameSite=Strict")
}

/// The access token for the JSON and the refresh token for the cookie.
fn signed_in(state: &AppState, pair: TokenPair) -> (Json<BrowserSession>, String) {
    let cookie = set_cookie(&pair.refresh_token, state.settings.refresh_idle_ttl.as_secs());
    let session =
        BrowserSession { access_token: pair.access_token, token_type: "Bearer".into(), expires_in: pair.expires_in };
    (Json(session), cookie)
}

fn answer(state: &AppState, pair: TokenPair) -> BrowserSessionResponse {
    let (session, cookie) = signed_in(state, pair);
    BrowserSessionResponse::Ok(session, cookie)
}

/// True when the request comes from the web app on this server's own origin.
pub fn is_same_origin_app(headers: &HeaderMap, public_url: &str) -> bool {
    let value = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if value(CLIENT_HEADER) != Some("web") {
        return false;
    }
    // Browsers always send these on a fetch POST; other tools that add the header on
    // purpose may leave them out, and they cannot carry a victim's cookie anyway.
    if value("sec-fetch-site").is_some_and(|site| site != "same-origin") {
        return false;
    }
    match value("origin") {
        None => true,
        Some(origin) => {
            let own_host = value("host").map(|host| [format!("http://{host}"), format!("https://{host}")]);
            origin == public_url || own_host.is_some_and(|own| own.iter().any(|o| o == origin))
        }
    }
}

fn require_app(req: &Request, state: &AppState) -> Result<(), ApiError> {
    if is_same_origin_app(req.headers(), &state.settings.public_url) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(Json(ErrorBody::new(
            "forbidden",
            "browser sessions need the X-Fascia-Client: web header from this server's own origin",
        ))))
    }
}

/// The refresh token from the `fascia_refresh` cookie, if the request has one.
fn refresh_cookie(req: &Request) -> Option<String> {
    req.headers()
        .get_all("cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == REFRESH_COOKIE)
        .map(|(_, value)| value.to_owned())
        .filter(|v| !v.is_empty() && v.len() <= 200)
}

pub struct BrowserSessionsApi;

#[OpenApi(prefix_path = "/api/v1/auth/browser", tag = "ApiTags::Auth")]
impl BrowserSessionsApi {
    /// Web app login: returns an access token and sets the refresh token as an HttpOnly cookie. Send `X-Fascia-Client: web`.
    #[oai(path = "/login", method = "post", operation_id = "create_browser_session")]
    async fn create_browser_session(
        &self,
        state: Data<&AppState>,
        req: &Request,
        body: Json<LoginRequest>,
    ) -> Result<BrowserSessionResponse, ApiError> {
        require_app(req, &state)?;
        let address = crate::client_addr::text_of(req);
        let LoginRequest { email, password } = body.0;
        Ok(match sessions::login(&state, &email, password.into(), &address).await? {
            LoginOutcome::Tokens(pair) => {
                super::auth::remember_device(&state, req, &pair).await?;
                answer(&state, pair)
            }
            LoginOutcome::SecondStep(challenge) => BrowserSessionResponse::SecondStep(Json(challenge.into())),
        })
    }

    /// Web app refresh: trades the `fascia_refresh` cookie for a new access token and a new cookie. Send `X-Fascia-Client: web`.
    #[oai(path = "/refresh", method = "post", operation_id = "refresh_browser_session")]
    async fn refresh_browser_session(
        &self,
        state: Data<&AppState>,
        req: &Request,
    ) -> Result<BrowserSessionResponse, ApiError> {
        require_app(req, &state)?;
        let token = refresh_cookie(req).ok_or_else(|| ApiError::unauthorized("no browser session"))?;
        let pair = sessions::refresh(&state, &token).await?;
        Ok(answer(&state, pair))
    }

    /// Web app invite: choose a password, and the new account is signed in with the refresh token as an HttpOnly cookie. Send `X-Fascia-Client: web`.
    #[oai(path = "/invites/accept", method = "post", operation_id = "accept_browser_invite")]
    async fn accept_browser_invite(
        &self,
        state: Data<&AppState>,
        req: &Request,
        body: Json<AcceptInviteRequest>,
    ) -> Result<BrowserSignedIn, ApiError> {
        // The origin check comes first: a cross-site page must not be able to spend
        // someone's invite link, even with a password of its own choosing.
        require_app(req, &state)?;
        let password = new_password("password", &body.password)?;
        let pair = sessions::accept_invite(&state, &body.token, &password).await?;
        super::auth::remember_device(&state, req, &pair).await?;
        let (session, cookie) = signed_in(&state, pair);
        Ok(BrowserSignedIn::Ok(session, cookie))
    }

    /// Web app second step: the login's challenge and a code (or a recovery code) sign in, with the refresh token as an HttpOnly cookie. Send `X-Fascia-Client: web`.
    #[oai(path = "/mfa", method = "post", operation_id = "complete_browser_mfa")]
    async fn complete_browser_mfa(
        &self,
        state: Data<&AppState>,
        req: &Request,
        body: Json<CompleteMfaRequest>,
    ) -> Result<BrowserSignedIn, ApiError> {
        // As for the login: a cross-site page must not be able to finish someone's
        // sign-in and plant its session in their browser.
        require_app(req, &state)?;
        let CompleteMfaRequest { challenge, code, recovery_code } = body.0;
        let proof = proof(code, recovery_code)?;
        let address = crate::client_addr::text_of(req);
        let pair = mfa::complete_login(&state, &challenge, &proof, &address).await.map_err(at_login)?;
        super::auth::remember_device(&state, req, &pair).await?;
        let (session, cookie) = signed_in(&state, pair);
        Ok(BrowserSignedIn::Ok(session, cookie))
    }

    /// Web app enrolment for a login that answered `next: enrol_totp` (secret from `start_mfa_enrolment`): a current code confirms it and signs in, with the refresh token as an HttpOnly cookie. Send `X-Fascia-Client: web`.
    #[oai(path = "/mfa/enrolment/confirm", method = "post", operation_id = "confirm_browser_mfa_enrolment")]
    async fn confirm_browser_mfa_enrolment(
        &self,
        state: Data<&AppState>,
        req: &Request,
        body: Json<ConfirmEnrolmentRequest>,
    ) -> Result<BrowserEnrolledResponse, ApiError> {
        // As for the second step: only this server's own app may finish a sign-in here,
        // because the answer plants a session cookie.
        require_app(req, &state)?;
        let address = crate::client_addr::text_of(req);
        let (recovery_codes, pair) =
            mfa::confirm_by_challenge(&state, &body.challenge, &body.code, &address).await.map_err(at_login)?;
        super::auth::remember_device(&state, req, &pair).await?;
        let (session, cookie) = signed_in(&state, pair);
        Ok(BrowserEnrolledResponse::Ok(Json(BrowserEnrolled { recovery_codes, session: session.0 }), cookie))
    }

    /// Web app logout: revokes the session in the `fascia_refresh` cookie and clears it. Send `X-Fascia-Client: web`.
    #[oai(path = "/logout", method = "post", operation_id = "delete_browser_session")]
    async fn delete_browser_session(
        &self,
        state: Data<&AppState>,
        req: &Request,
    ) -> Result<BrowserLogoutResponse, ApiError> {
        require_app(req, &state)?;
        if let Some(token) = refresh_cookie(req) {
            sessions::logout(&state, &token).await?;
        }
        Ok(BrowserLogoutResponse::Done(set_cookie("", 0)))
    }
}

#[cfg(test)]
mod tests {
    use poem::http::HeaderValue;

    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    const PUBLIC: &str = "https://clinic.example.org";

    #[test]
    fn the_app_on_its_own_host_is_accepted() {
        let h = headers(&[
            ("x-fascia-client", "web"),
            ("host", "127.0.0.1:8080"),
            ("origin", "http://127.0.0.1:8080"),
            ("sec-fetch-site", "same-origin"),
        ]);
        assert!(is_same_origin_app(&h, PUBLIC));
    }

    #[test]
    fn the_public_url_is_an_accepted_origin() {
        let h =
            headers(&[("x-fascia-client", "web"), ("host", "10.0.0.5:8080"), ("origin", "https://clinic.example.org")]);
        assert!(is_same_origin_app(&h, PUBLIC));
    }

    #[test]
    fn a_request_without_the_client_header_is_refused() {
        let h = headers(&[("host", "127.0.0.1:8080"), ("origin", "http://127.0.0.1:8080")]);
        assert!(!is_same_origin_app(&h, PUBLIC));
    }

    #[test]
    fn another_origin_is_refused_even_with_the_header() {
        let h = headers(&[("x-fascia-client", "web"), ("host", "127.0.0.1:8080"), ("origin", "https://evil.example")]);
        assert!(!is_same_origin_app(&h, PUBLIC));
    }

    #[test]
    fn a_cross_site_fetch_is_refused() {
        let h = headers(&[("x-fascia-client", "web"), ("sec-fetch-site", "cross-site")]);
        assert!(!is_same_origin_app(&h, PUBLIC));
    }
}

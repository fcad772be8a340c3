//! Two-factor authentication: TOTP enrolment and removal under `/me/mfa`, the second
//! login step under `/auth/mfa`, and the clinic's MFA policy under `/clinic`.
//!
//! A login that needs a second step answers 202 with a challenge (see `create_session`):
//! `next: totp` means send a code (or a recovery code) to `complete_mfa_login`;
//! `next: enrol_totp` means the clinic requires MFA and this account has none yet, so
//! `start_mfa_enrolment` and `confirm_mfa_enrolment` enrol it with the challenge alone
//! and then log it in. Secrets and recovery codes are shown once and never again.

use poem::{Request, web::Data};
use poem_openapi::{Object, OpenApi, payload::Json, types::Example};

use super::{ApiTags, NoContent, auth::TokenResponse, text::Text};
use crate::{
    auth::{AdminAuth, UserAuth},
    client_addr,
    error::ApiError,
    services::{
        mfa::{self, Enrolment, MfaError, Proof, Status},
        mfa_policy,
    },
    state::AppState,
};

impl From<MfaError> for ApiError {
    fn from(err: MfaError) -> Self {
        match err {
            MfaError::NotEnrolled
            | MfaError::AlreadyEnrolled
            | MfaError::NoPendingEnrolment
            | MfaError::RequiredByClinic => ApiError::conflict(err.to_string()),
            MfaError::WrongCode => ApiError::invalid("code", "is wrong or was already used"),
            MfaError::Throttled { retry_after_secs } => ApiError::too_many_requests(retry_after_secs),
            MfaError::InvalidChallenge => ApiError::unauthorized(err.to_string()),
            MfaError::Stored(e) => ApiError::internal(&e),
            MfaError::Db(e) => e.into(),
        }
    }
}

/// At login a wrong code is a failed authentication, not a bad field.
pub(super) fn at_login(err: MfaError) -> ApiError {
    match err {
        MfaError::WrongCode => ApiError::unauthorized("invalid code"),
        err => err.into(),
    }
}

#[derive(Debug, Object)]
#[oai(example)]
pub struct TotpEnrolmentDto {
    /// The base32 secret, for typing into an authenticator app by hand. Shown once.
    pub secret: String,
    /// `otpauth://` URI to show as a QR code.
    pub provisioning_uri: String,
}

impl Example for TotpEnrolmentDto {
    fn example() -> Self {
        Self {
            secret: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP".into(),
            provisioning_uri: "otpauth://totp/Fascia%20%28Clinic%20One%29:maria.keller%40example.org?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Fascia%20%28Clinic%20One%29".into(),
        }
    }
}

impl From<Enrolment> for TotpEnrolmentDto {
    fn from(e: Enrolment) -> Self {
        Self { secret: e.secret, provisioning_uri: e.provisioning_uri }
    }
}

#[derive(Debug, Object)]
#[oai(deny_unknown_fields, example)]
pub struct TotpCodeRequest {
    /// The six digits the authenticator app shows now.
    #[oai(validator(max_length = 16))]
    pub code: Text,
}

impl Example for TotpCodeRequest {
    fn example() -> Self {
        Self { code: "492039".into() }
    }
}

#[derive(Debug, Object)]
#[oai(example)]
pub struct RecoveryCodesDto {
    /// Ten single-use codes for when the authenticator is lost. Shown once: keep them safe.
    pub recovery_codes: Vec<String>,
}

impl Example for RecoveryCodesDto {
    fn example() -> Self {
        Self { recovery_codes: vec!["k7m2p-x9q4r".into(), "b3n8t-w2h6d".into()] }
    }
}

#[derive(Debug, Object)]
#[oai(deny_unknown_fields, example)]
pub struct MfaProofRequest {
    /// A current authenticator code; give this or `recovery_code`.
    #[oai(validator(max_length = 16))]
    pub code: Option<Text>,
    /// One of the recovery codes (dashes and case do not matter).
    #[oai(validator(max_length = 32))]
    pub recovery_code: Option<Text>,
}

impl Example for MfaProofRequest {
    fn example() -> Self {
        Self { code: Some("492039".into()), recovery_code: None }
    }
}

pub(super) fn proof(code: Option<Text>, recovery_code: Option<Text>) -> Result<Proof, ApiError> {
    match (code, recovery_code) {
        (Some(code), None) => Ok(Proof::Code(code.into_string())),
        (None, Some(code)) => Ok(Proof::RecoveryCode(code.into_string())),
        _ => Err(ApiError::invalid("code", "give exactly one of code and recovery_code")),
    }
}

#[derive(Debug, Object)]
#[oai(deny_unknown_fields, example)]
pub struct CompleteMfaRequest {
    /// The challenge from the login answer.
    #[oai(validator(max_length = 100))]
    pub challenge: Text,
    /// A current authenticator code; give this or `recovery_code`.
    #[oai(validator(max_length = 16))]
    pub code: Option<Text>,
    /// One of the recovery codes; each works once.
    #[oai(validator(max_length = 32))]
    pub recovery_code: Option<Text>,
}

impl Example for CompleteMfaRequest {
    fn example() -> Self {
        Self {
            challenge: "q3dV0yB6m1kqT2cA9fX7nR4pL8sW5hJ0eG2uK6oY1zM".into(),
            code: Some("492039".into()),
            recovery_code: None,
        }
    }
}

#[derive(Debug, Object)]
#[oai(deny_unknown_fields, example)]
pub struct ChallengeRequest {
    /// The `enrol_totp` challenge from the login answer.
    #[oai(validator(max_length = 100))]
    pub challenge: Text,
}

impl Example for ChallengeRequest {
    fn example() -> Self {
        Self { challenge: "q3dV0yB6m1kqT2cA9fX7nR4pL8sW5hJ0eG2uK6oY1zM".into() }
    }
}

#[derive(Debug, Object)]
#[oai(deny_unknown_fields, example)]
pub struct ConfirmEnrolmentRequest {
    /// The `enrol_totp` challenge from the login answer.
    #[oai(validator(max_length = 100))]
    pub challenge: Text,
    /// The six digits the authenticator app shows now.
    #[oai(validator(max_length = 16))]
    pub code: Text,
}

impl Example for ConfirmEnrolmentRequest {
    fn example() -> Self {
        Self { challenge: "q3dV0yB6m1kqT2cA9fX7nR4pL8sW5hJ0eG2uK6oY1zM".into(), code: "492039".into() }
    }
}

#[derive(Debug, Object)]
pub struct EnrolledSessionDto {
    /// Ten single-use recovery codes. Shown once: keep them safe.
    pub recovery_codes: Vec<String>,
    /// The tokens of the login the enrolment finished.
    pub session: TokenResponse,
}

#[derive(Debug, Object)]
pub struct MfaStatusDto {
    /// An authenticator app is enrolled and asked for at login.
    pub totp_enabled: bool,
    /// Recovery codes not yet used.
    pub recovery_codes_left: u64,
    /// The clinic requires MFA of this account (staff only), so it cannot be turned off.
    pub required_by_clinic: bool,
}

impl From<Status> for MfaStatusDto {
    fn from(s: Status) -> Self {
        Self {
            totp_enabled: s.totp_enabled,
            recovery_codes_left: s.recovery_codes_left,
            required_by_clinic: s.required,
        }
    }
}

#[derive(Debug, Object)]
#[oai(deny_unknown_fields, example)]
pub struct MfaPolicyDto {
    /// Therapists and admins must use an authenticator app to log in.
    pub staff_required: bool,
}

impl Example for MfaPolicyDto {
    fn example() -> Self {
        Self { staff_required: true }
    }
}

pub struct MfaApi;

#[OpenApi(prefix_path = "/api/v1")]
impl MfaApi {
    /// Your two-factor status: enrolled or not, recovery codes left, required by the clinic.
    #[oai(path = "/me/mfa", method = "get", operation_id = "get_mfa_status", tag = "ApiTags::Me")]
    async fn get_mfa_status(&self, state: Data<&AppState>, auth: UserAuth) -> Result<Json<MfaStatusDto>, ApiError> {
        Ok(Json(mfa::status(&state, &auth.0).await?.into()))
    }

    /// Start enrolling an authenticator app: returns a new secret and its QR URI (not active until confirmed).
    #[oai(path = "/me/mfa/totp", method = "post", operation_id = "enrol_totp", tag = "ApiTags::Me")]
    async fn enrol_totp(&self, state: Data<&AppState>, auth: UserAuth) -> Result<Json<TotpEnrolmentDto>, ApiError> {
        Ok(Json(mfa::enrol(&state, &auth.0.account).await?.into()))
    }

    /// Confirm enrolment with a current code; turns MFA on and returns ten recovery codes, once.
    #[oai(path = "/me/mfa/totp/confirm", method = "post", operation_id = "confirm_totp", tag = "ApiTags::Me")]
    async fn confirm_totp(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: UserAuth,
        body: Json<TotpCodeRequest>,
    ) -> Result<Json<RecoveryCodesDto>, ApiError> {
        let address = client_addr::text_of(req);
        let codes = mfa::confirm(&state, &auth.0.account, &body.code, &address).await?;
        Ok(Json(RecoveryCodesDto { recovery_codes: codes }))
    }

    /// Turn MFA off with a current code or a recovery code; the recovery codes stop working too.
    #[oai(path = "/me/mfa/totp/disable", method = "post", operation_id = "disable_totp", tag = "ApiTags::Me")]
    async fn disable_totp(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: UserAuth,
        body: Json<MfaProofRequest>,
    ) -> Result<NoContent, ApiError> {
        let MfaProofRequest { code, recovery_code } = body.0;
        let proof = proof(code, recovery_code)?;
        mfa::disable(&state, &auth.0.account, &proof, &client_addr::text_of(req)).await?;
        Ok(NoContent::Done)
    }

    /// Finish a login that answered `next: totp`: the challenge plus a code or a recovery code give the tokens.
    #[oai(path = "/auth/mfa", method = "post", operation_id = "complete_mfa_login", tag = "ApiTags::Auth")]
    async fn complete_mfa_login(
        &self,
        state: Data<&AppState>,
        req: &Request,
        body: Json<CompleteMfaRequest>,
    ) -> Result<Json<TokenResponse>, ApiError> {
        let CompleteMfaRequest { challenge, code, recovery_code } = body.0;
        let proof = proof(code, recovery_code)?;
        let pair =
            mfa::complete_login(&state, &challenge, &proof, &client_addr::text_of(req)).await.map_err(at_login)?;
        super::auth::remember_device(&state, req, &pair).await?;
        Ok(Json(pair.into()))
    }

    /// For a login that answered `next: enrol_totp`: a new authenticator secret and its QR URI.
    #[oai(path = "/auth/mfa/enrolment", method = "post", operation_id = "start_mfa_enrolment", tag = "ApiTags::Auth")]
    async fn start_mfa_enrolment(
        &self,
        state: Data<&AppState>,
        body: Json<ChallengeRequest>,
    ) -> Result<Json<TotpEnrolmentDto>, ApiError> {
        Ok(Json(mfa::enrol_by_challenge(&state, &body.challenge).await.map_err(at_login)?.into()))
    }

    /// Confirm that enrolment with a current code: returns the recovery codes, once, and the login's tokens.
    #[oai(
        path = "/auth/mfa/enrolment/confirm",
        method = "post",
        operation_id = "confirm_mfa_enrolment",
        tag = "ApiTags::Auth"
    )]
    async fn confirm_mfa_enrolment(
        &self,
        state: Data<&AppState>,
        req: &Request,
        body: Json<ConfirmEnrolmentRequest>,
    ) -> Result<Json<EnrolledSessionDto>, ApiError> {
        let address = client_addr::text_of(req);
        let (codes, pair) =
            mfa::confirm_by_challenge(&state, &body.challenge, &body.code, &address).await.map_err(at_login)?;
        super::auth::remember_device(&state, req, &pair).await?;
        Ok(Json(EnrolledSessionDto { recovery_codes: codes, session: pair.into() }))
    }

    /// Whether the clinic requires MFA of its therapists and admins.
    #[oai(path = "/clinic/mfa-policy", method = "get", operation_id = "get_mfa_policy", tag = "ApiTags::Clinic")]
    async fn get_mfa_policy(&self, state: Data<&AppState>, auth: AdminAuth) -> Result<Json<MfaPolicyDto>, ApiError> {
        Ok(Json(MfaPolicyDto { staff_required: mfa_policy::staff_required(&state.db, auth.0.clinic()).await? }))
    }

    /// Require (or stop requiring) MFA of staff; staff without it are asked to enrol at their next login.
    #[oai(path = "/clinic/mfa-policy", method = "put", operation_id = "update_mfa_policy", tag = "ApiTags::Clinic")]
    async fn update_mfa_policy(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        body: Json<MfaPolicyDto>,
    ) -> Result<Json<MfaPolicyDto>, ApiError> {
        let staff_required = mfa_policy::set(&state.db, state.now(), &auth.0, body.staff_required).await?;
        Ok(Json(MfaPolicyDto { staff_required }))
    }
}

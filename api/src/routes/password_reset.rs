//! `/api/v1/auth/password-resets`: forgotten passwords, by email.

use poem::{Request, web::Data};
use poem_openapi::{ApiResponse, Object, OpenApi, payload::Json, types::Example};

use super::{ApiTags, NoContent, text::Text};
use crate::{
    domain::NewPassword,
    error::ApiError,
    services::password_reset::{self, ResetError},
    state::AppState,
};

#[derive(Debug, Object)]
#[oai(deny_unknown_fields, example)]
pub struct PasswordResetRequest {
    /// The account's email address.
    #[oai(validator(max_length = 254))]
    pub email: Text,
}

impl Example for PasswordResetRequest {
    fn example() -> Self {
        Self { email: "maria.keller@example.org".into() }
    }
}

#[derive(Debug, Object)]
#[oai(deny_unknown_fields, example)]
pub struct ConfirmPasswordResetRequest {
    /// The token from the reset link.
    #[oai(validator(max_length = 200))]
    pub token: Text,
    /// 10 to 128 characters.
    #[oai(validator(max_length = 1024, min_length = 10))]
    pub new_password: Text,
}

impl Example for ConfirmPasswordResetRequest {
    fn example() -> Self {
        Self {
            token: "Jq3v0c8wQy2XG9mZ1kT5rN7bH4dL6sP0aE8uW2iY5oC".into(),
            new_password: "quiet-lamp-chin-tuck-7".into(),
        }
    }
}

#[derive(ApiResponse)]
pub enum ResetRequested {
    /// Received. If the address belongs to an account, a link is on its way; the answer
    /// is the same either way.
    #[oai(status = 202)]
    Accepted,
}

impl From<ResetError> for ApiError {
    fn from(err: ResetError) -> Self {
        match err {
            ResetError::Throttled { retry_after_secs } => ApiError::too_many_requests(retry_after_secs),
            ResetError::NotFound => ApiError::not_found("reset link"),
            ResetError::Used => ApiError::conflict(err.to_string()),
            ResetError::Expired => ApiError::invalid("token", err.to_string()),
            ResetError::Db(e) => e.into(),
        }
    }
}

pub struct PasswordResetApi;

#[OpenApi(prefix_path = "/api/v1/auth/password-resets", tag = "ApiTags::Auth")]
impl PasswordResetApi {
    /// Forgot your password? Ask for a reset link by email (valid 30 minutes, once).
    #[oai(path = "/", method = "post", operation_id = "create_password_reset")]
    async fn create_password_reset(
        &self,
        state: Data<&AppState>,
        req: &Request,
        body: Json<PasswordResetRequest>,
    ) -> Result<ResetRequested, ApiError> {
        let address = crate::client_addr::text_of(req);
        password_reset::request(&state, &body.email, &address).await?;
        Ok(ResetRequested::Accepted)
    }

    /// Choose a new password with the token from the reset link; every device is signed out.
    #[oai(path = "/confirm", method = "post", operation_id = "confirm_password_reset")]
    async fn confirm_password_reset(
        &self,
        state: Data<&AppState>,
        body: Json<ConfirmPasswordResetRequest>,
    ) -> Result<NoContent, ApiError> {
        let new = NewPassword::parse(&body.new_password).map_err(|e| ApiError::invalid("new_password", e.0))?;
        password_reset::confirm(&state, &body.token, &new).await?;
        Ok(NoContent::Done)
    }
}

//! The answer to a password that was right but is not enough: a login that needs a
//! second step (`create_session`, `create_browser_session`) returns this challenge, and
//! the `/auth/mfa` operations take it back. Its own file so the login routes and the MFA
//! routes can both use it without depending on each other.

use entity::mfa_challenge::Purpose;
use poem_openapi::{Enum, Object, types::Example};

use crate::services::mfa::Challenge;

/// The step a login still needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum MfaNextStep {
    /// Send a code from the authenticator app, or a recovery code, to `POST /api/v1/auth/mfa`.
    Totp,
    /// The clinic requires MFA: enrol with `POST /api/v1/auth/mfa/enrolment`, then confirm.
    EnrolTotp,
}

#[derive(Debug, Object)]
#[oai(example)]
pub struct MfaChallengeDto {
    /// Single-use token for the second step; it is not an access token.
    pub challenge: String,
    pub next: MfaNextStep,
    /// Seconds the challenge stays usable.
    pub expires_in: i64,
}

impl Example for MfaChallengeDto {
    fn example() -> Self {
        Self {
            challenge: "q3dV0yB6m1kqT2cA9fX7nR4pL8sW5hJ0eG2uK6oY1zM".into(),
            next: MfaNextStep::Totp,
            expires_in: 300,
        }
    }
}

impl From<Challenge> for MfaChallengeDto {
    fn from(c: Challenge) -> Self {
        let next = match c.purpose {
            Purpose::Login => MfaNextStep::Totp,
            Purpose::Enrol => MfaNextStep::EnrolTotp,
        };
        Self { challenge: c.token, next, expires_in: c.expires_in }
    }
}

//! The one error type at the API edge and the one error body every 4xx/5xx carries.
//!
//! Handlers return [`ApiError`]; errors raised by poem itself (unknown routes, unreadable
//! bodies, failed authorization) are turned into the same body by [`error_response`].
//! A 500 never says what went wrong: the cause is logged next to the request id, which
//! the body also carries so support can find the log line.

use poem::http::StatusCode;
use poem_openapi::{ApiResponse, Object, payload::Json};
use sea_orm::{DbErr, SqlErr};

use crate::{request_id::current_request_id, store_error::StoreError};

#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ErrorBody {
    /// Stable machine-readable code, e.g. `validation_failed`, `not_found`.
    pub code: String,
    /// A sentence for the developer; never contains internal details.
    pub message: String,
    /// Per-field problems, when the request had any.
    pub details: Vec<ErrorDetail>,
    /// The id of this request, also sent as the `x-request-id` header.
    pub request_id: Option<String>,
}

#[derive(Debug, Clone, Object)]
pub struct ErrorDetail {
    /// The offending field, as named in the request.
    pub field: String,
    pub problem: String,
}

impl ErrorBody {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Self { code: code.into(), message: message.into(), details: vec![], request_id: current_request_id() }
    }
}

#[derive(Debug, ApiResponse)]
pub enum ApiError {
    /// The request could not be read: malformed JSON, wrong types, unknown fields.
    #[oai(status = 400)]
    BadRequest(Json<ErrorBody>),
    /// Missing, expired or invalid credentials.
    #[oai(status = 401)]
    Unauthorized(Json<ErrorBody>),
    /// Authenticated, but this role may not use this operation.
    #[oai(status = 403)]
    Forbidden(Json<ErrorBody>),
    /// No such object, or it belongs to someone else.
    #[oai(status = 404)]
    NotFound(Json<ErrorBody>),
    /// The request conflicts with the current state (duplicate, already used).
    #[oai(status = 409)]
    Conflict(Json<ErrorBody>),
    /// The request was readable but its values are not acceptable.
    #[oai(status = 422)]
    Unprocessable(Json<ErrorBody>),
    /// Too many attempts; retry after the given number of seconds.
    #[oai(status = 429)]
    TooManyRequests(Json<ErrorBody>, #[oai(header = "Retry-After")] u64),
    /// Something failed on the server; the body carries only the request id.
    #[oai(status = 500)]
    Internal(Json<ErrorBody>),
    /// The database is unreachable, saturated, full or read-only; retry after the given
    /// number of seconds (a write retried with the same id is applied once).
    #[oai(status = 503)]
    Unavailable(Json<ErrorBody>, #[oai(header = "Retry-After")] u64),
}

impl ApiError {
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::BadRequest(Json(ErrorBody::new("bad_request", message)))
    }
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::Unauthorized(Json(ErrorBody::new("unauthorized", message)))
    }
    pub fn not_found(what: &str) -> Self {
        Self::NotFound(Json(ErrorBody::new("not_found", format!("{what} not found"))))
    }
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::Conflict(Json(ErrorBody::new("conflict", message)))
    }
    pub fn invalid(field: &str, problem: impl Into<String>) -> Self {
        let problem = problem.into();
        let mut body = ErrorBody::new("validation_failed", format!("{field}: {problem}"));
        body.details.push(ErrorDetail { field: field.into(), problem });
        Self::Unprocessable(Json(body))
    }
    pub fn too_many_requests(retry_after_secs: u64) -> Self {
        Self::TooManyRequests(
            Json(ErrorBody::new("too_many_requests", "too many failed attempts; try again later")),
            retry_after_secs,
        )
    }
    /// Over a request rate limit (see `rate_limit`).
    pub fn rate_limited(retry_after_secs: u64) -> Self {
        Self::TooManyRequests(
            Json(ErrorBody::new("too_many_requests", "too many requests; slow down and retry later")),
            retry_after_secs,
        )
    }
    /// Logs `cause` with the request id and answers with nothing internal.
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(request_id = current_request_id().as_deref().unwrap_or("-"), error = %cause, "internal error");
        Self::Internal(Json(ErrorBody::new("internal", "internal server error")))
    }
}

/// Seconds a client is asked to wait before retrying after a 503: about one bounded
/// wait for the database, so a retry lands after the next attempt could succeed.
pub const RETRY_AFTER_SECS: u64 = 2;

impl ApiError {
    /// The database cannot do the work now (unreachable, saturated, full, read-only):
    /// a client should retry later, not report a bug. Nothing was changed.
    pub fn unavailable() -> Self {
        Self::Unavailable(
            Json(ErrorBody::new("unavailable", "the service is busy or restarting; retry shortly")),
            RETRY_AFTER_SECS,
        )
    }
}

impl From<DbErr> for ApiError {
    fn from(err: DbErr) -> Self {
        if crate::outage::unavailable(&err) {
            // Counted and logged once per outage at the edge; the cause is kept for
            // whoever turns on debug logs.
            tracing::debug!(request_id = current_request_id().as_deref().unwrap_or("-"), error = %err, "database unavailable");
            return Self::unavailable();
        }
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => Self::conflict("a record with these values already exists"),
            _ => Self::internal(&err),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Db(e) => e.into(),
            // Logged where it was raised; the client retries, idempotent by id.
            StoreError::Contended { .. } => Self::unavailable(),
            StoreError::Corrupt { .. } => Self::internal(&err),
        }
    }
}

/// Turns any error poem raised before or around a handler into the common body.
pub fn error_response(err: poem::Error) -> poem::Response {
    // An ApiError returned by a handler arrives here already rendered: keep it.
    if err.is_from_response() {
        return err.into_response();
    }
    if let Some(invalid) = declared_rule_failure(&err) {
        return poem::IntoResponse::into_response(invalid);
    }
    let status = err.status();
    let code = match status {
        StatusCode::BAD_REQUEST => "bad_request",
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::CONFLICT => "conflict",
        StatusCode::UNPROCESSABLE_ENTITY => "validation_failed",
        StatusCode::TOO_MANY_REQUESTS => "too_many_requests",
        StatusCode::SERVICE_UNAVAILABLE => "unavailable",
        s if s.is_client_error() => "bad_request",
        _ => "internal",
    };
    let message = if status == StatusCode::SERVICE_UNAVAILABLE {
        "the service is busy or restarting; retry shortly".to_owned()
    } else if status.is_server_error() {
        tracing::error!(request_id = current_request_id().as_deref().unwrap_or("-"), error = %err, "internal error");
        "internal server error".to_owned()
    } else {
        // poem's own 4xx messages describe the request (which field failed to parse),
        // never server state, so they are safe and useful to show.
        err.to_string()
    };
    let mut builder = poem::Response::builder();
    if status == StatusCode::SERVICE_UNAVAILABLE {
        builder = builder.header(poem::http::header::RETRY_AFTER, RETRY_AFTER_SECS.to_string());
    }
    builder
        .status(match status {
            StatusCode::SERVICE_UNAVAILABLE => status,
            s if s.is_server_error() => StatusCode::INTERNAL_SERVER_ERROR,
            s => s,
        })
        .content_type("application/json; charset=utf-8")
        .body(serde_json::to_vec(&ErrorBodyJson::from(ErrorBody::new(code, message))).expect("error body serialises"))
}

/// A value that broke a rule the spec declares (a range, a length, a pattern) is
/// readable but not acceptable: 422 with the field, like the checks the services make,
/// rather than the 400 poem-openapi gives every parse failure.
fn declared_rule_failure(err: &poem::Error) -> Option<ApiError> {
    let (field, reason) = if let Some(e) = err.downcast_ref::<poem_openapi::error::ParseRequestPayloadError>() {
        (None, e.reason.as_str())
    } else if let Some(e) = err.downcast_ref::<poem_openapi::error::ParseParamError>() {
        (Some(e.name), e.reason.as_str())
    } else {
        return None;
    };
    let (before, rule) = reason.rsplit_once("verification failed. ")?;
    // Nested objects report the innermost field last: "... field `note` verification failed."
    let field = before.rsplit_once("field `").and_then(|(_, f)| f.split_once('`')).map(|(f, _)| f).or(field);
    Some(ApiError::invalid(field.unwrap_or("body"), format!("breaks the declared rule {rule}")))
}

/// Plain serde mirror of [`ErrorBody`], for responses built outside poem-openapi.
#[derive(serde::Serialize)]
struct ErrorBodyJson {
    code: String,
    message: String,
    details: Vec<ErrorDetailJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_id: Option<String>,
}

#[derive(serde::Serialize)]
struct ErrorDetailJson {
    field: String,
    problem: String,
}

impl From<ErrorBody> for ErrorBodyJson {
    fn from(b: ErrorBody) -> Self {
        Self {
            code: b.code,
            message: b.message,
            details: b.details.into_iter().map(|d| ErrorDetailJson { field: d.field, problem: d.problem }).collect(),
            request_id: b.request_id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_contended_write_asks_for_a_retry_and_a_corrupt_value_is_a_500_that_says_nothing_internal() {
        assert!(matches!(ApiError::from(StoreError::contended("alert")), ApiError::Unavailable(_, RETRY_AFTER_SECS)));
        let corrupt = ApiError::from(StoreError::corrupt("scar_assessment.side", "both sides"));
        let ApiError::Internal(Json(body)) = corrupt else { panic!("expected a 500, got {corrupt:?}") };
        assert_eq!((body.code.as_str(), body.message.as_str()), ("internal", "internal server error"));
    }

    #[test]
    fn a_database_error_inside_a_store_error_keeps_its_own_answer() {
        let unavailable = StoreError::Db(DbErr::ConnectionAcquire(sea_orm::ConnAcquireErr::Timeout));
        assert!(matches!(ApiError::from(unavailable), ApiError::Unavailable(..)));
        assert!(matches!(ApiError::from(StoreError::Db(DbErr::RecordNotFound("x".into()))), ApiError::Internal(_)));
    }
}

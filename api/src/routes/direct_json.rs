//! A JSON response written straight from the value with serde, for large bodies.
//!
//! poem-openapi's `Json<T>` turns the value into a `serde_json::Value` tree first and
//! then writes the tree: for a year of trends that is some ten thousand small map and
//! string allocations per request, which `perf` showed as the largest cost of the route
//! (malloc, B-tree inserts and the tree's drop). `DirectJson<T>` documents exactly what
//! `Json<T>` documents (same schema, same content type) and writes the bytes in one pass.
//!
//! The type must serialise the way its `ToJSON` does; each use has a test that compares
//! the two (see `same_as_to_json`).

use poem::{IntoResponse, Response, http::StatusCode};
use poem_openapi::{
    ApiResponse,
    payload::Payload,
    registry::{MetaMediaType, MetaResponse, MetaResponses, MetaSchemaRef, Registry},
    types::Type,
};
use serde::Serialize;

pub struct DirectJson<T>(pub T);

const CONTENT_TYPE: &str = "application/json; charset=utf-8";

impl<T: Type> Payload for DirectJson<T> {
    const CONTENT_TYPE: &'static str = CONTENT_TYPE;

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: Type + Serialize> IntoResponse for DirectJson<T> {
    fn into_response(self) -> Response {
        match serde_json::to_vec(&self.0) {
            Ok(body) => Response::builder().content_type(CONTENT_TYPE).body(body),
            // Only a map with non-string keys can fail here; no response type has one.
            Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        }
    }
}

impl<T: Type + Serialize> ApiResponse for DirectJson<T> {
    fn meta() -> MetaResponses {
        MetaResponses {
            responses: vec![MetaResponse {
                description: "",
                status: Some(200),
                status_range: None,
                content: vec![MetaMediaType { content_type: CONTENT_TYPE, schema: T::schema_ref() }],
                headers: vec![],
            }],
        }
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

/// Instants as poem-openapi writes them (`to_rfc3339`, `+00:00`), not as chrono's serde
/// does (`Z`), so both payloads give the same text.
pub fn rfc3339<S: serde::Serializer>(at: &chrono::DateTime<chrono::Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&at.to_rfc3339())
}

/// Whether `value` serialises to the same JSON as its `ToJSON`; for the tests of each type
/// sent as a `DirectJson`.
#[cfg(test)]
pub fn same_as_to_json<T: Serialize + poem_openapi::types::ToJSON>(value: &T) -> bool {
    serde_json::to_value(value).ok() == value.to_json()
}

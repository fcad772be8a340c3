//! [`LenientJson<T>`]: a request body that the spec documents as the strict schema `T`
//! (types, ranges, lengths, no unknown fields) but that reaches the handler as any JSON
//! value. For the one request where a schema failure must not lose what was readable (a
//! red flag in a check-in), the handler checks the value itself, field by field, and
//! answers each problem where it is. Anything that is not JSON is still a 400.

use std::marker::PhantomData;

use poem::{FromRequest, Request, RequestBody, Result};
use poem_openapi::{
    error::ParseRequestPayloadError,
    impl_apirequest_for_payload,
    payload::{ParsePayload, Payload},
    registry::{MetaSchemaRef, Registry},
    types::Type,
};
use serde_json::Value;

pub struct LenientJson<T>(pub Value, PhantomData<fn() -> T>);

impl<T: Type> Payload for LenientJson<T> {
    const CONTENT_TYPE: &'static str = "application/json; charset=utf-8";

    fn check_content_type(content_type: &str) -> bool {
        let essence = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
        essence.strip_prefix("application/").is_some_and(|sub| sub == "json" || sub.ends_with("+json"))
    }

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: Type> ParsePayload for LenientJson<T> {
    const IS_REQUIRED: bool = true;

    async fn from_request(request: &Request, body: &mut RequestBody) -> Result<Self> {
        let data = Vec::<u8>::from_request(request, body).await?;
        if data.is_empty() {
            return Err(ParseRequestPayloadError { reason: "the body is empty; send a JSON object".into() }.into());
        }
        let value = serde_json::from_slice(&data)
            .map_err(|err| ParseRequestPayloadError { reason: format!("the body is not valid JSON: {err}") })?;
        Ok(Self(value, PhantomData))
    }
}

impl_apirequest_for_payload!(LenientJson<T>, T: Type);

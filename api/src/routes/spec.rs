//! The published OpenAPI document: what poem-openapi generates from the operations,
//! refined where the framework cannot say what the server really does. Every refinement
//! here states a fact about the server, and the fuzzer in CI plus the status check in
//! every integration test hold the server to it:
//!
//! - Each operation lists the error statuses it can give, not one shared list: 401 only
//!   where a token is checked (or credentials are), 403 only where a role is, 404 where a
//!   path names an object, 409 only on writes, 400 and 422 only where there is input.
//!   Every operation can answer 429 (rate limits per address and per user, see
//!   `rate_limit`; the login steps have their own throttles too). Every operation can answer 503 (the database is
//!   unreachable or saturated; retry) and 500 (both come with `ApiError`); every
//!   operation with a body 413 and 415;
//!   the HTTP layer answers 414 and 431 for oversized request lines and headers.
//! - Request objects refuse unknown fields, so their schemas say
//!   `additionalProperties: false`.
//! - A nullable field whose type is a named schema is written `nullable` beside an
//!   `allOf: [$ref]` (poem-openapi tucks `nullable` inside the `allOf`, where tools ignore
//!   it, so `null` would look invalid).
//! - The items of `Vec<Option<T>>` arrays are `nullable` (listed in `NULLABLE_ITEMS`).
//! - Local dates are RFC 3339 `full-date` strings: `format: date` (poem-openapi says
//!   `naive-date`, which no client knows).

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use super::openapi_service;

/// Operations without a path parameter that can still answer 404: an unknown invite
/// token, an instrument that does not exist, a patient with no active plan.
const NOT_FOUND_WITHOUT_PATH_ID: &[&str] = &[
    "accept_invite",
    "accept_browser_invite",
    "create_measure_response",
    "get_my_plan",
    // Issue 15: an unknown reset token.
    "confirm_password_reset",
    // Issue 17: marking read up to a message that is not in your thread.
    "mark_my_messages_read",
];
/// Operations without a token that check credentials and answer 401.
const CREDENTIAL_CHECKS: &[&str] = &[
    "create_session",
    "refresh_session",
    // The second login step checks its challenge and code (issue 15).
    "complete_mfa_login",
    "start_mfa_enrolment",
    "confirm_mfa_enrolment",
    // The web app's cookie sessions (issue 16).
    "create_browser_session",
    "refresh_browser_session",
    "complete_browser_mfa",
    "confirm_browser_mfa_enrolment",
];
/// Browser-session operations: no role check, but they refuse a request that is not the
/// web app on this origin (see `browser_sessions`).
const SAME_ORIGIN_ONLY: &[&str] = &[
    "create_browser_session",
    "refresh_browser_session",
    "delete_browser_session",
    "accept_browser_invite",
    "complete_browser_mfa",
    "confirm_browser_mfa_enrolment",
];
/// Arrays whose items may be `null` (`Vec<Option<T>>`, which poem-openapi documents as
/// an array of `T`): a questionnaire's answers, where `null` is a skipped item.
const NULLABLE_ITEMS: &[(&str, &str)] = &[("MeasureResponseRequest", "answers"), ("MeasureResponseDto", "answers")];

/// The document served at `/api/openapi.json` and committed under `openapi/`.
pub fn document() -> Value {
    let mut doc: Value = serde_json::from_str(&openapi_service().spec()).expect("poem-openapi emits JSON");
    refine_statuses(&mut doc);
    close_request_objects(&mut doc);
    rename_formats(&mut doc);
    hoist_nullable(&mut doc);
    for (schema, property) in NULLABLE_ITEMS {
        let items = &mut doc["components"]["schemas"][schema]["properties"][property]["items"];
        if items.is_object() {
            items["nullable"] = Value::Bool(true);
        }
    }
    doc
}

/// The document as pretty JSON, YAML and the Swagger UI page that embeds it.
pub struct Published {
    pub json: String,
    pub yaml: String,
    pub docs_html: String,
}

impl Published {
    pub fn build() -> Self {
        let doc = document();
        let json = serde_json::to_string_pretty(&doc).expect("spec serialises");
        let yaml = serde_yaml::to_string(&doc).expect("spec serialises as YAML");
        // poem-openapi's Swagger UI page embeds its own copy of the spec; swap in ours.
        let service = openapi_service();
        let docs_html = service.swagger_ui_html().replace(&service.spec(), &json);
        Self { json, yaml, docs_html }
    }
}

fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": { "application/json; charset=utf-8": { "schema": { "$ref": "#/components/schemas/ErrorBody" } } }
    })
}

fn refine_statuses(doc: &mut Value) {
    let Some(paths) = doc["paths"].as_object_mut() else { return };
    for (path, item) in paths.iter_mut() {
        let has_path_id = path.contains('{');
        for (method, op) in item.as_object_mut().into_iter().flatten() {
            let id = op["operationId"].as_str().unwrap_or_default().to_owned();
            let schemes: BTreeSet<String> = op["security"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_object)
                .flat_map(|s| s.keys().cloned())
                .collect();
            let has_body = op.get("requestBody").is_some();
            let has_params = op["parameters"].as_array().is_some_and(|p| !p.is_empty()) || has_path_id;
            let keep = |status: &str| match status {
                "400" | "422" => has_body || has_params,
                "401" => !schemes.is_empty() || CREDENTIAL_CHECKS.contains(&id.as_str()),
                // UserAuth admits every role, so only the role-specific schemes refuse.
                "403" => schemes.iter().any(|s| s != "UserAuth") || SAME_ORIGIN_ONLY.contains(&id.as_str()),
                "404" => has_path_id || NOT_FOUND_WITHOUT_PATH_ID.contains(&id.as_str()),
                "409" => method != "get",
                _ => true,
            };
            let Some(responses) = op["responses"].as_object_mut() else { continue };
            responses.retain(|status, _| keep(status));
            if SAME_ORIGIN_ONLY.contains(&id.as_str()) {
                responses.insert(
                    "403".into(),
                    error_response("The request lacks `X-Fascia-Client: web` or comes from another origin."),
                );
            }
            if has_body {
                responses.insert("413".into(), error_response("The request body is larger than the server accepts."));
                responses.insert("415".into(), error_response("The request body is not `application/json`."));
            }
            responses.insert("414".into(), json!({ "description": "The request line is too long (no body)." }));
            responses.insert("431".into(), json!({ "description": "The request headers are too large (no body)." }));
        }
    }
}

/// Adds `additionalProperties: false` to every object schema a request body reaches.
fn close_request_objects(doc: &mut Value) {
    let mut pending: Vec<String> = Vec::new();
    for item in doc["paths"].as_object().into_iter().flat_map(Map::values) {
        for op in item.as_object().into_iter().flat_map(Map::values) {
            for media in op["requestBody"]["content"].as_object().into_iter().flat_map(Map::values) {
                collect_refs(&media["schema"], &mut pending);
            }
        }
    }
    let mut seen = BTreeSet::new();
    while let Some(name) = pending.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        let schema = &mut doc["components"]["schemas"][&name];
        collect_refs(schema, &mut pending);
        if schema["type"] == "object" {
            schema["additionalProperties"] = Value::Bool(false);
        }
    }
}

fn collect_refs(schema: &Value, into: &mut Vec<String>) {
    match schema {
        Value::Object(map) => {
            if let Some(name) = map.get("$ref").and_then(Value::as_str).and_then(|r| r.rsplit('/').next()) {
                into.push(name.to_owned());
            }
            map.values().for_each(|v| collect_refs(v, into));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, into)),
        _ => {}
    }
}

fn rename_formats(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if map.get("format").and_then(Value::as_str) == Some("naive-date") {
                map.insert("format".into(), Value::from("date"));
            }
            map.values_mut().for_each(rename_formats);
        }
        Value::Array(items) => items.iter_mut().for_each(rename_formats),
        _ => {}
    }
}

fn hoist_nullable(value: &mut Value) {
    match value {
        Value::Object(map) => {
            let mut nullable = false;
            if let Some(Value::Array(parts)) = map.get_mut("allOf") {
                for part in parts.iter_mut().filter_map(Value::as_object_mut) {
                    nullable |= part.remove("nullable").is_some_and(|n| n == Value::Bool(true));
                }
            }
            if nullable {
                map.insert("nullable".into(), Value::Bool(true));
            }
            map.values_mut().for_each(hoist_nullable);
        }
        Value::Array(items) => items.iter_mut().for_each(hoist_nullable),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_nullable_array_exists_and_is_marked() {
        let doc = document();
        for (schema, property) in NULLABLE_ITEMS {
            let items = &doc["components"]["schemas"][schema]["properties"][property]["items"];
            assert_eq!(items["nullable"], true, "{schema}.{property} is not in the spec any more");
        }
    }

    #[test]
    fn every_listed_operation_exists() {
        let doc = document();
        let ids: BTreeSet<&str> = doc["paths"]
            .as_object()
            .into_iter()
            .flat_map(Map::values)
            .flat_map(|item| item.as_object().into_iter().flat_map(Map::values))
            .filter_map(|op| op["operationId"].as_str())
            .collect();
        for id in NOT_FOUND_WITHOUT_PATH_ID.iter().chain(CREDENTIAL_CHECKS) {
            assert!(ids.contains(id), "{id} is listed in spec.rs but is not an operation");
        }
    }
}

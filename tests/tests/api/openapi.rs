//! The committed spec is what the code generates, and every operation is documented.

use std::path::PathBuf;

use fascia_tests::spawn_app;
use serde_json::Value;

fn spec_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../openapi")
}

#[test]
fn the_committed_spec_matches_the_code() {
    let service = fascia::routes::openapi_service();
    let generated_yaml = service.spec_yaml();
    let generated_json = service.spec();
    if std::env::var("FASCIA_UPDATE_OPENAPI").is_ok() {
        std::fs::write(spec_dir().join("openapi.yaml"), &generated_yaml).unwrap();
        std::fs::write(spec_dir().join("openapi.json"), &generated_json).unwrap();
    }
    let committed_yaml = std::fs::read_to_string(spec_dir().join("openapi.yaml")).unwrap_or_default();
    let committed_json = std::fs::read_to_string(spec_dir().join("openapi.json")).unwrap_or_default();
    let hint = "openapi/ is out of date with the code; regenerate it with \
                `FASCIA_UPDATE_OPENAPI=1 cargo test -p fascia-tests --test api openapi` and commit the result";
    assert!(committed_yaml == generated_yaml, "{hint}");
    assert!(committed_json == generated_json, "{hint}");
}

#[tokio::test]
async fn the_served_spec_is_the_generated_one_and_the_docs_ui_is_up() {
    let app = spawn_app().await;
    let served = app.get("/api/openapi.json", None).await.expect(200);
    let generated: Value = serde_json::from_str(&fascia::routes::openapi_service().spec()).unwrap();
    assert_eq!(served, generated);
    let yaml = app.client.get(app.url("/api/openapi.yaml")).send().await.unwrap();
    assert_eq!(yaml.status(), 200);
    let docs = app.client.get(app.url("/docs")).send().await.unwrap();
    assert_eq!(docs.status(), 200);
    assert!(docs.text().await.unwrap().contains("swagger"));
}

#[test]
fn every_operation_has_an_id_a_tag_a_summary_and_its_error_responses() {
    let spec: Value = serde_json::from_str(&fascia::routes::openapi_service().spec()).unwrap();
    let mut problems = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap_or("");
            let verb_noun = id.split('_').count() >= 2 && id.chars().all(|c| c.is_ascii_lowercase() || c == '_');
            if !verb_noun {
                problems.push(format!("{method} {path}: operationId {id:?} is not verb_noun"));
            }
            if op["tags"].as_array().is_none_or(|t| t.is_empty()) {
                problems.push(format!("{id}: no tag"));
            }
            if op["summary"].as_str().is_none_or(str::is_empty) {
                problems.push(format!("{id}: no summary"));
            }
            for status in ["400", "401", "403", "404", "409", "422", "500"] {
                if op["responses"].get(status).is_none() {
                    problems.push(format!("{id}: response {status} not documented"));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

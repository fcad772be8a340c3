//! The committed spec is what the code generates, and every operation is documented.

use std::path::PathBuf;

use fascia::routes::spec::Published;
use fascia_tests::spawn_app;

fn spec_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../openapi")
}

#[test]
fn the_committed_spec_matches_the_code() {
    let Published { json: generated_json, yaml: generated_yaml, .. } = Published::build();
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
    assert_eq!(served, fascia::routes::spec::document());
    let yaml = app.client.get(app.url("/api/openapi.yaml")).send().await.unwrap();
    assert_eq!(yaml.status(), 200);
    let docs = app.client.get(app.url("/docs")).send().await.unwrap();
    assert_eq!(docs.status(), 200);
    assert!(docs.text().await.unwrap().contains("swagger"));
}

#[test]
fn every_operation_has_an_id_a_tag_a_summary_and_its_error_responses() {
    let spec = fascia::routes::spec::document();
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
            let has_input =
                op.get("requestBody").is_some() || op["parameters"].as_array().is_some_and(|p| !p.is_empty());
            let mut expected = vec!["500", "503", "414", "431"];
            if has_input {
                expected.extend(["400", "422"]);
            }
            if op.get("requestBody").is_some() {
                expected.extend(["413", "415"]);
            }
            if op.get("security").is_some() {
                expected.push("401");
            }
            if path.contains('{') {
                expected.push("404");
            }
            for status in expected {
                if op["responses"].get(status).is_none() {
                    problems.push(format!("{id}: response {status} not documented"));
                }
            }
            if method == "get" && op["responses"].get("409").is_some() {
                problems.push(format!("{id}: a read documents 409"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

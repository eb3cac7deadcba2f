use std::path::PathBuf;

use serde_json::Value;

fn committed_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../openapi/openapi.json")
}

#[test]
fn the_committed_openapi_document_matches_the_code() {
    let generated = tessera_api::openapi::document().to_pretty_json().unwrap();
    let committed = std::fs::read_to_string(committed_path()).unwrap_or_default();
    assert!(
        committed.trim_end() == generated.trim_end(),
        "openapi/openapi.json is out of date: regenerate it with \
         `cargo run -p tessera-api -- openapi > openapi/openapi.json` and commit it"
    );
}

#[test]
fn every_operation_has_an_id_a_tag_and_a_problem_response() {
    let document = serde_json::to_value(tessera_api::openapi::document()).unwrap();
    assert_eq!(document["openapi"], "3.1.0");
    let mut ids = std::collections::BTreeSet::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let id = operation["operationId"].as_str().unwrap_or_default();
            assert!(!id.is_empty(), "{method} {path} has no operationId");
            assert!(ids.insert(id.to_string()), "operationId {id} is used twice");
            assert!(
                operation["tags"].as_array().is_some_and(|t| !t.is_empty()),
                "{id}: no tag"
            );
            let default = &operation["responses"]["default"]["content"]["application/problem+json"];
            assert_ne!(default, &Value::Null, "{id}: no default problem response");
        }
    }
    for scheme in ["bearer_token", "session_cookie"] {
        assert!(
            document["components"]["securitySchemes"][scheme].is_object(),
            "{scheme}"
        );
    }
}

//! The pure parts of this feature, tested natively.

use chrono::TimeZone;
use serde_json::json;

use super::*;

fn event(before: Option<serde_json::Value>, after: Option<serde_json::Value>) -> AuditEventView {
    AuditEventView {
        id: uuid::Uuid::nil(),
        occurred_at: Utc
            .with_ymd_and_hms(2025, 3, 4, 14, 5, 9)
            .single()
            .unwrap_or_default(),
        actor_id: None,
        actor_name: None,
        actor_display_name: None,
        action: "user.create".into(),
        target_type: "user".into(),
        target_id: "x".into(),
        before,
        after,
        request_id: None,
        target_name: None,
        target_person_name: None,
    }
}

fn fields(error: ApiError) -> Vec<(String, String)> {
    error
        .problem()
        .map(|problem| {
            problem
                .errors
                .iter()
                .map(|e| (e.field.clone(), e.message.clone()))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn an_empty_form_filters_nothing() {
    let query = AuditFilterForm::default().parse().map(|q| query_pairs(&q));
    assert_eq!(query, Ok(Vec::new()));
}

#[test]
fn every_filter_is_parsed_and_written_in_the_apis_words() {
    let form = AuditFilterForm {
        actor_id: "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b".into(),
        action: " user.* ".into(),
        target_type: "access_package".into(),
        target_id: "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c".into(),
        since: "2025-03-04T14:05".into(),
        until: "2025-03-05T00:00:30".into(),
    };
    let pairs = form.parse().map(|q| query_pairs(&q));
    let expected: Vec<(&str, String)> = vec![
        ("actor_id", "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b".into()),
        ("action", "user.*".into()),
        ("target_type", "access_package".into()),
        ("target_id", "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c".into()),
        ("since", "2025-03-04T14:05:00Z".into()),
        ("until", "2025-03-05T00:00:30Z".into()),
    ];
    assert_eq!(pairs, Ok(expected));
}

#[test]
fn each_bad_filter_is_refused_at_its_own_field() {
    let form = AuditFilterForm {
        actor_id: "someone".into(),
        action: "User Create".into(),
        target_type: "a.b".into(),
        target_id: "42".into(),
        since: "yesterday".into(),
        until: String::new(),
    };
    let refused: Vec<String> = form
        .parse()
        .err()
        .map(fields)
        .unwrap_or_default()
        .into_iter()
        .map(|(field, _)| field)
        .collect();
    assert_eq!(
        refused,
        ["actor_id", "action", "target_type", "target_id", "since"]
    );
}

#[test]
fn until_must_come_after_since() {
    let form = AuditFilterForm {
        since: "2025-03-04T14:05".into(),
        until: "2025-03-04T14:05".into(),
        ..AuditFilterForm::default()
    };
    let refused = form.parse().err().map(fields).unwrap_or_default();
    assert_eq!(
        refused,
        [("until".to_string(), "must be later than since".to_string())]
    );
}

#[test]
fn an_rfc_3339_instant_keeps_its_offset() {
    let form = AuditFilterForm {
        since: "2025-03-04T16:05:00+02:00".into(),
        ..AuditFilterForm::default()
    };
    let pairs = form.parse().map(|q| query_pairs(&q));
    assert_eq!(
        pairs,
        Ok(vec![("since", "2025-03-04T14:05:00Z".to_string())])
    );
}

#[test]
fn the_csv_link_carries_the_filters_encoded() {
    let form = AuditFilterForm {
        action: "user.*".into(),
        since: "2025-03-04T14:05".into(),
        ..AuditFilterForm::default()
    };
    let href = form.parse().map(|q| csv_href(&q));
    assert_eq!(
        href.as_deref(),
        Ok("/api/v1/audit-events.csv?action=user.%2A&since=2025-03-04T14%3A05%3A00Z")
    );
    assert_eq!(csv_href(&AuditExportQuery::default()), CSV_EXPORT_PATH);
}

#[test]
fn an_event_is_named_after_its_snapshot() {
    let created = event(None, Some(json!({"username": "ada", "name": "x"})));
    assert_eq!(target_name(&created).as_deref(), Some("ada"));
    let deleted = event(Some(json!({"name": "Finance"})), None);
    assert_eq!(target_name(&deleted).as_deref(), Some("Finance"));
    assert_eq!(target_name(&event(None, Some(json!([1, 2])))), None);
}

#[test]
fn a_change_without_an_actor_was_made_by_the_system() {
    assert_eq!(actor(&event(None, None)), "Tessera (system)");
    assert_eq!(
        occurred(&event(None, None).occurred_at),
        "2025-03-04 14:05:09 UTC"
    );
}

#[test]
fn snapshots_read_as_indented_json() {
    assert_eq!(snapshot(None, "Nothing"), "Nothing");
    assert_eq!(
        snapshot(Some(&json!({"a": 1})), "Nothing"),
        "{\n  \"a\": 1\n}"
    );
}

fn named(action: &str, target_type: &str) -> AuditEventView {
    AuditEventView {
        actor_display_name: Some("Maria Manager".into()),
        actor_name: Some("maria".into()),
        action: action.into(),
        target_type: target_type.into(),
        target_name: Some("Ledger".into()),
        target_person_name: Some("Alice Analyst".into()),
        ..event(None, None)
    }
}

#[test]
fn events_read_as_sentences_with_names() {
    assert_eq!(
        describe(&named("request.approve", "request")),
        "Maria Manager approved Alice Analyst's request for Ledger."
    );
    let mut own = named("request.submit", "request");
    own.actor_display_name = Some("Alice Analyst".into());
    assert_eq!(describe(&own), "Alice Analyst asked for Ledger.");
    assert_eq!(
        describe(&named("request.submit", "request")),
        "Maria Manager asked for Ledger for Alice Analyst."
    );
    assert_eq!(
        describe(&named("assignment.expire", "assignment")),
        "Alice Analyst's access to Ledger expired."
    );
    let mut group = named("group.create", "group");
    group.target_person_name = None;
    group.target_name = Some("Finance".into());
    assert_eq!(describe(&group), "Maria Manager created the group Finance.");
    let mut role = named("catalog.role.grant", "catalog");
    role.target_name = None;
    role.before = Some(json!({"name": "Sales"}));
    assert_eq!(
        describe(&role),
        "Maria Manager: role grant (the catalog Sales)."
    );
    let system = AuditEventView {
        action: "access_package.delete".into(),
        target_type: "access_package".into(),
        ..event(None, None)
    };
    assert_eq!(describe(&system), "Tessera deleted an access package.");
}

#[test]
fn a_change_lists_the_fields_that_differ() {
    let before = json!({"name": "Ledger", "hidden": false, "description": ""});
    let after = json!({"name": "Ledger", "hidden": true, "description": "Books", "tags": ["a"]});
    assert_eq!(
        field_changes(Some(&before), Some(&after)),
        vec![
            FieldChange {
                field: "description".into(),
                before: "(empty)".into(),
                after: "Books".into()
            },
            FieldChange {
                field: "hidden".into(),
                before: "false".into(),
                after: "true".into()
            },
            FieldChange {
                field: "tags".into(),
                before: "—".into(),
                after: "[\"a\"]".into()
            },
        ]
    );
    let created = field_changes(None, Some(&json!({"username": "ada"})));
    assert_eq!(
        created,
        vec![FieldChange {
            field: "username".into(),
            before: "—".into(),
            after: "ada".into()
        }]
    );
    assert_eq!(field_changes(None, None), Vec::new());
    assert_eq!(
        field_changes(Some(&json!([1])), Some(&json!([2]))),
        vec![FieldChange {
            field: "value".into(),
            before: "[1]".into(),
            after: "[2]".into()
        }]
    );
}

#[test]
fn an_object_filter_value_carries_its_kind_and_id_both_ways() {
    let value = object_value("catalog", "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b");
    assert_eq!(value, "catalog:0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b");
    assert_eq!(
        object_of(&value),
        (
            "catalog".to_string(),
            "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b".to_string()
        )
    );
    assert_eq!(object_value("", ""), "");
    assert_eq!(object_of(""), (String::new(), String::new()));
}

#[test]
fn object_suggestions_name_each_kind_and_keep_a_few_of_each() {
    let many: Vec<(String, String)> = (0..OBJECTS_PER_KIND + 3)
        .map(|n| (format!("p{n}"), format!("Package {n}")))
        .collect();
    let found = object_choices(vec![
        ("user", vec![("u1".into(), "Alice Analyst (alice)".into())]),
        ("access_package", many),
        ("group", Vec::new()),
    ]);
    assert_eq!(found.len(), 1 + OBJECTS_PER_KIND);
    assert_eq!(
        found[0],
        (
            "user:u1".to_string(),
            "Alice Analyst (alice) (person)".to_string()
        )
    );
    assert_eq!(
        found[1],
        (
            "access_package:p0".to_string(),
            "Package 0 (access package)".to_string()
        )
    );
}

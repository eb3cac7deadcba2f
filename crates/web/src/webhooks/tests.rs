use chrono::{TimeZone, Utc};
use tessera_domain::webhook::{
    WebhookDeliveryState, WebhookDeliveryView, WebhookDescription, WebhookEventSelection,
    WebhookEventType, WebhookSubscriptionView,
};
use tessera_domain::{WebhookDeliveryId, WebhookEventId, WebhookSubscriptionId};

use super::*;

fn fields(refusals: Vec<tessera_domain::problem::FieldError>) -> Vec<String> {
    refusals.into_iter().map(|r| r.field).collect()
}

fn form(url: &str, events: &[WebhookEventType]) -> SubscriptionForm {
    SubscriptionForm {
        url: url.into(),
        events: events.to_vec(),
        ..SubscriptionForm::default()
    }
}

#[test]
fn a_new_subscription_names_its_chosen_events_in_the_apis_order() {
    let new = form(
        " https://hooks.example.org/in ",
        &[
            WebhookEventType::PolicyChanged,
            WebhookEventType::RequestSubmitted,
        ],
    )
    .new_subscription()
    .unwrap();
    assert_eq!(new.url, "https://hooks.example.org/in");
    assert_eq!(
        new.event_types,
        WebhookEventSelection::Only(vec![
            WebhookEventType::RequestSubmitted,
            WebhookEventType::PolicyChanged
        ])
    );
    assert!(new.enabled);
}

#[test]
fn all_events_is_the_wildcard_whatever_boxes_were_ticked() {
    let mut all = form("https://hooks.example.org/in", &[]);
    all.all_events = true;
    let new = all.new_subscription().unwrap();
    assert_eq!(new.event_types, WebhookEventSelection::All);
    assert_eq!(
        serde_json::to_value(&new).unwrap()["event_types"],
        serde_json::json!(["*"])
    );
}

#[test]
fn refusals_name_the_fields_the_api_names() {
    let refused = form("http://hooks.example.org/in", &[])
        .new_subscription()
        .unwrap_err();
    assert_eq!(fields(refused), vec!["url", "event_types"]);
    let empty = form("  ", &[WebhookEventType::RequestSubmitted])
        .new_subscription()
        .unwrap_err();
    assert_eq!(fields(empty), vec!["url"]);
    let mut long = form(
        "https://hooks.example.org/in",
        &[WebhookEventType::RequestSubmitted],
    );
    long.description = "x".repeat(501);
    assert_eq!(fields(long.update().unwrap_err()), vec!["description"]);
}

#[test]
fn plain_http_is_accepted_only_to_a_loopback_host() {
    for (url, ok) in [
        ("http://127.0.0.1:9000/hook", true),
        ("http://localhost/hook", true),
        ("https://hooks.example.org/", true),
        ("http://hooks.example.org/", false),
        ("https://user:pw@hooks.example.org/", false),
        ("hooks.example.org", false),
    ] {
        let result = form(url, &[WebhookEventType::RequestSubmitted]).new_subscription();
        assert_eq!(result.is_ok(), ok, "{url}");
    }
}

fn subscription(selection: WebhookEventSelection) -> WebhookSubscriptionView {
    let at = Utc.with_ymd_and_hms(2026, 12, 1, 10, 0, 0).unwrap();
    WebhookSubscriptionView {
        id: WebhookSubscriptionId::from_uuid(uuid::Uuid::nil()),
        url: "https://hooks.example.org/in".into(),
        event_types: selection,
        enabled: false,
        description: WebhookDescription::parse("Desk").unwrap(),
        created_at: at,
        updated_at: at,
        previous_secret_expires_at: None,
    }
}

#[test]
fn a_stored_subscription_fills_the_form_and_saves_unchanged() {
    let stored = subscription(WebhookEventSelection::Only(vec![
        WebhookEventType::AssignmentGranted,
    ]));
    let form = SubscriptionForm::of(&stored);
    assert!(!form.enabled);
    assert!(!form.all_events);
    let update = form.update().unwrap();
    assert_eq!(update.url.as_deref(), Some(stored.url.as_str()));
    assert_eq!(update.event_types, Some(stored.event_types.clone()));
    assert_eq!(update.enabled, Some(false));
    assert_eq!(update.description, Some(stored.description.clone()));
    assert!(SubscriptionForm::of(&subscription(WebhookEventSelection::All)).all_events);
}

#[test]
fn every_subscribable_event_has_a_name_and_the_test_event_is_not_offered() {
    let offered = subscribable();
    assert!(!offered.contains(&WebhookEventType::WebhookTest));
    assert_eq!(offered.len(), WebhookEventType::ALL.len() - 1);
    for kind in WebhookEventType::ALL {
        assert!(!event_label(kind).is_empty());
        assert!(event_hint(kind).ends_with('.'), "{kind:?}");
    }
    assert_eq!(
        selection_summary(&WebhookEventSelection::Only(vec![
            WebhookEventType::RequestSubmitted,
            WebhookEventType::ReviewApplied
        ])),
        "Request submitted, Access review applied"
    );
    assert_eq!(selection_summary(&WebhookEventSelection::All), "All events");
}

fn delivery(
    attempts: u32,
    status: Option<u16>,
    error: Option<&str>,
    state: WebhookDeliveryState,
) -> WebhookDeliveryView {
    let at = Utc.with_ymd_and_hms(2026, 12, 1, 10, 0, 0).unwrap();
    WebhookDeliveryView {
        id: WebhookDeliveryId::from_uuid(uuid::Uuid::nil()),
        subscription_id: WebhookSubscriptionId::from_uuid(uuid::Uuid::nil()),
        event_id: WebhookEventId::from_uuid(uuid::Uuid::nil()),
        event_type: WebhookEventType::RequestSubmitted,
        state,
        attempts,
        last_status: status,
        last_error: error.map(str::to_string),
        last_attempt_at: None,
        next_attempt_at: None,
        created_at: at,
        delivered_at: None,
    }
}

#[test]
fn the_last_answer_says_what_the_receiver_said_or_that_it_said_nothing() {
    use WebhookDeliveryState::*;
    assert_eq!(
        last_answer(&delivery(0, None, None, Pending)),
        "Not attempted yet"
    );
    assert_eq!(
        last_answer(&delivery(1, Some(204), None, Delivered)),
        "HTTP 204"
    );
    assert_eq!(
        last_answer(&delivery(2, Some(500), Some("boom"), Pending)),
        "HTTP 500: boom"
    );
    assert_eq!(
        last_answer(&delivery(3, None, Some("connection refused"), Failed)),
        "No answer: connection refused"
    );
    assert!(any_pending(&[
        delivery(1, Some(204), None, Delivered),
        delivery(0, None, None, Pending)
    ]));
    assert!(!any_pending(&[delivery(1, Some(204), None, Delivered)]));
}

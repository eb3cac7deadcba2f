//! How webhook subscriptions and deliveries read on screen, and the subscription form turned
//! into the API's input with every refusal at the field the API would name.

use tessera_domain::WebhookSubscriptionId;
use tessera_domain::policy::extensions::check_url;
use tessera_domain::problem::FieldError;
use tessera_domain::webhook::{
    NewWebhookSubscription, WebhookDeliveryState, WebhookDeliveryView, WebhookDescription,
    WebhookEventSelection, WebhookEventType, WebhookSubscriptionUpdate, WebhookSubscriptionView,
};

use crate::routes;

/// The page of one subscription.
pub fn subscription_href(id: WebhookSubscriptionId) -> String {
    format!("{}/{id}", routes::ADMIN_WEBHOOKS)
}

/// An event type's name in words.
pub fn event_label(kind: WebhookEventType) -> &'static str {
    match kind {
        WebhookEventType::RequestSubmitted => "Request submitted",
        WebhookEventType::RequestDecided => "Request decided",
        WebhookEventType::RequestDelivered => "Request delivered",
        WebhookEventType::RequestCancelled => "Request cancelled",
        WebhookEventType::AssignmentGranted => "Assignment granted",
        WebhookEventType::AssignmentExtended => "Assignment extended",
        WebhookEventType::AssignmentRemoved => "Assignment removed",
        WebhookEventType::AssignmentExpiring => "Assignment expiring",
        WebhookEventType::ReviewStarted => "Access review started",
        WebhookEventType::ReviewCompleted => "Access review completed",
        WebhookEventType::ReviewApplied => "Access review applied",
        WebhookEventType::PolicyChanged => "Policy changed",
        WebhookEventType::PackageChanged => "Access package changed",
        WebhookEventType::WebhookTest => "Test event",
    }
}

/// When an event type is sent, in a sentence.
pub fn event_hint(kind: WebhookEventType) -> &'static str {
    match kind {
        WebhookEventType::RequestSubmitted => {
            "A request was submitted, by a person, an administrator or a policy's schedule."
        }
        WebhookEventType::RequestDecided => {
            "An approver approved or denied a stage of a request, or a stage timed out."
        }
        WebhookEventType::RequestDelivered => "A request's access was delivered.",
        WebhookEventType::RequestCancelled => {
            "A request was withdrawn, or closed because its person was disabled."
        }
        WebhookEventType::AssignmentGranted => "An assignment was created or started.",
        WebhookEventType::AssignmentExtended => "An assignment's end moved later.",
        WebhookEventType::AssignmentRemoved => {
            "An assignment ended: removed, expired, removed by a review or for a disabled account."
        }
        WebhookEventType::AssignmentExpiring => {
            "An assignment ends soon; sent with the reminder to its holder."
        }
        WebhookEventType::ReviewStarted => "An access review started.",
        WebhookEventType::ReviewCompleted => "An access review completed.",
        WebhookEventType::ReviewApplied => "An access review's decisions were applied.",
        WebhookEventType::PolicyChanged => "An assignment policy was created, changed or deleted.",
        WebhookEventType::PackageChanged => {
            "An access package, its resources or its incompatibilities changed."
        }
        WebhookEventType::WebhookTest => "Sent only by “Send a test event”.",
    }
}

/// The event types a subscription may ask for, in the API's order.
pub fn subscribable() -> Vec<WebhookEventType> {
    WebhookEventType::ALL
        .into_iter()
        .filter(|kind| kind.is_subscribable())
        .collect()
}

/// What a subscription receives, in words: "All events", or the names of its types.
pub fn selection_summary(selection: &WebhookEventSelection) -> String {
    match selection {
        WebhookEventSelection::All => "All events".to_string(),
        WebhookEventSelection::Only(types) => types
            .iter()
            .map(|kind| event_label(*kind))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

pub fn delivery_state_label(state: WebhookDeliveryState) -> &'static str {
    match state {
        WebhookDeliveryState::Pending => "Pending",
        WebhookDeliveryState::Delivered => "Delivered",
        WebhookDeliveryState::Failed => "Failed",
    }
}

/// The badge class of a delivery's state.
pub fn delivery_state_badge(state: WebhookDeliveryState) -> &'static str {
    match state {
        WebhookDeliveryState::Pending => "badge badge-info",
        WebhookDeliveryState::Delivered => "badge badge-success",
        WebhookDeliveryState::Failed => "badge badge-danger",
    }
}

/// What the receiver answered last: its status and error, "No answer" and the error when no
/// answer came, or nothing before the first attempt.
pub fn last_answer(delivery: &WebhookDeliveryView) -> String {
    let error = delivery
        .last_error
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty());
    match (delivery.last_status, error) {
        (Some(status), Some(error)) => format!("HTTP {status}: {error}"),
        (Some(status), None) => format!("HTTP {status}"),
        (None, Some(error)) => format!("No answer: {error}"),
        (None, None) if delivery.attempts == 0 => "Not attempted yet".to_string(),
        (None, None) => "No answer".to_string(),
    }
}

/// Whether a delivery log still changes by itself: some delivery is due.
pub fn any_pending(deliveries: &[WebhookDeliveryView]) -> bool {
    deliveries
        .iter()
        .any(|d| d.state == WebhookDeliveryState::Pending)
}

/// The subscription form as typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubscriptionForm {
    pub url: String,
    /// Every event type, those added later included (`["*"]`).
    pub all_events: bool,
    /// The chosen types, when not all.
    pub events: Vec<WebhookEventType>,
    pub enabled: bool,
    pub description: String,
}

impl Default for SubscriptionForm {
    /// A new subscription: enabled, no event chosen yet.
    fn default() -> Self {
        SubscriptionForm {
            url: String::new(),
            all_events: false,
            events: Vec::new(),
            enabled: true,
            description: String::new(),
        }
    }
}

impl SubscriptionForm {
    /// The form of a stored subscription.
    pub fn of(subscription: &WebhookSubscriptionView) -> Self {
        let (all_events, events) = match &subscription.event_types {
            WebhookEventSelection::All => (true, Vec::new()),
            WebhookEventSelection::Only(types) => (false, types.clone()),
        };
        SubscriptionForm {
            url: subscription.url.clone(),
            all_events,
            events,
            enabled: subscription.enabled,
            description: subscription.description.as_str().to_string(),
        }
    }

    /// The fields checked as the API checks them, or every refusal at the field the API names.
    fn parse(
        &self,
    ) -> Result<(String, WebhookEventSelection, WebhookDescription), Vec<FieldError>> {
        let mut refusals = Vec::new();
        let mut refuse = |field: &str, message: String| {
            refusals.push(FieldError {
                field: field.to_string(),
                message,
            });
        };
        let url = self.url.trim().to_string();
        if url.is_empty() {
            refuse("url", "enter the URL deliveries are posted to".into());
        } else if let Err(message) = check_url(&url) {
            refuse("url", message);
        }
        let selection = if self.all_events {
            Some(WebhookEventSelection::All)
        } else {
            let names: Vec<String> = subscribable()
                .into_iter()
                .filter(|kind| self.events.contains(kind))
                .map(|kind| kind.as_str().to_string())
                .collect();
            if names.is_empty() {
                refuse(
                    "event_types",
                    "choose at least one event, or all events".into(),
                );
                None
            } else {
                WebhookEventSelection::parse(&names)
                    .map_err(|error| refuse("event_types", error.0))
                    .ok()
            }
        };
        let description = WebhookDescription::parse(self.description.as_str())
            .map_err(|error| refuse("description", error.0))
            .ok();
        match (selection, description) {
            (Some(selection), Some(description)) if refusals.is_empty() => {
                Ok((url, selection, description))
            }
            _ => Err(refusals),
        }
    }

    /// The body of `POST /webhooks`.
    pub fn new_subscription(&self) -> Result<NewWebhookSubscription, Vec<FieldError>> {
        let (url, event_types, description) = self.parse()?;
        Ok(NewWebhookSubscription {
            url,
            event_types,
            enabled: self.enabled,
            description,
        })
    }

    /// The body of `PATCH /webhooks/{id}`: every field, as the form shows it.
    pub fn update(&self) -> Result<WebhookSubscriptionUpdate, Vec<FieldError>> {
        let (url, event_types, description) = self.parse()?;
        Ok(WebhookSubscriptionUpdate {
            url: Some(url),
            event_types: Some(event_types),
            enabled: Some(self.enabled),
            description: Some(description),
        })
    }
}

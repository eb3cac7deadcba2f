//! Notifications: telling people what happened and what waits for them.
//!
//! To notify someone of a change, render the message here and pass it to the store function
//! that makes the change, which writes it in the same transaction with
//! `store::notifications::insert_notification` (see that module): it exists, and is sent,
//! exactly when the change happened.
//!
//! ```ignore
//! use tessera_domain::notification::NotificationKind;
//! use crate::service::notifications::render;
//!
//! let note = render(
//!     approver_id,
//!     NotificationKind::ApprovalNeeded,
//!     &format!("Approval needed: {package_name}"),
//!     &[&format!("{requester} asks for {package_name}.")],
//!     &[("Requested for", target.as_str()), ("Justification", justification.as_str())],
//!     &format!("/approvals/{request_id}"),
//!     &state.settings.public_url(),
//! );
//! store::requests::transition_request(&state.db, …, &[note]).await?;
//! ```
//!
//! Outside a transaction, `store::notifications::enqueue(&state.db, &note)` writes one alone.
//!
//! [`deliver_due`] (run by the scheduler every round) e-mails the pending ones as
//! multipart/alternative, plain text and HTML, through the configured SMTP server. A failed
//! attempt is retried after 1, 2, 4 … minutes (at most an hour apart); after
//! [`MAX_ATTEMPTS`] the notification is marked `failed`. Without SMTP configured nothing is
//! sent and notifications wait, visible in the portal, until it is.

use std::time::Duration;

use chrono::{DateTime, Utc};
use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;
use tessera_domain::notification::{
    NotificationKind, NotificationPage, NotificationQuery, NotificationView,
};
use tessera_domain::{NotificationId, UserId};
use url::Url;
use uuid::Uuid;

use super::page::PageRequest;
use crate::auth::Actor;
use crate::config::{SmtpSecurity, SmtpSettings};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store;
use crate::store::notifications::{ClaimedEmail, NewNotification, NextAttempt, NotificationRow};

/// Attempts at e-mailing one notification before it is marked `failed`.
pub const MAX_ATTEMPTS: i64 = 8;

/// The most notifications one round tries to send; the rest wait for the next round.
const ROUND_LIMIT: usize = 100;

/// The longest subject kept; longer ones are cut.
const MAX_SUBJECT_CHARS: usize = 200;

/// The longest `last_error` kept.
const MAX_ERROR_CHARS: usize = 300;

/// How long after failed attempt number `attempt` (1 for the first) the next one is due:
/// 1, 2, 4 … minutes, at most an hour.
pub fn backoff(attempt: i64) -> chrono::Duration {
    let exponent = attempt.clamp(1, 7) - 1;
    chrono::Duration::minutes((1_i64 << exponent).min(60))
}

/// A notification to `recipient`, with a plain-text and an HTML body made of `intro_lines`
/// (one paragraph each), `facts` (label and value, such as `("Access package", name)`) and a
/// link to `link_path` in the portal (a path such as `/requests/…`, joined to `public_url`,
/// usually `state.settings.public_url()`). Every value is HTML-escaped in the HTML body.
/// `created_at` is now; set the field for another clock.
pub fn render(
    recipient: UserId,
    kind: NotificationKind,
    subject: &str,
    intro_lines: &[&str],
    facts: &[(&str, &str)],
    link_path: &str,
    public_url: &Url,
) -> NewNotification {
    let subject = one_line(subject, MAX_SUBJECT_CHARS);
    let link = portal_path(link_path);
    let url = portal_url(public_url, &link);
    NewNotification {
        id: Uuid::now_v7(),
        recipient_id: *recipient.as_uuid(),
        kind: kind.as_str(),
        body_text: text_body(intro_lines, facts, &url),
        body_html: html_body(&subject, intro_lines, facts, &url),
        subject,
        link,
        created_at: Utc::now(),
    }
}

/// `text` without control characters (line breaks become spaces), trimmed, at most `max`
/// characters: safe for a header or a single line.
fn one_line(text: &str, max: usize) -> String {
    let line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    line.trim().chars().take(max).collect()
}

/// A path inside the portal; anything else (another host, a scheme) becomes the portal's root.
fn portal_path(path: &str) -> String {
    let is_local = path.starts_with('/')
        && !path.starts_with("//")
        && !path.contains('\\')
        && !path.chars().any(char::is_control);
    if is_local { path.into() } else { "/".into() }
}

/// `path` under `public_url`, which may itself have a path (`https://example.org/tessera/`).
fn portal_url(public_url: &Url, path: &str) -> String {
    let mut base = public_url.clone();
    base.set_query(None);
    base.set_fragment(None);
    format!("{}{path}", base.as_str().trim_end_matches('/'))
}

fn text_body(intro_lines: &[&str], facts: &[(&str, &str)], url: &str) -> String {
    let mut text = String::new();
    for line in intro_lines {
        text.push_str(line.trim_end());
        text.push('\n');
    }
    if !facts.is_empty() {
        text.push('\n');
        for (label, value) in facts {
            text.push_str(&format!(
                "{}: {}\n",
                one_line(label, 200),
                one_line(value, 2000)
            ));
        }
    }
    text.push_str(&format!("\nOpen in Tessera: {url}\n"));
    text.push_str(
        "\n-- \nThis notification is also in your notifications in Tessera.\n\
         You receive it because of your part in the request or access it is about.\n",
    );
    text
}

fn html_body(subject: &str, intro_lines: &[&str], facts: &[(&str, &str)], url: &str) -> String {
    let mut html = String::from("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n");
    html.push_str("<meta charset=\"utf-8\">\n");
    html.push_str("<meta name=\"viewport\" content=\"width=device-width\">\n");
    html.push_str(&format!("<title>{}</title>\n", escape_html(subject)));
    html.push_str("</head>\n");
    html.push_str(
        "<body style=\"margin:0;padding:24px;font-family:-apple-system,'Segoe UI',Roboto,\
         Arial,sans-serif;font-size:15px;line-height:1.5;color:#1f2328;\">\n",
    );
    for line in intro_lines {
        html.push_str(&format!(
            "<p style=\"margin:0 0 12px;\">{}</p>\n",
            escape_html(line.trim_end())
        ));
    }
    if !facts.is_empty() {
        html.push_str("<table role=\"presentation\" style=\"border-collapse:collapse;\">\n");
        for (label, value) in facts {
            html.push_str(&format!(
                "<tr><th scope=\"row\" style=\"text-align:left;vertical-align:top;\
                 padding:4px 16px 4px 0;\">{}</th><td style=\"padding:4px 0;\">{}</td></tr>\n",
                escape_html(label),
                escape_html(value)
            ));
        }
        html.push_str("</table>\n");
    }
    let url = escape_html(url);
    html.push_str(&format!(
        "<p style=\"margin:24px 0;\"><a href=\"{url}\" style=\"display:inline-block;\
         padding:8px 16px;background:#0b5cad;color:#ffffff;text-decoration:none;\
         border-radius:4px;\">Open in Tessera</a></p>\n"
    ));
    html.push_str(&format!(
        "<p style=\"margin:24px 0 0;font-size:13px;color:#59636e;\">This notification is also \
         in your notifications in Tessera. If the button does not work, open {url}</p>\n"
    ));
    html.push_str("</body>\n</html>\n");
    html
}

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Why someone's access ended. Every way access ends tells the person with [`access_ended`],
/// written with the change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AccessEndReason {
    /// It reached its planned end.
    Expired,
    /// An administrator or an assignment manager removed it.
    RemovedByAdministrator,
    /// The person asked to give it up.
    GivenUp,
    /// Someone else's request to remove it (a manager's, for a direct report) was carried out.
    RemovedOnRequest,
    /// The access review `review` denied it; `why` says on what basis.
    Review { review: String, why: String },
    /// The access package that granted it was deleted.
    PackageDeleted,
    /// The person's account was disabled.
    AccountDisabled,
}

impl AccessEndReason {
    fn kind(&self) -> NotificationKind {
        match self {
            AccessEndReason::Expired => NotificationKind::AccessExpired,
            AccessEndReason::RemovedByAdministrator
            | AccessEndReason::GivenUp
            | AccessEndReason::RemovedOnRequest
            | AccessEndReason::Review { .. }
            | AccessEndReason::PackageDeleted
            | AccessEndReason::AccountDisabled => NotificationKind::AccessRemoved,
        }
    }

    /// Why, in a sentence for the person.
    pub fn describe(&self) -> String {
        match self {
            AccessEndReason::Expired => "This access reached its planned end.".into(),
            AccessEndReason::RemovedByAdministrator => {
                "An administrator removed this access.".into()
            }
            AccessEndReason::GivenUp => "You gave up this access.".into(),
            AccessEndReason::RemovedOnRequest => {
                "A request to remove this access was approved and carried out.".into()
            }
            AccessEndReason::Review { review, why } => {
                format!("The access review {review} removed this access: {why}")
            }
            AccessEndReason::PackageDeleted => {
                "The access package that granted this access was deleted.".into()
            }
            AccessEndReason::AccountDisabled => "Your account was disabled.".into(),
        }
    }
}

/// The notification telling `person` that their `access` (an access package, or the group or
/// application a review covered, by name) ended, and why.
pub fn access_ended(
    state: &AppState,
    person: UserId,
    access: &str,
    reason: &AccessEndReason,
) -> NewNotification {
    let subject = match reason {
        AccessEndReason::Expired => format!("Your access to {access} has ended"),
        AccessEndReason::RemovedByAdministrator
        | AccessEndReason::GivenUp
        | AccessEndReason::RemovedOnRequest
        | AccessEndReason::Review { .. }
        | AccessEndReason::PackageDeleted
        | AccessEndReason::AccountDisabled => format!("Your access to {access} was removed"),
    };
    let why = reason.describe();
    let next = match reason {
        AccessEndReason::GivenUp | AccessEndReason::AccountDisabled => {
            "What it granted is gone, unless other access of yours grants it too."
        }
        AccessEndReason::Expired
        | AccessEndReason::RemovedByAdministrator
        | AccessEndReason::RemovedOnRequest
        | AccessEndReason::Review { .. }
        | AccessEndReason::PackageDeleted => {
            "What it granted is gone, unless other access of yours grants it too. Ask for it \
             again in the portal if you still need it."
        }
    };
    let mut facts = vec![("Access", access)];
    if let AccessEndReason::Review { review, .. } = reason {
        facts.push(("Access review", review.as_str()));
    }
    render(
        person,
        reason.kind(),
        &subject,
        &[&why, next],
        &facts,
        "/access-packages?tab=expired",
        &state.settings.public_url(),
    )
}

fn notification_view(row: NotificationRow) -> NotificationView {
    NotificationView {
        id: NotificationId::from_uuid(row.id),
        kind: row.kind,
        subject: row.subject,
        body_text: row.body_text,
        link: row.link,
        created_at: row.created_at,
        read_at: row.read_at,
    }
}

/// The caller's own notifications, newest first.
pub async fn list_mine(
    state: &AppState,
    actor: &Actor,
    query: &NotificationQuery,
) -> ApiResult<NotificationPage> {
    let page = PageRequest::parse(&query.page())?;
    let before = page.after_id()?;
    let recipient = *actor.id.as_uuid();
    let unread_only = query.unread.unwrap_or(false);
    let rows = store::notifications::list_for_recipient(
        &state.db,
        recipient,
        unread_only,
        before,
        page.fetch(),
    )
    .await?;
    let (rows, next_cursor) = page.finish(rows, |row| row.id.to_string());
    let unread_count = store::notifications::count_unread(&state.db, recipient).await?;
    Ok(NotificationPage {
        items: rows.into_iter().map(notification_view).collect(),
        next_cursor,
        unread_count: u64::try_from(unread_count).unwrap_or_default(),
    })
}

/// Marks one of the caller's notifications read. Someone else's is not found.
pub async fn mark_read(state: &AppState, actor: &Actor, id: NotificationId) -> ApiResult<()> {
    let found =
        store::notifications::mark_read(&state.db, *id.as_uuid(), *actor.id.as_uuid(), Utc::now())
            .await?;
    if found {
        Ok(())
    } else {
        Err(ApiError::NotFound("notification"))
    }
}

/// Marks all of the caller's notifications read; returns how many were unread.
pub async fn mark_all_read(state: &AppState, actor: &Actor) -> ApiResult<u64> {
    Ok(store::notifications::mark_all_read(&state.db, *actor.id.as_uuid(), Utc::now()).await?)
}

/// E-mails the notifications due at `now`, one claimed at a time, and returns how many were
/// sent. Does nothing without SMTP configured. Safe to run on every replica at once: a
/// notification is sent by the worker whose claim on it succeeded.
///
/// A failure that concerns one message (the server refused it) is recorded and the round
/// goes on; one that concerns the server (unreachable, TLS, a timeout) is recorded and ends
/// the round, so an outage costs one attempt per round rather than one per message.
pub async fn deliver_due(state: &AppState, now: DateTime<Utc>) -> ApiResult<usize> {
    let Some(smtp) = &state.settings.smtp else {
        return Ok(0);
    };
    let send_deadline = Duration::from_secs(smtp.timeout_seconds.saturating_mul(4));
    let lease = chrono::Duration::from_std(send_deadline).unwrap_or(chrono::Duration::hours(1))
        + chrono::Duration::minutes(2);
    // Built when there is something to send, not every round.
    let mut mailer: Option<Mailer> = None;
    let mut sent = 0;
    for _ in 0..ROUND_LIMIT {
        let Some(claimed) =
            store::notifications::claim_next_due(&state.db, now, now + lease).await?
        else {
            break;
        };
        let outcome = match &mailer {
            Some(mailer) => mailer.send(&claimed, send_deadline).await,
            None => match Mailer::new(smtp) {
                Ok(built) => mailer.insert(built).send(&claimed, send_deadline).await,
                Err(err) => Err(SendError::Unreachable(format!(
                    "cannot set up the SMTP client: {err}"
                ))),
            },
        };
        match outcome {
            Ok(()) => {
                sent += 1;
                if !store::notifications::mark_sent(&state.db, &claimed, Utc::now()).await? {
                    tracing::warn!(
                        notification = %claimed.id,
                        "e-mailed after its claim ran out; another worker may send it again"
                    );
                }
            }
            Err(error) => {
                let round_over = matches!(error, SendError::Unreachable(_));
                record_failure(state, &claimed, &error, now).await?;
                if round_over {
                    break;
                }
            }
        }
    }
    Ok(sent)
}

async fn record_failure(
    state: &AppState,
    claimed: &ClaimedEmail,
    error: &SendError,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    let attempt = claimed.attempts + 1;
    let next = match error {
        SendError::Undeliverable(_) => NextAttempt::GiveUp,
        _ if attempt >= MAX_ATTEMPTS => NextAttempt::GiveUp,
        _ => NextAttempt::At(now + backoff(attempt)),
    };
    let message = one_line(error.message(), MAX_ERROR_CHARS);
    match next {
        NextAttempt::GiveUp => tracing::error!(
            notification = %claimed.id,
            recipient = %claimed.recipient_id,
            attempt,
            error = %message,
            "e-mailing a notification failed for good"
        ),
        NextAttempt::At(at) => tracing::warn!(
            notification = %claimed.id,
            recipient = %claimed.recipient_id,
            attempt,
            next_attempt_at = %at,
            error = %message,
            "e-mailing a notification failed; it will be retried"
        ),
    }
    if !store::notifications::mark_failed_attempt(&state.db, claimed, &message, next).await? {
        tracing::warn!(notification = %claimed.id, "a failed attempt outlived its claim");
    }
    Ok(())
}

/// Why one notification was not e-mailed.
#[derive(Debug)]
enum SendError {
    /// It never can be (no usable address, a disabled recipient): no retry.
    Undeliverable(String),
    /// The server refused this message; others may still pass.
    Refused(String),
    /// The server could not be reached or talked to.
    Unreachable(String),
}

impl SendError {
    fn message(&self) -> &str {
        match self {
            SendError::Undeliverable(m) | SendError::Refused(m) | SendError::Unreachable(m) => m,
        }
    }
}

/// `Auto-Submitted: auto-generated` (RFC 3834): vacation responders stay quiet.
#[derive(Clone)]
struct AutoSubmitted;

impl Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(AutoSubmitted)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "auto-generated".into())
    }
}

/// An SMTP client for one round.
struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    fn new(smtp: &SmtpSettings) -> Result<Mailer, String> {
        let builder = match smtp.security {
            SmtpSecurity::None => {
                AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host)
            }
            SmtpSecurity::Starttls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&smtp.host)
                    .map_err(|e| e.to_string())?
            }
            SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&smtp.host)
                .map_err(|e| e.to_string())?,
        };
        let mut builder = builder
            .port(smtp.port)
            .timeout(Some(Duration::from_secs(smtp.timeout_seconds)));
        if let (Some(username), Some(password)) = (&smtp.username, &smtp.password) {
            builder = builder.credentials(Credentials::new(
                username.clone(),
                password.expose_secret().to_string(),
            ));
        }
        let from = smtp
            .from
            .parse::<Mailbox>()
            .map_err(|e| format!("smtp.from: {e}"))?;
        Ok(Mailer {
            transport: builder.build(),
            from,
        })
    }

    fn message(&self, claimed: &ClaimedEmail) -> Result<Message, SendError> {
        if !claimed.enabled {
            return Err(SendError::Undeliverable("the recipient is disabled".into()));
        }
        let address = claimed.email.parse::<Address>().map_err(|_| {
            SendError::Undeliverable("the recipient's e-mail address is not usable".into())
        })?;
        let to = Mailbox::new(Some(one_line(&claimed.display_name, 200)), address);
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(one_line(&claimed.subject, MAX_SUBJECT_CHARS))
            // The notification's id: a receiver can tell a resent message from a new one.
            .message_id(Some(format!(
                "<{}@{}>",
                claimed.id,
                self.from.email.domain()
            )))
            .header(AutoSubmitted)
            .multipart(MultiPart::alternative_plain_html(
                claimed.body_text.clone(),
                claimed.body_html.clone(),
            ))
            .map_err(|e| SendError::Undeliverable(format!("cannot build the message: {e}")))
    }

    async fn send(&self, claimed: &ClaimedEmail, deadline: Duration) -> Result<(), SendError> {
        let message = self.message(claimed)?;
        match tokio::time::timeout(deadline, self.transport.send(message)).await {
            Err(_) => Err(SendError::Unreachable(format!(
                "no answer within {} seconds",
                deadline.as_secs()
            ))),
            Ok(Ok(_)) => Ok(()),
            Ok(Err(err)) if err.is_response() => Err(SendError::Refused(err.to_string())),
            Ok(Err(err)) => Err(SendError::Unreachable(err.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap_or_else(|_| panic!("{text} is a URL"))
    }

    #[test]
    fn backoff_doubles_from_a_minute_up_to_an_hour() {
        let minutes: Vec<i64> = (1..=MAX_ATTEMPTS)
            .map(|attempt| backoff(attempt).num_minutes())
            .collect();
        assert_eq!(minutes, [1, 2, 4, 8, 16, 32, 60, 60]);
    }

    #[test]
    fn every_value_is_escaped_in_html_and_kept_as_is_in_text() {
        let note = render(
            UserId::from_uuid(Uuid::nil()),
            NotificationKind::ApprovalNeeded,
            "Approve <b>\"Payroll\"</b>\r\nBcc: x@example.org",
            &["Mallory & <script>alert('x')</script> asks."],
            &[("Package <i>", "Payroll & \"Co\"\nInjected: yes")],
            "/approvals/1",
            &url("https://access.example.org"),
        );
        assert_eq!(
            note.subject,
            "Approve <b>\"Payroll\"</b>  Bcc: x@example.org"
        );
        assert!(
            note.body_html
                .contains("Mallory &amp; &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; asks.")
        );
        assert!(note.body_html.contains("Package &lt;i&gt;"));
        assert!(note.body_html.contains("Payroll &amp; &quot;Co&quot;"));
        assert!(!note.body_html.contains("<script>"));
        assert!(note.body_html.contains(
            "<title>Approve &lt;b&gt;&quot;Payroll&quot;&lt;/b&gt;  Bcc: x@example.org</title>"
        ));
        assert!(
            note.body_text
                .contains("Mallory & <script>alert('x')</script> asks.")
        );
        assert!(
            note.body_text
                .contains("Package <i>: Payroll & \"Co\" Injected: yes\n")
        );
        assert_eq!(note.kind, "approval_needed");
    }

    #[test]
    fn the_link_is_a_portal_path_under_the_public_url() {
        let plain = render(
            UserId::from_uuid(Uuid::nil()),
            NotificationKind::AccessDelivered,
            "s",
            &[],
            &[],
            "/requests/42",
            &url("https://access.example.org"),
        );
        assert_eq!(plain.link, "/requests/42");
        assert!(
            plain
                .body_text
                .contains("Open in Tessera: https://access.example.org/requests/42\n")
        );
        assert!(
            plain
                .body_html
                .contains("href=\"https://access.example.org/requests/42\"")
        );

        let prefixed = portal_url(&url("https://example.org/tessera/?x=1#y"), "/requests/42");
        assert_eq!(prefixed, "https://example.org/tessera/requests/42");

        for elsewhere in [
            "https://evil.example",
            "//evil.example/x",
            "/\\evil",
            "requests",
        ] {
            assert_eq!(portal_path(elsewhere), "/", "{elsewhere}");
        }
    }
}

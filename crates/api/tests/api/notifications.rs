//! Notifications: the outbox, e-mail through a real SMTP server the test starts, and the
//! portal's list, on both backends.

use std::str::FromStr;
use std::sync::{Arc, Mutex};

use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};
use tessera_api::config::{SecureCookie, SmtpSecurity, SmtpSettings};
use tessera_api::service::notifications::{MAX_ATTEMPTS, deliver_due, render};
use tessera_api::state::AppState;
use tessera_api::store::notifications::{NotificationRecord, enqueue, find_notification};
use tessera_domain::UserId;
use tessera_domain::notification::NotificationKind;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use uuid::Uuid;

use crate::helpers::*;
use crate::on_both_backends;

const PORTAL: &str = "https://access.example.org/";

/// Runs one async test body on SQLite and on PostgreSQL; the body starts its own app, since
/// it decides the SMTP settings.
macro_rules! on_both {
    ($(#[$meta:meta])* async fn $name:ident($backend:ident) $body:block) => {
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($backend: Backend) $body

            #[tokio::test]
            async fn sqlite() {
                run(Backend::Sqlite).await;
            }

            #[tokio::test]
            async fn postgres() {
                run(Backend::Postgres).await;
            }
        }
    };
}

/// What the test server answers at the end of DATA.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Answer {
    Accept,
    Refuse,
}

/// One message the test server took, as it came over the wire.
#[derive(Clone, Debug)]
struct Received {
    mail_from: String,
    rcpt_to: Vec<String>,
    data: String,
}

/// A small SMTP server on a free port: enough of RFC 5321 for lettre, keeping what it accepts.
#[derive(Clone)]
struct SmtpServer {
    port: u16,
    accepted: Arc<Mutex<Vec<Received>>>,
    /// Messages refused at the end of DATA.
    refused: Arc<Mutex<usize>>,
    answer: Arc<Mutex<Answer>>,
}

impl SmtpServer {
    async fn start() -> SmtpServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let server = SmtpServer {
            port: listener.local_addr().unwrap().port(),
            accepted: Arc::default(),
            refused: Arc::default(),
            answer: Arc::new(Mutex::new(Answer::Accept)),
        };
        let serving = server.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let session = serving.clone();
                tokio::spawn(async move { session.converse(stream).await });
            }
        });
        server
    }

    fn answer(&self, answer: Answer) {
        *self.answer.lock().unwrap() = answer;
    }

    fn accepted(&self) -> Vec<Received> {
        self.accepted.lock().unwrap().clone()
    }

    fn refused(&self) -> usize {
        *self.refused.lock().unwrap()
    }

    fn settings(&self) -> SmtpSettings {
        smtp_settings(self.port)
    }

    async fn converse(&self, stream: tokio::net::TcpStream) -> std::io::Result<()> {
        let (read, mut write) = stream.into_split();
        let mut read = BufReader::new(read);
        write.write_all(b"220 smtp.test ESMTP ready\r\n").await?;
        let mut mail_from = String::new();
        let mut rcpt_to = Vec::new();
        loop {
            let mut line = Vec::new();
            if read.read_until(b'\n', &mut line).await? == 0 {
                return Ok(());
            }
            let line = String::from_utf8_lossy(&line).trim_end().to_string();
            let verb = line
                .split([' ', ':'])
                .next()
                .unwrap_or_default()
                .to_ascii_uppercase();
            let reply: &[u8] = match verb.as_str() {
                "EHLO" | "HELO" => b"250 smtp.test\r\n",
                "MAIL" => {
                    mail_from = address_of(&line);
                    rcpt_to.clear();
                    b"250 2.1.0 OK\r\n"
                }
                "RCPT" => {
                    rcpt_to.push(address_of(&line));
                    b"250 2.1.5 OK\r\n"
                }
                "DATA" => {
                    write
                        .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                        .await?;
                    let mut data = Vec::new();
                    loop {
                        let mut line = Vec::new();
                        if read.read_until(b'\n', &mut line).await? == 0 {
                            return Ok(());
                        }
                        if line == b".\r\n" {
                            break;
                        }
                        // Undo dot-stuffing.
                        let line = line.strip_prefix(b".").unwrap_or(&line);
                        data.extend_from_slice(line);
                    }
                    let answer = *self.answer.lock().unwrap();
                    match answer {
                        Answer::Accept => {
                            self.accepted.lock().unwrap().push(Received {
                                mail_from: std::mem::take(&mut mail_from),
                                rcpt_to: std::mem::take(&mut rcpt_to),
                                data: String::from_utf8_lossy(&data).into_owned(),
                            });
                            b"250 2.0.0 queued\r\n"
                        }
                        Answer::Refuse => {
                            *self.refused.lock().unwrap() += 1;
                            b"554 5.7.1 Message refused\r\n"
                        }
                    }
                }
                "RSET" => {
                    mail_from.clear();
                    rcpt_to.clear();
                    b"250 2.0.0 OK\r\n"
                }
                "NOOP" => b"250 2.0.0 OK\r\n",
                "QUIT" => {
                    write.write_all(b"221 2.0.0 Bye\r\n").await?;
                    return Ok(());
                }
                _ => b"502 5.5.2 Command not implemented\r\n",
            };
            write.write_all(reply).await?;
        }
    }
}

/// `x@example.org` from `MAIL FROM:<x@example.org> SIZE=1`.
fn address_of(line: &str) -> String {
    line.split('<')
        .nth(1)
        .and_then(|rest| rest.split('>').next())
        .unwrap_or_default()
        .to_string()
}

fn smtp_settings(port: u16) -> SmtpSettings {
    SmtpSettings {
        host: "127.0.0.1".into(),
        port,
        from: "Tessera <tessera@example.org>".into(),
        username: None,
        password: None,
        security: SmtpSecurity::None,
        timeout_seconds: 5,
    }
}

/// A port nothing listens on.
async fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap().port()
}

async fn spawn(backend: Backend, smtp: Option<SmtpSettings>) -> TestApp {
    TestApp::spawn_with(backend, |settings| {
        settings.smtp = smtp;
        settings.public_url = Some(url::Url::parse(PORTAL).unwrap());
        // The portal's URL is https; the test client talks plain http to the listener.
        settings.session.secure_cookie = SecureCookie::Never;
    })
    .await
}

/// Writes a notification for `recipient` (a user id) and returns its id.
async fn notify(state: &AppState, recipient: &str, subject: &str) -> Uuid {
    let note = render(
        UserId::from_str(recipient).unwrap(),
        NotificationKind::ApprovalNeeded,
        subject,
        &["Mallory <mallory@example.org> asks for Payroll & <b>Benefits</b>."],
        &[
            ("Access package", "Payroll & <b>Benefits</b>"),
            ("Justification", "\"Quarter end\" <script>alert(1)</script>"),
        ],
        "/approvals/0192a1b2-0000-7000-8000-000000000001",
        &state.settings.public_url(),
    );
    enqueue(&state.db, &note).await.unwrap();
    note.id
}

async fn record(state: &AppState, id: Uuid) -> NotificationRecord {
    find_notification(&state.db, id).await.unwrap().unwrap()
}

fn assert_near(actual: DateTime<Utc>, expected: DateTime<Utc>) {
    let gap = (actual - expected).num_milliseconds().abs();
    assert!(gap < 5, "{actual} is not {expected}");
}

/// Splits a message or a MIME part into its (lowercased name, unfolded value) headers and
/// its body.
fn split_headers(text: &str) -> (Vec<(String, String)>, &str) {
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.split("\r\n") {
        if line.starts_with([' ', '\t']) {
            headers.last_mut().unwrap().1.push_str(line);
        } else {
            let (name, value) = line.split_once(':').unwrap();
            headers.push((name.to_ascii_lowercase(), value.trim().to_string()));
        }
    }
    (headers, body)
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> &'a str {
    headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_default()
}

fn decode(encoding: &str, body: &str) -> String {
    match encoding.to_ascii_lowercase().as_str() {
        "base64" => {
            let compact: String = body.split_whitespace().collect();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(compact)
                .unwrap();
            String::from_utf8(bytes).unwrap()
        }
        "quoted-printable" => {
            let joined = body.replace("=\r\n", "");
            let mut bytes = Vec::new();
            let mut rest = joined.as_bytes();
            while let Some((&first, tail)) = rest.split_first() {
                if first == b'=' && tail.len() >= 2 {
                    let hex = std::str::from_utf8(&tail[..2]).unwrap();
                    bytes.push(u8::from_str_radix(hex, 16).unwrap());
                    rest = &tail[2..];
                } else {
                    bytes.push(first);
                    rest = tail;
                }
            }
            String::from_utf8(bytes).unwrap()
        }
        _ => body.to_string(),
    }
}

impl Received {
    fn header(&self, name: &str) -> String {
        header(&split_headers(&self.data).0, name).to_string()
    }

    /// The decoded body of the part of type `mime` in a multipart message.
    fn part(&self, mime: &str) -> String {
        let (headers, body) = split_headers(&self.data);
        let content_type = header(&headers, "content-type");
        assert!(
            content_type.starts_with("multipart/alternative"),
            "{content_type}"
        );
        let boundary = content_type
            .split("boundary=")
            .nth(1)
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .trim_matches('"');
        for chunk in body.split(&format!("--{boundary}")) {
            if chunk.starts_with("--") || chunk.trim().is_empty() {
                continue;
            }
            let (part_headers, part_body) = split_headers(chunk.trim_start_matches("\r\n"));
            if header(&part_headers, "content-type").starts_with(mime) {
                return decode(
                    header(&part_headers, "content-transfer-encoding"),
                    part_body,
                );
            }
        }
        panic!("no {mime} part in {}", self.data);
    }
}

on_both! {
    async fn a_notification_is_emailed_once_as_text_and_html_with_a_portal_link_and_escaped_values(backend) {
        let server = SmtpServer::start().await;
        let app = spawn(backend, Some(server.settings())).await;
        let alice = app.person("alice").await;
        let state = app.state().await;
        let id = notify(&state, &alice.id(), "Approval needed for Payroll").await;

        assert_eq!(deliver_due(&state, Utc::now()).await.unwrap(), 1);
        let messages = server.accepted();
        assert_eq!(messages.len(), 1);
        let message = &messages[0];
        assert_eq!(message.mail_from, "tessera@example.org");
        assert_eq!(message.rcpt_to, ["alice@example.org"]);
        assert!(message.header("to").contains("<alice@example.org>"), "{}", message.header("to"));
        assert!(message.header("from").contains("<tessera@example.org>"));
        assert_eq!(message.header("subject"), "Approval needed for Payroll");
        assert_eq!(message.header("message-id"), format!("<{id}@example.org>"));
        assert_eq!(message.header("auto-submitted"), "auto-generated");

        let link = "https://access.example.org/approvals/0192a1b2-0000-7000-8000-000000000001";
        let text = message.part("text/plain");
        assert!(text.contains("Mallory <mallory@example.org> asks for Payroll & <b>Benefits</b>."), "{text}");
        assert!(text.contains("Justification: \"Quarter end\" <script>alert(1)</script>"), "{text}");
        assert!(text.contains(&format!("Open in Tessera: {link}")), "{text}");
        let html = message.part("text/html");
        assert!(html.contains(&format!("<a href=\"{link}\"")), "{html}");
        assert!(html.contains("Mallory &lt;mallory@example.org&gt; asks for Payroll &amp; &lt;b&gt;Benefits&lt;/b&gt;."), "{html}");
        assert!(html.contains("&quot;Quarter end&quot; &lt;script&gt;alert(1)&lt;/script&gt;"), "{html}");
        assert!(!html.contains("<script>") && !html.contains("<b>"), "{html}");

        let sent = record(&state, id).await;
        assert_eq!(sent.email_state.as_str(), "sent");
        assert_eq!(sent.attempts, 1);
        assert!(sent.sent_at.is_some() && sent.claimed_until.is_none() && sent.last_error.is_none());

        // Sent is sent: later rounds leave it alone.
        assert_eq!(deliver_due(&state, Utc::now() + Duration::days(1)).await.unwrap(), 0);
        assert_eq!(server.accepted().len(), 1);

        // E-mailed or not, it is in the portal, linked by path.
        let page: Value = alice.get("/api/v1/me/notifications").await.json().await.unwrap();
        assert_eq!(page["unread_count"], 1);
        assert_eq!(page["items"][0]["id"], id.to_string());
        assert_eq!(page["items"][0]["kind"], "approval_needed");
        assert_eq!(page["items"][0]["link"], "/approvals/0192a1b2-0000-7000-8000-000000000001");
        assert_eq!(page["items"][0]["read_at"], Value::Null);
        assert!(page["items"][0]["body_text"].as_str().unwrap().contains("<script>"));
        assert!(page["items"][0].get("body_html").is_none());
    }
}

on_both! {
    async fn a_refusing_server_gets_retries_with_backoff_and_the_message_once_it_accepts(backend) {
        let server = SmtpServer::start().await;
        let app = spawn(backend, Some(server.settings())).await;
        let alice = app.person("alice").await;
        let state = app.state().await;
        let id = notify(&state, &alice.id(), "Refused at first").await;
        server.answer(Answer::Refuse);

        let first = Utc::now();
        assert_eq!(deliver_due(&state, first).await.unwrap(), 0);
        let after_one = record(&state, id).await;
        assert_eq!((after_one.email_state.as_str(), after_one.attempts), ("pending", 1));
        assert_near(after_one.next_attempt_at, first + Duration::minutes(1));
        assert!(after_one.last_error.as_deref().unwrap().contains("554"), "{:?}", after_one.last_error);
        assert!(after_one.claimed_until.is_none());

        // Not yet due: nobody tries.
        assert_eq!(deliver_due(&state, first + Duration::seconds(30)).await.unwrap(), 0);
        assert_eq!(server.refused(), 1);

        let second = first + Duration::minutes(1);
        assert_eq!(deliver_due(&state, second).await.unwrap(), 0);
        let after_two = record(&state, id).await;
        assert_eq!(after_two.attempts, 2);
        assert_near(after_two.next_attempt_at, second + Duration::minutes(2));
        assert_eq!(server.refused(), 2);

        server.answer(Answer::Accept);
        let third = second + Duration::minutes(2);
        assert_eq!(deliver_due(&state, third).await.unwrap(), 1);
        assert_eq!(deliver_due(&state, third + Duration::hours(2)).await.unwrap(), 0);
        assert_eq!(server.accepted().len(), 1);
        let sent = record(&state, id).await;
        assert_eq!((sent.email_state.as_str(), sent.attempts), ("sent", 3));
    }
}

on_both! {
    async fn an_unreachable_server_ends_the_round_and_after_the_last_attempt_the_email_fails(backend) {
        let app = spawn(backend, Some(smtp_settings(closed_port().await))).await;
        let alice = app.person("alice").await;
        let state = app.state().await;
        let first = notify(&state, &alice.id(), "First").await;
        let second = notify(&state, &alice.id(), "Second").await;

        let mut now = Utc::now();
        assert_eq!(deliver_due(&state, now).await.unwrap(), 0);
        // The server is down: one attempt this round, not one per message.
        let attempts = record(&state, first).await.attempts + record(&state, second).await.attempts;
        assert_eq!(attempts, 1);

        for _ in 0..(2 * MAX_ATTEMPTS) {
            now += Duration::hours(2);
            assert_eq!(deliver_due(&state, now).await.unwrap(), 0);
        }
        for id in [first, second] {
            let failed = record(&state, id).await;
            assert_eq!((failed.email_state.as_str(), failed.attempts), ("failed", MAX_ATTEMPTS));
            assert!(failed.last_error.is_some() && failed.sent_at.is_none());
        }

        // A server that answers again does not bring failed e-mails back; the portal keeps them.
        let server = SmtpServer::start().await;
        let mut state = state;
        state.settings.smtp = Some(server.settings());
        assert_eq!(deliver_due(&state, now + Duration::days(1)).await.unwrap(), 0);
        assert!(server.accepted().is_empty());
        let page: Value = alice.get("/api/v1/me/notifications").await.json().await.unwrap();
        assert_eq!(page["items"].as_array().unwrap().len(), 2);
    }
}

on_both! {
    async fn tls_settings_never_fall_back_to_plain_smtp(backend) {
        let server = SmtpServer::start().await;
        let app = spawn(backend, None).await;
        let alice = app.person("alice").await;
        let mut state = app.state().await;
        let id = notify(&state, &alice.id(), "Only over TLS").await;
        let mut now = Utc::now();
        // The test server offers no STARTTLS and speaks no TLS: nothing may go out in clear.
        for security in [SmtpSecurity::Starttls, SmtpSecurity::Tls] {
            state.settings.smtp = Some(SmtpSettings { security, ..server.settings() });
            assert_eq!(deliver_due(&state, now).await.unwrap(), 0);
            now += Duration::hours(2);
        }
        assert!(server.accepted().is_empty());
        let waiting = record(&state, id).await;
        assert_eq!((waiting.email_state.as_str(), waiting.attempts), ("pending", 2));
        // The TLS client was set up and refused the server, rather than failing to start.
        let error = waiting.last_error.unwrap();
        assert!(!error.contains("cannot set up"), "{error}");
    }
}

on_both! {
    async fn two_workers_racing_send_each_notification_once(backend) {
        let server = SmtpServer::start().await;
        let app = spawn(backend, Some(server.settings())).await;
        let alice = app.person("alice").await;
        let bob = app.person("bob").await;
        let state = app.state().await;
        let replica = app.state().await;
        let mut ids = Vec::new();
        for i in 0..6 {
            let recipient = if i % 2 == 0 { alice.id() } else { bob.id() };
            ids.push(notify(&state, &recipient, &format!("Notification {i}")).await);
        }

        let now = Utc::now();
        let (one, two) = tokio::join!(deliver_due(&state, now), deliver_due(&replica, now));
        assert_eq!(one.unwrap() + two.unwrap(), 6);
        let mut message_ids: Vec<String> = server.accepted().iter().map(|m| m.header("message-id")).collect();
        message_ids.sort();
        let mut expected: Vec<String> = ids.iter().map(|id| format!("<{id}@example.org>")).collect();
        expected.sort();
        assert_eq!(message_ids, expected, "each notification once");
        for id in ids {
            let sent = record(&state, id).await;
            assert_eq!((sent.email_state.as_str(), sent.attempts), ("sent", 1));
        }
        let (one, two) = tokio::join!(deliver_due(&state, now), deliver_due(&replica, now));
        assert_eq!(one.unwrap() + two.unwrap(), 0);
        assert_eq!(server.accepted().len(), 6);
    }
}

on_both! {
    async fn without_smtp_nothing_is_sent_and_the_outbox_waits_in_the_portal(backend) {
        let app = spawn(backend, None).await;
        let alice = app.person("alice").await;
        let state = app.state().await;
        let id = notify(&state, &alice.id(), "Kept for later").await;

        assert_eq!(deliver_due(&state, Utc::now() + Duration::days(30)).await.unwrap(), 0);
        let waiting = record(&state, id).await;
        assert_eq!((waiting.email_state.as_str(), waiting.attempts), ("pending", 0));
        let page: Value = alice.get("/api/v1/me/notifications").await.json().await.unwrap();
        assert_eq!(page["items"][0]["subject"], "Kept for later");
        assert_eq!(page["unread_count"], 1);

        // Configured later, SMTP sends what waited.
        let server = SmtpServer::start().await;
        let mut state = state;
        state.settings.smtp = Some(server.settings());
        assert_eq!(deliver_due(&state, Utc::now()).await.unwrap(), 1);
        assert_eq!(server.accepted()[0].header("subject"), "Kept for later");
    }
}

on_both_backends! {
    async fn people_read_and_page_their_own_notifications_and_never_anyone_elses(app: TestApp) {
        let alice = app.person("alice").await;
        let bob = app.person("bob").await;
        let state = app.state().await;
        let mut mine = Vec::new();
        for i in 0..3 {
            mine.push(notify(&state, &alice.id(), &format!("For Alice {i}")).await);
        }
        let bobs = notify(&state, &bob.id(), "For Bob").await;

        let first: Value = alice.get("/api/v1/me/notifications?limit=2").await.json().await.unwrap();
        let subjects = |page: &Value| -> Vec<String> {
            page["items"].as_array().unwrap().iter().map(|n| n["subject"].as_str().unwrap().to_string()).collect()
        };
        assert_eq!(subjects(&first), ["For Alice 2", "For Alice 1"]);
        assert_eq!(first["unread_count"], 3);
        let cursor = first["next_cursor"].as_str().unwrap();
        let second: Value = alice.get(&format!("/api/v1/me/notifications?limit=2&cursor={cursor}")).await.json().await.unwrap();
        assert_eq!(subjects(&second), ["For Alice 0"]);
        assert_eq!(second["next_cursor"], Value::Null);

        let read = alice.post(&format!("/api/v1/me/notifications/{}/read", mine[1]), &json!({})).await;
        assert_eq!(read.status(), 204);
        let unread: Value = alice.get("/api/v1/me/notifications?unread=true").await.json().await.unwrap();
        assert_eq!(subjects(&unread), ["For Alice 2", "For Alice 0"]);
        assert_eq!(unread["unread_count"], 2);
        let all: Value = alice.get("/api/v1/me/notifications").await.json().await.unwrap();
        let read_at = all["items"][1]["read_at"].clone();
        assert!(read_at.is_string());
        // Reading again keeps the first time.
        alice.post(&format!("/api/v1/me/notifications/{}/read", mine[1]), &json!({})).await;
        let again: Value = alice.get("/api/v1/me/notifications").await.json().await.unwrap();
        assert_eq!(again["items"][1]["read_at"], read_at);

        // Someone else's notification does not exist for you.
        let theirs = bob.post(&format!("/api/v1/me/notifications/{}/read", mine[0]), &json!({})).await;
        assert_problem(theirs, 404, "not_found").await;
        let nobody = alice.post(&format!("/api/v1/me/notifications/{}/read", Uuid::now_v7()), &json!({})).await;
        assert_problem(nobody, 404, "not_found").await;
        let garbage = alice.post("/api/v1/me/notifications/not-an-id/read", &json!({})).await;
        assert_problem(garbage, 400, "bad_request").await;
        assert!(record(&state, mine[0]).await.read_at.is_none());
        let bobs_page: Value = bob.get("/api/v1/me/notifications").await.json().await.unwrap();
        assert_eq!(subjects(&bobs_page), ["For Bob"]);

        let all_read = alice.post("/api/v1/me/notifications/read-all", &json!({})).await;
        assert_eq!(all_read.status(), 204);
        let done: Value = alice.get("/api/v1/me/notifications?unread=true").await.json().await.unwrap();
        assert_eq!(done["items"], json!([]));
        assert_eq!(done["unread_count"], 0);
        assert!(record(&state, bobs).await.read_at.is_none(), "Bob's stayed unread");

        let bad = alice.get("/api/v1/me/notifications?unread=maybe").await;
        assert_problem(bad, 400, "bad_request").await;
        let unknown = alice.get("/api/v1/me/notifications?seen=true").await;
        assert_problem(unknown, 400, "bad_request").await;
    }
}

mod requests_by_email {
    use super::*;
    use crate::requests::{asked, offer, one_stage};

    async fn run(backend: Backend) {
        let smtp = SmtpServer::start().await;
        let app = spawn(backend, Some(smtp.settings())).await;
        let alice = app.person("alice").await;
        let bob = app.person("bob").await;
        let b = bob.id();
        let offer = offer(&app, "Ledger", move |_| one_stage(&[&b])).await;
        let request = asked(&alice, &offer, serde_json::json!({})).await;
        let state = app.state().await;
        assert_eq!(deliver_due(&state, Utc::now()).await.unwrap(), 1);
        let mail = smtp.accepted();
        assert_eq!(mail.len(), 1);
        assert_eq!(
            mail[0].rcpt_to,
            ["bob@example.org"],
            "the approver is asked"
        );
        assert_eq!(
            mail[0].header("subject"),
            "Approve access to Ledger for alice Example?"
        );
        assert!(
            mail[0]
                .part("text/plain")
                .contains(&format!("{PORTAL}approvals"))
        );

        let decided = bob
            .post(
                &format!(
                    "/api/v1/requests/{}/decision",
                    request["id"].as_str().unwrap()
                ),
                &serde_json::json!({"stage": 1, "verdict": "approve"}),
            )
            .await;
        assert_eq!(decided.status(), 200);
        assert_eq!(deliver_due(&state, Utc::now()).await.unwrap(), 1);
        let mail = smtp.accepted();
        assert_eq!(mail.len(), 2);
        assert_eq!(
            mail[1].rcpt_to,
            ["alice@example.org"],
            "the requester hears it is ready"
        );
        assert_eq!(mail[1].header("subject"), "Access to Ledger is ready");
    }

    #[tokio::test]
    async fn sqlite() {
        run(Backend::Sqlite).await;
    }

    #[tokio::test]
    async fn postgres() {
        run(Backend::Postgres).await;
    }
}

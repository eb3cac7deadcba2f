-- Notifications: the outbox of messages to people. A change writes its notifications in its
-- own transaction, so a notification exists exactly when the change does. The portal lists
-- them; a worker e-mails the pending ones when SMTP is configured, and otherwise they wait.
--
-- Claiming for e-mail is a compare-and-set on `claimed_until` (a lease): a worker may send a
-- row only while its lease, written by its own claim, holds. `last_error` is for operators and
-- never shown to people.

CREATE TABLE notifications (
    id              UUID PRIMARY KEY,
    recipient_id    UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind            TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body_text       TEXT NOT NULL,
    body_html       TEXT NOT NULL,
    -- The portal path to act on it, such as /requests/…; the bodies carry the absolute URL.
    link            TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    read_at         TIMESTAMPTZ,
    email_state     TEXT NOT NULL DEFAULT 'pending' CHECK (email_state IN ('pending', 'sent', 'failed')),
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    claimed_until   TIMESTAMPTZ,
    last_error      TEXT,
    sent_at         TIMESTAMPTZ,
    CHECK ((email_state = 'sent') = (sent_at IS NOT NULL))
);
-- What the e-mail worker looks for.
CREATE INDEX notifications_due ON notifications (next_attempt_at) WHERE email_state = 'pending';
-- A person's list, newest first (ids are time-ordered), and their unread ones.
CREATE INDEX notifications_recipient ON notifications (recipient_id, id);
CREATE INDEX notifications_unread ON notifications (recipient_id, id) WHERE read_at IS NULL;

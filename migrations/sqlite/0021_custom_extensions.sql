-- no-transaction
-- Custom extensions: HTTPS endpoints an assignment policy calls when a request is created or
-- approved, or an assignment is granted or removed (docs/EXTENSIONS.md).
--
-- The extensions themselves are part of the policy's definition (JSON). The policy's signing
-- secret is kept here, apart from the definition, so that no view of the policy ever shows it;
-- it must be readable to sign (HMAC), so it is stored as is, like webhook secrets.
--
-- `extension_calls` is the outbox of calls: written in the transaction of the transition that
-- triggers them, claimed by workers on every replica with a compare-and-set lease on
-- `claimed_until`, retried with backoff. A launch-and-wait call also records the wait: the
-- SHA-256 of the one-time callback token (never the token), and the answer.

PRAGMA foreign_keys = OFF;
BEGIN;

-- A request may wait for an extension: the state `waiting`. SQLite cannot change a CHECK
-- constraint, so the table is rebuilt (the documented procedure: foreign keys off outside the
-- transaction, so that dropping the old table deletes nothing that refers to it).
CREATE TABLE requests_new (
    id            BLOB PRIMARY KEY NOT NULL,
    package_id    BLOB NOT NULL REFERENCES access_packages (id) ON DELETE CASCADE,
    policy_id     BLOB REFERENCES assignment_policies (id) ON DELETE SET NULL,
    policy_name   TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('user_add', 'user_extend', 'user_remove',
                                                'admin_add', 'admin_remove')),
    state         TEXT NOT NULL CHECK (state IN ('submitted', 'pending_approval', 'waiting',
                                                 'scheduled', 'delivering', 'delivered',
                                                 'partially_delivered', 'delivery_failed',
                                                 'denied', 'canceled', 'expired')),
    requester_id  BLOB REFERENCES users (id) ON DELETE SET NULL,
    target_id     BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    assignment_id BLOB REFERENCES assignments (id) ON DELETE SET NULL,
    justification TEXT,
    answers       TEXT NOT NULL DEFAULT '[]',
    ends_at       TEXT,
    outcome       TEXT,
    record        TEXT NOT NULL,
    due_at        TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    version       BIGINT NOT NULL DEFAULT 1
);
INSERT INTO requests_new (id, package_id, policy_id, policy_name, kind, state, requester_id,
    target_id, assignment_id, justification, answers, ends_at, outcome, record, due_at,
    created_at, updated_at, version)
SELECT id, package_id, policy_id, policy_name, kind, state, requester_id, target_id,
    assignment_id, justification, answers, ends_at, outcome, record, due_at, created_at,
    updated_at, version FROM requests;
DROP TABLE requests;
ALTER TABLE requests_new RENAME TO requests;
-- One open request per person and package, a waiting one included.
CREATE UNIQUE INDEX requests_open ON requests (package_id, target_id)
    WHERE state IN ('submitted', 'pending_approval', 'waiting', 'scheduled', 'delivering');
CREATE INDEX requests_target ON requests (target_id, id);
CREATE INDEX requests_requester ON requests (requester_id, id);
CREATE INDEX requests_due ON requests (due_at) WHERE due_at IS NOT NULL;

ALTER TABLE assignment_policies ADD COLUMN extension_secret TEXT;

CREATE TABLE extension_calls (
    -- Time-ordered (UUIDv7); the `webhook-id` of every attempt of the call.
    id                  BLOB PRIMARY KEY NOT NULL,
    policy_id           BLOB REFERENCES assignment_policies (id) ON DELETE SET NULL,
    request_id          BLOB REFERENCES requests (id) ON DELETE CASCADE,
    assignment_id       BLOB,
    extension           TEXT NOT NULL,
    stage               TEXT NOT NULL CHECK (stage IN ('request_created', 'request_approved', 'assignment_granted', 'assignment_removal')),
    mode                TEXT NOT NULL CHECK (mode IN ('launch_and_continue', 'launch_and_wait')),
    url                 TEXT NOT NULL,
    -- The JSON body, without the callback token (added to each attempt).
    payload             TEXT NOT NULL,
    state               TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'waiting', 'resumed', 'timed_out', 'failed')),
    callback_token_hash TEXT,
    wait_until          TEXT,
    attempts            BIGINT NOT NULL DEFAULT 0,
    next_attempt_at     TEXT NOT NULL,
    claimed_until       TEXT,
    last_attempt_at     TEXT,
    last_status         BIGINT,
    last_error          TEXT,
    sent_at             TEXT,
    answer              TEXT CHECK (answer IN ('continue', 'deny')),
    answer_message      TEXT,
    answered_at         TEXT,
    created_at          TEXT NOT NULL,
    CHECK ((mode = 'launch_and_wait') = (wait_until IS NOT NULL)),
    CHECK ((answer IS NULL) = (answered_at IS NULL))
);
-- What the worker looks for.
CREATE INDEX extension_calls_due ON extension_calls (next_attempt_at) WHERE state = 'pending';
-- A request's calls, for its timeline and its timeout.
CREATE INDEX extension_calls_request ON extension_calls (request_id, id);

PRAGMA foreign_key_check;
COMMIT;
PRAGMA foreign_keys = ON;

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

-- A request may wait for an extension: the state `waiting`.
ALTER TABLE requests DROP CONSTRAINT requests_state_check;
ALTER TABLE requests ADD CONSTRAINT requests_state_check CHECK (state IN ('submitted',
    'pending_approval', 'waiting', 'scheduled', 'delivering', 'delivered',
    'partially_delivered', 'delivery_failed', 'denied', 'canceled', 'expired'));
-- One open request per person and package, a waiting one included.
DROP INDEX requests_open;
CREATE UNIQUE INDEX requests_open ON requests (package_id, target_id)
    WHERE state IN ('submitted', 'pending_approval', 'waiting', 'scheduled', 'delivering');

ALTER TABLE assignment_policies ADD COLUMN extension_secret TEXT;

CREATE TABLE extension_calls (
    -- Time-ordered (UUIDv7); the `webhook-id` of every attempt of the call.
    id                  UUID PRIMARY KEY,
    policy_id           UUID REFERENCES assignment_policies (id) ON DELETE SET NULL,
    request_id          UUID REFERENCES requests (id) ON DELETE CASCADE,
    assignment_id       UUID,
    extension           TEXT NOT NULL,
    stage               TEXT NOT NULL CHECK (stage IN ('request_created', 'request_approved', 'assignment_granted', 'assignment_removal')),
    mode                TEXT NOT NULL CHECK (mode IN ('launch_and_continue', 'launch_and_wait')),
    url                 TEXT NOT NULL,
    -- The JSON body, without the callback token (added to each attempt).
    payload             TEXT NOT NULL,
    state               TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'waiting', 'resumed', 'timed_out', 'failed')),
    callback_token_hash TEXT,
    wait_until          TIMESTAMPTZ,
    attempts            BIGINT NOT NULL DEFAULT 0,
    next_attempt_at     TIMESTAMPTZ NOT NULL,
    claimed_until       TIMESTAMPTZ,
    last_attempt_at     TIMESTAMPTZ,
    last_status         BIGINT,
    last_error          TEXT,
    sent_at             TIMESTAMPTZ,
    answer              TEXT CHECK (answer IN ('continue', 'deny')),
    answer_message      TEXT,
    answered_at         TIMESTAMPTZ,
    created_at          TIMESTAMPTZ NOT NULL,
    CHECK ((mode = 'launch_and_wait') = (wait_until IS NOT NULL)),
    CHECK ((answer IS NULL) = (answered_at IS NULL))
);
-- What the worker looks for.
CREATE INDEX extension_calls_due ON extension_calls (next_attempt_at) WHERE state = 'pending';
-- A request's calls, for its timeline and its timeout.
CREATE INDEX extension_calls_request ON extension_calls (request_id, id);

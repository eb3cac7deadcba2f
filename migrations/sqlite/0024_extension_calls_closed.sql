-- no-transaction
-- Custom extensions, second round (docs/EXTENSIONS.md):
--
-- - A call can be `closed`: a launch-and-wait call whose request was closed (canceled,
--   denied, expired) before the extension answered. It is not sent any more and cannot be
--   answered. SQLite cannot change a CHECK constraint, so `extension_calls` is rebuilt.
-- - A policy's rotated signing secret keeps signing next to the new one until
--   `extension_secret_previous_until`, as a webhook subscription's does.

PRAGMA foreign_keys = OFF;
BEGIN;

CREATE TABLE extension_calls_new (
    id                  BLOB PRIMARY KEY NOT NULL,
    policy_id           BLOB REFERENCES assignment_policies (id) ON DELETE SET NULL,
    request_id          BLOB REFERENCES requests (id) ON DELETE CASCADE,
    assignment_id       BLOB,
    extension           TEXT NOT NULL,
    stage               TEXT NOT NULL CHECK (stage IN ('request_created', 'request_approved', 'assignment_granted', 'assignment_removal')),
    mode                TEXT NOT NULL CHECK (mode IN ('launch_and_continue', 'launch_and_wait')),
    url                 TEXT NOT NULL,
    payload             TEXT NOT NULL,
    state               TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'waiting', 'resumed', 'timed_out', 'failed', 'closed')),
    -- The SHA-256 (hex) of every callback token issued for the call, space-separated.
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
INSERT INTO extension_calls_new SELECT id, policy_id, request_id, assignment_id, extension,
    stage, mode, url, payload, state, callback_token_hash, wait_until, attempts,
    next_attempt_at, claimed_until, last_attempt_at, last_status, last_error, sent_at, answer,
    answer_message, answered_at, created_at FROM extension_calls;
DROP TABLE extension_calls;
ALTER TABLE extension_calls_new RENAME TO extension_calls;
CREATE INDEX extension_calls_due ON extension_calls (next_attempt_at) WHERE state = 'pending';
CREATE INDEX extension_calls_request ON extension_calls (request_id, id);

ALTER TABLE assignment_policies ADD COLUMN extension_secret_previous TEXT;
ALTER TABLE assignment_policies ADD COLUMN extension_secret_previous_until TEXT;

PRAGMA foreign_key_check;
COMMIT;
PRAGMA foreign_keys = ON;

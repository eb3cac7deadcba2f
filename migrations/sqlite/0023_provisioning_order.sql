-- Provisioning operations go out in the order the database wrote them, not in the order of
-- their UUIDv7 ids: replicas whose clocks differ could otherwise put a later change first.
-- `seq` is assigned by the database on insert (SQLite: AUTOINCREMENT never reuses a value).
--
-- A `deactivate` operation (a leaver at a connector that deactivates leavers) belongs to the
-- connector, not to one binding, so `binding_id` is empty for it and only for it.
--
-- SQLite cannot change a column's constraints in place: the table is rebuilt, its rows copied
-- in their old order. No other table refers to it.

CREATE TABLE provisioning_operations_new (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    id              BLOB NOT NULL UNIQUE,
    binding_id      BLOB REFERENCES connector_bindings (id) ON DELETE CASCADE,
    connector_id    BLOB NOT NULL REFERENCES connectors (id) ON DELETE CASCADE,
    user_id         BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    assignment_id   BLOB REFERENCES assignments (id) ON DELETE SET NULL,
    action          TEXT NOT NULL CHECK (action IN ('add', 'remove', 'deactivate')),
    state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'failed', 'skipped')),
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    claimed_until   TEXT,
    last_attempt_at TEXT,
    last_error      TEXT,
    created_at      TEXT NOT NULL,
    done_at         TEXT,
    -- The administrator who retried or skipped it last.
    decided_by      BLOB REFERENCES users (id) ON DELETE SET NULL,
    version         BIGINT NOT NULL DEFAULT 1,
    CHECK ((state = 'done') = (done_at IS NOT NULL)),
    CHECK ((binding_id IS NULL) = (action = 'deactivate'))
);

INSERT INTO provisioning_operations_new (id, binding_id, connector_id, user_id, assignment_id,
    action, state, attempts, next_attempt_at, claimed_until, last_attempt_at, last_error,
    created_at, done_at, decided_by, version)
SELECT id, CASE WHEN action = 'deactivate' THEN NULL ELSE binding_id END, connector_id, user_id,
    assignment_id, action, state, attempts, next_attempt_at, claimed_until, last_attempt_at,
    last_error, created_at, done_at, decided_by, version
FROM provisioning_operations ORDER BY id;

DROP TABLE provisioning_operations;
ALTER TABLE provisioning_operations_new RENAME TO provisioning_operations;

-- The head of each (connector, person) queue, and what the worker looks for.
CREATE INDEX provisioning_operations_queue ON provisioning_operations (connector_id, user_id, seq) WHERE state = 'pending';
CREATE INDEX provisioning_operations_due ON provisioning_operations (next_attempt_at) WHERE state = 'pending';
CREATE INDEX provisioning_operations_assignment ON provisioning_operations (assignment_id);
CREATE INDEX provisioning_operations_user ON provisioning_operations (user_id);
CREATE INDEX provisioning_operations_binding ON provisioning_operations (binding_id);

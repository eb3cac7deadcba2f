-- Provisioning: connected systems (an LDAP directory, a SCIM application), the groups and app
-- roles bound to targets in them, and the outbox of membership changes pushed there.
--
-- A change that grants or revokes a bound group or app role writes its operations in its own
-- transaction (store::provisioning, called from store::assignments). Workers on every replica
-- claim due operations with a compare-and-set lease on `claimed_until` (plus FOR UPDATE SKIP
-- LOCKED on PostgreSQL). An operation is due only when no older operation of the same binding
-- and person is pending, so an add and a later remove reach the target in that order.
--
-- The secret (a bind password, a bearer token) must be readable to connect, so it is stored as
-- is; the API never returns it.

CREATE TABLE connectors (
    id         UUID PRIMARY KEY,
    name       TEXT NOT NULL,
    name_key   TEXT NOT NULL UNIQUE,
    -- The ConnectorSettings JSON (tagged by `kind`).
    settings   TEXT NOT NULL,
    secret     TEXT NOT NULL,
    enabled    BOOLEAN NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    version    BIGINT NOT NULL DEFAULT 1
);

CREATE TABLE connector_bindings (
    id           UUID PRIMARY KEY,
    connector_id UUID NOT NULL REFERENCES connectors (id) ON DELETE CASCADE,
    group_id     UUID REFERENCES groups (id) ON DELETE CASCADE,
    app_role_id  UUID REFERENCES app_roles (id) ON DELETE CASCADE,
    -- An LDAP group DN, a SCIM group id.
    target       TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    CHECK ((group_id IS NULL) <> (app_role_id IS NULL))
);
CREATE UNIQUE INDEX connector_bindings_group ON connector_bindings (connector_id, group_id) WHERE group_id IS NOT NULL;
CREATE UNIQUE INDEX connector_bindings_app_role ON connector_bindings (connector_id, app_role_id) WHERE app_role_id IS NOT NULL;
CREATE INDEX connector_bindings_by_group ON connector_bindings (group_id);
CREATE INDEX connector_bindings_by_app_role ON connector_bindings (app_role_id);

CREATE TABLE provisioning_operations (
    -- Time-ordered (UUIDv7): a binding's operations for one person go out in this order.
    id              UUID PRIMARY KEY,
    binding_id      UUID NOT NULL REFERENCES connector_bindings (id) ON DELETE CASCADE,
    connector_id    UUID NOT NULL REFERENCES connectors (id) ON DELETE CASCADE,
    user_id         UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    assignment_id   UUID REFERENCES assignments (id) ON DELETE SET NULL,
    action          TEXT NOT NULL CHECK (action IN ('add', 'remove', 'deactivate')),
    state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'failed', 'skipped')),
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    claimed_until   TIMESTAMPTZ,
    last_attempt_at TIMESTAMPTZ,
    last_error      TEXT,
    created_at      TIMESTAMPTZ NOT NULL,
    done_at         TIMESTAMPTZ,
    -- The administrator who retried or skipped it last.
    decided_by      UUID REFERENCES users (id) ON DELETE SET NULL,
    version         BIGINT NOT NULL DEFAULT 1,
    CHECK ((state = 'done') = (done_at IS NOT NULL))
);
-- The head of each (binding, person) queue, and what the worker looks for.
CREATE INDEX provisioning_operations_queue ON provisioning_operations (binding_id, user_id, id) WHERE state = 'pending';
CREATE INDEX provisioning_operations_due ON provisioning_operations (next_attempt_at) WHERE state = 'pending';
CREATE INDEX provisioning_operations_assignment ON provisioning_operations (assignment_id);
CREATE INDEX provisioning_operations_user ON provisioning_operations (user_id);

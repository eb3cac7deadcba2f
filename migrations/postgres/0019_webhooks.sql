-- Webhooks: Tessera's events, pushed to subscribers over signed HTTP (Standard Webhooks).
--
-- `webhook_events` is the event outbox: a change of a kind subscribers may hear about writes its
-- event in its own transaction (store::webhooks::insert_event, called where the audit event is
-- written), and with it one `webhook_deliveries` row per enabled subscription that asked for
-- that type. Workers on every replica claim due deliveries with a compare-and-set lease on
-- `claimed_until` and record the outcome only while their lease holds.
--
-- The signing secret must be readable to sign (HMAC), so it is stored as is; the API never
-- returns it after creation or rotation. `previous_secret` signs too until
-- `previous_secret_until`, so receivers can switch secrets without losing deliveries.

CREATE TABLE webhook_subscriptions (
    id                    UUID PRIMARY KEY,
    url                   TEXT NOT NULL,
    description           TEXT NOT NULL DEFAULT '',
    -- '*' for every event type, or the types separated and surrounded by single spaces
    -- (' request.submitted request.delivered '), so that a type is matched with LIKE.
    event_types           TEXT NOT NULL,
    enabled               BOOLEAN NOT NULL,
    secret                TEXT NOT NULL,
    previous_secret       TEXT,
    previous_secret_until TIMESTAMPTZ,
    created_at            TIMESTAMPTZ NOT NULL,
    updated_at            TIMESTAMPTZ NOT NULL,
    version               BIGINT NOT NULL DEFAULT 1
);

CREATE TABLE webhook_events (
    -- Time-ordered (UUIDv7): the `webhook-id` of every delivery of the event.
    id          UUID PRIMARY KEY,
    event_type  TEXT NOT NULL,
    occurred_at TIMESTAMPTZ NOT NULL,
    -- The JSON body every delivery sends, exactly.
    payload     TEXT NOT NULL
);
CREATE INDEX webhook_events_occurred ON webhook_events (occurred_at);

CREATE TABLE webhook_deliveries (
    -- Time-ordered (UUIDv7): a subscription's deliveries go out in this order.
    id              UUID PRIMARY KEY,
    subscription_id UUID NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
    event_id        UUID NOT NULL REFERENCES webhook_events (id) ON DELETE CASCADE,
    event_type      TEXT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    claimed_until   TIMESTAMPTZ,
    last_attempt_at TIMESTAMPTZ,
    last_status     BIGINT,
    last_error      TEXT,
    created_at      TIMESTAMPTZ NOT NULL,
    delivered_at    TIMESTAMPTZ,
    CHECK ((state = 'delivered') = (delivered_at IS NOT NULL))
);
-- A subscription's log, newest first, and the head of its queue.
CREATE INDEX webhook_deliveries_subscription ON webhook_deliveries (subscription_id, id);
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (subscription_id, id) WHERE state = 'pending';
-- What the worker looks for.
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id);

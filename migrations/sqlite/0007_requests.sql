-- Requests for access packages and the approvals they wait for.
--
-- A request's full state (stages, approvers, decisions) is the JSON `record`, read back through
-- the domain's checks; the columns copy out what is queried. Every change is a compare-and-set
-- on `version`.

CREATE TABLE requests (
    id            BLOB PRIMARY KEY NOT NULL,
    package_id    BLOB NOT NULL REFERENCES access_packages (id) ON DELETE CASCADE,
    policy_id     BLOB REFERENCES assignment_policies (id) ON DELETE SET NULL,
    policy_name   TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('user_add', 'user_extend', 'user_remove',
                                                'admin_add', 'admin_remove')),
    state         TEXT NOT NULL CHECK (state IN ('submitted', 'pending_approval', 'scheduled',
                                                 'delivering', 'delivered', 'partially_delivered',
                                                 'delivery_failed', 'denied', 'canceled',
                                                 'expired')),
    requester_id  BLOB REFERENCES users (id) ON DELETE SET NULL,
    target_id     BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The assignment extended or removed, or the one delivery created.
    assignment_id BLOB REFERENCES assignments (id) ON DELETE SET NULL,
    justification TEXT,
    answers       TEXT NOT NULL DEFAULT '[]',
    -- The end the requester chose, if any.
    ends_at       TEXT,
    -- Why it was denied, expired or failed, in words.
    outcome       TEXT,
    record        TEXT NOT NULL,
    -- When time alone next moves it on (escalation, timeout, scheduled start).
    due_at        TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    version       BIGINT NOT NULL DEFAULT 1
);
-- One open request per person and package: a duplicate is refused by the database.
CREATE UNIQUE INDEX requests_open ON requests (package_id, target_id)
    WHERE state IN ('submitted', 'pending_approval', 'scheduled', 'delivering');
CREATE INDEX requests_target ON requests (target_id, id);
CREATE INDEX requests_requester ON requests (requester_id, id);
CREATE INDEX requests_due ON requests (due_at) WHERE due_at IS NOT NULL;

-- Who may decide an open request now: its current stage's approvers.
CREATE TABLE request_approvers (
    request_id BLOB NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    user_id    BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (request_id, user_id)
);
CREATE INDEX request_approvers_user ON request_approvers (user_id);

-- Every decision made, for the approvers' history.
CREATE TABLE request_decisions (
    request_id  BLOB NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    stage       INTEGER NOT NULL,
    approver_id BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    verdict     TEXT NOT NULL CHECK (verdict IN ('approve', 'deny')),
    decided_at  TEXT NOT NULL,
    PRIMARY KEY (request_id, stage)
);
CREATE INDEX request_decisions_approver ON request_decisions (approver_id, decided_at);

-- Submissions already answered, by the caller's Idempotency-Key.
CREATE TABLE request_idempotency (
    user_id    BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key        TEXT NOT NULL,
    request_id BLOB NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    PRIMARY KEY (user_id, key)
);

-- Expiry reminders already sent for an assignment: 14, then 1 (days before its end).
ALTER TABLE assignments ADD COLUMN reminded_days INTEGER;

-- Who may request through a policy, queryable: the kind of audience, and for specific users
-- and groups, the ones named. Kept by the store whenever a policy is written.
ALTER TABLE assignment_policies ADD COLUMN audience TEXT NOT NULL DEFAULT 'nobody'
    CHECK (audience IN ('specific_users_and_groups', 'all_members', 'all_users', 'nobody'));
UPDATE assignment_policies SET audience = json_extract(definition, '$.who_can_request.type');
CREATE TABLE policy_requesters (
    policy_id BLOB NOT NULL REFERENCES assignment_policies (id) ON DELETE CASCADE,
    user_id   BLOB REFERENCES users (id) ON DELETE CASCADE,
    group_id  BLOB REFERENCES groups (id) ON DELETE CASCADE,
    CHECK ((user_id IS NULL) <> (group_id IS NULL))
);
CREATE INDEX policy_requesters_policy ON policy_requesters (policy_id);
CREATE INDEX policy_requesters_user ON policy_requesters (user_id) WHERE user_id IS NOT NULL;
CREATE INDEX policy_requesters_group ON policy_requesters (group_id) WHERE group_id IS NOT NULL;
INSERT INTO policy_requesters (policy_id, user_id)
    SELECT p.id, unhex(replace(u.value, '-', '')) FROM assignment_policies p,
        json_each(p.definition, '$.who_can_request.users') u;
INSERT INTO policy_requesters (policy_id, group_id)
    SELECT p.id, unhex(replace(g.value, '-', '')) FROM assignment_policies p,
        json_each(p.definition, '$.who_can_request.groups') g;
CREATE INDEX assignment_policies_enabled ON assignment_policies (package_id) WHERE enabled;

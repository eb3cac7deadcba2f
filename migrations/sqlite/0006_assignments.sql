-- Assignments: a person holding an access package under one of its policies. While an
-- assignment is delivered, the person holds the package's resource roles in the directory.
--
-- A directory row that an assignment created is marked `granted_by_assignment`; ending the
-- last assignment that grants it removes it. Rows an administrator or an import created stay
-- when assignments end, so access held before an assignment is not taken away with it.

ALTER TABLE group_members ADD COLUMN granted_by_assignment BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE group_owners ADD COLUMN granted_by_assignment BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE app_role_assignments ADD COLUMN granted_by_assignment BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE assignments (
    id              BLOB PRIMARY KEY NOT NULL,
    -- A package with active assignments cannot be deleted (the service checks); its ended
    -- assignments go with it, and the audit trail keeps their story.
    package_id      BLOB NOT NULL REFERENCES access_packages (id) ON DELETE CASCADE,
    -- A policy with active assignments cannot be deleted; ended ones keep its name.
    policy_id       BLOB REFERENCES assignment_policies (id) ON DELETE SET NULL,
    policy_name     TEXT NOT NULL,
    user_id         BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    state           TEXT NOT NULL CHECK (state IN ('scheduled', 'delivered', 'expired', 'removed')),
    starts_at       TEXT NOT NULL,
    ends_at         TEXT,
    justification   TEXT,
    -- The accepted answers as a JSON list, with the questions as they were asked.
    answers         TEXT NOT NULL DEFAULT '[]',
    assigned_by     BLOB REFERENCES users (id) ON DELETE SET NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    ended_at        TEXT,
    ended_by        BLOB REFERENCES users (id) ON DELETE SET NULL,
    version         BIGINT NOT NULL DEFAULT 1,
    CHECK (ends_at IS NULL OR ends_at > starts_at),
    CHECK ((state IN ('expired', 'removed')) = (ended_at IS NOT NULL))
);
-- One active assignment per person and package: a second is refused by the database.
CREATE UNIQUE INDEX assignments_active ON assignments (package_id, user_id)
    WHERE state IN ('scheduled', 'delivered');
CREATE INDEX assignments_user ON assignments (user_id, state);
CREATE INDEX assignments_package ON assignments (package_id, state);
CREATE INDEX assignments_policy ON assignments (policy_id) WHERE policy_id IS NOT NULL;
-- What the scheduler looks for: assignments due to start, and due to end.
CREATE INDEX assignments_due_start ON assignments (starts_at) WHERE state = 'scheduled';
CREATE INDEX assignments_due_end ON assignments (ends_at) WHERE state = 'delivered';

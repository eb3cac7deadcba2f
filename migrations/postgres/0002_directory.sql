-- The directory that access is made of: groups with members and owners, applications with app
-- roles and their assignees, and more about people (department, sponsors, free attributes).

ALTER TABLE users ADD COLUMN department TEXT;
-- A JSON object of string values, e.g. {"cost_center": "1234"}.
ALTER TABLE users ADD COLUMN attributes TEXT NOT NULL DEFAULT '{}';

CREATE TABLE user_sponsors (
    user_id    UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    sponsor_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, sponsor_id),
    CHECK (user_id <> sponsor_id)
);
CREATE INDEX user_sponsors_sponsor ON user_sponsors (sponsor_id);

CREATE TABLE groups (
    id          UUID PRIMARY KEY,
    name        TEXT NOT NULL,
    -- Lowercased name: group names are unique regardless of case.
    name_key    TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    version     BIGINT NOT NULL DEFAULT 1
);

CREATE TABLE group_members (
    group_id UUID NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    user_id  UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    added_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user ON group_members (user_id);

CREATE TABLE group_owners (
    group_id UUID NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    user_id  UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    added_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_owners_user ON group_owners (user_id);

CREATE TABLE applications (
    id          UUID PRIMARY KEY,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    version     BIGINT NOT NULL DEFAULT 1
);

CREATE TABLE app_roles (
    id             UUID PRIMARY KEY,
    application_id UUID NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    name_key       TEXT NOT NULL,
    description    TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (application_id, name_key)
);

CREATE TABLE app_role_assignments (
    app_role_id UUID NOT NULL REFERENCES app_roles (id) ON DELETE CASCADE,
    user_id     UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    assigned_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (app_role_id, user_id)
);
CREATE INDEX app_role_assignments_user ON app_role_assignments (user_id);

-- Assignment policies of access packages. The definition is the validated policy as JSON;
-- name and enabled are copied out for listing.
CREATE TABLE assignment_policies (
    id         UUID PRIMARY KEY,
    package_id UUID NOT NULL REFERENCES access_packages (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    enabled    BOOLEAN NOT NULL,
    definition TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    version    BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX assignment_policies_package ON assignment_policies (package_id);

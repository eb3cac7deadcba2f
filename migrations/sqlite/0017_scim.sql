-- SCIM 2.0 provisioning: identity providers push people and groups.

-- A person's name parts, as SCIM's name.givenName, name.familyName and name.formatted carry them. The enterprise
-- extension's employeeNumber, costCenter, organization and division live in `attributes`
-- (employee_number, cost_center, organization, division), where policy audience rules see them.
ALTER TABLE users ADD COLUMN given_name TEXT;
ALTER TABLE users ADD COLUMN family_name TEXT;
ALTER TABLE users ADD COLUMN formatted_name TEXT;
-- SCIM clients look people up by e-mail address and display name, ignoring case.
CREATE INDEX users_email_key ON users (LOWER(email));
CREATE INDEX users_display_name_key ON users (LOWER(display_name));

-- Who masters a group's members: Tessera (administrators and access packages) or the identity
-- provider through SCIM. Each side leaves the other's groups alone.
ALTER TABLE groups ADD COLUMN managed_by TEXT NOT NULL DEFAULT 'tessera'
    CHECK (managed_by IN ('tessera', 'scim'));
-- The identity provider's id of a SCIM group. Unique when set.
ALTER TABLE groups ADD COLUMN external_id TEXT;
CREATE UNIQUE INDEX groups_external_id ON groups (external_id) WHERE external_id IS NOT NULL;

-- The provisioner global role: may call /scim/v2 with an API token. SQLite cannot change a
-- CHECK constraint, so the table is rebuilt.
CREATE TABLE global_role_assignments_new (
    user_id    BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       TEXT NOT NULL CHECK (role IN ('catalog_creator', 'provisioner')),
    granted_at TEXT NOT NULL,
    PRIMARY KEY (user_id, role)
);
INSERT INTO global_role_assignments_new (user_id, role, granted_at)
    SELECT user_id, role, granted_at FROM global_role_assignments;
DROP TABLE global_role_assignments;
ALTER TABLE global_role_assignments_new RENAME TO global_role_assignments;

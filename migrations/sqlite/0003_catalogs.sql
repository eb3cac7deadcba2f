-- Catalogs with their delegated roles and resources, access packages with the resource roles
-- they grant, and global roles beyond administrator.

CREATE TABLE global_role_assignments (
    user_id    BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       TEXT NOT NULL CHECK (role IN ('catalog_creator')),
    granted_at TEXT NOT NULL,
    PRIMARY KEY (user_id, role)
);

CREATE TABLE catalogs (
    id          BLOB PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    enabled     BOOLEAN NOT NULL DEFAULT TRUE,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    version     BIGINT NOT NULL DEFAULT 1
);

CREATE TABLE catalog_role_assignments (
    catalog_id BLOB NOT NULL REFERENCES catalogs (id) ON DELETE CASCADE,
    user_id    BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       TEXT NOT NULL CHECK (role IN ('owner', 'reader', 'access_package_manager',
                                             'access_package_assignment_manager')),
    granted_at TEXT NOT NULL,
    PRIMARY KEY (catalog_id, user_id, role)
);
CREATE INDEX catalog_role_assignments_user ON catalog_role_assignments (user_id);

-- Exactly one of group_id and application_id is set.
CREATE TABLE catalog_resources (
    catalog_id     BLOB NOT NULL REFERENCES catalogs (id) ON DELETE CASCADE,
    group_id       BLOB REFERENCES groups (id) ON DELETE CASCADE,
    application_id BLOB REFERENCES applications (id) ON DELETE CASCADE,
    added_at       TEXT NOT NULL,
    CHECK ((group_id IS NULL) <> (application_id IS NULL))
);
CREATE UNIQUE INDEX catalog_resources_group ON catalog_resources (catalog_id, group_id)
    WHERE group_id IS NOT NULL;
CREATE UNIQUE INDEX catalog_resources_application ON catalog_resources (catalog_id, application_id)
    WHERE application_id IS NOT NULL;

CREATE TABLE access_packages (
    id          BLOB PRIMARY KEY NOT NULL,
    -- RESTRICT: a catalog with packages cannot be deleted.
    catalog_id  BLOB NOT NULL REFERENCES catalogs (id) ON DELETE RESTRICT,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    hidden      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    version     BIGINT NOT NULL DEFAULT 1,
    UNIQUE (catalog_id, name_key)
);
CREATE INDEX access_packages_catalog ON access_packages (catalog_id);

-- What an assignment of a package grants. Exactly one of group_id and app_role_id is set:
-- group_id for group_member and group_owner, app_role_id for app_role.
CREATE TABLE package_resource_roles (
    id          BLOB PRIMARY KEY NOT NULL,
    package_id  BLOB NOT NULL REFERENCES access_packages (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('group_member', 'group_owner', 'app_role')),
    group_id    BLOB REFERENCES groups (id) ON DELETE CASCADE,
    app_role_id BLOB REFERENCES app_roles (id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL,
    CHECK ((kind = 'app_role') = (app_role_id IS NOT NULL)),
    CHECK ((kind = 'app_role') = (group_id IS NULL))
);
CREATE UNIQUE INDEX package_resource_roles_group ON package_resource_roles (package_id, kind, group_id)
    WHERE group_id IS NOT NULL;
CREATE UNIQUE INDEX package_resource_roles_app_role ON package_resource_roles (package_id, app_role_id)
    WHERE app_role_id IS NOT NULL;
CREATE INDEX package_resource_roles_group_id ON package_resource_roles (group_id);
CREATE INDEX package_resource_roles_app_role_id ON package_resource_roles (app_role_id);

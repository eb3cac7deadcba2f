-- Separation of duties: the access packages and groups each package is incompatible with.
-- One-directional: a row says that holders of the incompatible package (or members of the
-- group) may not get `package_id`, not the reverse.

CREATE TABLE package_incompatible_packages (
    package_id              BLOB NOT NULL REFERENCES access_packages (id) ON DELETE CASCADE,
    incompatible_package_id BLOB NOT NULL REFERENCES access_packages (id) ON DELETE CASCADE,
    added_at                TEXT NOT NULL,
    PRIMARY KEY (package_id, incompatible_package_id),
    CHECK (package_id <> incompatible_package_id)
);
-- For the "incompatible with" view: the packages that list a given one.
CREATE INDEX package_incompatible_packages_reverse
    ON package_incompatible_packages (incompatible_package_id);

CREATE TABLE package_incompatible_groups (
    package_id BLOB NOT NULL REFERENCES access_packages (id) ON DELETE CASCADE,
    group_id   BLOB NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    added_at   TEXT NOT NULL,
    PRIMARY KEY (package_id, group_id)
);
CREATE INDEX package_incompatible_groups_group ON package_incompatible_groups (group_id);

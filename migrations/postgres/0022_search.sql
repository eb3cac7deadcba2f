-- Search as people type (issue 15): trigram indexes (pg_trgm) on the lowercased columns that
-- searches test with `LIKE '%text%'`, so that the matches come from the index instead of a scan
-- of every row (store/search.rs). pg_trgm is a trusted extension shipped with the server
-- (Debian's postgresql package): the database owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- An access package's name or description.
CREATE INDEX access_packages_name_trgm ON access_packages USING gin (name_key gin_trgm_ops);
CREATE INDEX access_packages_description_trgm
    ON access_packages USING gin (LOWER(description) gin_trgm_ops);

-- A person's username, display name or e-mail address.
CREATE INDEX users_username_trgm ON users USING gin (username gin_trgm_ops);
CREATE INDEX users_display_name_trgm ON users USING gin (LOWER(display_name) gin_trgm_ops);
CREATE INDEX users_email_trgm ON users USING gin (LOWER(email) gin_trgm_ops);

-- A group's or an application's name.
CREATE INDEX groups_name_trgm ON groups USING gin (name_key gin_trgm_ops);
CREATE INDEX applications_name_trgm ON applications USING gin (name_key gin_trgm_ops);

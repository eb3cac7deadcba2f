-- What a package grants, looked up by package: the available-packages search (one correlated
-- EXISTS per package), the resource names on its cards, and delivery. The unique indexes that
-- start with package_id are partial (WHERE group_id / app_role_id IS NOT NULL), and these
-- queries do not repeat that condition, so they could not use them: on SQLite each package
-- scanned the whole table, and a search over 20,000 packages took about 25 seconds
-- (crates/api/benches/requests.rs).
CREATE INDEX package_resource_roles_package ON package_resource_roles (package_id);

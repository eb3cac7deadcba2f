-- The available-packages list in its own order: a page reads packages by (name_key, id) from
-- the cursor on and stops after one page, instead of testing every package and sorting them.
-- At 20,000 packages (crates/api/benches/requests.rs) a page took 20 ms on SQLite and 30 ms on
-- PostgreSQL without it, about 1 ms with it; searches take as long as before.
CREATE INDEX access_packages_name ON access_packages (name_key, id);

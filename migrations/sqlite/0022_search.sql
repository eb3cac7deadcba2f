-- Search as people type (issue 15): an FTS5 index with the trigram tokenizer beside each searched
-- table. A phrase of three characters or more then matches the rows that contain it anywhere,
-- case folded, from the index instead of a LIKE scan of every row (store/search.rs).
--
-- Each index is an external-content table over its base table's rowid: it stores the trigrams
-- only, and the triggers below keep it in step with every insert, delete and change of a
-- searched column. The rowid of these tables is implicit (their keys are UUIDs): an explicit
-- VACUUM may renumber it, after which `INSERT INTO x_search (x_search) VALUES ('rebuild')`
-- re-indexes a table, as the end of this migration does for the rows already there.

-- An access package's name or description.
CREATE VIRTUAL TABLE access_packages_search USING fts5 (
    name_key, description,
    content = 'access_packages', content_rowid = 'rowid', tokenize = 'trigram'
);
CREATE TRIGGER access_packages_search_insert AFTER INSERT ON access_packages BEGIN
    INSERT INTO access_packages_search (rowid, name_key, description) VALUES (new.rowid, new.name_key, new.description);
END;
CREATE TRIGGER access_packages_search_delete AFTER DELETE ON access_packages BEGIN
    INSERT INTO access_packages_search (access_packages_search, rowid, name_key, description) VALUES ('delete', old.rowid, old.name_key, old.description);
END;
CREATE TRIGGER access_packages_search_update AFTER UPDATE OF name_key, description ON access_packages BEGIN
    INSERT INTO access_packages_search (access_packages_search, rowid, name_key, description) VALUES ('delete', old.rowid, old.name_key, old.description);
    INSERT INTO access_packages_search (rowid, name_key, description) VALUES (new.rowid, new.name_key, new.description);
END;
INSERT INTO access_packages_search (access_packages_search) VALUES ('rebuild');

-- A person's username, display name or e-mail address.
CREATE VIRTUAL TABLE users_search USING fts5 (
    username, display_name, email,
    content = 'users', content_rowid = 'rowid', tokenize = 'trigram'
);
CREATE TRIGGER users_search_insert AFTER INSERT ON users BEGIN
    INSERT INTO users_search (rowid, username, display_name, email) VALUES (new.rowid, new.username, new.display_name, new.email);
END;
CREATE TRIGGER users_search_delete AFTER DELETE ON users BEGIN
    INSERT INTO users_search (users_search, rowid, username, display_name, email) VALUES ('delete', old.rowid, old.username, old.display_name, old.email);
END;
CREATE TRIGGER users_search_update AFTER UPDATE OF username, display_name, email ON users BEGIN
    INSERT INTO users_search (users_search, rowid, username, display_name, email) VALUES ('delete', old.rowid, old.username, old.display_name, old.email);
    INSERT INTO users_search (rowid, username, display_name, email) VALUES (new.rowid, new.username, new.display_name, new.email);
END;
INSERT INTO users_search (users_search) VALUES ('rebuild');

-- A group's name.
CREATE VIRTUAL TABLE groups_search USING fts5 (
    name_key,
    content = 'groups', content_rowid = 'rowid', tokenize = 'trigram'
);
CREATE TRIGGER groups_search_insert AFTER INSERT ON groups BEGIN
    INSERT INTO groups_search (rowid, name_key) VALUES (new.rowid, new.name_key);
END;
CREATE TRIGGER groups_search_delete AFTER DELETE ON groups BEGIN
    INSERT INTO groups_search (groups_search, rowid, name_key) VALUES ('delete', old.rowid, old.name_key);
END;
CREATE TRIGGER groups_search_update AFTER UPDATE OF name_key ON groups BEGIN
    INSERT INTO groups_search (groups_search, rowid, name_key) VALUES ('delete', old.rowid, old.name_key);
    INSERT INTO groups_search (rowid, name_key) VALUES (new.rowid, new.name_key);
END;
INSERT INTO groups_search (groups_search) VALUES ('rebuild');

-- An application's name.
CREATE VIRTUAL TABLE applications_search USING fts5 (
    name_key,
    content = 'applications', content_rowid = 'rowid', tokenize = 'trigram'
);
CREATE TRIGGER applications_search_insert AFTER INSERT ON applications BEGIN
    INSERT INTO applications_search (rowid, name_key) VALUES (new.rowid, new.name_key);
END;
CREATE TRIGGER applications_search_delete AFTER DELETE ON applications BEGIN
    INSERT INTO applications_search (applications_search, rowid, name_key) VALUES ('delete', old.rowid, old.name_key);
END;
CREATE TRIGGER applications_search_update AFTER UPDATE OF name_key ON applications BEGIN
    INSERT INTO applications_search (applications_search, rowid, name_key) VALUES ('delete', old.rowid, old.name_key);
    INSERT INTO applications_search (rowid, name_key) VALUES (new.rowid, new.name_key);
END;
INSERT INTO applications_search (applications_search) VALUES ('rebuild');

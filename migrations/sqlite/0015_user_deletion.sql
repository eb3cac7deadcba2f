-- Deleting a user leaves a tombstone: the row stays, disabled, so the audit trail, requests and
-- reviews that name them still read, and their username stays taken.
ALTER TABLE users ADD COLUMN deleted_at TEXT;

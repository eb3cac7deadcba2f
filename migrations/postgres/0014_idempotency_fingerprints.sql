-- An Idempotency-Key is bound to the request it was first sent with: `fingerprint` is the
-- SHA-256 (hex) of the method, the path and the canonical JSON body. The same key with another
-- body is refused. Keys made before this migration have none and replay as before.
-- Keys are kept for 24 hours; the scheduler purges older ones (by `created_at`).
ALTER TABLE request_idempotency ADD COLUMN fingerprint TEXT;
CREATE INDEX request_idempotency_created ON request_idempotency (created_at);

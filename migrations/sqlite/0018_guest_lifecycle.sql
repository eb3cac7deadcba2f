-- The lifecycle of guests: a guest who held access and has none left (nothing delivered,
-- scheduled or asked for) is blocked from signing in, and removed some days later. A block is
-- not an administrator's disable: `enabled` stays as the administrator set it, so views can
-- tell the two apart, and the block lifts by itself when the guest is given access again.
ALTER TABLE users ADD COLUMN blocked_at TEXT;
-- Why the block was set; for now always 'no_access' (the last assignment ended).
ALTER TABLE users ADD COLUMN blocked_reason TEXT
    CHECK (blocked_reason IS NULL OR blocked_reason IN ('no_access'))
    CHECK ((blocked_at IS NULL) = (blocked_reason IS NULL));
-- The scheduler looks for blocked guests due for removal.
CREATE INDEX users_blocked ON users (blocked_at) WHERE blocked_at IS NOT NULL;

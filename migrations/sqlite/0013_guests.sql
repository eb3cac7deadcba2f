-- Guests: people from outside the organisation. They sign in like members, but policies for
-- "all members" leave them out and access reviews can be limited to them. Service accounts are
-- always members.
ALTER TABLE users ADD COLUMN user_type TEXT NOT NULL DEFAULT 'member'
    CHECK (user_type IN ('member', 'guest') AND (user_type = 'member' OR kind = 'person'));

-- A policy may carry the review of its own assignments: the review definition it owns goes with
-- it, and a policy has at most one.
ALTER TABLE review_definitions ADD COLUMN policy_id BLOB
    REFERENCES assignment_policies (id) ON DELETE CASCADE;
CREATE UNIQUE INDEX review_definitions_policy ON review_definitions (policy_id)
    WHERE policy_id IS NOT NULL;

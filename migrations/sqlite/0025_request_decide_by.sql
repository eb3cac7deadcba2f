-- When a request waiting for approval must be decided: its current stage's deadline, kept
-- beside the stored record so that an approver's list can be sorted by it. Every transition
-- writes it (NULL unless the request waits for approval); requests that were already waiting
-- when this column arrived are filled in at start-up (store::requests::fill_decide_by).
ALTER TABLE requests ADD COLUMN decide_by TEXT;
CREATE INDEX requests_pending_decide_by ON requests (decide_by, id) WHERE state = 'pending_approval';

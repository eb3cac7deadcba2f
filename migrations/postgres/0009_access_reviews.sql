-- Access reviews: definitions (what, who, when), the instances each occurrence starts (one per
-- reviewed resource), and one item per person in scope.
--
-- Definitions, instances and items keep their full state as JSON read back through the
-- domain's checks; the columns copy out what the scheduler and the lists query. Every change is
-- a compare-and-set on `version`.

CREATE TABLE review_definitions (
    id                  UUID PRIMARY KEY,
    name                TEXT NOT NULL,
    definition          TEXT NOT NULL,
    -- The reviewed access package, when there is one: its catalog's owners manage the review.
    package_id          UUID REFERENCES access_packages (id) ON DELETE CASCADE,
    created_by          UUID REFERENCES users (id) ON DELETE SET NULL,
    occurrences_started BIGINT NOT NULL DEFAULT 0,
    -- When the next occurrence starts; absent once the series is over.
    next_start_at       TIMESTAMPTZ,
    created_at          TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL,
    version             BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX review_definitions_next ON review_definitions (next_start_at)
    WHERE next_start_at IS NOT NULL;
CREATE INDEX review_definitions_package ON review_definitions (package_id)
    WHERE package_id IS NOT NULL;

CREATE TABLE review_instances (
    id            UUID PRIMARY KEY,
    definition_id UUID NOT NULL REFERENCES review_definitions (id) ON DELETE CASCADE,
    occurrence    BIGINT NOT NULL,
    -- The reviewed resource as JSON, and its name when the instance was planned.
    resource      TEXT NOT NULL,
    resource_name TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('scheduled', 'in_progress', 'completed',
                                                 'applying', 'applied')),
    record        TEXT NOT NULL,
    -- When time alone next moves it on (start, reminder, stage end, apply).
    due_at        TIMESTAMPTZ,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    version       BIGINT NOT NULL DEFAULT 1,
    -- Planning an occurrence twice (two replicas) makes its instances once.
    UNIQUE (definition_id, occurrence, resource)
);
CREATE INDEX review_instances_definition ON review_instances (definition_id, id);
CREATE INDEX review_instances_due ON review_instances (due_at) WHERE due_at IS NOT NULL;

CREATE TABLE review_items (
    id          UUID PRIMARY KEY,
    instance_id UUID NOT NULL REFERENCES review_instances (id) ON DELETE CASCADE,
    user_id     UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The outcome so far (the final one once completed), for filters.
    outcome     TEXT NOT NULL,
    record      TEXT NOT NULL,
    version     BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX review_items_instance ON review_items (instance_id, id);

-- Who reviews each item in its current stage.
CREATE TABLE review_item_reviewers (
    item_id     UUID NOT NULL REFERENCES review_items (id) ON DELETE CASCADE,
    instance_id UUID NOT NULL REFERENCES review_instances (id) ON DELETE CASCADE,
    user_id     UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (item_id, user_id)
);
CREATE INDEX review_item_reviewers_user ON review_item_reviewers (user_id, instance_id);
CREATE INDEX review_item_reviewers_instance ON review_item_reviewers (instance_id);

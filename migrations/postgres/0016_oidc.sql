-- Signing in with OpenID Connect providers.

-- The person's id in the organisation's directory (set by an import or SCIM), matched against
-- a provider's claim at first sign-in. Unique when set.
ALTER TABLE users ADD COLUMN external_id TEXT;
CREATE UNIQUE INDEX users_external_id ON users (external_id) WHERE external_id IS NOT NULL;

-- A sign-in under way: written when the browser leaves for the provider, deleted when it comes
-- back (once: a replayed state finds nothing). In the database so any replica can finish it.
CREATE TABLE oidc_flows (
    state         TEXT PRIMARY KEY,
    provider_id   TEXT NOT NULL,
    nonce         TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    return_to     TEXT,
    created_at    TIMESTAMPTZ NOT NULL,
    expires_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX oidc_flows_expiry ON oidc_flows (expires_at);

-- A person's account at a provider.
CREATE TABLE identity_links (
    provider_id TEXT NOT NULL,
    subject     TEXT NOT NULL,
    user_id     UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    linked_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (provider_id, subject)
);
CREATE INDEX identity_links_user ON identity_links (user_id);

-- A session that came from a provider: which one, and its ID token, the hint of an
-- RP-initiated logout.
ALTER TABLE sessions ADD COLUMN oidc_provider_id TEXT;
ALTER TABLE sessions ADD COLUMN oidc_id_token TEXT;

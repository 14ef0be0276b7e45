-- The tables of auth-session-postgres. Run with `search_path` set to the configured schema
-- (PostgresConfig::with_schema, default `tower_auth`): names here are unqualified, so one
-- database can hold several independent deployments, each with its own migration history.
--
-- Times are integer milliseconds since the Unix epoch (auth_core::Timestamp). Session and
-- refresh-family times come from the store's clock; revocation and throttle pruning uses the
-- database's own clock (now()).

-- One row per session, keyed by the SHA-256 of the secret session id (never the id itself).
CREATE TABLE sessions (
    key                 bytea  PRIMARY KEY CHECK (octet_length(key) = 32),
    -- The identity's subject, copied out of `identity` for the per-subject index.
    subject             text,
    -- The identity as JSON text (exactly as serialized), NULL for an anonymous session.
    identity            text,
    -- The named values: one jsonb object, changed key by key by each save.
    vals                jsonb  NOT NULL DEFAULT '{}'::jsonb,
    created_at          bigint NOT NULL,
    last_seen_at        bigint NOT NULL,
    idle_expires_at     bigint NOT NULL,
    absolute_expires_at bigint NOT NULL,
    expires_at          bigint GENERATED ALWAYS AS (LEAST(idle_expires_at, absolute_expires_at)) STORED,
    version             bigint NOT NULL
);
CREATE INDEX sessions_subject_idx ON sessions (subject) WHERE subject IS NOT NULL;
CREATE INDEX sessions_expires_at_idx ON sessions (expires_at);

-- One row per refresh-token family (auth_core::refresh::RefreshStore).
CREATE TABLE refresh_families (
    family          bytea   PRIMARY KEY CHECK (octet_length(family) = 32),
    -- The FamilyRecord as JSON text.
    record          text    NOT NULL,
    generation      bigint  NOT NULL,
    rotated_at      bigint  NOT NULL,
    live_expires_at bigint  NOT NULL,
    expires_at      bigint  NOT NULL,
    repeats         integer NOT NULL
);
CREATE INDEX refresh_families_expires_at_idx ON refresh_families (expires_at);

-- The revocation list's snapshot; each revocation is also announced with NOTIFY.
CREATE TABLE revocations (
    -- The RevocationTarget as JSON text.
    target     text   PRIMARY KEY,
    expires_at bigint NOT NULL
);
CREATE INDEX revocations_expires_at_idx ON revocations (expires_at);

-- Failed-login counts (auth_core::throttle::ThrottleStore), keyed by the ThrottleKey digest.
CREATE TABLE login_throttle (
    key          text   PRIMARY KEY,
    failures     bigint NOT NULL,
    locked_until bigint NOT NULL,
    expires_at   bigint NOT NULL
);
CREATE INDEX login_throttle_expires_at_idx ON login_throttle (expires_at);

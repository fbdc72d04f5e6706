//! The first layout (migration V1, see `migrations.rs`), written once for
//! both backends. `{key}` and `{blob}` are the only words the dialects spell
//! differently.
//!
//! Applied migrations are checksummed by their text: this one is frozen.
//! A later change to the layout is a new migration, not an edit here.

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS changes (
    seq {key},
    hash TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    scope TEXT NOT NULL,
    kind TEXT NOT NULL,
    owner TEXT NOT NULL,
    bytes {blob} NOT NULL,
    device TEXT NOT NULL,
    received_at_ms BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS changes_scope_seq ON changes(scope, seq);
CREATE INDEX IF NOT EXISTS changes_owner_seq ON changes(owner, seq);
CREATE INDEX IF NOT EXISTS changes_doc_seq ON changes(doc_id, seq);
-- A change is stored once per document it was pushed for: an ack means
-- "stored for this document", even when identical bytes exist for another.
CREATE UNIQUE INDEX IF NOT EXISTS changes_doc_hash ON changes(doc_id, hash);
-- The first change of a document fixes its grid, kind and maker.
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY,
    scope TEXT NOT NULL,
    kind TEXT NOT NULL,
    owner TEXT NOT NULL
);
-- Work orders published as small wishes (微心愿), fixed by their first
-- change: volunteers read and move these and nothing else.
CREATE TABLE IF NOT EXISTS wishes (
    doc_id TEXT PRIMARY KEY REFERENCES documents(doc_id)
);
-- What checking a push needs of a document, kept up as changes are
-- stored, so a check reads a few rows instead of replaying the history.
-- The objects its changes made, named as automerge names them
-- (`counter@actor`), each with its field path (a JSON array).
CREATE TABLE IF NOT EXISTS doc_objects (
    doc_id TEXT NOT NULL,
    obj TEXT NOT NULL,
    path TEXT NOT NULL,
    PRIMARY KEY (doc_id, obj)
);
-- A work order's assignees, recomputed in the transaction that changes them.
CREATE TABLE IF NOT EXISTS doc_assignees (
    doc_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    PRIMARY KEY (doc_id, user_id)
);
-- Documents the two tables above describe. One stored before them is
-- indexed the first time a push touches it.
CREATE TABLE IF NOT EXISTS indexed_docs (
    doc_id TEXT PRIMARY KEY
);
CREATE TABLE IF NOT EXISTS nodes (
    id TEXT PRIMARY KEY,
    parent TEXT REFERENCES nodes(id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL
);
-- A grid's outline as GeoJSON, checked before it is stored. Its own table
-- so databases from before outlines need no migration.
CREATE TABLE IF NOT EXISTS node_boundaries (
    node_id TEXT PRIMARY KEY REFERENCES nodes(id),
    geojson TEXT NOT NULL
);
-- A community's response commitments as JSON, checked before storing.
CREATE TABLE IF NOT EXISTS node_policies (
    node_id TEXT PRIMARY KEY REFERENCES nodes(id),
    policy TEXT NOT NULL
);
-- Grows with every change to the tree, its people or their grids; sync
-- answers carry it so devices fetch their account only when it moved.
CREATE TABLE IF NOT EXISTS directory_version (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    version BIGINT NOT NULL
);
-- Names the feed; a restore gives it a new name (see `backup.rs`).
CREATE TABLE IF NOT EXISTS feed_epoch (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    epoch BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS users (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS user_nodes (
    user_id TEXT NOT NULL REFERENCES users(id),
    node_id TEXT NOT NULL REFERENCES nodes(id),
    PRIMARY KEY (user_id, node_id)
);
-- The report categories a department handles, for dispatch suggestions.
CREATE TABLE IF NOT EXISTS user_categories (
    user_id TEXT NOT NULL REFERENCES users(id),
    category TEXT NOT NULL,
    PRIMARY KEY (user_id, category)
);
-- Codes and tokens are stored only as SHA-256 hashes: they are 60+ random
-- bits, so a stolen database does not let anyone in.
CREATE TABLE IF NOT EXISTS invitations (
    code_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    created_by TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL,
    expires_at_ms BIGINT NOT NULL,
    redeemed_at_ms BIGINT
);
CREATE TABLE IF NOT EXISTS devices (
    id {key},
    token_hash TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL REFERENCES users(id),
    device TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL,
    revoked_at_ms BIGINT,
    -- What the device was last served under; when it changes the device pulls again from 0.
    scope_key TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS admins (
    username TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS admin_sessions (
    token_hash TEXT PRIMARY KEY,
    username TEXT NOT NULL REFERENCES admins(username),
    expires_at_ms BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit (
    id {key},
    at_ms BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL
);
"#;

/// The two SQL dialects the server speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// A layout template in `dialect`'s words.
pub fn render(template: &str, dialect: Dialect) -> String {
    match dialect {
        Dialect::Sqlite => template
            .replace("{key}", "INTEGER PRIMARY KEY AUTOINCREMENT")
            .replace("{blob}", "BLOB"),
        Dialect::Postgres => template
            .replace("{key}", "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY")
            .replace("{blob}", "BYTEA"),
    }
}

/// Migration V1 in `dialect`'s words.
pub fn first_layout(dialect: Dialect) -> String {
    let sql = render(SCHEMA, dialect);
    match dialect {
        Dialect::Sqlite => sql,
        // Databases from before per-document keys had `hash` unique alone.
        Dialect::Postgres => {
            sql + "ALTER TABLE changes DROP CONSTRAINT IF EXISTS changes_hash_key;\n"
        }
    }
}

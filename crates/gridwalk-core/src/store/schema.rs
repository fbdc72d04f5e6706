//! The device database's schema, as numbered migrations tracked in
//! `PRAGMA user_version`. Append new steps; never edit a shipped one.

pub const MIGRATIONS: &[&str] = &[
    // 1: documents are the truth; everything else is an index or a queue.
    r#"
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

    -- One Automerge document per record, saved whole after every change.
    CREATE TABLE documents (
        doc_id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        scope TEXT NOT NULL,
        bytes BLOB NOT NULL,
        updated_at_ms INTEGER NOT NULL
    );

    -- Local changes the server has not acknowledged yet, in the order made.
    CREATE TABLE outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        change_hash TEXT NOT NULL UNIQUE,
        doc_id TEXT NOT NULL,
        scope TEXT NOT NULL,
        bytes BLOB NOT NULL
    );
    CREATE INDEX outbox_doc ON outbox(doc_id);

    -- Pulled changes whose dependencies have not arrived yet; retried on
    -- every pull so none is lost when the cursor moves past it.
    CREATE TABLE parked_changes (
        change_hash TEXT PRIMARY KEY,
        doc_id TEXT NOT NULL,
        scope TEXT NOT NULL,
        bytes BLOB NOT NULL
    );

    -- Photos and thumbnails by SHA-256. `uploaded` is 1 once the server has it.
    CREATE TABLE blobs (
        hash TEXT PRIMARY KEY,
        bytes BLOB NOT NULL,
        mime TEXT NOT NULL,
        uploaded INTEGER NOT NULL DEFAULT 0,
        created_at_ms INTEGER NOT NULL
    );

    -- Projection of report documents for lists; rebuilt from the document.
    CREATE TABLE reports (
        doc_id TEXT PRIMARY KEY REFERENCES documents(doc_id),
        scope TEXT NOT NULL,
        category TEXT NOT NULL,
        description TEXT NOT NULL,
        location TEXT NOT NULL,
        lat REAL,
        lon REAL,
        reporter TEXT NOT NULL,
        reporter_device TEXT NOT NULL,
        created_at_ms INTEGER NOT NULL
    );
    CREATE INDEX reports_newest ON reports(created_at_ms DESC);
    CREATE INDEX reports_device ON reports(reporter_device, created_at_ms DESC);

    -- Which blobs each report needs (photo and thumbnail), for upload and download.
    CREATE TABLE report_photos (
        doc_id TEXT NOT NULL REFERENCES reports(doc_id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        hash TEXT NOT NULL,
        thumb TEXT NOT NULL,
        PRIMARY KEY (doc_id, position)
    );
    CREATE INDEX report_photos_hash ON report_photos(hash);
    CREATE INDEX report_photos_thumb ON report_photos(thumb);
    "#,
];

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
    // 2: one projection for every kind of record, and change keys per
    // document (the same bytes may belong to two documents). The old report
    // projection is dropped; `Store::open` rebuilds every projection from
    // the documents, which are the truth.
    r#"
    DROP TABLE report_photos;
    DROP TABLE reports;

    CREATE TABLE outbox_keyed (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        change_hash TEXT NOT NULL,
        doc_id TEXT NOT NULL,
        scope TEXT NOT NULL,
        bytes BLOB NOT NULL,
        UNIQUE (doc_id, change_hash)
    );
    INSERT INTO outbox_keyed(seq, change_hash, doc_id, scope, bytes)
        SELECT seq, change_hash, doc_id, scope, bytes FROM outbox ORDER BY seq;
    DROP TABLE outbox;
    ALTER TABLE outbox_keyed RENAME TO outbox;
    -- No separate doc_id index: UNIQUE (doc_id, change_hash) serves lookups by document.

    CREATE TABLE parked_keyed (
        change_hash TEXT NOT NULL,
        doc_id TEXT NOT NULL,
        scope TEXT NOT NULL,
        bytes BLOB NOT NULL,
        PRIMARY KEY (doc_id, change_hash)
    );
    INSERT INTO parked_keyed SELECT change_hash, doc_id, scope, bytes FROM parked_changes;
    DROP TABLE parked_changes;
    ALTER TABLE parked_keyed RENAME TO parked_changes;

    -- One row per listed record of any kind, rebuilt from its document.
    CREATE TABLE records (
        id INTEGER PRIMARY KEY,
        doc_id TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        scope TEXT NOT NULL,
        parent TEXT,
        category TEXT,
        status TEXT,
        at_ms INTEGER NOT NULL,
        sort TEXT NOT NULL DEFAULT '',
        maker_device TEXT NOT NULL,
        lat REAL,
        lon REAL,
        conflicts INTEGER NOT NULL DEFAULT 0,
        summary TEXT NOT NULL
    );
    CREATE INDEX records_kind_at ON records(kind, at_ms DESC);
    CREATE INDEX records_kind_scope_at ON records(kind, scope, at_ms DESC);
    CREATE INDEX records_parent ON records(parent, kind, at_ms DESC);
    CREATE INDEX records_maker ON records(kind, maker_device, at_ms DESC);

    -- The photos and thumbnails each record refers to, for upload and download.
    CREATE TABLE record_blobs (
        doc_id TEXT NOT NULL,
        hash TEXT NOT NULL,
        PRIMARY KEY (doc_id, hash)
    );
    CREATE INDEX record_blobs_hash ON record_blobs(hash);

    -- Search text of each record, one token per CJK character or digit
    -- (see `search`); rowid = records.id.
    CREATE VIRTUAL TABLE record_search USING fts5(text, tokenize = 'unicode61');
    "#,
];

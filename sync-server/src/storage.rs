//! Where acknowledged changes live: an append-only feed keyed by change hash.
//!
//! This struct is the storage boundary. Today it is SQLite (WAL, synchronous
//! FULL: an ack is sent only after the commit is on disk). The PostgreSQL
//! backend planned with accounts implements the same methods; the trait over
//! both is introduced then, when there are two.

use gridwalk_domain::sync::WireChange;
use gridwalk_domain::{DocId, GridId};
use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;
use std::sync::{Arc, Mutex};

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("sync database failed: {0}")]
    Db(#[from] rusqlite::Error),
    #[error("cannot create {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("document {doc} belongs to grid {stored}, not {claimed}")]
    ScopeMismatch {
        doc: String,
        stored: String,
        claimed: String,
    },
    #[error("a storage worker panicked")]
    Poisoned,
}

/// A change that passed validation, with the hash the server computed.
#[derive(Debug, Clone)]
pub struct CheckedChange {
    pub hash: String,
    pub wire: WireChange,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppendOutcome {
    /// Hashes now stored (including ones that already were).
    pub acked: Vec<String>,
    /// How many were new.
    pub inserted: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub changes: Vec<(u64, String, WireChange)>,
    pub cursor: u64,
    pub more: bool,
}

#[derive(Debug, Clone)]
pub struct Storage {
    conn: Arc<Mutex<Connection>>,
}

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    hash TEXT NOT NULL UNIQUE,
    doc_id TEXT NOT NULL,
    scope TEXT NOT NULL,
    bytes BLOB NOT NULL,
    device TEXT NOT NULL,
    received_at_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS changes_scope_seq ON changes(scope, seq);
-- The first change of a document fixes its grid; later ones must agree.
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY,
    scope TEXT NOT NULL
);
"#;

impl Storage {
    pub fn open(path: &Path) -> Result<Self, StorageError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|source| StorageError::Io {
                path: dir.display().to_string(),
                source,
            })?;
        }
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch(SCHEMA)?;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Connection>, StorageError> {
        self.conn.lock().map_err(|_| StorageError::Poisoned)
    }

    /// Stores each change once, all or nothing: a scope conflict anywhere
    /// rolls back the whole request.
    pub fn append(
        &self,
        device: &str,
        changes: &[CheckedChange],
        now_ms: i64,
    ) -> Result<AppendOutcome, StorageError> {
        let mut conn = self.lock()?;
        let tx = conn.transaction()?;
        let mut inserted = 0;
        for c in changes {
            let doc = c.wire.doc.to_string();
            let scope = c.wire.scope.as_str();
            let stored: Option<String> = tx
                .query_row(
                    "SELECT scope FROM documents WHERE doc_id = ?1",
                    [&doc],
                    |r| r.get(0),
                )
                .optional()?;
            match stored {
                Some(s) if s != scope => {
                    return Err(StorageError::ScopeMismatch {
                        doc,
                        stored: s,
                        claimed: scope.into(),
                    });
                }
                Some(_) => {}
                None => {
                    tx.execute(
                        "INSERT INTO documents(doc_id, scope) VALUES (?1, ?2)",
                        [&doc, scope],
                    )?;
                }
            }
            inserted += tx.execute(
                "INSERT INTO changes(hash, doc_id, scope, bytes, device, received_at_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(hash) DO NOTHING",
                params![c.hash, doc, scope, c.wire.bytes, device, now_ms],
            )?;
        }
        tx.commit()?;
        Ok(AppendOutcome {
            acked: changes.iter().map(|c| c.hash.clone()).collect(),
            inserted,
        })
    }

    /// The next page of the feed after `cursor`.
    pub fn changes_after(&self, cursor: u64, limit: usize) -> Result<Page, StorageError> {
        let conn = self.lock()?;
        let mut stmt = conn.prepare_cached(
            "SELECT seq, hash, doc_id, scope, bytes FROM changes WHERE seq > ?1 ORDER BY seq LIMIT ?2",
        )?;
        // A cursor past i64 (only a hostile client sends one) means "nothing newer".
        let after = i64::try_from(cursor).unwrap_or(i64::MAX);
        let rows = stmt.query_map(params![after, (limit + 1) as i64], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, Vec<u8>>(4)?,
            ))
        })?;
        let mut changes = Vec::new();
        for row in rows {
            let (seq, hash, doc, scope, bytes) = row?;
            // Rows were validated on the way in; one that no longer parses is
            // skipped rather than poisoning every device's feed.
            let (Ok(doc), Ok(scope)) = (DocId::parse(&doc), GridId::parse(&scope)) else {
                tracing::error!(seq, "stored change has an invalid doc or scope; skipped");
                continue;
            };
            changes.push((seq as u64, hash, WireChange { doc, scope, bytes }));
        }
        let more = changes.len() > limit;
        changes.truncate(limit);
        let cursor = changes.last().map_or(cursor, |(seq, _, _)| *seq);
        Ok(Page {
            changes,
            cursor,
            more,
        })
    }

    pub fn change_count(&self) -> Result<u64, StorageError> {
        let n: i64 = self
            .lock()?
            .query_row("SELECT COUNT(*) FROM changes", [], |r| r.get(0))?;
        Ok(n as u64)
    }

    /// Runs SQLite's own consistency check; "ok" when healthy.
    pub fn integrity_check(&self) -> Result<String, StorageError> {
        Ok(self
            .lock()?
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?)
    }
}

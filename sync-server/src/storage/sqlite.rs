//! The embedded backend: one SQLite file in WAL mode with `synchronous=FULL`,
//! so an acknowledgement is only sent after its commit is on disk.
//!
//! Writes go through one connection, SQLite's single writer anyway, and
//! those that arrive together share one commit and so one fsync
//! (`group_commit`).
//!
//! Reads run on a small pool of their own connections, each on a snapshot
//! of what is committed: a read never sees a batch that is still open.

use rusqlite::types::{Value as SqlValue, ValueRef};
use rusqlite::{Connection, OptionalExtension};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::group_commit::{GroupCommit, WriteConnection};
use super::schema::Dialect;
use super::{Backend, CommitCounts, Row, StorageError, Tx, TxFn, Value, migrations};

/// Read connections kept open.
const MAX_IDLE_READERS: usize = 4;

#[derive(Debug)]
pub struct SqliteBackend {
    path: PathBuf,
    writes: GroupCommit<WriteConn>,
    readers: Mutex<Vec<Connection>>,
}

struct WriteConn(Connection);

impl WriteConnection for WriteConn {
    fn batch(&mut self, sql: &str) -> Result<(), StorageError> {
        Ok(self.0.execute_batch(sql)?)
    }

    fn run(&mut self, f: &mut TxFn<'_>) -> Result<(), StorageError> {
        f(&mut SqliteTx(&self.0))
    }
}

/// Page cache per connection, in KiB (SQLite's default is 2 MiB): the feed's
/// indexes of a large community stay in memory; five connections stay well
/// under the server's memory budget.
const CACHE_KIB: i64 = 16 * 1024;

fn connect(path: &Path) -> Result<Connection, StorageError> {
    let conn = Connection::open(path)?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "cache_size", -CACHE_KIB)?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(conn)
}

impl SqliteBackend {
    pub fn open(path: &Path) -> Result<Self, StorageError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|source| StorageError::Io {
                path: dir.display().to_string(),
                source,
            })?;
        }
        let mut conn = connect(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        upgrade_first_layout(&conn)?;
        key_changes_by_document(&conn)?;
        migrations::runner(Dialect::Sqlite)?
            .run(&mut conn)
            .map_err(|e| migrations::explain(&e))?;
        let reopen = path.to_owned();
        Ok(Self {
            path: path.to_owned(),
            writes: GroupCommit::new(Some(WriteConn(conn)), "BEGIN IMMEDIATE".into(), move || {
                connect(&reopen).map(WriteConn)
            }),
            readers: Mutex::new(Vec::new()),
        })
    }

    fn read_conn(&self) -> Result<Connection, StorageError> {
        let idle = self
            .readers
            .lock()
            .map_err(|_| StorageError::Poisoned)?
            .pop();
        match idle {
            Some(c) => Ok(c),
            None => connect(&self.path),
        }
    }
}

/// Servers from before accounts stored only reports and did not record
/// their makers; their rows become reports with no owner (offices and grid
/// workers still see them) instead of stopping the server.
fn upgrade_first_layout(conn: &Connection) -> Result<(), StorageError> {
    let lacks_column = |table: &str, column: &str| -> Result<bool, StorageError> {
        let mut stmt = conn.prepare(&format!("PRAGMA table_info({table})"))?;
        let names: Vec<String> = stmt
            .query_map([], |r| r.get::<_, String>(1))?
            .collect::<Result<_, _>>()?;
        Ok(!names.is_empty() && !names.iter().any(|n| n == column))
    };
    for table in ["changes", "documents"] {
        if lacks_column(table, "kind")? {
            conn.execute_batch(&format!(
                "ALTER TABLE {table} ADD COLUMN kind TEXT NOT NULL DEFAULT 'report';
                 ALTER TABLE {table} ADD COLUMN owner TEXT NOT NULL DEFAULT '';"
            ))?;
        }
    }
    Ok(())
}

/// Databases from before per-document keys declared `hash` unique on its
/// own, which SQLite cannot drop in place: the table is rebuilt (rows,
/// sequence numbers and all) in one transaction, and the schema then adds
/// the `(doc_id, hash)` key.
fn key_changes_by_document(conn: &Connection) -> Result<(), StorageError> {
    let sql: Option<String> = conn
        .query_row(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'changes'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    if !sql.is_some_and(|s| s.contains("hash TEXT NOT NULL UNIQUE")) {
        return Ok(());
    }
    conn.execute_batch(
        "BEGIN IMMEDIATE;
         CREATE TABLE changes_keyed (
             seq INTEGER PRIMARY KEY AUTOINCREMENT, hash TEXT NOT NULL, doc_id TEXT NOT NULL,
             scope TEXT NOT NULL, kind TEXT NOT NULL, owner TEXT NOT NULL, bytes BLOB NOT NULL,
             device TEXT NOT NULL, received_at_ms BIGINT NOT NULL);
         INSERT INTO changes_keyed(seq, hash, doc_id, scope, kind, owner, bytes, device, received_at_ms)
             SELECT seq, hash, doc_id, scope, kind, owner, bytes, device, received_at_ms FROM changes;
         DROP TABLE changes;
         ALTER TABLE changes_keyed RENAME TO changes;
         COMMIT;",
    )?;
    Ok(())
}

impl Backend for SqliteBackend {
    fn write(&self, f: &mut TxFn<'_>) -> Result<(), StorageError> {
        self.writes.write(f)
    }

    fn read(&self, f: &mut TxFn<'_>) -> Result<(), StorageError> {
        let conn = self.read_conn()?;
        conn.execute_batch("BEGIN DEFERRED")?;
        let ran = f(&mut SqliteTx(&conn));
        // A read writes nothing: ending it either way releases the snapshot.
        let ended = conn.execute_batch(if ran.is_ok() { "COMMIT" } else { "ROLLBACK" });
        if ended.is_ok() {
            let mut idle = self.readers.lock().map_err(|_| StorageError::Poisoned)?;
            if idle.len() < MAX_IDLE_READERS {
                idle.push(conn);
            }
        }
        ran?;
        Ok(ended?)
    }

    fn integrity_check(&self) -> Result<String, StorageError> {
        let conn = self.read_conn()?;
        Ok(conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?)
    }

    fn commit_counts(&self) -> CommitCounts {
        self.writes.counts()
    }

    fn name(&self) -> &'static str {
        "sqlite"
    }
}

struct SqliteTx<'c>(&'c Connection);

fn bind(params: &[Value]) -> impl Iterator<Item = SqlValue> + '_ {
    params.iter().map(|v| match v {
        Value::Null => SqlValue::Null,
        Value::Int(i) => SqlValue::Integer(*i),
        Value::Text(s) => SqlValue::Text(s.clone()),
        Value::Bytes(b) => SqlValue::Blob(b.clone()),
    })
}

impl Tx for SqliteTx<'_> {
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StorageError> {
        let mut stmt = self.0.prepare_cached(sql)?;
        let columns = stmt.column_count();
        let mut rows = stmt.query(rusqlite::params_from_iter(bind(params)))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let mut values = Vec::with_capacity(columns);
            for i in 0..columns {
                values.push(match row.get_ref(i)? {
                    ValueRef::Null => Value::Null,
                    ValueRef::Integer(v) => Value::Int(v),
                    ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
                    ValueRef::Blob(b) => Value::Bytes(b.to_vec()),
                    ValueRef::Real(r) => {
                        return Err(StorageError::Corrupt(format!(
                            "column {i} holds a float ({r}); this server stores none"
                        )));
                    }
                });
            }
            out.push(Row(values));
        }
        Ok(out)
    }

    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, StorageError> {
        let mut stmt = self.0.prepare_cached(sql)?;
        Ok(stmt.execute(rusqlite::params_from_iter(bind(params)))? as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Backend, ReadFilter, Storage, StorageError};
    use super::SqliteBackend;
    use gridwalk_domain::GridId;
    use std::sync::{Arc, Barrier};

    #[test]
    fn writes_that_arrive_together_share_a_commit_and_a_failing_one_is_left_out() {
        let dir = tempfile::tempdir().unwrap();
        let db = Arc::new(SqliteBackend::open(&dir.path().join("sync.sqlite")).unwrap());
        let start = Arc::new(Barrier::new(8));
        let writers: Vec<_> = (0..8)
            .map(|i| {
                let (db, start) = (db.clone(), start.clone());
                std::thread::spawn(move || {
                    start.wait();
                    db.write(&mut |tx| {
                        tx.execute(
                            "INSERT INTO admins(username, password_hash) VALUES ($1, 'x')",
                            &[format!("writer{i}").into()],
                        )?;
                        // Long enough that the others queue up behind it.
                        std::thread::sleep(std::time::Duration::from_millis(20));
                        if i == 3 {
                            return Err(StorageError::Corrupt("writer 3 gives up".into()));
                        }
                        Ok(())
                    })
                })
            })
            .collect();
        let results: Vec<_> = writers.into_iter().map(|w| w.join().unwrap()).collect();
        for (i, r) in results.iter().enumerate() {
            assert_eq!(r.is_ok(), i != 3, "writer {i}: {r:?}");
        }
        let counts = db.commit_counts();
        assert_eq!(counts.writes, 8);
        assert!(
            counts.commits < counts.writes,
            "writes queued behind one another share commits: {counts:?}"
        );
        let mut names = Vec::new();
        db.read(&mut |tx| {
            names = tx
                .query("SELECT username FROM admins ORDER BY username", &[])?
                .iter()
                .map(|r| r.text(0))
                .collect::<Result<_, _>>()?;
            Ok(())
        })
        .unwrap();
        let expected: Vec<String> = (0..8)
            .filter(|i| *i != 3)
            .map(|i| format!("writer{i}"))
            .collect();
        assert_eq!(
            names, expected,
            "the failed writer's row is rolled back, the rest kept"
        );
    }

    #[test]
    fn a_database_from_before_accounts_opens_with_its_changes_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sync.sqlite");
        let old = rusqlite::Connection::open(&path).unwrap();
        old.execute_batch(
            "CREATE TABLE changes (seq INTEGER PRIMARY KEY AUTOINCREMENT, hash TEXT NOT NULL UNIQUE,
                 doc_id TEXT NOT NULL, scope TEXT NOT NULL, bytes BLOB NOT NULL, device TEXT NOT NULL,
                 received_at_ms INTEGER NOT NULL);
             CREATE TABLE documents (doc_id TEXT PRIMARY KEY, scope TEXT NOT NULL);
             INSERT INTO documents VALUES ('0d3c1f0e-7b1a-4c55-9a41-5e0c8f1a0001', 'demo-grid-1');
             INSERT INTO changes(hash, doc_id, scope, bytes, device, received_at_ms)
                 VALUES ('h1', '0d3c1f0e-7b1a-4c55-9a41-5e0c8f1a0001', 'demo-grid-1', x'00', 'd', 1);",
        )
        .unwrap();
        drop(old);

        let storage = Storage::open_sqlite(&path).unwrap();
        let office = ReadFilter {
            grids: Some(vec![GridId::parse("demo-grid-1").unwrap()]),
            ..ReadFilter::everything()
        };
        let page = storage.changes_after(&office, 0, 10).unwrap();
        assert_eq!(
            page.changes.len(),
            1,
            "the old change is still served, as a report"
        );
        let doc = page.changes[0].2.doc;
        let facts = storage.doc_facts(&doc).unwrap().unwrap();
        assert_eq!(facts.kind, gridwalk_domain::DocKind::Report);
        // Keys are per document now: the same bytes for another document
        // are stored for it, not swallowed.
        let twin = super::super::CheckedChange {
            hash: "h1".into(),
            wire: gridwalk_domain::sync::WireChange {
                doc: gridwalk_domain::DocId::from_random_bytes([7; 16]),
                ..page.changes[0].2.clone()
            },
            // `append` stores the hash and bytes above; the decoded change
            // is for the check, which a database this old predates.
            change: {
                use automerge::transaction::Transactable;
                let mut doc = automerge::AutoCommit::new();
                doc.put(automerge::ROOT, "k", 1).unwrap();
                doc.get_last_local_change().unwrap()
            },
        };
        let facts = super::super::DocFacts {
            scope: GridId::parse("demo-grid-1").unwrap(),
            kind: gridwalk_domain::DocKind::Report,
            owner: String::new(),
            wish: false,
        };
        let created = std::collections::HashMap::from([(twin.wire.doc, facts)]);
        let out = storage
            .append(
                "d",
                &[twin],
                &created,
                &Default::default(),
                &Default::default(),
                2,
            )
            .unwrap();
        assert_eq!(out.inserted, 1, "stored for the second document too");
        assert_eq!(storage.change_count().unwrap(), 2);
        drop(storage);
        Storage::open_sqlite(&path).expect("opening again is a no-op");
    }
}

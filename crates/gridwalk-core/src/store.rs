//! The device store: one SQLite file holding the documents, the outbox, the
//! photos and the projections. Every write that touches a document and its
//! projection happens in one transaction, so a crash leaves either both or
//! neither.

mod schema;

use gridwalk_domain::sync::WireChange;
use gridwalk_domain::{DeviceId, DocId, GridId};
use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;

use crate::error::{CoreError, Result};

/// The demo community's first grid, for tests and the demo seed. Reports
/// never fall back to it: they go into one of the account's grids.
pub const DEFAULT_SCOPE: &str = "demo-grid-1";

#[derive(Debug)]
pub struct Store {
    pub(crate) conn: Connection,
    device: DeviceId,
    /// Records kept loaded after a pull merged into them.
    pub(crate) loaded: crate::sync_engine::KeptLoaded,
}

impl Store {
    /// Opens (creating if needed) the store at `path` and migrates it.
    pub fn open(path: &Path) -> Result<Self> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| {
                CoreError::Invalid(format!("cannot create data folder {}: {e}", dir.display()))
            })?;
        }
        Self::init(Connection::open(path)?)
    }

    pub fn open_in_memory() -> Result<Self> {
        Self::init(Connection::open_in_memory()?)
    }

    fn init(mut conn: Connection) -> Result<Self> {
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // 32 MiB of page cache (the default is 2 MiB): an import of a whole
        // community touches every index at random doc ids, and a smaller
        // cache spills and rewrites the same pages mid-transaction.
        conn.pragma_update(None, "cache_size", -32 * 1024)?;
        // Statement journals (an upsert into a table with several indexes
        // keeps one per statement) and temporary sorts stay in memory
        // instead of going through a temporary file.
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // A sync pass and a local edit each run some twenty distinct
        // statements; rusqlite's default cache of 16 would prepare them
        // again every time.
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        migrate(&mut conn)?;
        if get_meta(&conn, "projection_version")?.as_deref()
            != Some(crate::records::PROJECTION_VERSION)
        {
            let n = crate::records::reproject_all(&mut conn)?;
            tracing::info!(documents = n, "record lists rebuilt from the documents");
        }
        let device = match get_meta(&conn, "device_id")? {
            Some(s) => DeviceId::parse(&s).map_err(|e| CoreError::Invalid(e.to_string()))?,
            None => {
                let id = DeviceId::from_random_bytes(*uuid::Uuid::new_v4().as_bytes());
                set_meta(&conn, "device_id", &id.to_string())?;
                id
            }
        };
        Ok(Self {
            conn,
            device,
            loaded: Default::default(),
        })
    }

    pub fn device(&self) -> DeviceId {
        self.device
    }

    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        get_meta(&self.conn, key)
    }

    pub fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        set_meta(&self.conn, key, value)
    }
}

impl Store {
    pub(crate) fn document(&self, id: &DocId) -> Result<Option<automerge::AutoCommit>> {
        Ok(crate::records::load(&self.conn, id)?.map(|(doc, _)| doc))
    }

    /// The document's heads (hex hashes, sorted): two replicas with the same
    /// heads hold the same document.
    pub fn document_heads(&self, id: &DocId) -> Result<Option<Vec<String>>> {
        Ok(self.document(id)?.map(|mut d| {
            let mut h: Vec<String> = d.get_heads().iter().map(|h| h.to_string()).collect();
            h.sort();
            h
        }))
    }

    /// Every change of one document as it would travel, e.g. to re-send it.
    pub fn document_changes(&self, id: &DocId) -> Result<Vec<WireChange>> {
        // The document's own scope: it was fixed when the record was made.
        let scope: Option<String> = self
            .conn
            .query_row(
                "SELECT scope FROM documents WHERE doc_id = ?1",
                [id.to_string()],
                |r| r.get(0),
            )
            .optional()?;
        let Some(scope) = scope else {
            return Ok(Vec::new());
        };
        let scope = GridId::parse(&scope).map_err(|e| CoreError::Invalid(e.to_string()))?;
        Ok(match self.document(id)? {
            None => Vec::new(),
            Some(mut d) => d
                .get_changes(&[])
                .into_iter()
                .map(|c| WireChange {
                    doc: *id,
                    scope: scope.clone(),
                    bytes: c.raw_bytes().to_vec(),
                })
                .collect(),
        })
    }
}

/// The first schema, for tests that build a store as the first version did.
#[cfg(test)]
pub(crate) fn schema_v1() -> &'static str {
    schema::MIGRATIONS[0]
}

/// Prepared statements kept per connection.
const STATEMENT_CACHE: usize = 128;

fn get_meta(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?)
}

pub(crate) fn set_meta(conn: &Connection, key: &str, value: &str) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO meta(key, value) VALUES (?1, ?2)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    )?
    .execute(params![key, value])?;
    Ok(())
}

fn migrate(conn: &mut Connection) -> Result<()> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let version = usize::try_from(version).unwrap_or(usize::MAX);
    if version > schema::MIGRATIONS.len() {
        return Err(CoreError::Invalid(format!(
            "this database was written by a newer Gridwalk (schema {version}): update the app"
        )));
    }
    for (i, sql) in schema::MIGRATIONS.iter().enumerate().skip(version) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_id_is_made_once_and_kept_across_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("device.sqlite");
        let first = Store::open(&path).unwrap().device();
        let again = Store::open(&path).unwrap().device();
        assert_eq!(
            first, again,
            "a device must keep its identity (its Automerge actor)"
        );
    }

    #[test]
    fn a_database_from_a_newer_app_is_refused_not_damaged() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("device.sqlite");
        drop(Store::open(&path).unwrap());
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        drop(conn);
        let err = Store::open(&path).unwrap_err();
        assert!(err.to_string().contains("newer Gridwalk"), "{err}");
    }
}

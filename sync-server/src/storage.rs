//! Where the server keeps everything: the change feed, the grid tree and
//! accounts, and the audit log.
//!
//! Two backends exist — embedded SQLite (the default) and PostgreSQL (chosen
//! with `--database-url`) — so the trait here is the narrowest one that lets
//! all storage logic be written once: run SQL with `$1…` parameters inside a
//! transaction. Both dialects accept the same statements; only the schema's
//! key and blob types differ (`schema.rs`). Writes are serialised in both
//! backends, which is what keeps the feed's sequence numbers in commit order
//! so a cursor never skips a change that commits late.

mod audit;
mod check_index;
mod directory;
mod feed;
mod feed_signal;
mod group_commit;
mod migrations;
mod pg_listen;
mod postgres;
mod schema;
mod sqlite;

pub use audit::AuditNote;
pub use check_index::{DocIndex, IndexUpdate, Wanted};
pub use directory::{DeviceIdentity, DeviceRow, InvitationOutcome};
pub use feed::{AppendOutcome, CheckedChange, DocFacts, DocHistory, Page, ReadFilter};
pub use feed_signal::{FeedMoved, FeedSignal};

use std::fmt;
use std::path::Path;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("sync database failed: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("sync database failed: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    #[error("the sync database cannot be reached: {0}")]
    Unavailable(String),
    #[error("{0}")]
    Migration(String),
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
    #[error("document {0} was created by someone else at the same moment; sync again")]
    CreatedConcurrently(String),
    #[error("stored data is not what this server wrote: {0}")]
    Corrupt(String),
    #[error("a storage worker panicked")]
    Poisoned,
    #[error("the sync database could not commit: {0}")]
    CommitFailed(String),
}

/// A value bound to or read from a statement. Integers are 64-bit in both
/// backends; booleans are stored as 0/1.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Text(String),
    Bytes(Vec<u8>),
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_owned())
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}
impl From<&[u8]> for Value {
    fn from(v: &[u8]) -> Self {
        Value::Bytes(v.to_vec())
    }
}
impl From<Option<i64>> for Value {
    fn from(v: Option<i64>) -> Self {
        v.map_or(Value::Null, Value::Int)
    }
}

#[derive(Debug, Clone)]
pub struct Row(pub Vec<Value>);

impl Row {
    fn get(&self, i: usize) -> Result<&Value, StorageError> {
        self.0
            .get(i)
            .ok_or_else(|| StorageError::Corrupt(format!("column {i} missing")))
    }

    pub fn int(&self, i: usize) -> Result<i64, StorageError> {
        match self.get(i)? {
            Value::Int(v) => Ok(*v),
            other => Err(StorageError::Corrupt(format!(
                "column {i}: expected an integer, found {other:?}"
            ))),
        }
    }

    pub fn opt_int(&self, i: usize) -> Result<Option<i64>, StorageError> {
        match self.get(i)? {
            Value::Null => Ok(None),
            _ => self.int(i).map(Some),
        }
    }

    pub fn text(&self, i: usize) -> Result<String, StorageError> {
        match self.get(i)? {
            Value::Text(v) => Ok(v.clone()),
            other => Err(StorageError::Corrupt(format!(
                "column {i}: expected text, found {other:?}"
            ))),
        }
    }

    pub fn bytes(&self, i: usize) -> Result<Vec<u8>, StorageError> {
        match self.get(i)? {
            Value::Bytes(v) => Ok(v.clone()),
            other => Err(StorageError::Corrupt(format!(
                "column {i}: expected bytes, found {other:?}"
            ))),
        }
    }
}

/// One open transaction. Statements use `$1, $2, …` numbered in the order
/// they first appear, which SQLite and PostgreSQL both read the same way.
pub trait Tx {
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StorageError>;
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, StorageError>;
}

pub type TxFn<'a> = dyn FnMut(&mut dyn Tx) -> Result<(), StorageError> + Send + 'a;

/// A database that can run a closure in a transaction.
pub trait Backend: Send + Sync + fmt::Debug {
    /// Runs `f` in a write transaction, committing only if it returns `Ok`.
    /// Write transactions never run concurrently.
    fn write(&self, f: &mut TxFn<'_>) -> Result<(), StorageError>;
    /// Runs `f` on a consistent read snapshot.
    fn read(&self, f: &mut TxFn<'_>) -> Result<(), StorageError>;
    /// The database's own consistency check; `"ok"` when healthy.
    fn integrity_check(&self) -> Result<String, StorageError>;
    fn name(&self) -> &'static str;
    /// Commits made and writes they held, for `/metrics`.
    fn commit_counts(&self) -> CommitCounts;
    /// The statement that tells other instances, inside a push's
    /// transaction, where the feed moved (`$1`: the notice's payload);
    /// `None` when this instance is the only one and tells its own.
    fn feed_notice_sql(&self) -> Option<&'static str> {
        None
    }
    /// Passes on what other instances notify, from now on.
    fn relay_feed_notices(&self, _to: FeedSignal) {}
}

/// Commits made and writes they held: more writes than commits means
/// writes shared fsyncs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CommitCounts {
    pub commits: u64,
    pub writes: u64,
}

/// Which backend to open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    Sqlite(std::path::PathBuf),
    Postgres(String),
}

#[derive(Debug, Clone)]
pub struct Storage {
    backend: Arc<dyn Backend>,
    /// The feed's name, read once: a restore happens with the server down.
    epoch: Arc<std::sync::atomic::AtomicU64>,
    /// The grid tree as of a directory version (see `directory.rs`).
    tree_cache: Arc<std::sync::Mutex<Option<TreeAt>>>,
    /// Where the feed moved, for held pulls.
    signal: FeedSignal,
}

/// The grid tree and the directory version it was read at.
type TreeAt = (u64, Arc<Vec<gridwalk_domain::directory::GridNode>>);

/// A random feed name that fits both databases' signed 64-bit integers.
fn random_epoch() -> Result<i64, StorageError> {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).map_err(|e| StorageError::Corrupt(format!("no randomness: {e}")))?;
    Ok((u64::from_le_bytes(b) >> 1).max(1) as i64)
}

impl Storage {
    pub fn open(db: &Database) -> Result<Self, StorageError> {
        let backend: Arc<dyn Backend> = match db {
            Database::Sqlite(path) => Arc::new(sqlite::SqliteBackend::open(path)?),
            Database::Postgres(url) => Arc::new(postgres::PostgresBackend::open(url)?),
        };
        let storage = Self {
            backend,
            epoch: Default::default(),
            tree_cache: Default::default(),
            signal: FeedSignal::default(),
        };
        storage.backend.relay_feed_notices(storage.signal.clone());
        let first = random_epoch()?;
        let epoch = storage.write(|tx| {
            tx.execute(
                "INSERT INTO feed_epoch(one, epoch) VALUES (1, $1) ON CONFLICT(one) DO NOTHING",
                &[first.into()],
            )?;
            tx.query("SELECT epoch FROM feed_epoch", &[])?
                .first()
                .map_or(Ok(first), |r| r.int(0))
        })?;
        storage
            .epoch
            .store(epoch as u64, std::sync::atomic::Ordering::SeqCst);
        Ok(storage)
    }

    /// The feed's name, sent with every sync answer.
    pub fn epoch(&self) -> u64 {
        self.epoch.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Gives the feed a new name, after a restore: every device then pulls
    /// from the start and pushes its own changes again.
    pub fn renew_epoch(&self) -> Result<u64, StorageError> {
        let epoch = random_epoch()?;
        self.write(|tx| {
            tx.execute("UPDATE feed_epoch SET epoch = $1", &[epoch.into()])?;
            Ok(())
        })?;
        self.epoch
            .store(epoch as u64, std::sync::atomic::Ordering::SeqCst);
        Ok(epoch as u64)
    }

    /// The embedded SQLite database at `path`.
    pub fn open_sqlite(path: &Path) -> Result<Self, StorageError> {
        Self::open(&Database::Sqlite(path.to_owned()))
    }

    pub fn backend_name(&self) -> &'static str {
        self.backend.name()
    }

    pub fn integrity_check(&self) -> Result<String, StorageError> {
        self.backend.integrity_check()
    }

    pub fn commit_counts(&self) -> CommitCounts {
        self.backend.commit_counts()
    }

    /// Notices of where the feed moves from now on: subscribe before the
    /// read that found nothing, so a commit in between still wakes.
    pub fn feed_moves(&self) -> tokio::sync::broadcast::Receiver<FeedMoved> {
        self.signal.subscribe()
    }

    fn run<T: Send>(
        &self,
        write: bool,
        f: impl FnOnce(&mut dyn Tx) -> Result<T, StorageError> + Send,
    ) -> Result<T, StorageError> {
        let mut f = Some(f);
        let mut out = None;
        let mut body = |tx: &mut dyn Tx| {
            // A backend runs the closure once; a second call finds it taken.
            let f = f.take().ok_or(StorageError::Poisoned)?;
            out = Some(f(tx)?);
            Ok(())
        };
        if write {
            self.backend.write(&mut body)?;
        } else {
            self.backend.read(&mut body)?;
        }
        out.ok_or(StorageError::Poisoned)
    }

    pub(crate) fn write<T: Send>(
        &self,
        f: impl FnOnce(&mut dyn Tx) -> Result<T, StorageError> + Send,
    ) -> Result<T, StorageError> {
        self.run(true, f)
    }

    pub(crate) fn read<T: Send>(
        &self,
        f: impl FnOnce(&mut dyn Tx) -> Result<T, StorageError> + Send,
    ) -> Result<T, StorageError> {
        self.run(false, f)
    }
}

/// `$first, $first+1, …` for an `IN (…)` list of `n` values.
pub(crate) fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

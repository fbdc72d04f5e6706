//! The PostgreSQL backend, for a community office that outgrows one file.
//!
//! Write transactions take one advisory lock first, so they run one at a
//! time and commit in the order their sequence numbers were drawn: a reader
//! can then never see change N+1 while N is still uncommitted, which would
//! make a cursor skip N forever. Since they run one at a time anyway, an
//! instance sends its writes through one connection and those that arrive
//! together share one commit and so one WAL flush (`group_commit`). Reads
//! run at REPEATABLE READ, one snapshot per call.
//!
//! Connections come from a `deadpool` pool of `tokio-postgres` clients, each
//! with its statements prepared once. The backend owns a one-worker Tokio
//! runtime that drives the connections' sockets; a storage call (made on a
//! blocking thread, or anywhere) waits on the client's futures, which only
//! talk to those connection tasks over channels — no thread per call, and no
//! runtime started inside another.

use bytes::BytesMut;
use deadpool_postgres::{ClientWrapper, Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use std::future::Future;
use std::time::Duration;
use tokio_postgres::NoTls;
use tokio_postgres::types::{IsNull, ToSql, Type, to_sql_checked};

use super::group_commit::{GroupCommit, WriteConnection};
use super::schema::Dialect;
use super::{Backend, CommitCounts, FeedSignal, Row, StorageError, Tx, TxFn, Value, migrations};

/// Any number: only this server's writers take it.
const WRITE_LOCK: i64 = 0x6772_6964; // "grid"
const BEGIN_READ: &str = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
/// Connections at most; a request beyond waits for one to come back.
const MAX_CONNECTIONS: usize = 16;
/// How long a call waits for a free connection, or for a new one to open,
/// before it fails (and the device retries) instead of hanging.
const WAIT_FOR_CONNECTION: Duration = Duration::from_secs(30);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

pub struct PostgresBackend {
    pool: Pool,
    /// Drives the connections. Taken on drop, which may be on an async
    /// worker, where a runtime must not be shut down by blocking.
    runtime: Option<tokio::runtime::Runtime>,
    writes: GroupCommit<WriteConn>,
    /// For the connection that listens for other instances' pushes.
    config: tokio_postgres::Config,
}

/// The connection an instance's writes go through, taken from the pool.
struct WriteConn(deadpool_postgres::Object);

impl WriteConnection for WriteConn {
    fn batch(&mut self, sql: &str) -> Result<(), StorageError> {
        Ok(wait(self.0.batch_execute(sql))?)
    }

    fn run(&mut self, f: &mut TxFn<'_>) -> Result<(), StorageError> {
        f(&mut PgTx(&self.0))
    }
}

impl std::fmt::Debug for PostgresBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold a password.
        f.debug_struct("PostgresBackend").finish_non_exhaustive()
    }
}

/// Waits on a future from any thread without needing a runtime of its own.
fn wait<F: Future>(f: F) -> F::Output {
    futures_executor::block_on(f)
}

impl PostgresBackend {
    pub fn open(url: &str) -> Result<Self, StorageError> {
        let mut config: tokio_postgres::Config = url
            .parse()
            .map_err(|e| StorageError::Unavailable(format!("bad PostgreSQL URL: {e}")))?;
        config.connect_timeout(CONNECT_TIMEOUT);
        let manager = Manager::from_config(
            config.clone(),
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("gridwalk-pg")
            .enable_all()
            .build()
            .map_err(|e| StorageError::Unavailable(format!("no runtime for PostgreSQL: {e}")))?;
        let pool = Pool::builder(manager)
            .max_size(MAX_CONNECTIONS)
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(WAIT_FOR_CONNECTION))
            .create_timeout(Some(CONNECT_TIMEOUT))
            .build()
            .map_err(|e| StorageError::Unavailable(e.to_string()))?;
        migrate(&runtime, config.clone())?;
        let (for_writes, handle) = (pool.clone(), runtime.handle().clone());
        Ok(Self {
            writes: GroupCommit::new(
                None,
                format!("BEGIN; SELECT pg_advisory_xact_lock({WRITE_LOCK})"),
                move || checkout(&handle, &for_writes).map(WriteConn),
            ),
            pool,
            runtime: Some(runtime),
            config,
        })
    }
}

/// A connection from the pool. Opening one spawns its socket task, so the
/// checkout runs on the backend's runtime.
fn checkout(
    runtime: &tokio::runtime::Handle,
    pool: &Pool,
) -> Result<deadpool_postgres::Object, StorageError> {
    let pool = pool.clone();
    wait(runtime.spawn(async move { pool.get().await }))
        .map_err(|_| StorageError::Poisoned)?
        .map_err(|e| StorageError::Unavailable(format!("no PostgreSQL connection: {e}")))
}

/// Brings the layout up to date on a connection of its own, holding the
/// write lock for the session so instances starting together take turns;
/// closing the connection releases it, whatever happened.
fn migrate(
    runtime: &tokio::runtime::Runtime,
    config: tokio_postgres::Config,
) -> Result<(), StorageError> {
    let runner = migrations::runner(Dialect::Postgres)?;
    let done = wait(runtime.spawn(async move {
        let (mut client, connection) = config.connect(NoTls).await?;
        tokio::spawn(connection);
        client
            .execute("SELECT pg_advisory_lock($1)", &[&WRITE_LOCK])
            .await?;
        Ok::<_, tokio_postgres::Error>(runner.run_async(&mut client).await)
    }))
    .map_err(|_| StorageError::Poisoned)??;
    done.map(drop).map_err(|e| migrations::explain(&e))
}

impl Drop for PostgresBackend {
    fn drop(&mut self) {
        self.pool.close();
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl Backend for PostgresBackend {
    fn write(&self, f: &mut TxFn<'_>) -> Result<(), StorageError> {
        self.writes.write(f)
    }

    fn read(&self, f: &mut TxFn<'_>) -> Result<(), StorageError> {
        let runtime = self.runtime.as_ref().ok_or(StorageError::Poisoned)?;
        let client = checkout(runtime.handle(), &self.pool)?;
        wait(client.batch_execute(BEGIN_READ))?;
        let ran = f(&mut PgTx(&client));
        // A read writes nothing: ending it either way releases the snapshot.
        let ended = wait(client.batch_execute(if ran.is_ok() { "COMMIT" } else { "ROLLBACK" }));
        ran?;
        Ok(ended?)
    }

    fn commit_counts(&self) -> CommitCounts {
        self.writes.counts()
    }

    fn feed_notice_sql(&self) -> Option<&'static str> {
        Some(super::feed_signal::NOTICE_SQL)
    }

    fn relay_feed_notices(&self, to: FeedSignal) {
        if let Some(runtime) = &self.runtime {
            runtime.spawn(super::pg_listen::relay(self.config.clone(), to));
        }
    }

    fn integrity_check(&self) -> Result<String, StorageError> {
        // PostgreSQL checks its pages itself; what can go wrong here is the
        // feed: a hash stored twice or a gap in what was acknowledged.
        let mut out = String::new();
        self.read(&mut |tx| {
            let rows = tx.query("SELECT COUNT(*) - COUNT(DISTINCT hash) FROM changes", &[])?;
            let dupes = rows.first().map_or(Ok(0), |r| r.int(0))?;
            out = if dupes == 0 {
                "ok".into()
            } else {
                format!("{dupes} changes stored twice")
            };
            Ok(())
        })?;
        Ok(out)
    }

    fn name(&self) -> &'static str {
        "postgres"
    }
}

struct PgTx<'a>(&'a ClientWrapper);

impl ToSql for Value {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(v) if *ty == Type::INT4 => i32::try_from(*v)?.to_sql(ty, out),
            Value::Int(v) => v.to_sql(ty, out),
            Value::Text(v) => v.to_sql(ty, out),
            Value::Bytes(v) => v.to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        // Checked per value in `to_sql`, which fails on a mismatch.
        true
    }

    to_sql_checked!();
}

impl Tx for PgTx<'_> {
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StorageError> {
        let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p as _).collect();
        let statement = wait(self.0.prepare_cached(sql))?;
        let rows = wait(self.0.query(&statement, &refs))?;
        rows.iter().map(read_row).collect()
    }

    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, StorageError> {
        let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p as _).collect();
        let statement = wait(self.0.prepare_cached(sql))?;
        Ok(wait(self.0.execute(&statement, &refs))?)
    }
}

fn read_row(row: &tokio_postgres::Row) -> Result<Row, StorageError> {
    let mut values = Vec::with_capacity(row.len());
    for (i, column) in row.columns().iter().enumerate() {
        let ty = column.type_();
        let v = if *ty == Type::INT8 {
            row.try_get::<_, Option<i64>>(i)?.map(Value::Int)
        } else if *ty == Type::INT4 {
            row.try_get::<_, Option<i32>>(i)?
                .map(|v| Value::Int(v.into()))
        } else if *ty == Type::BOOL {
            row.try_get::<_, Option<bool>>(i)?
                .map(|v| Value::Int(v.into()))
        } else if *ty == Type::BYTEA {
            row.try_get::<_, Option<Vec<u8>>>(i)?.map(Value::Bytes)
        } else if *ty == Type::TEXT || *ty == Type::VARCHAR {
            row.try_get::<_, Option<String>>(i)?.map(Value::Text)
        } else {
            return Err(StorageError::Corrupt(format!(
                "column {} has type {ty}, which this server never stores",
                column.name()
            )));
        };
        values.push(v.unwrap_or(Value::Null));
    }
    Ok(Row(values))
}

//! The PostgreSQL backend, for a community office that outgrows one file.
//!
//! Write transactions take one advisory lock first, so they run one at a
//! time and commit in the order their sequence numbers were drawn: a reader
//! can then never see change N+1 while N is still uncommitted, which would
//! make a cursor skip N forever. Reads run at REPEATABLE READ, one snapshot
//! per call. The `postgres` client drives its own small Tokio runtime, which
//! must not start inside another; every call therefore runs on a scoped
//! thread of its own, whoever the caller is.

use ::postgres::types::{IsNull, ToSql, Type, to_sql_checked};
use ::postgres::{Client, IsolationLevel, NoTls, Transaction};
use bytes::BytesMut;
use std::sync::Mutex;

use super::{Backend, CommitCounts, Row, StorageError, Tx, TxFn, Value, schema};

/// Any number: only this server's writers take it.
const WRITE_LOCK: i64 = 0x6772_6964; // "grid"
const MAX_IDLE_CONNECTIONS: usize = 8;

pub struct PostgresBackend {
    url: String,
    idle: Mutex<Vec<Client>>,
    /// Each write is its own commit here.
    writes: std::sync::atomic::AtomicU64,
}

impl std::fmt::Debug for PostgresBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold a password.
        f.debug_struct("PostgresBackend").finish_non_exhaustive()
    }
}

impl PostgresBackend {
    pub fn open(url: &str) -> Result<Self, StorageError> {
        let backend = Self {
            url: url.to_owned(),
            idle: Mutex::new(Vec::new()),
            writes: Default::default(),
        };
        backend.with_client(&mut |client| {
            let mut tx = client.transaction()?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&WRITE_LOCK])?;
            tx.batch_execute(&schema::postgres())?;
            tx.commit()?;
            Ok(())
        })?;
        Ok(backend)
    }

    fn with_client(
        &self,
        work: &mut (dyn FnMut(&mut Client) -> Result<(), StorageError> + Send),
    ) -> Result<(), StorageError> {
        std::thread::scope(|s| {
            s.spawn(|| {
                let taken = self.idle.lock().map_err(|_| StorageError::Poisoned)?.pop();
                let mut client = match taken {
                    Some(c) if !c.is_closed() => c,
                    _ => Client::connect(&self.url, NoTls)?,
                };
                let result = work(&mut client);
                if !client.is_closed() {
                    let mut idle = self.idle.lock().map_err(|_| StorageError::Poisoned)?;
                    if idle.len() < MAX_IDLE_CONNECTIONS {
                        idle.push(client);
                    }
                }
                result
            })
            .join()
            .map_err(|_| StorageError::Poisoned)?
        })
    }
}

impl Drop for PostgresBackend {
    fn drop(&mut self) {
        // Closing a client drives its runtime too; do it off any async worker.
        let idle = std::mem::take(self.idle.get_mut().unwrap_or_else(|e| e.into_inner()));
        std::thread::scope(|s| {
            s.spawn(move || drop(idle));
        });
    }
}

impl Backend for PostgresBackend {
    fn write(&self, f: &mut TxFn<'_>) -> Result<(), StorageError> {
        self.writes
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.with_client(&mut |client| {
            let mut tx = client.transaction()?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&WRITE_LOCK])?;
            let mut wrapped = PgTx(tx);
            f(&mut wrapped)?;
            wrapped.0.commit()?;
            Ok(())
        })
    }

    fn read(&self, f: &mut TxFn<'_>) -> Result<(), StorageError> {
        self.with_client(&mut |client| {
            let tx = client
                .build_transaction()
                .isolation_level(IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()?;
            let mut wrapped = PgTx(tx);
            f(&mut wrapped)?;
            wrapped.0.commit()?;
            Ok(())
        })
    }

    fn commit_counts(&self) -> CommitCounts {
        let n = self.writes.load(std::sync::atomic::Ordering::Relaxed);
        CommitCounts {
            commits: n,
            writes: n,
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

struct PgTx<'c>(Transaction<'c>);

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
        let rows = self.0.query(sql, &refs)?;
        rows.iter().map(read_row).collect()
    }

    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, StorageError> {
        let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p as _).collect();
        Ok(self.0.execute(sql, &refs)?)
    }
}

fn read_row(row: &::postgres::Row) -> Result<Row, StorageError> {
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

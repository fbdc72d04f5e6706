//! Group commit, for both backends: writes that arrive together share one
//! commit and so one fsync.
//!
//! Writes go through one connection, which is also what keeps the feed's
//! sequence in commit order. Each write runs in a savepoint of the open
//! transaction, and the last writer in line commits for all of them (at most
//! `MAX_BATCH`). Nobody's call returns before the commit that holds its
//! writes is on disk; a writer whose own work fails is rolled back to its
//! savepoint and the others are kept. A connection that fails to begin or
//! end a transaction is dropped and a new one opened for the next write, so
//! a database restart costs the writes in flight, never the server.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};

use super::{CommitCounts, StorageError, TxFn};

/// Writes in one commit at most, so a steady stream still reaches disk.
const MAX_BATCH: usize = 64;
/// Failed batches remembered for the writers still to read why.
const FAILURES_KEPT: usize = 64;

/// The one connection writes go through.
pub trait WriteConnection: Send {
    /// Runs statements without parameters: BEGIN, SAVEPOINT, COMMIT…
    fn batch(&mut self, sql: &str) -> Result<(), StorageError>;
    /// Runs a write's work on this connection.
    fn run(&mut self, f: &mut TxFn<'_>) -> Result<(), StorageError>;
}

type Connect<C> = Box<dyn Fn() -> Result<C, StorageError> + Send + Sync>;

struct Writer<C> {
    conn: Option<C>,
    /// The batch whose transaction is open, and how many writes it holds.
    open: Option<(u64, usize)>,
    next: u64,
    /// Every batch up to this one has finished, committed or not.
    done: u64,
    /// Recent batches whose commit failed, with why.
    failed: VecDeque<(u64, String)>,
}

pub struct GroupCommit<C> {
    writer: Mutex<Writer<C>>,
    finished: Condvar,
    /// Writers waiting for the connection: while any is, the open batch
    /// waits for them instead of committing.
    arriving: AtomicUsize,
    /// Opens a transaction, and takes whatever lock orders writers.
    begin: String,
    connect: Connect<C>,
    commits: AtomicU64,
    writes: AtomicU64,
}

impl<C> std::fmt::Debug for GroupCommit<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupCommit")
            .field("commits", &self.commits)
            .field("writes", &self.writes)
            .finish_non_exhaustive()
    }
}

impl<C: WriteConnection> GroupCommit<C> {
    /// Writes through `conn`, opening each batch with `begin`; `connect`
    /// opens a connection when there is none, or the last one failed.
    pub fn new(
        conn: Option<C>,
        begin: String,
        connect: impl Fn() -> Result<C, StorageError> + Send + Sync + 'static,
    ) -> Self {
        Self {
            writer: Mutex::new(Writer {
                conn,
                open: None,
                next: 1,
                done: 0,
                failed: VecDeque::new(),
            }),
            finished: Condvar::new(),
            arriving: AtomicUsize::new(0),
            begin,
            connect: Box::new(connect),
            commits: AtomicU64::new(0),
            writes: AtomicU64::new(0),
        }
    }

    /// Runs `f` in the open batch and returns once that batch is committed.
    pub fn write(&self, f: &mut TxFn<'_>) -> Result<(), StorageError> {
        self.arriving.fetch_add(1, Ordering::SeqCst);
        let locked = self.writer.lock();
        self.arriving.fetch_sub(1, Ordering::SeqCst);
        let mut w = locked.map_err(|_| StorageError::Poisoned)?;
        self.writes.fetch_add(1, Ordering::Relaxed);
        let ran = self.run_in_batch(&mut w, f);
        let full = w.open.is_some_and(|(_, n)| n >= MAX_BATCH);
        // The last writer in line commits for the batch; a failed savepoint
        // leaves the transaction in doubt, so it ends the batch as well.
        if self.arriving.load(Ordering::SeqCst) == 0 || full || ran.is_err() {
            self.finish(&mut w);
        }
        let batch = ran?;
        while w.done < batch {
            w = self.finished.wait(w).map_err(|_| StorageError::Poisoned)?;
        }
        match w.failed.iter().find(|(b, _)| *b == batch) {
            Some((_, why)) => Err(StorageError::CommitFailed(why.clone())),
            None => Ok(()),
        }
    }

    pub fn counts(&self) -> CommitCounts {
        CommitCounts {
            commits: self.commits.load(Ordering::Relaxed),
            writes: self.writes.load(Ordering::Relaxed),
        }
    }

    /// Commits the open batch and wakes everyone waiting for it.
    fn finish(&self, w: &mut Writer<C>) {
        let Some((batch, _)) = w.open.take() else {
            return;
        };
        let committed = match w.conn.as_mut() {
            Some(conn) => conn.batch("COMMIT").inspect_err(|_| {
                let _ = conn.batch("ROLLBACK");
            }),
            None => Err(StorageError::Poisoned),
        };
        if let Err(e) = committed {
            // Whether the connection is still good is unknown: open a new one.
            w.conn = None;
            w.failed.push_back((batch, e.to_string()));
            if w.failed.len() > FAILURES_KEPT {
                w.failed.pop_front();
            }
        }
        self.commits.fetch_add(1, Ordering::Relaxed);
        w.done = batch;
        self.finished.notify_all();
    }

    /// Runs `f` in a savepoint of the open batch (opening one if none is).
    fn run_in_batch(
        &self,
        w: &mut MutexGuard<'_, Writer<C>>,
        f: &mut TxFn<'_>,
    ) -> Result<u64, StorageError> {
        let batch = match w.open {
            Some((batch, _)) => batch,
            None => {
                let conn = match w.conn.take() {
                    Some(conn) => conn,
                    None => (self.connect)()?,
                };
                let conn = w.conn.insert(conn);
                if let Err(e) = conn.batch(&self.begin) {
                    w.conn = None;
                    return Err(e);
                }
                let batch = w.next;
                w.next += 1;
                w.open = Some((batch, 0));
                batch
            }
        };
        let conn = w.conn.as_mut().ok_or(StorageError::Poisoned)?;
        conn.batch("SAVEPOINT write")?;
        // A panic must not leave the batch open with others waiting on it.
        let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| conn.run(f)))
            .unwrap_or(Err(StorageError::Poisoned));
        match ran {
            Ok(()) => {
                conn.batch("RELEASE write")?;
                if let Some((_, n)) = &mut w.open {
                    *n += 1;
                }
                Ok(batch)
            }
            Err(e) => {
                conn.batch("ROLLBACK TO write; RELEASE write")?;
                Err(e)
            }
        }
    }
}

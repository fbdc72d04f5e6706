//! Backing a server up and restoring it, for both backends, with the
//! operator's one pair of commands:
//!
//! ```text
//! gridwalk-sync-server --data-dir DIR backup FOLDER    (server running or not)
//! gridwalk-sync-server --data-dir DIR restore FOLDER   (server stopped)
//! ```
//!
//! SQLite: `VACUUM INTO` writes a consistent snapshot of the live database
//! to `FOLDER/sync.sqlite`. PostgreSQL (`GRIDWALK_DATABASE_URL` set):
//! `pg_dump --format=custom` to `FOLDER/gridwalk.pgdump`, restored with
//! `pg_restore` into an empty database. Photos are immutable files named by
//! their hash and are copied to `FOLDER/blobs/`.
//!
//! A restore never overwrites: the database must be absent (SQLite) or
//! empty (PostgreSQL). It then gives the feed a new epoch, so every device
//! pulls again from the start and pushes its own changes again: what was
//! synced after the backup comes back from the phones that still hold it.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::storage::{Database, Storage};
use crate::{ServerConfig, ServerError};

const SQLITE_FILE: &str = "sync.sqlite";
const PG_DUMP_FILE: &str = "gridwalk.pgdump";

/// What a backup or restore did, for the log line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Done {
    pub what: &'static str,
    pub folder: PathBuf,
    /// Photos copied; `None` when they live in a bucket, which the
    /// store's own tools (versioning, replication) back up.
    pub photos: Option<usize>,
}

impl std::fmt::Display for Done {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.photos {
            Some(n) => write!(f, "{}: the database and {n} photos", self.what)?,
            None => write!(
                f,
                "{}: the database (the photos stay in their bucket)",
                self.what
            )?,
        }
        write!(f, ", {}", self.folder.display())
    }
}

fn failed(what: impl std::fmt::Display) -> ServerError {
    ServerError::Config(what.to_string())
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ServerError + '_ {
    move |e| failed(format!("{}: {e}", path.display()))
}

/// Copies the database and the photos of `config` into `to` (new or empty).
pub fn backup(config: &ServerConfig, to: &Path) -> Result<Done, ServerError> {
    std::fs::create_dir_all(to).map_err(io(to))?;
    if std::fs::read_dir(to).map_err(io(to))?.next().is_some() {
        return Err(failed(format!(
            "{} is not empty: back up into a new or empty folder",
            to.display()
        )));
    }
    match config.database() {
        Database::Sqlite(path) => {
            if !path.exists() {
                return Err(failed(format!(
                    "there is no database at {}: check --data-dir",
                    path.display()
                )));
            }
            let conn =
                rusqlite::Connection::open(&path).map_err(crate::storage::StorageError::from)?;
            let target = to.join(SQLITE_FILE);
            conn.execute("VACUUM INTO ?1", [target.to_string_lossy()])
                .map_err(crate::storage::StorageError::from)?;
        }
        Database::Postgres(url) => run_pg(
            "pg_dump",
            &[
                "--format=custom",
                "--no-owner",
                "--file",
                &to.join(PG_DUMP_FILE).to_string_lossy(),
                "--dbname",
                &url,
            ],
        )?,
    }
    let photos = photos_in_folder(config)
        .map(|folder| copy_photos(&folder, &to.join("blobs")))
        .transpose()?;
    Ok(Done {
        what: "backed up",
        folder: to.to_owned(),
        photos,
    })
}

/// Restores the backup in `from` into `config`'s empty database and data
/// folder, then renames the feed.
pub fn restore(config: &ServerConfig, from: &Path) -> Result<Done, ServerError> {
    let database = config.database();
    match &database {
        Database::Sqlite(path) => {
            let source = from.join(SQLITE_FILE);
            if !source.exists() {
                return Err(failed(format!(
                    "{} holds no SQLite backup ({SQLITE_FILE} is missing)",
                    from.display()
                )));
            }
            if path.exists() {
                return Err(failed(format!(
                    "{} exists: move it (and its -wal and -shm files) aside first; a restore never overwrites a database",
                    path.display()
                )));
            }
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(io(dir))?;
            }
            // Copied beside it and renamed, so a half-copied file never
            // stands under the database's name.
            let partial = path.with_extension("restoring");
            std::fs::copy(&source, &partial).map_err(io(&partial))?;
            std::fs::rename(&partial, path).map_err(io(path))?;
        }
        Database::Postgres(url) => {
            let source = from.join(PG_DUMP_FILE);
            if !source.exists() {
                return Err(failed(format!(
                    "{} holds no PostgreSQL backup ({PG_DUMP_FILE} is missing)",
                    from.display()
                )));
            }
            if !postgres_is_empty(url)? {
                return Err(failed(
                    "the PostgreSQL database is not empty: restore into a new, empty database",
                ));
            }
            run_pg(
                "pg_restore",
                &[
                    "--no-owner",
                    "--exit-on-error",
                    "--dbname",
                    url,
                    &source.to_string_lossy(),
                ],
            )?;
        }
    }
    let photos = photos_in_folder(config)
        .map(|folder| copy_photos(&from.join("blobs"), &folder))
        .transpose()?;
    Storage::open(&database)?.renew_epoch()?;
    Ok(Done {
        what: "restored",
        folder: from.to_owned(),
        photos,
    })
}

/// Runs a PostgreSQL client tool; its own message when it fails.
fn run_pg(tool: &str, args: &[&str]) -> Result<(), ServerError> {
    let out = Command::new(tool).args(args).output().map_err(|e| {
        failed(format!(
            "cannot run {tool} ({e}): install the PostgreSQL client tools (apt-get install postgresql-client)"
        ))
    })?;
    if out.status.success() {
        return Ok(());
    }
    Err(failed(format!(
        "{tool} failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr).trim()
    )))
}

/// Whether the database holds no table at all.
fn postgres_is_empty(url: &str) -> Result<bool, ServerError> {
    let url = url.to_owned();
    // The client drives its own runtime, which must not start inside one.
    std::thread::spawn(move || {
        let mut client = ::postgres::Client::connect(&url, ::postgres::NoTls)
            .map_err(crate::storage::StorageError::from)?;
        let row = client
            .query_one(
                "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'",
                &[],
            )
            .map_err(crate::storage::StorageError::from)?;
        Ok(row.get::<_, i64>(0) == 0)
    })
    .join()
    .map_err(|_| failed("the PostgreSQL check panicked"))?
}

/// Copies every photo under `from` that `to` lacks; answers how many
/// photos `from` holds. Files in progress (`tmp/`) are left out.
/// The photo folder, unless photos are kept in a bucket.
fn photos_in_folder(config: &ServerConfig) -> Option<PathBuf> {
    (config.photos == crate::blobs::PhotoPlace::Folder).then(|| config.data_dir.join("blobs"))
}

fn copy_photos(from: &Path, to: &Path) -> Result<usize, ServerError> {
    let mut count = 0;
    let Ok(shards) = std::fs::read_dir(from) else {
        return Ok(0); // No photo yet.
    };
    for shard in shards {
        let shard = shard.map_err(io(from))?.path();
        if !shard.is_dir() || shard.file_name().is_some_and(|n| n == "tmp") {
            continue;
        }
        let name = shard.file_name().unwrap_or_default().to_owned();
        let target_dir = to.join(&name);
        std::fs::create_dir_all(&target_dir).map_err(io(&target_dir))?;
        for photo in std::fs::read_dir(&shard).map_err(io(&shard))? {
            let photo = photo.map_err(io(&shard))?.path();
            let target = target_dir.join(photo.file_name().unwrap_or_default());
            if !target.exists() {
                std::fs::copy(&photo, &target).map_err(io(&target))?;
            }
            count += 1;
        }
    }
    Ok(count)
}

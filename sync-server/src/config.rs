//! Command-line configuration. Flags win over environment variables, which
//! win over defaults, so a service unit and a developer can both set it.
//! Secrets (the admin password, a database URL with a password in it) are
//! read from the environment only, so they never show in `ps`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::ServerError;
use crate::auth::rate_limit::RateLimit;
use crate::storage::Database;

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8787";

/// A device syncs every 15 s and retries with backoff; 5/s with a burst of
/// 30 leaves room for a long outbox being pushed in batches.
pub const DEFAULT_RATE_LIMIT: RateLimit = RateLimit {
    per_second: 5.0,
    burst: 30.0,
};
/// Login and invitation redemption per client address: enough for an office
/// provisioning a table of phones, far too few to guess a code.
pub const DEFAULT_ADDRESS_RATE_LIMIT: RateLimit = RateLimit {
    per_second: 1.0,
    burst: 20.0,
};

const USAGE: &str =
    "usage: gridwalk-sync-server [--listen 127.0.0.1:8787] [--data-dir DIR] [--demo] [--admin NAME]
  --admin NAME        create or reset admin NAME with the password in GRIDWALK_ADMIN_PASSWORD
  GRIDWALK_DATABASE_URL=postgres://…   store in PostgreSQL instead of DIR/sync.sqlite";

#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    /// Holds `sync.sqlite` (unless `database_url` is set) and `blobs/`.
    pub data_dir: PathBuf,
    /// A `postgres://` URL; `None` means embedded SQLite.
    pub database_url: Option<String>,
    /// Seed the demo community (idempotent).
    pub demo: bool,
    /// An admin account to create or reset at start: (name, password).
    pub admin: Option<(String, String)>,
    pub rate_limit: RateLimit,
    pub address_rate_limit: RateLimit,
    pub invitation_ttl: Duration,
}

impl ServerConfig {
    pub fn new(listen: SocketAddr, data_dir: PathBuf) -> Self {
        Self {
            listen,
            data_dir,
            database_url: None,
            demo: false,
            admin: None,
            rate_limit: DEFAULT_RATE_LIMIT,
            address_rate_limit: DEFAULT_ADDRESS_RATE_LIMIT,
            invitation_ttl: Duration::from_secs(7 * 86_400),
        }
    }

    pub fn database(&self) -> Database {
        match &self.database_url {
            Some(url) => Database::Postgres(url.clone()),
            None => Database::Sqlite(self.data_dir.join("sync.sqlite")),
        }
    }

    pub fn from_args(args: impl Iterator<Item = String>) -> Result<Self, ServerError> {
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let mut listen = env("GRIDWALK_LISTEN").unwrap_or_else(|| DEFAULT_LISTEN.to_owned());
        let mut data_dir =
            env("GRIDWALK_SERVER_DATA").unwrap_or_else(|| "./gridwalk-server-data".into());
        let mut demo = env("GRIDWALK_DEMO").is_some_and(|v| v == "1");
        let mut admin_name = None;
        let mut rate_limit = DEFAULT_RATE_LIMIT;
        let mut args = args.peekable();
        while let Some(a) = args.next() {
            let mut value = |name: &str| {
                args.next()
                    .ok_or_else(|| ServerError::Config(format!("{name} needs a value")))
            };
            match a.as_str() {
                "--listen" => listen = value("--listen")?,
                "--data-dir" => data_dir = value("--data-dir")?,
                "--demo" => demo = true,
                "--admin" => admin_name = Some(value("--admin")?),
                "--rate-limit" => {
                    let v = value("--rate-limit")?;
                    let per_second: f64 =
                        v.parse().ok().filter(|n: &f64| *n > 0.0).ok_or_else(|| {
                            ServerError::Config(format!(
                                "--rate-limit {v:?} is not a positive number"
                            ))
                        })?;
                    rate_limit = RateLimit {
                        per_second,
                        burst: per_second * 6.0,
                    };
                }
                "-h" | "--help" => return Err(ServerError::Config(USAGE.into())),
                other => {
                    return Err(ServerError::Config(format!(
                        "unknown option {other:?}; try --help"
                    )));
                }
            }
        }
        let listen = listen.parse().map_err(|_| {
            ServerError::Config(format!(
                "--listen {listen:?} is not an address like 127.0.0.1:8787"
            ))
        })?;
        let admin = match admin_name {
            None => None,
            Some(name) => Some((
                name,
                env("GRIDWALK_ADMIN_PASSWORD").ok_or_else(|| {
                    ServerError::Config(
                        "--admin needs the password in GRIDWALK_ADMIN_PASSWORD".into(),
                    )
                })?,
            )),
        };
        Ok(Self {
            database_url: env("GRIDWALK_DATABASE_URL"),
            demo,
            admin,
            rate_limit,
            ..Self::new(listen, PathBuf::from(data_dir))
        })
    }
}

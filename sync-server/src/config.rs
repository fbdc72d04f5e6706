//! Command-line configuration. Flags win over environment variables, which
//! win over defaults, so a service unit and a developer can both set it.
//! Secrets (the admin password, a database URL with a password in it) are
//! read from the environment only, so they never show in `ps`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::ServerError;
use crate::auth::rate_limit::RateLimit;
use crate::blobs::PhotoPlace;
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

/// The command line (clap, with each flag's environment variable).
#[derive(Debug, clap::Parser)]
#[command(
    name = "gridwalk-sync-server",
    version,
    about = "Gridwalk's sync server: the change feed, photos and accounts of one or many communities",
    after_help = "Secrets come from the environment only, so they never show in ps:\n  \
                  GRIDWALK_DATABASE_URL=postgres://…   store in PostgreSQL instead of DIR/sync.sqlite\n  \
                  GRIDWALK_ADMIN_PASSWORD=…            the password for --admin"
)]
struct Cli {
    /// Address to listen on.
    #[arg(long, env = "GRIDWALK_LISTEN", default_value = DEFAULT_LISTEN, value_parser = parse_listen)]
    listen: SocketAddr,
    /// Holds sync.sqlite (unless GRIDWALK_DATABASE_URL is set) and blobs/.
    #[arg(
        long = "data-dir",
        env = "GRIDWALK_SERVER_DATA",
        default_value = "./gridwalk-server-data"
    )]
    data_dir: PathBuf,
    /// Seed the demo community (idempotent).
    #[arg(long, env = "GRIDWALK_DEMO")]
    demo: bool,
    /// Create or reset admin NAME with the password in GRIDWALK_ADMIN_PASSWORD.
    #[arg(long, value_name = "NAME")]
    admin: Option<String>,
    /// Keep photos in this bucket of an S3-compatible store instead of
    /// DIR/blobs (endpoint and keys from the AWS_* environment variables).
    #[arg(
        long = "photos-bucket",
        env = "GRIDWALK_PHOTOS_BUCKET",
        value_name = "BUCKET"
    )]
    photos_bucket: Option<String>,
    /// Requests per second each device token may make (bursts of six times that).
    #[arg(long = "rate-limit", value_name = "PER_SECOND", value_parser = parse_rate)]
    rate_limit: Option<f64>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Clone, clap::Subcommand)]
enum Command {
    /// Copy the database (a consistent snapshot, also while the server
    /// runs) and the photos into FOLDER, which must be empty or new.
    Backup { folder: PathBuf },
    /// Restore a backup made by `backup` into an empty data folder (or
    /// empty PostgreSQL database), with the server stopped. Devices then
    /// pull again and push what the backup lacks.
    Restore { folder: PathBuf },
}

fn parse_listen(v: &str) -> Result<SocketAddr, String> {
    v.parse()
        .map_err(|_| format!("{v:?} is not an address like 127.0.0.1:8787"))
}

fn parse_rate(v: &str) -> Result<f64, String> {
    v.parse()
        .ok()
        .filter(|n: &f64| *n > 0.0)
        .ok_or_else(|| format!("{v:?} is not a positive number"))
}

/// What the command line asks for.
#[derive(Debug, Clone)]
pub enum Invocation {
    Serve(ServerConfig),
    Backup(ServerConfig, PathBuf),
    Restore(ServerConfig, PathBuf),
}

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
    /// Where photos go: `DATA_DIR/blobs` unless a bucket is named.
    pub photos: PhotoPlace,
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
            photos: PhotoPlace::Folder,
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

    /// Reads the command line (`args` without the program name). Help,
    /// version and parse errors come back as clap's error, which prints
    /// itself; a flag that needs a secret from the environment is checked
    /// here.
    pub fn from_args(
        args: impl Iterator<Item = String>,
    ) -> Result<Result<Invocation, ServerError>, clap::Error> {
        use clap::Parser as _;
        let cli =
            Cli::try_parse_from(std::iter::once("gridwalk-sync-server".to_owned()).chain(args))?;
        Ok(Self::from_cli(cli))
    }

    fn from_cli(cli: Cli) -> Result<Invocation, ServerError> {
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let admin = match cli.admin {
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
        let config = Self {
            database_url: env("GRIDWALK_DATABASE_URL"),
            demo: cli.demo,
            admin,
            photos: cli.photos_bucket.filter(|name| !name.is_empty()).map_or(
                PhotoPlace::Folder,
                |name| PhotoPlace::Bucket {
                    name,
                    settings: Vec::new(),
                },
            ),
            rate_limit: cli
                .rate_limit
                .map_or(DEFAULT_RATE_LIMIT, |per_second| RateLimit {
                    per_second,
                    burst: per_second * 6.0,
                }),
            ..Self::new(cli.listen, cli.data_dir)
        };
        Ok(match cli.command {
            None => Invocation::Serve(config),
            Some(Command::Backup { folder }) => Invocation::Backup(config, folder),
            Some(Command::Restore { folder }) => Invocation::Restore(config, folder),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Result<Invocation, ServerError>, clap::Error> {
        ServerConfig::from_args(args.iter().map(|a| (*a).to_owned()))
    }

    #[test]
    fn flags_parse_and_bad_values_say_what_is_expected() {
        let Ok(Ok(Invocation::Serve(c))) =
            parse(&["--listen", "127.0.0.1:9000", "--demo", "--rate-limit", "50"])
        else {
            panic!("a plain serve");
        };
        assert_eq!(c.listen.port(), 9000);
        assert!(c.demo);
        assert_eq!(c.photos, PhotoPlace::Folder);
        assert_eq!(c.rate_limit.burst, 300.0);
        let err = parse(&["--listen", "here"]).unwrap_err().to_string();
        assert!(
            err.contains("is not an address like 127.0.0.1:8787"),
            "{err}"
        );
        let err = parse(&["--rate-limit", "0"]).unwrap_err().to_string();
        assert!(err.contains("is not a positive number"), "{err}");
        assert!(parse(&["--frobnicate"]).is_err());
        let Ok(Ok(Invocation::Serve(c))) = parse(&["--photos-bucket", "photos"]) else {
            panic!("a bucket for photos");
        };
        assert!(matches!(c.photos, PhotoPlace::Bucket { name, .. } if name == "photos"));
        let Ok(Ok(Invocation::Backup(_, folder))) = parse(&["backup", "/tmp/b"]) else {
            panic!("backup is a subcommand");
        };
        assert_eq!(folder, PathBuf::from("/tmp/b"));
    }
}

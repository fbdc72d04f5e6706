//! Command-line configuration. Flags win over environment variables, which
//! win over defaults, so a service unit and a developer can both set it.

use std::net::SocketAddr;
use std::path::PathBuf;

use crate::ServerError;

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8787";

#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    /// Holds `sync.sqlite` and `blobs/`.
    pub data_dir: PathBuf,
    /// Seed the demo community (idempotent).
    pub demo: bool,
}

impl ServerConfig {
    pub fn new(listen: SocketAddr, data_dir: PathBuf) -> Self {
        Self {
            listen,
            data_dir,
            demo: false,
        }
    }

    pub fn from_args(args: impl Iterator<Item = String>) -> Result<Self, ServerError> {
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let mut listen = env("GRIDWALK_LISTEN").unwrap_or_else(|| DEFAULT_LISTEN.to_owned());
        let mut data_dir =
            env("GRIDWALK_SERVER_DATA").unwrap_or_else(|| "./gridwalk-server-data".into());
        let mut demo = env("GRIDWALK_DEMO").is_some_and(|v| v == "1");
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
                "-h" | "--help" => {
                    return Err(ServerError::Config(
                        "usage: gridwalk-sync-server [--listen 127.0.0.1:8787] [--data-dir DIR] [--demo]"
                            .into(),
                    ));
                }
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
        Ok(Self {
            listen,
            data_dir: PathBuf::from(data_dir),
            demo,
        })
    }
}

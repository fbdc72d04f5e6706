//! How this instance is started: `--data-dir DIR` makes it a separate device
//! (tests run two side by side), `--server URL` points it at a sync server,
//! `--invitation CODE` binds a not-yet-bound device at start (for scripts).
//! Flags win over `GRIDWALK_DATA_DIR` / `GRIDWALK_SERVER_URL` /
//! `GRIDWALK_INVITATION`. Parsed by clap; flags that are not the app's
//! (a WebDriver adds its own) are left aside rather than refused.

use clap::Parser;
use clap::error::{ContextKind, ContextValue, ErrorKind};
use std::path::PathBuf;

pub const DEFAULT_SERVER_URL: &str = "http://127.0.0.1:8787";

#[derive(Debug, Clone, Default, PartialEq, Eq, Parser)]
#[command(name = "gridwalk", version, about = "网格通 Gridwalk")]
pub struct AppOptions {
    /// Where this device keeps its store and photos (one folder per device).
    #[arg(long, env = "GRIDWALK_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// The sync server, e.g. http://192.168.1.10:8787.
    #[arg(long = "server", env = "GRIDWALK_SERVER_URL", value_name = "URL")]
    pub server_url: Option<String>,
    /// An invitation code to bind this device with at start.
    #[arg(long, env = "GRIDWALK_INVITATION", value_name = "CODE")]
    pub invitation: Option<String>,
}

impl AppOptions {
    /// The options from the environment and `args` (without the program
    /// name). `--help`, `--version` and a flag of ours without its value
    /// end the process with clap's message, as any command-line tool does.
    pub fn from_env_and_args(args: impl IntoIterator<Item = String>) -> Self {
        let mut args: Vec<String> = args.into_iter().collect();
        loop {
            let argv = std::iter::once("gridwalk".to_owned()).chain(args.iter().cloned());
            match Self::try_parse_from(argv) {
                Ok(o) => return o.without_empty(),
                Err(e) => match not_ours(&e).and_then(|a| position_of(&args, &a)) {
                    Some(i) => {
                        args.remove(i);
                    }
                    None => e.exit(),
                },
            }
        }
    }

    /// An empty variable (`GRIDWALK_SERVER_URL=`) means "not set".
    fn without_empty(self) -> Self {
        let some = |v: Option<String>| v.filter(|s| !s.is_empty());
        Self {
            data_dir: self.data_dir.filter(|d| !d.as_os_str().is_empty()),
            server_url: some(self.server_url),
            invitation: some(self.invitation),
        }
    }
}

/// The argument clap did not know, when that is what it stopped at.
fn not_ours(e: &clap::Error) -> Option<String> {
    if e.kind() != ErrorKind::UnknownArgument {
        return None;
    }
    match e.get(ContextKind::InvalidArg) {
        Some(ContextValue::String(a)) => Some(a.clone()),
        _ => None,
    }
}

/// Where `arg` (as clap names it: `--flag` for `--flag=value`) is.
fn position_of(args: &[String], arg: &str) -> Option<usize> {
    args.iter().position(|x| {
        x == arg
            || x.strip_prefix(arg)
                .is_some_and(|rest| rest.starts_with('='))
    })
}

/// A server URL a person typed: http(s) with a host, no trailing slash.
pub fn parse_server_url(s: &str) -> Result<String, String> {
    let s = s.trim().trim_end_matches('/');
    let rest = s
        .strip_prefix("http://")
        .or_else(|| s.strip_prefix("https://"));
    match rest {
        Some(host) if !host.is_empty() && !host.contains(char::is_whitespace) => Ok(s.to_owned()),
        _ => Err(format!(
            "{s:?} is not a server address like http://192.168.1.10:8787"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_are_read_in_both_forms_and_unknown_ones_ignored() {
        let o = AppOptions::from_env_and_args(
            [
                "--automation",
                "--data-dir",
                "/tmp/a",
                "--foo",
                "--port=4444",
                "--server=http://x:1",
                "--remote-debugging-port",
                "9222",
                "--invitation",
                "ABCD-EFGH-JKLM",
                "-x",
            ]
            .map(String::from),
        );
        assert_eq!(o.data_dir, Some(PathBuf::from("/tmp/a")));
        assert_eq!(o.server_url.as_deref(), Some("http://x:1"));
        assert_eq!(o.invitation.as_deref(), Some("ABCD-EFGH-JKLM"));
    }

    #[test]
    fn server_urls_must_be_http() {
        assert_eq!(
            parse_server_url(" http://10.0.0.2:8787/ ").unwrap(),
            "http://10.0.0.2:8787"
        );
        assert!(parse_server_url("ftp://x").is_err());
        assert!(parse_server_url("http://").is_err());
    }
}

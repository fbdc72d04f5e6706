//! How this instance is started: `--data-dir DIR` makes it a separate device
//! (tests run two side by side), `--server URL` points it at a sync server,
//! `--invitation CODE` binds a not-yet-bound device at start (for scripts).
//! Flags win over `GRIDWALK_DATA_DIR` / `GRIDWALK_SERVER_URL` /
//! `GRIDWALK_INVITATION`.

use std::path::PathBuf;

pub const DEFAULT_SERVER_URL: &str = "http://127.0.0.1:8787";

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppOptions {
    pub data_dir: Option<PathBuf>,
    pub server_url: Option<String>,
    pub invitation: Option<String>,
}

impl AppOptions {
    pub fn from_env_and_args(args: impl IntoIterator<Item = String>) -> Self {
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let mut o = Self {
            data_dir: env("GRIDWALK_DATA_DIR").map(PathBuf::from),
            server_url: env("GRIDWALK_SERVER_URL"),
            invitation: env("GRIDWALK_INVITATION"),
        };
        let mut args = args.into_iter();
        while let Some(a) = args.next() {
            match (a.as_str(), a.split_once('=')) {
                (_, Some(("--data-dir", v))) => o.data_dir = Some(PathBuf::from(v)),
                (_, Some(("--server", v))) => o.server_url = Some(v.to_owned()),
                (_, Some(("--invitation", v))) => o.invitation = Some(v.to_owned()),
                ("--data-dir", _) => o.data_dir = args.next().map(PathBuf::from),
                ("--server", _) => o.server_url = args.next(),
                ("--invitation", _) => o.invitation = args.next(),
                // Anything else (e.g. WebDriver's own flags) is not ours.
                _ => {}
            }
        }
        o
    }
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
                "--data-dir",
                "/tmp/a",
                "--foo",
                "--server=http://x:1",
                "--invitation",
                "ABCD-EFGH-JKLM",
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

//! The real server binary on a free local port over a data folder, for the
//! benches; killed when dropped.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub struct ServerProcess {
    child: Child,
    pub url: String,
}

impl ServerProcess {
    /// Starts the server on `data_dir` with `extra` arguments and returns
    /// once it answers its health check.
    pub async fn start(data_dir: &Path, extra: &[&str]) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(env!("CARGO_BIN_EXE_gridwalk-sync-server"))
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .arg("--data-dir")
            .arg(data_dir)
            .args(extra)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .expect("server binary");
        let server = Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let client = reqwest::Client::new();
        while client
            .get(format!("{}/v1/health", server.url))
            .send()
            .await
            .is_err()
        {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        server
    }

    /// The process id, as /proc names it.
    pub fn pid(&self) -> String {
        self.child.id().to_string()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One `/v1/sync` call in the app's binary body, both ways; panics with
/// the server's answer (and `who`) when it is not a sync answer.
pub async fn sync(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    req: &gridwalk_domain::sync::SyncRequest,
    who: &str,
) -> gridwalk_domain::sync::SyncResponse {
    let answer = client
        .post(format!("{url}/v1/sync"))
        .bearer_auth(token)
        .header(
            reqwest::header::CONTENT_TYPE,
            gridwalk_domain::sync::SYNC_MEDIA_TYPE,
        )
        .body(gridwalk_core::sync_wire::encode(req))
        .send()
        .await
        .expect("server reachable");
    let status = answer.status();
    let body = answer.bytes().await.expect("sync answer");
    gridwalk_core::sync_wire::decode(&body)
        .unwrap_or_else(|_| panic!("{who}: {status} {}", String::from_utf8_lossy(&body)))
}

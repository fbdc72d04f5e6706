//! `/metrics` over real HTTP: after a stored change, a refused push and a
//! photo upload, the Prometheus text says so, by route pattern and code.

use gridwalk_photo::sha256_hash;
use reqwest::StatusCode;
use serde_json::json;

use crate::scrape::sample;
use crate::support::{Backend, Doc, jpeg, world};

#[tokio::test]
async fn metrics_count_requests_changes_refusals_and_photo_bytes() {
    let w = world(Backend::Sqlite).await;
    let office = w.device("office1");
    let (_, created) = Doc::create(office, "report", "g1", json!({"description": "井盖松动"}));
    w.sync("office1", 0, vec![created]).await;
    let foreign = Doc::create(w.device("rider1"), "report", "g3", json!({})).1;
    let (status, _) = w.post("rider1", 0, vec![foreign]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let photo = jpeg([10, 200, 30]);
    let put = reqwest::Client::new()
        .put(format!("{}/v1/blobs/{}", w.url(), sha256_hash(&photo)))
        .bearer_auth(&w.tokens["rider1"])
        .body(photo.clone())
        .send()
        .await
        .unwrap();
    assert!(put.status().is_success());

    let resp = reqwest::get(format!("{}/metrics", w.url())).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = resp.text().await.unwrap();
    let get =
        |series: &str| sample(&text, series).unwrap_or_else(|| panic!("{series} in:\n{text}"));
    assert!(get("gridwalk_changes_stored_total") >= 1.0);
    let (commits, writes) = (
        get("gridwalk_storage_commits_total"),
        get("gridwalk_storage_writes_total"),
    );
    assert!(
        commits >= 1.0 && writes >= commits,
        "commits ({commits}) carry the writes ({writes})"
    );
    assert_eq!(
        get(r#"gridwalk_refusals_total{code="auth.out_of_scope"}"#),
        1.0
    );
    assert_eq!(
        get(r#"gridwalk_http_requests_total{route="/v1/sync",status="403"}"#),
        1.0
    );
    let ok = get(r#"gridwalk_http_requests_total{route="/v1/sync",status="200"}"#);
    let all = get(r#"gridwalk_http_request_duration_seconds_count{route="/v1/sync"}"#);
    assert_eq!(all, ok + 1.0, "every sync request is timed");
    assert_eq!(
        get(r#"gridwalk_http_request_duration_seconds_bucket{route="/v1/sync",le="+Inf"}"#),
        all
    );
    assert_eq!(
        get(r#"gridwalk_blob_bytes_total{direction="in"}"#),
        photo.len() as f64
    );
    assert!(
        text.contains(r#"route="/v1/blobs/{hash}""#)
            && !text.contains(&sha256_hash(&photo).to_string()),
        "photos are counted by route pattern, never by their hash"
    );
    w.server.shutdown().await;
}

/// The real binary with `GRIDWALK_LOG_FORMAT=json`: each log line is one
/// JSON object, and a refused request is logged with its route, status and
/// code (never its token).
#[tokio::test]
async fn the_binary_logs_json_lines_with_refused_requests() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_gridwalk-sync-server"))
        .args(["--listen", &format!("127.0.0.1:{port}"), "--data-dir"])
        .arg(dir.path())
        .env("GRIDWALK_LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .env_remove("GRIDWALK_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut next_json = move |want: &dyn Fn(&serde_json::Value) -> bool| loop {
        let line = lines.next().expect("the server keeps logging").unwrap();
        let v: serde_json::Value =
            serde_json::from_str(&line).unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
        if want(&v) {
            return v;
        }
    };
    let up = next_json(&|v| {
        v["message"]
            .as_str()
            .is_some_and(|m| m.contains("listening"))
    });
    assert_eq!(up["level"], "INFO");
    let url = format!("http://127.0.0.1:{port}/v1/sync");
    let status = tokio::task::spawn(async move {
        let resp = reqwest::Client::new()
            .post(url)
            .bearer_auth("gwd_not-a-real-token")
            .body("{}")
            .send()
            .await
            .unwrap();
        resp.status()
    })
    .await
    .unwrap();
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let refused =
        tokio::task::spawn_blocking(move || next_json(&|v| v["message"] == "request refused"));
    // The request was answered, so its log line is written; a server that
    // never writes it fails here instead of hanging the run.
    let refused = tokio::time::timeout(std::time::Duration::from_secs(60), refused).await;
    let _ = child.kill();
    let _ = child.wait();
    let refused = refused.expect("the refusal is logged").unwrap();
    assert_eq!(refused["route"], "/v1/sync");
    assert_eq!(refused["status"], 401);
    assert!(
        refused["code"].as_str().unwrap().starts_with("auth."),
        "{refused}"
    );
    assert!(
        !refused.to_string().contains("not-a-real-token"),
        "{refused}"
    );
}

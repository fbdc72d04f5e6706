//! Photos in a bucket of a real S3-compatible server (`s3s-fs`, installed by
//! scripts/setup.sh), shared by two server instances.

use gridwalk_photo::sha256_hash;
use gridwalk_sync_server::blobs::PhotoPlace;
use reqwest::StatusCode;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use crate::support::{Backend, World, jpeg, world_with};

const BUCKET: &str = "photos";
const ACCESS_KEY: &str = "gridwalk-test";
const SECRET_KEY: &str = "gridwalk-test-secret";

/// An `s3s-fs` process over a temporary folder, with one bucket.
struct S3Server {
    child: Child,
    url: String,
    root: tempfile::TempDir,
}

impl S3Server {
    fn start() -> Self {
        let root = tempfile::tempdir().unwrap();
        // s3s-fs keeps a bucket as a folder under its root.
        std::fs::create_dir(root.path().join(BUCKET)).unwrap();
        let binary = std::env::var_os("HOME")
            .map(|h| std::path::PathBuf::from(h).join(".cargo/bin/s3s-fs"))
            .filter(|p| p.is_file())
            .unwrap_or_else(|| "s3s-fs".into());
        let mut child = Command::new(&binary)
            .args(["--host", "127.0.0.1", "--port", "0"])
            .args(["--access-key", ACCESS_KEY, "--secret-key", SECRET_KEY])
            .arg(root.path())
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {binary:?} ({e}): run scripts/setup.sh"));
        // Its port is known once it logs the address it listens on.
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let url = lines
            .by_ref()
            .map_while(Result::ok)
            .find_map(|l| {
                l.split_once("server is running at ")
                    .map(|(_, u)| u.trim().to_owned())
            })
            .expect("s3s-fs says where it listens");
        // Keep draining its log so it never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Self { child, url, root }
    }

    fn place(&self) -> PhotoPlace {
        let settings = [
            ("aws_endpoint", self.url.as_str()),
            ("aws_access_key_id", ACCESS_KEY),
            ("aws_secret_access_key", SECRET_KEY),
            ("aws_region", "us-east-1"),
            ("aws_allow_http", "true"),
        ];
        PhotoPlace::Bucket {
            name: BUCKET.into(),
            settings: settings
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn put_photo(w: &World, who: &str, bytes: &[u8]) -> (StatusCode, String) {
    let resp = reqwest::Client::new()
        .put(format!("{}/v1/blobs/{}", w.url(), sha256_hash(bytes)))
        .bearer_auth(&w.tokens[who])
        .body(bytes.to_vec())
        .send()
        .await
        .unwrap();
    (resp.status(), resp.text().await.unwrap())
}

async fn get_photo(w: &World, who: &str, hash: &str) -> (StatusCode, Vec<u8>) {
    let resp = reqwest::Client::new()
        .get(format!("{}/v1/blobs/{hash}", w.url()))
        .bearer_auth(&w.tokens[who])
        .send()
        .await
        .unwrap();
    (resp.status(), resp.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn photos_land_in_the_bucket_and_every_instance_serves_them() {
    let mut s3 = S3Server::start();
    let first = world_with(Backend::Sqlite, |c| c.photos = s3.place()).await;
    let second = world_with(Backend::Sqlite, |c| c.photos = s3.place()).await;
    let photo = jpeg([30, 140, 200]);
    let hash = sha256_hash(&photo).to_string();

    assert_eq!(
        put_photo(&first, "rider1", &photo).await.0,
        StatusCode::CREATED
    );
    assert_eq!(
        put_photo(&first, "rider1", &photo).await.0,
        StatusCode::OK,
        "a second upload of the same photo is a no-op"
    );
    let in_bucket = s3.root.path().join(BUCKET).join(&hash[..2]).join(&hash);
    assert_eq!(
        std::fs::read(&in_bucket).unwrap(),
        photo,
        "the S3 server holds the photo under its hash"
    );
    let folder = first.config.data_dir.join("blobs");
    assert!(
        !folder.join(&hash[..2]).exists(),
        "nothing went to the local folder"
    );

    // Another instance, which never saw the upload, serves it from the bucket.
    let (status, bytes) = get_photo(&second, "worker1", &hash).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bytes, photo);
    let missing = sha256_hash(b"never uploaded").to_string();
    assert_eq!(
        get_photo(&second, "worker1", &missing).await.0,
        StatusCode::NOT_FOUND
    );

    // The store goes away: an upload is refused, so the phone keeps the
    // photo queued; no success is reported for bytes stored nowhere.
    s3.child.kill().unwrap();
    s3.child.wait().unwrap();
    let (status, body) = put_photo(&first, "rider1", &jpeg([1, 2, 3])).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{body}");
    assert!(body.contains("try again later"), "{body}");
    first.server.shutdown().await;
    second.server.shutdown().await;
}

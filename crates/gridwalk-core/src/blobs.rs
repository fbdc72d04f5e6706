//! Photos and thumbnails on the device, by SHA-256. A record refers to
//! them by hash; `record_blobs` (from the projections) says which ones each
//! record needs, which is what sync uploads and downloads — whatever the
//! kind of record.

use gridwalk_domain::BlobHash;
use gridwalk_domain::ipc::StagedPhoto;
use gridwalk_photo::{ProcessedPhoto, is_jpeg, process_photo, sha256_hash};
use rusqlite::{OptionalExtension, params};

use crate::error::{CoreError, Result};
use crate::store::Store;

impl Store {
    /// Runs a photo through the pipeline and keeps the result on the device,
    /// so a record saved later (perhaps offline) can reference it by hash.
    pub fn stage_photo(&mut self, original: &[u8], now_ms: i64) -> Result<StagedPhoto> {
        let processed = process_photo(original)?;
        self.keep_photo(&processed, now_ms)
    }

    /// Keeps an already processed photo. Shells call `process_photo` first,
    /// off the UI thread and without holding the store.
    pub fn keep_photo(&mut self, p: &ProcessedPhoto, now_ms: i64) -> Result<StagedPhoto> {
        let tx = self.conn.transaction()?;
        for (hash, bytes) in [(&p.full_hash, &p.full), (&p.thumb_hash, &p.thumb)] {
            tx.execute(
                "INSERT OR IGNORE INTO blobs(hash, bytes, mime, uploaded, created_at_ms)
                 VALUES (?1, ?2, 'image/jpeg', 0, ?3)",
                params![hash.as_str(), bytes, now_ms],
            )?;
        }
        tx.commit()?;
        Ok(StagedPhoto {
            photo: gridwalk_domain::PhotoRef {
                hash: p.full_hash.clone(),
                thumb: p.thumb_hash.clone(),
                bytes: p.full.len() as u64,
                mime: "image/jpeg".into(),
                width: p.width,
                height: p.height,
            },
            gps: p.gps,
        })
    }

    /// A stored photo's bytes, if it is on this device.
    pub fn blob(&self, hash: &BlobHash) -> Result<Option<Vec<u8>>> {
        Ok(self
            .conn
            .query_row(
                "SELECT bytes FROM blobs WHERE hash = ?1",
                [hash.as_str()],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Refuses a record whose photos are not all on this device.
    pub(crate) fn require_blobs<'a>(
        tx: &rusqlite::Connection,
        hashes: impl IntoIterator<Item = &'a BlobHash>,
    ) -> Result<()> {
        for h in hashes {
            let have: bool = tx.query_row(
                "SELECT EXISTS(SELECT 1 FROM blobs WHERE hash = ?1)",
                [h.as_str()],
                |r| r.get(0),
            )?;
            if !have {
                return Err(CoreError::MissingPhoto(h.to_string()));
            }
        }
        Ok(())
    }

    /// Photos that records refer to and the server does not have yet.
    pub fn blobs_to_upload(&self) -> Result<Vec<BlobHash>> {
        self.hashes(
            "SELECT DISTINCT b.hash FROM blobs b JOIN record_blobs r ON r.hash = b.hash
             WHERE b.uploaded = 0 ORDER BY b.created_at_ms, b.hash",
        )
    }

    /// Photos that records refer to and that are not on this device yet.
    pub fn blobs_to_download(&self) -> Result<Vec<BlobHash>> {
        self.hashes(
            "SELECT DISTINCT hash FROM record_blobs
             WHERE hash NOT IN (SELECT hash FROM blobs) ORDER BY hash",
        )
    }

    pub fn mark_blob_uploaded(&self, hash: &BlobHash) -> Result<()> {
        self.conn.execute(
            "UPDATE blobs SET uploaded = 1 WHERE hash = ?1",
            [hash.as_str()],
        )?;
        Ok(())
    }

    /// Keeps a photo fetched from the server, after checking it is what its
    /// hash says and really a JPEG.
    pub fn store_downloaded_blob(&self, hash: &BlobHash, bytes: &[u8], now_ms: i64) -> Result<()> {
        if &sha256_hash(bytes) != hash {
            return Err(CoreError::BadServerData(format!(
                "photo {hash} does not match its hash"
            )));
        }
        if !is_jpeg(bytes) {
            return Err(CoreError::BadServerData(format!(
                "photo {hash} is not a JPEG"
            )));
        }
        self.conn.execute(
            "INSERT OR IGNORE INTO blobs(hash, bytes, mime, uploaded, created_at_ms)
             VALUES (?1, ?2, 'image/jpeg', 1, ?3)",
            params![hash.as_str(), bytes, now_ms],
        )?;
        Ok(())
    }

    fn hashes(&self, sql: &str) -> Result<Vec<BlobHash>> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for h in rows {
            // A hash that does not parse came from a hostile document: skip it.
            if let Ok(h) = BlobHash::parse(&h?) {
                out.push(h);
            }
        }
        Ok(out)
    }
}

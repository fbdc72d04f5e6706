//! 随手拍 reports on the device: staging photos, creating a report document,
//! projecting it for lists, and reading lists back.

use base64::Engine as _;
use gridwalk_domain::ipc::{ReportListScope, ReportSummary, StagedPhoto};
use gridwalk_domain::sync_state::{SyncStatus, record_state};
use gridwalk_domain::{BlobHash, Coordinates, DocId, GridId, HazardReport, Location, ReportDraft};
use rusqlite::{OptionalExtension, Transaction, params};

use crate::catalog::builtin_catalog;
use crate::document;
use crate::error::{CoreError, Result};
use crate::photo::{ProcessedPhoto, process_photo};
use crate::store::Store;

pub const REPORT_KIND: &str = "report";

impl Store {
    /// Runs a photo through the pipeline and keeps the result on the device,
    /// so a report saved later (perhaps offline) can reference it by hash.
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
            thumb_data_url: jpeg_data_url(&p.thumb),
            gps: p.gps,
        })
    }

    /// Saves a new report in the account's grid (see `report_grid`): the
    /// document, its outbox change and its projection in one transaction.
    /// Works with no network at all.
    pub fn create_report(&mut self, draft: ReportDraft, now_ms: i64) -> Result<DocId> {
        self.create_report_in(draft, None, now_ms)
    }

    /// Like `create_report`, in the grid the person picked (checked against
    /// the account's grids). The grid is remembered as the next default.
    pub fn create_report_in(
        &mut self,
        draft: ReportDraft,
        grid: Option<&GridId>,
        now_ms: i64,
    ) -> Result<DocId> {
        let id = DocId::from_random_bytes(*uuid::Uuid::new_v4().as_bytes());
        let scope = self.report_grid(grid)?;
        self.create_report_with(draft, id, scope, now_ms)
    }

    pub(crate) fn create_report_with(
        &mut self,
        draft: ReportDraft,
        id: DocId,
        scope: GridId,
        now_ms: i64,
    ) -> Result<DocId> {
        let report =
            HazardReport::from_draft(draft, id, scope, self.device(), now_ms, builtin_catalog())?;
        let (mut doc, change) = document::create(&self.device(), REPORT_KIND, &report, now_ms)?;
        let tx = self.conn.transaction()?;
        for p in &report.photos {
            for h in [&p.hash, &p.thumb] {
                let have: bool = tx.query_row(
                    "SELECT EXISTS(SELECT 1 FROM blobs WHERE hash = ?1)",
                    [h.as_str()],
                    |r| r.get(0),
                )?;
                if !have {
                    return Err(CoreError::MissingPhoto(h.to_string()));
                }
            }
        }
        let id_s = id.to_string();
        tx.execute(
            "INSERT INTO documents(doc_id, kind, scope, bytes, updated_at_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id_s, REPORT_KIND, report.scope.as_str(), doc.save(), now_ms],
        )?;
        tx.execute(
            "INSERT INTO outbox(change_hash, doc_id, scope, bytes) VALUES (?1, ?2, ?3, ?4)",
            params![
                change.hash().to_string(),
                id_s,
                report.scope.as_str(),
                change.raw_bytes()
            ],
        )?;
        project_report(&tx, &report)?;
        Store::remember_grid(&tx, &report.scope)?;
        tx.commit()?;
        Ok(id)
    }

    /// Reports newest first, with the sync state a person reads on each.
    pub fn list_reports(
        &self,
        which: ReportListScope,
        status: &SyncStatus,
        limit: u32,
    ) -> Result<Vec<ReportSummary>> {
        let device = self.device().to_string();
        let mine_only = matches!(which, ReportListScope::Mine);
        let mut stmt = self.conn.prepare_cached(
            "SELECT r.doc_id, r.scope, r.category, r.description, r.location, r.lat, r.lon,
                    r.reporter, r.reporter_device, r.created_at_ms,
                    EXISTS(SELECT 1 FROM outbox o WHERE o.doc_id = r.doc_id)
                    OR EXISTS(SELECT 1 FROM report_photos p JOIN blobs b
                              ON b.hash IN (p.hash, p.thumb)
                              WHERE p.doc_id = r.doc_id AND b.uploaded = 0)
             FROM reports r
             WHERE (?1 = 0 OR r.reporter_device = ?2)
             ORDER BY r.created_at_ms DESC, r.doc_id
             LIMIT ?3",
        )?;
        let rows = stmt.query_map(params![mine_only, device, limit], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, Option<f64>>(5)?,
                r.get::<_, Option<f64>>(6)?,
                r.get::<_, String>(7)?,
                r.get::<_, String>(8)?,
                r.get::<_, i64>(9)?,
                r.get::<_, bool>(10)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, scope, category, description, location, lat, lon, reporter, dev, at, unsent) =
                row?;
            let bad = |e: gridwalk_domain::ids::IdError| CoreError::Invalid(e.to_string());
            let id = DocId::parse(&id).map_err(bad)?;
            let photos = self.report_photos(&id)?;
            let thumb_data_url = match photos.first() {
                Some((_, thumb)) => self.blob(thumb)?.map(|b| jpeg_data_url(&b)),
                None => None,
            };
            out.push(ReportSummary {
                id,
                scope: GridId::parse(&scope).map_err(bad)?,
                category,
                description,
                location,
                coords: lat
                    .zip(lon)
                    .and_then(|(a, o)| Coordinates::parse(a, o).ok()),
                reporter,
                created_at_ms: at,
                mine: dev == device,
                photos: photos.into_iter().map(|(h, _)| h).collect(),
                thumb_data_url,
                sync: record_state(unsent, status),
            });
        }
        Ok(out)
    }

    /// The full report, read from its document (the truth), not the projection.
    pub fn report(&self, id: &DocId) -> Result<Option<HazardReport>> {
        match self.document(id)? {
            None => Ok(None),
            Some(doc) => document::read_body(&doc, &id.to_string()).map(Some),
        }
    }

    /// A stored photo as a `data:` URL for an `<img>`, if it is on this device.
    pub fn photo_data_url(&self, hash: &BlobHash) -> Result<Option<String>> {
        Ok(self.blob(hash)?.map(|b| jpeg_data_url(&b)))
    }

    pub(crate) fn blob(&self, hash: &BlobHash) -> Result<Option<Vec<u8>>> {
        Ok(self
            .conn
            .query_row(
                "SELECT bytes FROM blobs WHERE hash = ?1",
                [hash.as_str()],
                |r| r.get(0),
            )
            .optional()?)
    }

    fn report_photos(&self, id: &DocId) -> Result<Vec<(BlobHash, BlobHash)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT hash, thumb FROM report_photos WHERE doc_id = ?1 ORDER BY position",
        )?;
        let rows = stmt.query_map([id.to_string()], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (h, t) = row?;
            let bad = |e: gridwalk_domain::ids::IdError| CoreError::Invalid(e.to_string());
            out.push((
                BlobHash::parse(&h).map_err(bad)?,
                BlobHash::parse(&t).map_err(bad)?,
            ));
        }
        Ok(out)
    }
}

/// Rebuilds the list rows of one report from its document's content.
pub(crate) fn project_report(tx: &Transaction<'_>, r: &HazardReport) -> Result<()> {
    let id = r.id.to_string();
    let (lat, lon) = match &r.location {
        Location::Point { coords, .. } => (Some(coords.lat()), Some(coords.lon())),
        Location::Address { .. } => (None, None),
    };
    tx.execute(
        "INSERT INTO reports(doc_id, scope, category, description, location, lat, lon,
                             reporter, reporter_device, created_at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT(doc_id) DO UPDATE SET scope = excluded.scope, category = excluded.category,
             description = excluded.description, location = excluded.location,
             lat = excluded.lat, lon = excluded.lon, reporter = excluded.reporter,
             reporter_device = excluded.reporter_device, created_at_ms = excluded.created_at_ms",
        params![
            id,
            r.scope.as_str(),
            r.category.as_str(),
            r.description,
            r.location.label(),
            lat,
            lon,
            r.reporter,
            r.reporter_device.to_string(),
            r.created_at_ms
        ],
    )?;
    tx.execute("DELETE FROM report_photos WHERE doc_id = ?1", [&id])?;
    for (i, p) in r.photos.iter().enumerate() {
        tx.execute(
            "INSERT INTO report_photos(doc_id, position, hash, thumb) VALUES (?1, ?2, ?3, ?4)",
            params![id, i as i64, p.hash.as_str(), p.thumb.as_str()],
        )?;
    }
    Ok(())
}

pub fn jpeg_data_url(bytes: &[u8]) -> String {
    format!(
        "data:image/jpeg;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{bound_store, png};
    use gridwalk_domain::sync_state::SyncState;

    fn draft(photos: Vec<gridwalk_domain::PhotoRef>) -> ReportDraft {
        ReportDraft {
            category: "manhole_cover".into(),
            description: "井盖松动".into(),
            location: Location::address("3号楼东侧").unwrap(),
            photos,
            reporter: "李师傅".into(),
        }
    }

    #[test]
    fn reports_list_newest_first_with_thumbnail_and_state() {
        let (mut s, _) = bound_store(&["demo-grid-1"]);
        let p = s.stage_photo(&png(300, 200, [200, 0, 0]), 0).unwrap();
        let older = s
            .create_report(draft(vec![p.photo.clone()]), 1_000)
            .unwrap();
        let newer = s.create_report(draft(vec![p.photo]), 2_000).unwrap();
        let list = s
            .list_reports(ReportListScope::Mine, &SyncStatus::default(), 10)
            .unwrap();
        let ids: Vec<_> = list.iter().map(|r| r.id).collect();
        assert_eq!(ids, [newer, older], "newest first");
        assert!(
            list[0]
                .thumb_data_url
                .as_deref()
                .unwrap()
                .starts_with("data:image/jpeg;base64,")
        );
        assert_eq!(list[0].sync, SyncState::Pending);
        assert_eq!(list[0].location, "3号楼东侧");
        let status = SyncStatus {
            last_error: Some("sync.unreachable".into()),
            ..Default::default()
        };
        let list = s.list_reports(ReportListScope::Mine, &status, 10).unwrap();
        assert_eq!(
            list[0].sync,
            SyncState::Failed {
                reason: "sync.unreachable".into()
            }
        );
    }

    #[test]
    fn a_report_needs_its_photos_on_the_device_and_a_bad_one_stores_nothing() {
        let (mut s, _) = bound_store(&["demo-grid-1"]);
        let mut p = s.stage_photo(&png(300, 200, [0, 0, 200]), 0).unwrap().photo;
        p.hash = BlobHash::from_digest(&[9; 32]);
        let err = s.create_report(draft(vec![p]), 1_000).unwrap_err();
        assert_eq!(err.code(), "report.missing_photo");
        let err = s.create_report(draft(vec![]), 1_000).unwrap_err();
        assert_eq!(err.code(), "report.no_photo");
        assert!(
            s.list_reports(ReportListScope::All, &SyncStatus::default(), 10)
                .unwrap()
                .is_empty()
        );
        assert!(
            s.sync_request().unwrap().changes.is_empty(),
            "a refused report queues nothing"
        );
    }

    #[test]
    fn a_broken_photo_is_refused_and_stores_nothing() {
        let mut s = Store::open_in_memory().unwrap();
        let err = s.stage_photo(b"\xff\xd8\xff\xe0 truncated", 0).unwrap_err();
        assert!(err.code().starts_with("photo."), "{}", err.code());
        let n: i64 = s
            .conn
            .query_row("SELECT COUNT(*) FROM blobs", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 0);
    }
}

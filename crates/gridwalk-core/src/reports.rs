//! 随手拍 reports on the record layer: a report is created from the form's
//! draft in one of the account's grids, and listed like any record.

use gridwalk_domain::ipc::{Listed, ReportListScope};
use gridwalk_domain::report::ReportRow;
use gridwalk_domain::sync_state::SyncStatus;
use gridwalk_domain::{DocId, GridId, HazardReport, ReportDraft};

use crate::error::Result;
use crate::records::ListQuery;
use crate::store::Store;
use gridwalk_domain::catalog::builtin_catalog;

impl Store {
    /// Saves a new report in the account's grid (see `report_grid`). Works
    /// with no network at all.
    pub fn create_report(&mut self, draft: ReportDraft, now_ms: i64) -> Result<DocId> {
        self.create_report_in(draft, None, now_ms)
    }

    /// Like `create_report`, in the grid the person picked (checked against
    /// the account's grids) — unless the grids are outlined and the report
    /// has a point: then the point decides (see `routing`). The grid is
    /// remembered as the next default.
    pub fn create_report_in(
        &mut self,
        draft: ReportDraft,
        grid: Option<&GridId>,
        now_ms: i64,
    ) -> Result<DocId> {
        let id = crate::new_doc_id();
        let scope = self.routed_grid(&draft.location, grid)?;
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
        self.write(now_ms, |w| {
            Store::require_blobs(
                w.tx(),
                report.photos.iter().flat_map(|p| [&p.hash, &p.thumb]),
            )?;
            Store::remember_grid(w.tx(), &report.scope)?;
            w.create(&report)
        })
    }

    /// Reports newest first: made here (我的上报) or all received (收件箱).
    pub fn list_reports(
        &self,
        which: ReportListScope,
        status: &SyncStatus,
        limit: u32,
    ) -> Result<Vec<Listed<ReportRow>>> {
        let q = ListQuery {
            mine: which == ReportListScope::Mine,
            ..ListQuery::first(limit)
        };
        self.list::<HazardReport>(&q, status)
    }

    /// The full report, read from its document (the truth).
    pub fn report(&self, id: &DocId) -> Result<Option<HazardReport>> {
        self.record(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{bound_store, png};
    use gridwalk_domain::sync_state::SyncState;
    use gridwalk_domain::{BlobHash, Location};

    fn draft(photos: Vec<gridwalk_domain::PhotoRef>) -> ReportDraft {
        ReportDraft {
            category: "manhole_cover".into(),
            description: "井盖松动".into(),
            location: Location::address("3号楼东侧").unwrap(),
            photos,
            reporter: "李师傅".into(),
            seconds: None,
        }
    }

    #[test]
    fn reports_list_newest_first_with_thumbnail_and_state() {
        let (mut s, _) = bound_store(&["demo-grid-1"]);
        let p = s.stage_photo(&png(300, 200, [200, 0, 0]), 0).unwrap();
        let older = s
            .create_report(draft(vec![p.photo.clone()]), 1_000)
            .unwrap();
        let newer = s
            .create_report(draft(vec![p.photo.clone()]), 2_000)
            .unwrap();
        let list = s
            .list_reports(ReportListScope::Mine, &SyncStatus::default(), 10)
            .unwrap();
        let ids: Vec<_> = list.iter().map(|r| r.id).collect();
        assert_eq!(ids, [newer, older], "newest first");
        assert_eq!(list[0].summary.thumb, Some(p.photo.thumb.clone()));
        assert!(s.blob(&p.photo.thumb).unwrap().is_some(), "served by hash");
        assert_eq!(list[0].sync, SyncState::Pending);
        assert_eq!(list[0].summary.location, "3号楼东侧");
        assert!(list[0].mine);
        let status = SyncStatus {
            last_error: Some(gridwalk_domain::ErrorCode::SyncUnreachable),
            ..Default::default()
        };
        let list = s.list_reports(ReportListScope::Mine, &status, 10).unwrap();
        assert_eq!(
            list[0].sync,
            SyncState::Failed {
                reason: gridwalk_domain::ErrorCode::SyncUnreachable
            }
        );
    }

    #[test]
    fn a_report_needs_its_photos_on_the_device_and_a_bad_one_stores_nothing() {
        let (mut s, _) = bound_store(&["demo-grid-1"]);
        let mut p = s.stage_photo(&png(300, 200, [0, 0, 200]), 0).unwrap().photo;
        p.hash = BlobHash::from_digest(&[9; 32]);
        let err = s.create_report(draft(vec![p]), 1_000).unwrap_err();
        assert_eq!(err.code(), gridwalk_domain::ErrorCode::ReportMissingPhoto);
        let err = s.create_report(draft(vec![]), 1_000).unwrap_err();
        assert_eq!(err.code(), gridwalk_domain::ErrorCode::ReportNoPhoto);
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
        assert_eq!(err.code().family(), "photo", "{}", err.code());
        let n: i64 = s
            .conn
            .query_row("SELECT COUNT(*) FROM blobs", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 0);
    }
}

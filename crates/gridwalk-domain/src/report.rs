//! A 随手拍 hazard report: photos, a category, a few words and a place.
//!
//! `ReportDraft` is what a form sends; `HazardReport::from_draft` is the only
//! way to turn it into a report, so every stored report has a known category,
//! at least one photo and a bounded description.

use crate::ErrorCode;
use crate::access::DocKind;
use crate::category::{CategoryCatalog, CategoryCode, CategoryError};
use crate::geo::{Coordinates, Location};
use crate::ids::{BlobHash, DeviceId, DocId, GridId};
use crate::record::{Projection, Record, RecordError};
use serde::{Deserialize, Serialize};

pub const MAX_DESCRIPTION_CHARS: usize = 500;
pub const MAX_PHOTOS: usize = 9;
pub const MAX_REPORTER_CHARS: usize = 40;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ReportError {
    #[error(transparent)]
    Category(#[from] CategoryError),
    #[error("add at least one photo of the problem")]
    NoPhoto,
    #[error("too many photos ({0}): keep at most {MAX_PHOTOS}")]
    TooManyPhotos(usize),
    #[error("the description is too long ({0} characters): keep it under {MAX_DESCRIPTION_CHARS}")]
    LongDescription(usize),
    #[error("the reporter name is too long ({0} characters): keep it under {MAX_REPORTER_CHARS}")]
    LongReporter(usize),
}

impl ReportError {
    /// A stable code the UI matches on to show its own (Chinese) wording.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Category(_) => ErrorCode::ReportCategory,
            Self::NoPhoto => ErrorCode::ReportNoPhoto,
            Self::TooManyPhotos(_) => ErrorCode::ReportTooManyPhotos,
            Self::LongDescription(_) => ErrorCode::ReportLongDescription,
            Self::LongReporter(_) => ErrorCode::ReportLongReporter,
        }
    }
}

/// A processed photo as a document references it: the shrunk, stripped JPEG
/// and its thumbnail, both by content hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhotoRef {
    pub hash: BlobHash,
    pub thumb: BlobHash,
    pub bytes: u64,
    pub mime: String,
    pub width: u32,
    pub height: u32,
}

/// What the report form submits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportDraft {
    pub category: String,
    pub description: String,
    pub location: Location,
    pub photos: Vec<PhotoRef>,
    pub reporter: String,
    /// 附议: the open order this report adds to instead of starting one.
    #[serde(default)]
    pub seconds: Option<DocId>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HazardReport {
    pub id: DocId,
    pub scope: GridId,
    pub category: CategoryCode,
    pub description: String,
    pub location: Location,
    pub photos: Vec<PhotoRef>,
    pub reporter: String,
    pub reporter_device: DeviceId,
    /// Milliseconds since the Unix epoch on the reporting device's clock.
    pub created_at_ms: i64,
    /// 附议: the open order this report adds its photo to. The office does
    /// not dispatch it again; the order's page lists it, and its maker sees
    /// that order's progress.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seconds: Option<DocId>,
    #[serde(flatten, default)]
    pub progress: ReportProgress,
}

/// What became of a report, as its maker may see it. A rider never
/// receives the work order made from their report (it names people and
/// holds their notes); whoever moves the order writes these few facts onto
/// the report instead. They are flat fields of the body, each written
/// once, so two devices recording different steps never collide.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ReportProgress {
    /// The work order made from it, so nobody makes a second.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<DocId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispatched_ms: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_ms: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved_ms: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reopened_ms: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolve_photo: Option<PhotoRef>,
}

/// The stages a rider sees: 已上报 → 已派单 → 处理中 → 已办结.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RiderStage {
    Reported,
    Dispatched,
    Working,
    Resolved,
}

impl ReportProgress {
    pub fn stage(&self) -> RiderStage {
        let reopened_after = |resolved: i64| self.reopened_ms.is_some_and(|r| r > resolved);
        match (self.resolved_ms, self.working_ms, self.dispatched_ms) {
            (Some(r), ..) if !reopened_after(r) => RiderStage::Resolved,
            (Some(_), ..) | (None, Some(_), _) => RiderStage::Working,
            (None, None, Some(_)) => RiderStage::Dispatched,
            (None, None, None) => RiderStage::Reported,
        }
    }

    /// These facts moved on to what `order` now says, at `now_ms`: a stage
    /// first reached is stamped, a stage already stamped keeps its time.
    pub fn advanced(&self, order: &crate::work_order::OrderState, now_ms: i64) -> Self {
        use crate::work_order::Stage;
        let mut next = self.clone();
        let stamp = |slot: &mut Option<i64>, reached: bool| {
            if reached && slot.is_none() {
                *slot = Some(now_ms);
            }
        };
        stamp(
            &mut next.dispatched_ms,
            order.assignee.is_some() || order.stage.is_done(),
        );
        stamp(
            &mut next.working_ms,
            order.stage == Stage::Accepted || order.stage.is_done(),
        );
        let resolved = matches!(order.stage, Stage::Resolved | Stage::Rated);
        if resolved && next.stage() != RiderStage::Resolved {
            next.resolved_ms = Some(now_ms);
            next.resolve_photo = order
                .resolution
                .as_ref()
                .and_then(|r| r.photos.first().cloned());
        }
        if !order.stage.is_done() && next.stage() == RiderStage::Resolved {
            next.reopened_ms = Some(now_ms);
        }
        next
    }
}

impl HazardReport {
    pub fn from_draft(
        draft: ReportDraft,
        id: DocId,
        scope: GridId,
        reporter_device: DeviceId,
        created_at_ms: i64,
        catalog: &CategoryCatalog,
    ) -> Result<Self, ReportError> {
        let report = Self {
            id,
            scope,
            category: catalog.get(draft.category.trim())?.code.clone(),
            description: draft.description.trim().to_owned(),
            location: draft.location,
            photos: draft.photos,
            reporter: draft.reporter.trim().to_owned(),
            reporter_device,
            created_at_ms,
            seconds: draft.seconds,
            progress: ReportProgress::default(),
        };
        report.check()?;
        Ok(report)
    }

    /// The bounds every report keeps, whoever wrote it.
    fn check(&self) -> Result<(), ReportError> {
        if self.photos.is_empty() {
            return Err(ReportError::NoPhoto);
        }
        if self.photos.len() > MAX_PHOTOS {
            return Err(ReportError::TooManyPhotos(self.photos.len()));
        }
        let n = self.description.chars().count();
        if n > MAX_DESCRIPTION_CHARS {
            return Err(ReportError::LongDescription(n));
        }
        let n = self.reporter.chars().count();
        if n > MAX_REPORTER_CHARS {
            return Err(ReportError::LongReporter(n));
        }
        Ok(())
    }
}

/// A report in a list: its photos by hash (the app serves them by hash),
/// its place as one line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportRow {
    pub category: CategoryCode,
    pub description: String,
    pub location: String,
    pub coords: Option<Coordinates>,
    pub reporter: String,
    pub created_at_ms: i64,
    pub photos: Vec<BlobHash>,
    pub thumb: Option<BlobHash>,
    /// What became of it.
    #[serde(default = "reported")]
    pub stage: RiderStage,
    /// The photo of the result, once resolved.
    #[serde(default)]
    pub resolve_thumb: Option<BlobHash>,
    /// The order it seconds (附议), if any.
    #[serde(default)]
    pub seconds: Option<DocId>,
    /// The order made from it, if any.
    #[serde(default)]
    pub order: Option<DocId>,
}

fn reported() -> RiderStage {
    RiderStage::Reported
}

impl Record for HazardReport {
    const KIND: DocKind = DocKind::Report;
    type Summary = ReportRow;

    fn id(&self) -> DocId {
        self.id
    }

    fn scope(&self) -> &GridId {
        &self.scope
    }

    fn validate(&self) -> Result<(), RecordError> {
        self.check()
            .map_err(|e| RecordError::invalid(DocKind::Report, e))
    }

    fn project(&self) -> Projection<ReportRow> {
        let coords = match &self.location {
            Location::Point { coords, .. } => Some(*coords),
            Location::Address { .. } => None,
        };
        Projection {
            // An order's page finds the reports that second it by parent.
            parent: self.seconds,
            category: Some(self.category.as_str().to_owned()),
            status: None,
            at_ms: self.created_at_ms,
            sort: String::new(),
            search: vec![self.description.clone(), self.location.label()],
            blobs: self
                .photos
                .iter()
                .chain(&self.progress.resolve_photo)
                .flat_map(|p| [p.hash.clone(), p.thumb.clone()])
                .collect(),
            place: coords,
            summary: ReportRow {
                category: self.category.clone(),
                description: self.description.clone(),
                location: self.location.label(),
                coords,
                reporter: self.reporter.clone(),
                created_at_ms: self.created_at_ms,
                photos: self.photos.iter().map(|p| p.hash.clone()).collect(),
                thumb: self.photos.first().map(|p| p.thumb.clone()),
                stage: self.progress.stage(),
                resolve_thumb: self
                    .progress
                    .resolve_photo
                    .as_ref()
                    .map(|p| p.thumb.clone()),
                seconds: self.seconds,
                order: self.progress.order,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geo::Location;

    fn catalog() -> CategoryCatalog {
        CategoryCatalog::parse_json(r#"[{"code":"garbage","zh":"垃圾堆积","en":"Garbage"}]"#)
            .unwrap()
    }

    use crate::test_fixtures::photo_ref as photo;

    fn draft() -> ReportDraft {
        ReportDraft {
            category: "garbage".into(),
            description: "  楼下垃圾三天没清  ".into(),
            location: Location::address("幸福小区2号楼").unwrap(),
            photos: vec![photo()],
            reporter: "王师傅".into(),
            seconds: None,
        }
    }

    fn build(d: ReportDraft) -> Result<HazardReport, ReportError> {
        HazardReport::from_draft(
            d,
            DocId::from_random_bytes([1; 16]),
            GridId::parse("demo-grid-1").unwrap(),
            DeviceId::from_random_bytes([2; 16]),
            1_700_000_000_000,
            &catalog(),
        )
    }

    #[test]
    fn a_complete_draft_becomes_a_trimmed_report() {
        let r = build(draft()).unwrap();
        assert_eq!(r.description, "楼下垃圾三天没清");
        assert_eq!(r.category.as_str(), "garbage");
    }

    #[test]
    fn drafts_missing_what_the_office_needs_are_refused() {
        let mut d = draft();
        d.photos.clear();
        assert_eq!(build(d).unwrap_err(), ReportError::NoPhoto);
        let mut d = draft();
        d.category = "unknown".into();
        assert_eq!(
            build(d).unwrap_err().code(),
            crate::ErrorCode::ReportCategory
        );
        let mut d = draft();
        d.description = "字".repeat(MAX_DESCRIPTION_CHARS + 1);
        assert!(matches!(build(d), Err(ReportError::LongDescription(_))));
        let mut d = draft();
        d.photos = vec![photo(); MAX_PHOTOS + 1];
        assert!(matches!(build(d), Err(ReportError::TooManyPhotos(_))));
    }

    #[test]
    fn the_rider_sees_dispatched_working_resolved_and_a_reopen_as_working_again() {
        use crate::work_order::state::derive;
        use crate::work_order::{Assignee, Clock, OrderClass, OrderEvent, Step};
        use crate::{EventId, Role, UserId};
        let worker = Assignee {
            user: UserId::from_random_bytes([2; 16]),
            name: "王芳".into(),
            role: Role::GridWorker,
        };
        let ev = |n: u8, step: Step, role: Role| OrderEvent {
            id: EventId::from_random_bytes([n; 16]),
            step,
            by: "x".into(),
            by_user: UserId::from_random_bytes([if role == Role::Office { 1 } else { 2 }; 16]),
            role,
            at_ms: i64::from(n),
            clock: Clock::Server,
        };
        let mut events = vec![ev(1, Step::Submitted, Role::Office)];
        let mut p = ReportProgress::default();
        let mut seen = vec![p.stage()];
        let steps = [
            (Step::Dispatched { to: worker.clone() }, Role::Office),
            (Step::Accepted, Role::GridWorker),
            (
                Step::Resolved {
                    note: "好了".into(),
                    photos: vec![photo()],
                },
                Role::GridWorker,
            ),
            (
                Step::Reopened {
                    reason: "没修好".into(),
                },
                Role::Office,
            ),
            (
                Step::Resolved {
                    note: "再修".into(),
                    photos: vec![],
                },
                Role::GridWorker,
            ),
        ];
        for (i, (step, role)) in steps.into_iter().enumerate() {
            events.push(ev(i as u8 + 2, step, role));
            let state = derive(OrderClass::Ordinary, 0, &events);
            p = p.advanced(&state, 100 * (i as i64 + 1));
            seen.push(p.stage());
        }
        use RiderStage::*;
        assert_eq!(
            seen,
            [Reported, Dispatched, Working, Resolved, Working, Resolved]
        );
        assert_eq!(p.resolved_ms, Some(500), "the latest resolution's time");
        assert_eq!(p.dispatched_ms, Some(100), "a stage keeps its first time");
    }
}

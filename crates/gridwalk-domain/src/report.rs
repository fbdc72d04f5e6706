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
            parent: None,
            category: Some(self.category.as_str().to_owned()),
            status: None,
            at_ms: self.created_at_ms,
            sort: String::new(),
            search: vec![self.description.clone(), self.location.label()],
            blobs: self
                .photos
                .iter()
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
}

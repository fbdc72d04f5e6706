//! 红色家访 — one visit to a household: who went, when, how (入户, 电话,
//! 红色家书 … as data), what was said, photos, and the needs it raised.
//! A visit is its own record, so two workers logging visits to one
//! household offline never touch the same document.

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

use crate::access::DocKind;
use crate::category::CategoryCode;
use crate::field::{self, FieldErrors};
use crate::ids::{BlobHash, DocId, GridId, UserId};
use crate::need::NeedDraft;
use crate::record::{Projection, Record, RecordError};
use crate::report::PhotoRef;
use crate::vocabulary::Vocabulary;

pub const MAX_VISIT_NOTES_CHARS: usize = 2000;
pub const MAX_VISIT_PHOTOS: usize = 9;
pub const MAX_VISIT_NEEDS: usize = 10;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Visit {
    pub id: DocId,
    pub scope: GridId,
    pub household: DocId,
    /// When the visit was logged, on the visiting device's clock.
    pub at_ms: i64,
    /// The grid worker's name, as their account says.
    pub by: String,
    #[serde(default)]
    pub by_user: Option<UserId>,
    pub methods: BTreeSet<CategoryCode>,
    #[serde(default)]
    pub notes: String,
    #[serde(default)]
    pub photos: Vec<PhotoRef>,
    /// The needs raised during the visit (records of their own).
    #[serde(default)]
    pub needs: Vec<DocId>,
}

/// What the visit form submits.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct VisitDraft {
    pub household: Option<DocId>,
    pub methods: Vec<String>,
    #[serde(default)]
    pub notes: String,
    #[serde(default)]
    pub photos: Vec<PhotoRef>,
    #[serde(default)]
    pub needs: Vec<NeedDraft>,
}

impl VisitDraft {
    /// Checks what the person chose; the ids, grid and needs' ids are the
    /// caller's to fill in (`Visit::new`).
    pub fn check(
        &self,
        vocabulary: &Vocabulary,
    ) -> Result<(BTreeSet<CategoryCode>, String), FieldErrors> {
        let mut errors = FieldErrors::default();
        if self.household.is_none() {
            errors.push("household", &field::TextError::Empty);
        }
        let methods: BTreeSet<CategoryCode> = self
            .methods
            .iter()
            .filter_map(|m| {
                errors
                    .take("methods", vocabulary.visit_methods.get(m.trim()))
                    .map(|c| c.code.clone())
            })
            .collect();
        if methods.is_empty() && errors.is_empty() {
            errors.push("methods", &field::TextError::Empty);
        }
        let notes = errors
            .take(
                "notes",
                field::text(&self.notes, false, MAX_VISIT_NOTES_CHARS),
            )
            .unwrap_or_default();
        if self.photos.len() > MAX_VISIT_PHOTOS {
            errors.push(
                "photos",
                &field::TextError::TooLong {
                    max: MAX_VISIT_PHOTOS,
                    len: self.photos.len(),
                },
            );
        }
        if self.needs.len() > MAX_VISIT_NEEDS {
            errors.push(
                "needs",
                &field::TextError::TooLong {
                    max: MAX_VISIT_NEEDS,
                    len: self.needs.len(),
                },
            );
        }
        errors.or(|| (methods, notes))
    }
}

/// A visit in a household's timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VisitRow {
    pub household: DocId,
    pub at_ms: i64,
    pub by: String,
    pub methods: Vec<CategoryCode>,
    pub notes: String,
    pub photos: Vec<BlobHash>,
    pub thumb: Option<BlobHash>,
    pub needs: u32,
}

impl Record for Visit {
    const KIND: DocKind = DocKind::Visit;
    const TEXT_FIELDS: &'static [&'static str] = &["notes"];
    type Summary = VisitRow;

    fn id(&self) -> DocId {
        self.id
    }

    fn scope(&self) -> &GridId {
        &self.scope
    }

    fn validate(&self) -> Result<(), RecordError> {
        if self.by.chars().count() > 80 {
            return Err(RecordError::invalid(
                DocKind::Visit,
                "visitor name too long",
            ));
        }
        Ok(())
    }

    fn check_limits(&self) -> Result<(), RecordError> {
        let bad = |r: &str| Err(RecordError::invalid(DocKind::Visit, r));
        if self.notes.chars().count() > MAX_VISIT_NOTES_CHARS {
            return bad("notes too long");
        }
        if self.photos.len() > MAX_VISIT_PHOTOS || self.needs.len() > MAX_VISIT_NEEDS {
            return bad("too many photos or needs");
        }
        Ok(())
    }

    fn project(&self) -> Projection<VisitRow> {
        Projection {
            parent: Some(self.household),
            category: None,
            status: None,
            at_ms: self.at_ms,
            sort: String::new(),
            search: Vec::new(),
            blobs: self
                .photos
                .iter()
                .flat_map(|p| [p.hash.clone(), p.thumb.clone()])
                .collect(),
            place: None,
            summary: VisitRow {
                household: self.household,
                at_ms: self.at_ms,
                by: self.by.clone(),
                methods: self.methods.iter().cloned().collect(),
                notes: self.notes.clone(),
                photos: self.photos.iter().map(|p| p.hash.clone()).collect(),
                thumb: self.photos.first().map(|p| p.thumb.clone()),
                needs: self.needs.len() as u32,
            },
        }
    }
}

//! 民情清单 — one need a resident raised (上学, 就业, 养老, 住房, 医疗 … as
//! data), usually during a visit. Its life is an append-only list of
//! events, never a status field two people overwrite: the status is
//! derived from the events by `status()`. The dispatch loop takes a need
//! over as a work order by appending to the same list — the need's content
//! is never copied into another record.

use serde::{Deserialize, Serialize};

use crate::access::DocKind;
use crate::category::CategoryCode;
use crate::field::{self, FieldErrors};
use crate::ids::{DocId, GridId, UserId};
use crate::record::{Projection, Record, RecordError};
use crate::vocabulary::Vocabulary;

pub const MAX_NEED_CHARS: usize = 1000;
pub const MAX_EVENTS: usize = 500;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Need {
    pub id: DocId,
    pub scope: GridId,
    #[serde(default)]
    pub household: Option<DocId>,
    #[serde(default)]
    pub visit: Option<DocId>,
    /// The household's address when the need was raised, so the office
    /// list reads without opening the household.
    #[serde(default)]
    pub place: String,
    pub category: CategoryCode,
    pub description: String,
    pub raised_by: String,
    #[serde(default)]
    pub raised_by_user: Option<UserId>,
    pub raised_at_ms: i64,
    #[serde(default)]
    pub events: Vec<NeedEvent>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NeedEvent {
    pub event: NeedEventKind,
    pub by: String,
    #[serde(default)]
    pub by_user: Option<UserId>,
    /// On the recording device's clock.
    pub at_ms: i64,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NeedEventKind {
    /// 已受理: someone took it on.
    Accepted,
    /// 已办结.
    Resolved,
    /// 已关闭 without a resolution (moved away, withdrawn …).
    Closed,
    Reopened,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NeedStatus {
    Open,
    Accepted,
    Resolved,
    Closed,
}

impl NeedStatus {
    pub const ALL: [NeedStatus; 4] = [Self::Open, Self::Accepted, Self::Resolved, Self::Closed];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Accepted => "accepted",
            Self::Resolved => "resolved",
            Self::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// The status the events add up to. Events are taken in time order (ties
/// by kind, so every device derives the same answer from the same list,
/// whatever order concurrent appends merged in).
pub fn status(events: &[NeedEvent]) -> NeedStatus {
    let mut sorted: Vec<&NeedEvent> = events.iter().collect();
    sorted.sort_by_key(|e| (e.at_ms, e.event));
    sorted
        .into_iter()
        .fold(NeedStatus::Open, |_, e| match e.event {
            NeedEventKind::Accepted => NeedStatus::Accepted,
            NeedEventKind::Resolved => NeedStatus::Resolved,
            NeedEventKind::Closed => NeedStatus::Closed,
            NeedEventKind::Reopened => NeedStatus::Open,
        })
}

/// A need as a visit form or the office enters it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NeedDraft {
    pub category: String,
    pub description: String,
}

impl NeedDraft {
    pub fn check(&self, vocabulary: &Vocabulary) -> Result<(CategoryCode, String), FieldErrors> {
        let mut errors = FieldErrors::default();
        let category = errors.take(
            "category",
            vocabulary
                .need_categories
                .get(self.category.trim())
                .map(|c| c.code.clone()),
        );
        let description = errors.take(
            "description",
            field::text(&self.description, true, MAX_NEED_CHARS),
        );
        match (category, description) {
            (Some(c), Some(d)) if errors.is_empty() => Ok((c, d)),
            _ => Err(errors),
        }
    }
}

/// A need in the office's list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NeedRow {
    pub household: Option<DocId>,
    pub place: String,
    pub category: CategoryCode,
    pub description: String,
    pub raised_by: String,
    pub raised_at_ms: i64,
    pub status: NeedStatus,
    pub events: u32,
}

impl Record for Need {
    const KIND: DocKind = DocKind::Need;
    const TEXT_FIELDS: &'static [&'static str] = &["description"];
    type Summary = NeedRow;

    fn id(&self) -> DocId {
        self.id
    }

    fn scope(&self) -> &GridId {
        &self.scope
    }

    fn validate(&self) -> Result<(), RecordError> {
        Ok(())
    }

    fn check_limits(&self) -> Result<(), RecordError> {
        let bad = |r: &str| Err(RecordError::invalid(DocKind::Need, r));
        if self.description.chars().count() > MAX_NEED_CHARS {
            return bad("description too long");
        }
        if self.events.len() > MAX_EVENTS {
            return bad("too many events");
        }
        Ok(())
    }

    fn project(&self) -> Projection<NeedRow> {
        let status = status(&self.events);
        Projection {
            parent: self.household,
            category: Some(self.category.as_str().to_owned()),
            status: Some(status.as_str().to_owned()),
            at_ms: self.raised_at_ms,
            sort: String::new(),
            search: vec![self.place.clone(), self.description.clone()],
            blobs: Vec::new(),
            place: None,
            summary: NeedRow {
                household: self.household,
                place: self.place.clone(),
                category: self.category.clone(),
                description: self.description.clone(),
                raised_by: self.raised_by.clone(),
                raised_at_ms: self.raised_at_ms,
                status,
                events: self.events.len() as u32,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(event: NeedEventKind, at_ms: i64) -> NeedEvent {
        NeedEvent {
            event,
            by: "王芳".into(),
            by_user: None,
            at_ms,
            note: String::new(),
        }
    }

    #[test]
    fn the_status_follows_the_events_in_time_order_whatever_order_they_merged_in() {
        use NeedEventKind::*;
        assert_eq!(status(&[]), NeedStatus::Open);
        let events = [ev(Accepted, 10), ev(Resolved, 20)];
        assert_eq!(status(&events), NeedStatus::Resolved);
        let merged_backwards = [ev(Resolved, 20), ev(Accepted, 10)];
        assert_eq!(status(&merged_backwards), NeedStatus::Resolved);
        assert_eq!(
            status(&[ev(Resolved, 20), ev(Reopened, 30)]),
            NeedStatus::Open
        );
        // Two devices record different steps at the same millisecond: every
        // device must still agree.
        let a = [ev(Closed, 5), ev(Resolved, 5)];
        let b = [ev(Resolved, 5), ev(Closed, 5)];
        assert_eq!(status(&a), status(&b));
    }
}

//! One deliberate look at a masked phone or ID number: who, whose, which
//! field, when. Recorded on the device the moment it happens — offline too
//! — as a record of its own, so it travels with the next sync and the
//! server writes it into the audit log. Reveals are never changed after
//! they are made; offices read them, grid workers only make them.

use serde::{Deserialize, Serialize};

use crate::access::DocKind;
use crate::household::SensitiveField;
use crate::ids::{DocId, GridId, MemberId, UserId};
use crate::record::{Projection, Record, RecordError};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reveal {
    pub id: DocId,
    /// The household's grid.
    pub scope: GridId,
    pub household: DocId,
    pub member: MemberId,
    pub field: SensitiveField,
    pub by: String,
    #[serde(default)]
    pub by_user: Option<UserId>,
    /// On the revealing device's clock.
    pub at_ms: i64,
}

impl Reveal {
    /// The audit log's line for it: whose field, never the value.
    pub fn audit_detail(&self) -> String {
        format!(
            "household {} member {} field {} revealed by {} at {} (device clock)",
            self.household,
            self.member,
            self.field.as_str(),
            self.by,
            crate::calendar::beijing_time(self.at_ms)
        )
    }
}

impl Record for Reveal {
    const KIND: DocKind = DocKind::Reveal;
    type Summary = Reveal;

    fn id(&self) -> DocId {
        self.id
    }

    fn scope(&self) -> &GridId {
        &self.scope
    }

    fn validate(&self) -> Result<(), RecordError> {
        if self.by.chars().count() > 80 {
            return Err(RecordError::invalid(DocKind::Reveal, "name too long"));
        }
        Ok(())
    }

    fn project(&self) -> Projection<Reveal> {
        Projection {
            parent: Some(self.household),
            category: Some(self.field.as_str().to_owned()),
            status: None,
            at_ms: self.at_ms,
            sort: String::new(),
            search: Vec::new(),
            blobs: Vec::new(),
            place: None,
            summary: self.clone(),
        }
    }
}

//! 户 — one household of the archive (家庭档案): its address in the grid
//! (小区 → 楼栋 → 单元 → 户号), its members, care tags and notes.
//!
//! Merging shapes the body: members are a map keyed by a random id, so two
//! workers adding members at once both keep theirs; a member is never
//! deleted, only marked `removed`, so an edit of that member made meanwhile
//! on another phone survives and shows; notes are text that merges.
//! Phones and ID numbers are parsed types and are masked in everything a
//! list, page or export shows unless someone deliberately reveals one.

mod address;
mod member;

pub use address::{Address, AddressError};
pub use member::{
    MAX_MEMBER_NOTES_CHARS, Member, MemberDraft, MemberEdit, MemberView, SensitiveField,
};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

use crate::access::DocKind;
use crate::category::CategoryCode;
use crate::field::{self, FieldErrors};
use crate::id_number::IdNumber;
use crate::ids::{DocId, GridId, MemberId};
use crate::phone::Phone;
use crate::record::{Projection, Record, RecordError, plain};
use crate::vocabulary::Vocabulary;

pub const MAX_MEMBERS: usize = 40;
pub const MAX_NOTES_CHARS: usize = 2000;
pub const MAX_TAGS: usize = 20;
/// The member relation that heads the household (户主).
pub const HEAD: &str = "head";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Household {
    pub id: DocId,
    pub scope: GridId,
    pub address: Address,
    #[serde(default)]
    pub members: BTreeMap<MemberId, Member>,
    #[serde(default)]
    pub tags: BTreeSet<CategoryCode>,
    #[serde(default)]
    pub notes: String,
    /// Unix ms on the device that added it.
    pub created_at_ms: i64,
    #[serde(default)]
    pub created_by: String,
    /// The roster row it was imported from, so importing the same file
    /// again finds it instead of creating it twice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub import_key: Option<String>,
}

/// What the household form submits.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct HouseholdDraft {
    pub estate: String,
    /// 户号 as typed: `3-2-501`, `3号楼2单元501室` …
    pub door: String,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub notes: String,
}

impl Household {
    /// A new household from the form, in `scope`. Every field's problem is
    /// reported at once; nothing is kept until all are fixed.
    pub fn from_draft(
        draft: &HouseholdDraft,
        id: DocId,
        scope: GridId,
        vocabulary: &Vocabulary,
        created_by: &str,
        now_ms: i64,
    ) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::default();
        let address = errors.take("door", Address::parse(&draft.estate, &draft.door));
        let tags = errors
            .take("tags", parse_tags(&draft.tags, vocabulary))
            .unwrap_or_default();
        let notes = errors
            .take("notes", field::text(&draft.notes, false, MAX_NOTES_CHARS))
            .unwrap_or_default();
        match address {
            Some(address) if errors.is_empty() => Ok(Self {
                id,
                scope,
                address,
                members: BTreeMap::new(),
                tags,
                notes,
                created_at_ms: now_ms,
                created_by: created_by.to_owned(),
                import_key: None,
            }),
            _ => Err(errors),
        }
    }

    /// Members still in the household, head first, then by name.
    pub fn current_members(&self) -> Vec<(&MemberId, &Member)> {
        let mut list: Vec<_> = self.members.iter().filter(|(_, m)| !m.removed).collect();
        list.sort_by(|a, b| {
            (a.1.relation.as_str() != HEAD, &a.1.name)
                .cmp(&(b.1.relation.as_str() != HEAD, &b.1.name))
        });
        list
    }

    pub fn head(&self) -> Option<&Member> {
        self.current_members()
            .into_iter()
            .map(|(_, m)| m)
            .find(|m| m.relation.as_str() == HEAD)
    }

    /// The page a person sees: every member, removed ones last, with
    /// phones and ID numbers masked.
    pub fn view(&self) -> HouseholdView {
        let mut members: Vec<MemberView> = self
            .current_members()
            .into_iter()
            .map(|(id, m)| m.view(*id))
            .collect();
        members.extend(
            self.members
                .iter()
                .filter(|(_, m)| m.removed)
                .map(|(id, m)| m.view(*id)),
        );
        HouseholdView {
            id: self.id,
            scope: self.scope.clone(),
            address: self.address.clone(),
            line: self.address.line(),
            door: self.address.door(),
            members,
            tags: self.tags.iter().cloned().collect(),
            notes: self.notes.clone(),
            created_at_ms: self.created_at_ms,
            created_by: self.created_by.clone(),
        }
    }

    /// The full value of one sensitive field, for a deliberate reveal.
    pub fn reveal(&self, member: &MemberId, field: SensitiveField) -> Option<String> {
        let m = self.members.get(member)?;
        match field {
            SensitiveField::Phone => m.phone.as_ref().map(|p| p.reveal().to_owned()),
            SensitiveField::IdNumber => m.id_number.as_ref().map(|i| i.reveal().to_owned()),
        }
    }
}

fn parse_tags(
    tags: &[String],
    vocabulary: &Vocabulary,
) -> Result<BTreeSet<CategoryCode>, crate::category::CategoryError> {
    tags.iter()
        .map(|t| vocabulary.care_tags.get(t.trim()).map(|c| c.code.clone()))
        .collect()
}

/// A household page: what `view()` shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HouseholdView {
    pub id: DocId,
    pub scope: GridId,
    pub address: Address,
    pub line: String,
    pub door: String,
    pub members: Vec<MemberView>,
    pub tags: Vec<CategoryCode>,
    pub notes: String,
    pub created_at_ms: i64,
    pub created_by: String,
}

/// A household in a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HouseholdRow {
    pub line: String,
    pub estate: String,
    pub building: String,
    pub door: String,
    /// The 户主's name, if the household has one.
    pub head: Option<String>,
    /// Current members' names, head first.
    pub names: Vec<String>,
    pub members: u32,
    pub tags: Vec<CategoryCode>,
    /// Masked phones of current members.
    pub phones: Vec<String>,
}

impl Record for Household {
    const KIND: DocKind = DocKind::Household;
    const TEXT_FIELDS: &'static [&'static str] = &["notes", "members.*.notes"];
    type Summary = HouseholdRow;

    fn id(&self) -> DocId {
        self.id
    }

    fn scope(&self) -> &GridId {
        &self.scope
    }

    fn validate(&self) -> Result<(), RecordError> {
        self.address
            .check()
            .map_err(|e| RecordError::invalid(DocKind::Household, e))?;
        for m in self.members.values() {
            m.check()
                .map_err(|e| RecordError::invalid(DocKind::Household, e))?;
        }
        Ok(())
    }

    fn check_limits(&self) -> Result<(), RecordError> {
        let bad = |r: String| Err(RecordError::invalid(DocKind::Household, r));
        let current = self.current_members();
        if current.len() > MAX_MEMBERS {
            return bad(format!("{} members; at most {MAX_MEMBERS}", current.len()));
        }
        if self.tags.len() > MAX_TAGS {
            return bad(format!("{} care tags; at most {MAX_TAGS}", self.tags.len()));
        }
        if self.notes.chars().count() > MAX_NOTES_CHARS {
            return bad(format!(
                "notes are longer than {MAX_NOTES_CHARS} characters"
            ));
        }
        if current
            .iter()
            .any(|(_, m)| m.notes.chars().count() > MAX_MEMBER_NOTES_CHARS)
        {
            return bad(format!(
                "a member's notes are longer than {MAX_MEMBER_NOTES_CHARS} characters"
            ));
        }
        Ok(())
    }

    fn project(&self) -> Projection<HouseholdRow> {
        let current = self.current_members();
        let mut search = vec![
            self.address.estate.clone(),
            self.address.door(),
            self.address.line(),
        ];
        for (_, m) in &current {
            search.push(m.name.clone());
            search.extend(m.phone.as_ref().map(|p| p.tail().to_owned()));
            search.extend(m.id_number.as_ref().map(|i| i.tail().to_owned()));
        }
        Projection {
            parent: None,
            category: None,
            status: None,
            at_ms: self.created_at_ms,
            sort: self.address.sort_key(),
            search,
            blobs: Vec::new(),
            place: None,
            summary: HouseholdRow {
                line: self.address.line(),
                estate: self.address.estate.clone(),
                building: self.address.building.clone(),
                door: self.address.door(),
                head: self.head().map(|m| m.name.clone()),
                names: current.iter().map(|(_, m)| m.name.clone()).collect(),
                members: current.len() as u32,
                tags: self.tags.iter().cloned().collect(),
                phones: current
                    .iter()
                    .filter_map(|(_, m)| m.phone.as_ref().map(Phone::masked))
                    .collect(),
            },
        }
    }

    fn show(path: &[String], value: &Value) -> String {
        let text = plain(value);
        match (
            path.first().map(String::as_str),
            path.get(2).map(String::as_str),
        ) {
            (Some("members"), Some("phone")) => {
                Phone::parse(&text).map_or_else(|_| "****".into(), |p| p.masked())
            }
            (Some("members"), Some("id_number")) => {
                IdNumber::parse(&text).map_or_else(|_| "****".into(), |i| i.masked())
            }
            _ => text,
        }
    }
}

#[cfg(test)]
mod tests;

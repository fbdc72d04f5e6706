//! One member of a household and the form that adds or edits one.

use crate::ErrorCode;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::calendar::CivilDate;
use crate::category::CategoryCode;
use crate::field::{self, Explain, FieldErrors, half_width};
use crate::id_number::IdNumber;
use crate::ids::MemberId;
use crate::phone::Phone;
use crate::vocabulary::Vocabulary;

pub const MAX_NAME_CHARS: usize = 40;
pub const MAX_MEMBER_NOTES_CHARS: usize = 500;

// Empty optional fields are left out of the document: fewer operations
// per member (imports of thousands of households), and a later edit that
// fills one in is a plain put.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Member {
    pub name: String,
    pub relation: CategoryCode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<Phone>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_number: Option<IdNumber>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_year: Option<i64>,
    #[serde(default)]
    pub notes: String,
    /// Moved out or passed away. Kept, never deleted: an edit another
    /// phone made meanwhile must not vanish with it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub removed: bool,
}

/// The two fields that are masked unless revealed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SensitiveField {
    Phone,
    IdNumber,
}

impl SensitiveField {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Phone => "phone",
            Self::IdNumber => "id_number",
        }
    }
}

/// The member form as typed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MemberDraft {
    pub name: String,
    pub relation: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub id_number: String,
    #[serde(default)]
    pub birth_year: String,
    #[serde(default)]
    pub notes: String,
}

/// An edit of an existing member: `None` keeps a sensitive field as it is
/// (the form shows it masked and the person did not retype it); `Some("")`
/// clears it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberEdit {
    pub name: String,
    pub relation: String,
    pub phone: Option<String>,
    pub id_number: Option<String>,
    #[serde(default)]
    pub birth_year: String,
    #[serde(default)]
    pub notes: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BirthYearError {
    #[error("出生年份应为 4 位数字，如 1958")]
    NotYear,
    #[error("出生年份 {0} 不可信")]
    Implausible(i64),
    #[error("出生年份 {year} 与身份证号中的 {from_id} 不一致")]
    Mismatch { year: i64, from_id: i64 },
}

impl Explain for BirthYearError {
    fn code(&self) -> ErrorCode {
        match self {
            Self::NotYear => ErrorCode::BirthYearNotYear,
            Self::Implausible(_) => ErrorCode::BirthYearImplausible,
            Self::Mismatch { .. } => ErrorCode::BirthYearMismatch,
        }
    }

    fn args(&self) -> BTreeMap<String, String> {
        match self {
            Self::NotYear => BTreeMap::new(),
            Self::Implausible(y) => BTreeMap::from([("year".into(), y.to_string())]),
            Self::Mismatch { year, from_id } => BTreeMap::from([
                ("year".into(), year.to_string()),
                ("from_id".into(), from_id.to_string()),
            ]),
        }
    }
}

impl Member {
    /// A new member from the form. All fields are checked at once.
    pub fn from_draft(
        d: &MemberDraft,
        vocabulary: &Vocabulary,
        today: CivilDate,
    ) -> Result<Self, FieldErrors> {
        Self::build(
            &d.name,
            &d.relation,
            Some(d.phone.as_str()),
            Some(d.id_number.as_str()),
            &d.birth_year,
            &d.notes,
            None,
            vocabulary,
            today,
        )
    }

    /// This member with the form's changes.
    pub fn edited(
        &self,
        e: &MemberEdit,
        vocabulary: &Vocabulary,
        today: CivilDate,
    ) -> Result<Self, FieldErrors> {
        Self::build(
            &e.name,
            &e.relation,
            e.phone.as_deref(),
            e.id_number.as_deref(),
            &e.birth_year,
            &e.notes,
            Some(self),
            vocabulary,
            today,
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn build(
        name: &str,
        relation: &str,
        phone: Option<&str>,
        id_number: Option<&str>,
        birth_year: &str,
        notes: &str,
        before: Option<&Member>,
        vocabulary: &Vocabulary,
        today: CivilDate,
    ) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::default();
        let name = errors.take("name", field::text(name, true, MAX_NAME_CHARS));
        let relation = errors.take(
            "relation",
            vocabulary
                .relations
                .get(relation.trim())
                .map(|c| c.code.clone()),
        );
        let phone = match phone {
            None => before.and_then(|m| m.phone.clone()),
            Some(p) if p.trim().is_empty() => None,
            Some(p) => errors.take("phone", Phone::parse(p)),
        };
        let id_number = match id_number {
            None => before.and_then(|m| m.id_number.clone()),
            Some(i) if i.trim().is_empty() => None,
            Some(i) => errors.take("id_number", IdNumber::parse_on(i, today)),
        };
        let from_id = id_number.as_ref().map(|i| i.birth_date().year);
        let birth_year = errors
            .take("birth_year", parse_birth_year(birth_year, from_id, today))
            .flatten();
        let notes = errors
            .take("notes", field::text(notes, false, MAX_MEMBER_NOTES_CHARS))
            .unwrap_or_default();
        match (name, relation) {
            (Some(name), Some(relation)) if errors.is_empty() => Ok(Self {
                name,
                relation,
                phone,
                id_number,
                birth_year: birth_year.or(from_id),
                notes,
                removed: before.is_some_and(|m| m.removed),
            }),
            _ => Err(errors),
        }
    }

    /// Checks a stored member (from another device).
    pub fn check(&self) -> Result<(), String> {
        if self.name.trim().is_empty() || self.name.chars().count() > MAX_NAME_CHARS {
            return Err("a member's name is empty or too long".into());
        }
        Ok(())
    }

    pub fn view(&self, id: MemberId) -> MemberView {
        MemberView {
            id,
            name: self.name.clone(),
            relation: self.relation.clone(),
            phone: self.phone.as_ref().map(Phone::masked),
            id_number: self.id_number.as_ref().map(IdNumber::masked),
            birth_year: self.birth_year,
            notes: self.notes.clone(),
            removed: self.removed,
        }
    }
}

fn parse_birth_year(
    typed: &str,
    from_id: Option<i64>,
    today: CivilDate,
) -> Result<Option<i64>, BirthYearError> {
    let t = half_width(typed);
    if t.is_empty() {
        return Ok(None);
    }
    let year: i64 = t
        .trim_end_matches('年')
        .parse()
        .map_err(|_| BirthYearError::NotYear)?;
    if !(1900..=today.year).contains(&year) {
        return Err(BirthYearError::Implausible(year));
    }
    match from_id {
        Some(from_id) if from_id != year => Err(BirthYearError::Mismatch { year, from_id }),
        _ => Ok(Some(year)),
    }
}

/// A member as a page shows them: phone and ID number masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberView {
    pub id: MemberId,
    pub name: String,
    pub relation: CategoryCode,
    pub phone: Option<String>,
    pub id_number: Option<String>,
    pub birth_year: Option<i64>,
    pub notes: String,
    pub removed: bool,
}

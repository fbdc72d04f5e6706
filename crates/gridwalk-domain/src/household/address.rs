//! Where a household lives inside its grid: 小区 (estate), 楼栋 (building),
//! 单元 (unit) and 房号 (room). Offices write the last three as one 户号 —
//! `3-2-501`, `3号楼2单元501室`, `3栋501` — and all of those parse.

use crate::ErrorCode;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::field::{Explain, half_width};

const MAX_ESTATE_CHARS: usize = 40;
const MAX_PART_CHARS: usize = 12;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    #[error("请填写小区名称")]
    NoEstate,
    #[error("小区名称最多 {MAX_ESTATE_CHARS} 个字")]
    LongEstate,
    #[error("户号“{0}”看不懂：请写成 楼栋-单元-房号，如 3-2-501（没有单元写 3-501）")]
    Door(String),
}

impl Explain for AddressError {
    fn code(&self) -> ErrorCode {
        match self {
            Self::NoEstate => ErrorCode::AddressNoEstate,
            Self::LongEstate => ErrorCode::AddressLongEstate,
            Self::Door(_) => ErrorCode::AddressDoor,
        }
    }

    fn args(&self) -> BTreeMap<String, String> {
        match self {
            Self::Door(d) => BTreeMap::from([("door".to_owned(), d.clone())]),
            _ => BTreeMap::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Address {
    pub estate: String,
    pub building: String,
    /// Empty for buildings without units.
    #[serde(default)]
    pub unit: String,
    pub room: String,
}

impl Address {
    pub fn parse(estate: &str, door: &str) -> Result<Self, AddressError> {
        let estate = estate.trim();
        if estate.is_empty() {
            return Err(AddressError::NoEstate);
        }
        if estate.chars().count() > MAX_ESTATE_CHARS {
            return Err(AddressError::LongEstate);
        }
        let (building, unit, room) =
            parse_door(door).ok_or_else(|| AddressError::Door(door.trim().to_owned()))?;
        Ok(Self {
            estate: estate.to_owned(),
            building,
            unit,
            room,
        })
    }

    /// Checks a stored address (from another device) the way `parse` would.
    pub fn check(&self) -> Result<(), AddressError> {
        let again = Self::parse(&self.estate, &self.door())?;
        if again == *self {
            Ok(())
        } else {
            Err(AddressError::Door(self.door()))
        }
    }

    /// `3-2-501`, or `3-501` without a unit.
    pub fn door(&self) -> String {
        if self.unit.is_empty() {
            format!("{}-{}", self.building, self.room)
        } else {
            format!("{}-{}-{}", self.building, self.unit, self.room)
        }
    }

    /// Sorts doors the way people count them: building 3 before 12, room
    /// 501 before 1001 (numbers padded), within the estate.
    pub fn sort_key(&self) -> String {
        let pad = |p: &str| match p.parse::<u64>() {
            Ok(n) => format!("{n:08}"),
            Err(_) => format!("~{p}"),
        };
        format!(
            "{}|{}|{}|{}",
            self.estate,
            pad(&self.building),
            pad(&self.unit),
            pad(&self.room)
        )
    }

    /// `幸福小区 3号楼 2单元 501室`.
    pub fn line(&self) -> String {
        let unit = if self.unit.is_empty() {
            String::new()
        } else {
            format!(" {}单元", self.unit)
        };
        format!(
            "{} {}号楼{unit} {}室",
            self.estate, self.building, self.room
        )
    }
}

/// Splits a 户号 into building, unit and room.
fn parse_door(door: &str) -> Option<(String, String, String)> {
    let mut s = half_width(door);
    for (word, sep) in [
        ("号楼", "-"),
        ("栋", "-"),
        ("幢", "-"),
        ("单元", "-"),
        ("号", "-"),
        ("室", ""),
        ("—", "-"),
        ("/", "-"),
    ] {
        s = s.replace(word, sep);
    }
    let parts: Vec<&str> = s.split('-').filter(|p| !p.is_empty()).collect();
    let ok = |p: &str| {
        !p.is_empty()
            && p.chars().count() <= MAX_PART_CHARS
            && p.chars().all(|c| c.is_ascii_alphanumeric())
    };
    if !parts.iter().all(|p| ok(p)) {
        return None;
    }
    let up = |p: &str| p.to_ascii_uppercase();
    match parts.as_slice() {
        [b, u, r] => Some((up(b), up(u), up(r))),
        [b, r] => Some((up(b), String::new(), up(r))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn door_numbers_parse_however_the_office_wrote_them() {
        for typed in [
            "3-2-501",
            "3号楼2单元501室",
            "3栋2单元501",
            " ３－２－５０１ ",
            "3幢2单元501号",
        ] {
            let a = Address::parse("幸福小区", typed).unwrap_or_else(|e| panic!("{typed}: {e}"));
            assert_eq!(a.door(), "3-2-501", "{typed}");
        }
        let no_unit = Address::parse("安康小区", "12-302").unwrap();
        assert_eq!(no_unit.unit, "");
        assert_eq!(no_unit.line(), "安康小区 12号楼 302室");
        assert_eq!(
            Address::parse("幸福小区", "3-2-501").unwrap().line(),
            "幸福小区 3号楼 2单元 501室"
        );
    }

    #[test]
    fn unreadable_doors_and_missing_estates_are_refused() {
        assert_eq!(Address::parse(" ", "3-2-501"), Err(AddressError::NoEstate));
        for bad in ["", "501", "3-2-501-9", "三号楼-2-501", "3--"] {
            assert!(
                matches!(Address::parse("幸福小区", bad), Err(AddressError::Door(_))),
                "{bad:?} must be refused"
            );
        }
    }
}

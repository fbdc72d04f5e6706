//! 居民身份证号码 (GB 11643-1999): 6 digits of region, 8 of birth date, 3 of
//! sequence and a check character computed over the first 17 (ISO 7064
//! MOD 11-2). Parsed, never stored raw: a wrong digit is caught where it is
//! typed, with the position that is wrong.
//!
//! The number is sensitive personal information (PIPL): everything that
//! shows it uses `masked()` unless the person deliberately reveals it.

use crate::ErrorCode;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

use crate::calendar::CivilDate;
use crate::field::{Explain, half_width};

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: &[u8; 11] = b"10X98765432";
/// Province-level codes in use (1–2 digits of the number); 83 is the
/// residence permit for Taiwan residents.
const PROVINCES: [u8; 35] = [
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
    53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83,
];
const EARLIEST_BIRTH_YEAR: i64 = 1900;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdNumberError {
    #[error("身份证号应为 18 位，现在是 {0} 位")]
    Length(usize),
    #[error("身份证号第 {position} 位应为数字，现在是“{found}”")]
    NotDigit { position: usize, found: char },
    #[error("身份证号第 18 位应为数字或 X，现在是“{0}”")]
    BadLast(char),
    #[error("身份证号第 1–2 位的省份代码 {0} 不存在，请核对前两位")]
    Region(String),
    #[error("身份证号第 7–14 位的出生日期 {0} 不是有效日期")]
    BirthDate(String),
    #[error("身份证号中的出生年份 {0} 不可信，请核对第 7–10 位")]
    BirthYear(i64),
    #[error(
        "身份证号第 18 位校验码应为 {expected}，现在是 {found}：前 17 位中有一位输错了，请逐位核对"
    )]
    CheckDigit { expected: char, found: char },
}

impl Explain for IdNumberError {
    fn code(&self) -> ErrorCode {
        match self {
            Self::Length(_) => ErrorCode::IdLength,
            Self::NotDigit { .. } => ErrorCode::IdNotDigit,
            Self::BadLast(_) => ErrorCode::IdBadLast,
            Self::Region(_) => ErrorCode::IdRegion,
            Self::BirthDate(_) => ErrorCode::IdBirthDate,
            Self::BirthYear(_) => ErrorCode::IdBirthYear,
            Self::CheckDigit { .. } => ErrorCode::IdCheckDigit,
        }
    }

    fn args(&self) -> BTreeMap<String, String> {
        let kv = |pairs: &[(&str, String)]| {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect()
        };
        match self {
            Self::Length(n) => kv(&[("n", n.to_string())]),
            Self::NotDigit { position, found } => kv(&[
                ("position", position.to_string()),
                ("found", found.to_string()),
            ]),
            Self::BadLast(c) => kv(&[("found", c.to_string())]),
            Self::Region(code) => kv(&[("code", code.clone())]),
            Self::BirthDate(d) => kv(&[("digits", d.clone())]),
            Self::BirthYear(y) => kv(&[("year", y.to_string())]),
            Self::CheckDigit { expected, found } => kv(&[
                ("expected", expected.to_string()),
                ("found", found.to_string()),
            ]),
        }
    }
}

/// A checked 18-character ID number (the last character may be `X`).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IdNumber(String);

impl IdNumber {
    /// Checks length, digits, region, birth date and check character.
    /// Forgives spaces, full-width digits and a lowercase `x`.
    pub fn parse(input: &str) -> Result<Self, IdNumberError> {
        let s = half_width(input).to_ascii_uppercase();
        let chars: Vec<char> = s.chars().collect();
        if chars.len() != 18 {
            return Err(IdNumberError::Length(chars.len()));
        }
        if let Some((i, c)) = chars[..17]
            .iter()
            .enumerate()
            .find(|(_, c)| !c.is_ascii_digit())
        {
            return Err(IdNumberError::NotDigit {
                position: i + 1,
                found: *c,
            });
        }
        let last = chars[17];
        if !(last.is_ascii_digit() || last == 'X') {
            return Err(IdNumberError::BadLast(last));
        }
        let province: u8 = s[..2].parse().unwrap_or(0);
        if !PROVINCES.contains(&province) {
            return Err(IdNumberError::Region(s[..2].to_owned()));
        }
        let birth = &s[6..14];
        let date = CivilDate::new(
            birth[..4].parse().unwrap_or(0),
            birth[4..6].parse().unwrap_or(0),
            birth[6..].parse().unwrap_or(0),
        )
        .ok_or_else(|| IdNumberError::BirthDate(birth.to_owned()))?;
        if date.year < EARLIEST_BIRTH_YEAR {
            return Err(IdNumberError::BirthYear(date.year));
        }
        let expected = check_char(&s[..17]).unwrap_or('?');
        if expected != last {
            return Err(IdNumberError::CheckDigit {
                expected,
                found: last,
            });
        }
        Ok(Self(s))
    }

    /// The number whose first 17 digits are `first17`, with the check
    /// character they call for (for generated demo data and tests).
    pub fn complete(first17: &str) -> Result<Self, IdNumberError> {
        let check =
            check_char(first17).ok_or(IdNumberError::Length(first17.chars().count() + 1))?;
        Self::parse(&format!("{first17}{check}"))
    }

    /// Like `parse`, and the person must already be born on `today`.
    pub fn parse_on(input: &str, today: CivilDate) -> Result<Self, IdNumberError> {
        let id = Self::parse(input)?;
        if id.birth_date() > today {
            return Err(IdNumberError::BirthYear(id.birth_date().year));
        }
        Ok(id)
    }

    pub fn birth_date(&self) -> CivilDate {
        let b = &self.0[6..14];
        CivilDate::new(
            b[..4].parse().unwrap_or(1900),
            b[4..6].parse().unwrap_or(1),
            b[6..].parse().unwrap_or(1),
        )
        .unwrap_or(CivilDate {
            year: 1900,
            month: 1,
            day: 1,
        })
    }

    /// The full number; only for a deliberate reveal or a full export.
    pub fn reveal(&self) -> &str {
        &self.0
    }

    /// `610***********1234`: the province and city, and the last four.
    pub fn masked(&self) -> String {
        format!("{}{}{}", &self.0[..3], "*".repeat(11), &self.0[14..])
    }

    /// The last four characters, which people search by ("尾号").
    pub fn tail(&self) -> &str {
        &self.0[14..]
    }
}

/// The check character (ISO 7064 MOD 11-2) for 17 digits.
pub fn check_char(first17: &str) -> Option<char> {
    if first17.len() != 17 || !first17.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let sum: u32 = first17
        .bytes()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    Some(char::from(CHECK_CHARS[(sum % 11) as usize]))
}

/// A stray `{:?}` in a log shows the masked form only.
impl fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdNumber({})", self.masked())
    }
}

impl TryFrom<String> for IdNumber {
    type Error = IdNumberError;
    fn try_from(s: String) -> Result<Self, IdNumberError> {
        Self::parse(&s)
    }
}

impl From<IdNumber> for String {
    fn from(id: IdNumber) -> String {
        id.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A number with a correct check character for its first 17 digits
    /// (a wrong birth date or region is still written out, for the tests
    /// that check those are refused).
    fn valid(first17: &str) -> String {
        crate::test_fixtures::id_number(first17)
    }

    #[test]
    fn a_correct_number_parses_and_masks() {
        // The standard's own example: 11010519491231002X.
        let id = IdNumber::parse("11010519491231002x").unwrap();
        assert_eq!(id.reveal(), "11010519491231002X", "x is read as X");
        assert_eq!(id.masked(), "110***********002X");
        assert_eq!(id.birth_date(), CivilDate::new(1949, 12, 31).unwrap());
        let n = valid("61010219900307123");
        let full_width: String = n
            .chars()
            .map(|c| char::from_u32(c as u32 + 0xFEE0).unwrap())
            .collect();
        assert_eq!(
            IdNumber::parse(&format!(" {}  {} ", &full_width[..18], &full_width[18..]))
                .unwrap()
                .reveal(),
            n,
            "full-width digits and spaces, as an input method types them, are forgiven"
        );
        assert_eq!(IdNumber::parse(&n).unwrap().masked().len(), 18);
        assert!(!format!("{:?}", IdNumber::parse(&n).unwrap()).contains("19900307"));
    }

    #[test]
    fn each_mistake_names_the_wrong_position() {
        let ok = valid("61010219900307123");
        assert_eq!(IdNumber::parse(&ok[..17]), Err(IdNumberError::Length(17)));
        let mut letter = ok.clone();
        letter.replace_range(4..5, "O");
        assert_eq!(
            IdNumber::parse(&letter),
            Err(IdNumberError::NotDigit {
                position: 5,
                found: 'O'
            })
        );
        let expected = ok.chars().last().unwrap();
        let wrong = if expected == '1' { '2' } else { '1' };
        let swapped = format!("{}{wrong}", &ok[..17]);
        assert_eq!(
            IdNumber::parse(&swapped),
            Err(IdNumberError::CheckDigit {
                expected,
                found: wrong
            })
        );
        let message = IdNumber::parse(&swapped).unwrap_err().to_string();
        assert!(message.contains("第 18 位"), "{message}");
        assert_eq!(
            IdNumber::parse(&valid("61010219901307123")),
            Err(IdNumberError::BirthDate("19901307".into()))
        );
        assert_eq!(
            IdNumber::parse(&valid("61010218891231123")),
            Err(IdNumberError::BirthYear(1889))
        );
        assert_eq!(
            IdNumber::parse(&valid("99010219900307123")),
            Err(IdNumberError::Region("99".into()))
        );
        let today = CivilDate::new(2026, 12, 1).unwrap();
        assert!(IdNumber::parse_on(&valid("61010220270101123"), today).is_err());
        assert!(IdNumber::parse_on(&ok, today).is_ok());
    }

    #[test]
    fn errors_carry_what_the_message_names() {
        let e = IdNumberError::CheckDigit {
            expected: 'X',
            found: '3',
        };
        assert_eq!(e.code(), crate::ErrorCode::IdCheckDigit);
        assert_eq!(e.args()["expected"], "X");
        assert_eq!(e.args()["found"], "3");
    }
}

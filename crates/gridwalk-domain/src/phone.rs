//! Phone numbers as residents give them: an 11-digit mobile (1[3-9]…), or
//! a landline with its area code (010 / 02x take three digits, the rest
//! four; then 7–8 digits). `+86`, spaces, dashes, brackets and full-width
//! digits are forgiven; the stored form is `13812345678` or `021-12345678`.
//!
//! Sensitive like the ID number: lists and exports show `masked()`.

use crate::ErrorCode;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

use crate::field::{Explain, half_width};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("电话号码只能包含数字，第 {position} 位是“{found}”")]
    NotDigit { position: usize, found: char },
    #[error("手机号应为 11 位，现在是 {0} 位")]
    MobileLength(usize),
    #[error("手机号第 2 位应为 3–9，现在是 {0}")]
    MobilePrefix(char),
    #[error("座机号应为区号加 7–8 位号码（如 021-12345678），区号后现在是 {0} 位")]
    LandlineLength(usize),
    #[error("请写手机号（11 位）或带区号的座机号（如 021-12345678）")]
    Unknown,
}

impl Explain for PhoneError {
    fn code(&self) -> ErrorCode {
        match self {
            Self::NotDigit { .. } => ErrorCode::PhoneNotDigit,
            Self::MobileLength(_) => ErrorCode::PhoneMobileLength,
            Self::MobilePrefix(_) => ErrorCode::PhoneMobilePrefix,
            Self::LandlineLength(_) => ErrorCode::PhoneLandlineLength,
            Self::Unknown => ErrorCode::PhoneUnknown,
        }
    }

    fn args(&self) -> BTreeMap<String, String> {
        let one = |k: &str, v: String| BTreeMap::from([(k.to_owned(), v)]);
        match self {
            Self::NotDigit { position, found } => BTreeMap::from([
                ("position".to_owned(), position.to_string()),
                ("found".to_owned(), found.to_string()),
            ]),
            Self::MobileLength(n) | Self::LandlineLength(n) => one("n", n.to_string()),
            Self::MobilePrefix(c) => one("found", c.to_string()),
            Self::Unknown => BTreeMap::new(),
        }
    }
}

#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

impl Phone {
    pub fn parse(input: &str) -> Result<Self, PhoneError> {
        let cleaned: String = half_width(input)
            .chars()
            .filter(|c| !matches!(c, '-' | '(' | ')' | '（' | '）' | '.'))
            .collect();
        let digits = cleaned
            .strip_prefix("+86")
            .or_else(|| cleaned.strip_prefix("0086"))
            .unwrap_or(&cleaned);
        if let Some((i, c)) = digits
            .chars()
            .enumerate()
            .find(|(_, c)| !c.is_ascii_digit())
        {
            return Err(PhoneError::NotDigit {
                position: i + 1,
                found: c,
            });
        }
        match digits.as_bytes().first() {
            Some(b'1') => {
                if digits.len() != 11 {
                    return Err(PhoneError::MobileLength(digits.len()));
                }
                let second = char::from(digits.as_bytes()[1]);
                if !('3'..='9').contains(&second) {
                    return Err(PhoneError::MobilePrefix(second));
                }
                Ok(Self(digits.to_owned()))
            }
            Some(b'0') if digits.len() > 3 => {
                let area_len = if digits.starts_with("010") || digits.starts_with("02") {
                    3
                } else {
                    4
                };
                let local = digits.len().saturating_sub(area_len);
                if !(7..=8).contains(&local) {
                    return Err(PhoneError::LandlineLength(local));
                }
                Ok(Self(format!(
                    "{}-{}",
                    &digits[..area_len],
                    &digits[area_len..]
                )))
            }
            _ => Err(PhoneError::Unknown),
        }
    }

    /// The full number; only for a deliberate reveal or a full export.
    pub fn reveal(&self) -> &str {
        &self.0
    }

    /// `138****5678`, or `021-****5678` for a landline.
    pub fn masked(&self) -> String {
        match self.0.split_once('-') {
            Some((area, _)) => format!("{area}-****{}", self.tail()),
            None => format!("{}****{}", &self.0[..3], self.tail()),
        }
    }

    /// The last four digits ("尾号"), which people search by.
    pub fn tail(&self) -> &str {
        &self.0[self.0.len() - 4..]
    }
}

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Phone({})", self.masked())
    }
}

impl TryFrom<String> for Phone {
    type Error = PhoneError;
    fn try_from(s: String) -> Result<Self, PhoneError> {
        Self::parse(&s)
    }
}

impl From<Phone> for String {
    fn from(p: Phone) -> String {
        p.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobiles_and_landlines_parse_as_people_write_them() {
        for typed in [
            "13812345678",
            "+86 138 1234 5678",
            "138-1234-5678",
            "１３８１２３４５６７８",
        ] {
            assert_eq!(
                Phone::parse(typed).unwrap().reveal(),
                "13812345678",
                "{typed}"
            );
        }
        assert_eq!(
            Phone::parse("(021) 6123 4567").unwrap().reveal(),
            "021-61234567"
        );
        assert_eq!(
            Phone::parse("0755-1234567").unwrap().reveal(),
            "0755-1234567"
        );
        assert_eq!(
            Phone::parse("010 88886666").unwrap().reveal(),
            "010-88886666"
        );
    }

    #[test]
    fn masks_keep_the_prefix_and_the_last_four() {
        assert_eq!(Phone::parse("13812345678").unwrap().masked(), "138****5678");
        assert_eq!(
            Phone::parse("021-61234567").unwrap().masked(),
            "021-****4567"
        );
        assert_eq!(Phone::parse("13812345678").unwrap().tail(), "5678");
        assert!(!format!("{:?}", Phone::parse("13812345678").unwrap()).contains("1234"));
    }

    #[test]
    fn mistakes_say_what_is_wrong() {
        assert_eq!(
            Phone::parse("1381234567"),
            Err(PhoneError::MobileLength(10))
        );
        assert_eq!(
            Phone::parse("12812345678"),
            Err(PhoneError::MobilePrefix('2'))
        );
        assert_eq!(
            Phone::parse("138o2345678"),
            Err(PhoneError::NotDigit {
                position: 4,
                found: 'o'
            })
        );
        assert_eq!(Phone::parse("021-123"), Err(PhoneError::LandlineLength(3)));
        assert_eq!(
            Phone::parse("61234567"),
            Err(PhoneError::Unknown),
            "a landline needs its area code"
        );
    }
}

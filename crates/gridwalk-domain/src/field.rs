//! Why a typed value was refused, in a form the UI can word in either
//! language: a stable code, the values the wording needs ("the 18th digit
//! should be X"), and a Chinese message for whoever shows it unchanged.

use crate::ErrorCode;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What a parse error offers a form.
pub trait Explain: std::fmt::Display {
    /// Stable code, e.g. `id.check_digit`.
    fn code(&self) -> ErrorCode;
    /// The values the message names, e.g. `{"expected": "X", "found": "3"}`.
    fn args(&self) -> BTreeMap<String, String> {
        BTreeMap::new()
    }
}

/// One field's refusal, as it crosses to the UI. The typed text stays in
/// the form; this says what to fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// Which field: `name`, `phone`, `members.<id>.id_number` …
    pub field: String,
    pub code: ErrorCode,
    #[serde(default)]
    pub args: BTreeMap<String, String>,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, e: &impl Explain) -> Self {
        Self {
            field: field.into(),
            code: e.code(),
            args: e.args(),
            message: e.to_string(),
        }
    }
}

/// Every refused field of a form at once, so a person fixes them in one go.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, thiserror::Error)]
#[error("{}", .0.iter().map(|e| format!("{}：{}", e.field, e.message)).collect::<Vec<_>>().join("；"))]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    pub fn push(&mut self, field: impl Into<String>, e: &impl Explain) {
        self.0.push(FieldError::new(field, e));
    }

    /// Keeps the value, or records why it was refused.
    pub fn take<T, E: Explain>(&mut self, field: &str, r: Result<T, E>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.push(field, &e);
                None
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(v)` when nothing was refused.
    pub fn or<T>(self, v: impl FnOnce() -> T) -> Result<T, FieldErrors> {
        if self.0.is_empty() {
            Ok(v())
        } else {
            Err(self)
        }
    }
}

/// Text a person typed into one field: trimmed, non-empty when `required`,
/// and at most `max` characters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("请填写此项")]
    Empty,
    #[error("最多 {max} 个字，现在是 {len} 个字")]
    TooLong { max: usize, len: usize },
}

impl Explain for TextError {
    fn code(&self) -> ErrorCode {
        match self {
            Self::Empty => ErrorCode::TextEmpty,
            Self::TooLong { .. } => ErrorCode::TextTooLong,
        }
    }

    fn args(&self) -> BTreeMap<String, String> {
        match self {
            Self::Empty => BTreeMap::new(),
            Self::TooLong { max, len } => BTreeMap::from([
                ("max".into(), max.to_string()),
                ("len".into(), len.to_string()),
            ]),
        }
    }
}

pub fn text(input: &str, required: bool, max: usize) -> Result<String, TextError> {
    let t = input.trim();
    let len = t.chars().count();
    if required && len == 0 {
        return Err(TextError::Empty);
    }
    if len > max {
        return Err(TextError::TooLong { max, len });
    }
    Ok(t.to_owned())
}

/// Turns full-width digits and letters (what a Chinese input method types)
/// into ASCII, and drops spaces, so `１３８ ０013` reads as `1380013`.
pub fn half_width(input: &str) -> String {
    input
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_text_is_trimmed_and_bounded() {
        assert_eq!(text("  王芳 ", true, 10), Ok("王芳".into()));
        assert_eq!(text("   ", true, 10), Err(TextError::Empty));
        assert_eq!(text("", false, 10), Ok(String::new()));
        assert_eq!(
            text("一二三", true, 2),
            Err(TextError::TooLong { max: 2, len: 3 })
        );
        assert_eq!(half_width("１３８ ００１Ｘ"), "138001X");
    }
}

//! Report categories (井盖破损, 垃圾堆积 …). They are data, not code: every
//! community can ship its own list, so the catalogue is parsed from JSON
//! (`assets/categories.json`) and a report stores only the stable code.

use crate::ErrorCode;
use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CategoryError {
    #[error("the category list is not valid JSON: {0}")]
    BadJson(String),
    #[error("the category list is empty: add at least one category")]
    Empty,
    #[error("category code {0:?} is invalid: use 1–32 characters of a–z, 0–9 and '_'")]
    BadCode(String),
    #[error("category code {0:?} appears twice: each code must be unique")]
    Duplicate(String),
    #[error("category {0:?} has no Chinese name")]
    Unnamed(String),
    #[error("unknown category {0:?}: pick one from the list")]
    Unknown(String),
}

impl crate::field::Explain for CategoryError {
    fn code(&self) -> ErrorCode {
        ErrorCode::TermUnknown
    }
}

/// A category's stable code, e.g. `manhole_cover`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CategoryCode(String);

impl CategoryCode {
    pub fn parse(s: &str) -> Result<Self, CategoryError> {
        let ok = !s.is_empty()
            && s.len() <= 32
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(CategoryError::BadCode(s.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for CategoryCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for CategoryCode {
    type Error = CategoryError;
    fn try_from(s: String) -> Result<Self, CategoryError> {
        Self::parse(&s)
    }
}

impl From<CategoryCode> for String {
    fn from(c: CategoryCode) -> String {
        c.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    pub code: CategoryCode,
    pub zh: String,
    pub en: String,
    /// A single emoji or short glyph shown on the category button.
    #[serde(default)]
    pub icon: String,
}

impl Category {
    pub fn label(&self, english: bool) -> &str {
        if english && !self.en.is_empty() {
            &self.en
        } else {
            &self.zh
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryCatalog {
    categories: Vec<Category>,
}

impl CategoryCatalog {
    pub fn parse_json(json: &str) -> Result<Self, CategoryError> {
        let categories: Vec<Category> =
            serde_json::from_str(json).map_err(|e| CategoryError::BadJson(e.to_string()))?;
        Self::from_terms(categories)
    }

    /// A catalogue of already decoded terms, checked the same way.
    pub fn from_terms(categories: Vec<Category>) -> Result<Self, CategoryError> {
        if categories.is_empty() {
            return Err(CategoryError::Empty);
        }
        let mut seen = std::collections::BTreeSet::new();
        for c in &categories {
            if !seen.insert(c.code.as_str()) {
                return Err(CategoryError::Duplicate(c.code.as_str().to_owned()));
            }
            if c.zh.trim().is_empty() {
                return Err(CategoryError::Unnamed(c.code.as_str().to_owned()));
            }
        }
        Ok(Self { categories })
    }

    pub fn all(&self) -> &[Category] {
        &self.categories
    }

    /// The Chinese name of `code`, or the code itself when this list does
    /// not know it (a term another community added).
    pub fn zh(&self, code: &str) -> String {
        self.get(code)
            .map_or_else(|_| code.to_owned(), |c| c.zh.clone())
    }

    pub fn get(&self, code: &str) -> Result<&Category, CategoryError> {
        self.categories
            .iter()
            .find(|c| c.code.as_str() == code)
            .ok_or_else(|| CategoryError::Unknown(code.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_catalogue_and_finds_by_code() {
        let cat = CategoryCatalog::parse_json(
            r#"[{"code":"manhole_cover","zh":"井盖破损","en":"Broken manhole cover","icon":"🕳"},
                {"code":"other","zh":"其他","en":"Other"}]"#,
        )
        .unwrap();
        assert_eq!(cat.all().len(), 2);
        assert_eq!(cat.get("manhole_cover").unwrap().label(false), "井盖破损");
        assert_eq!(cat.get("other").unwrap().label(true), "Other");
        assert_eq!(cat.get("nope"), Err(CategoryError::Unknown("nope".into())));
    }

    #[test]
    fn refuses_duplicates_empty_lists_and_bad_codes() {
        let dup = r#"[{"code":"a","zh":"甲","en":"A"},{"code":"a","zh":"乙","en":"B"}]"#;
        assert_eq!(
            CategoryCatalog::parse_json(dup),
            Err(CategoryError::Duplicate("a".into()))
        );
        assert_eq!(CategoryCatalog::parse_json("[]"), Err(CategoryError::Empty));
        let bad = r#"[{"code":"Bad Code","zh":"甲","en":"A"}]"#;
        assert!(matches!(
            CategoryCatalog::parse_json(bad),
            Err(CategoryError::BadJson(_))
        ));
    }
}

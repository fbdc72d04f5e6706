//! The coded lists the archive and the needs list are written in — care
//! tags (留守儿童, 独居老人 …), how a member relates to the household, how a
//! visit was made, what a need is about. Data, not code: a community edits
//! `assets/vocabulary.json`. Records store codes; a code this list does not
//! know (another community's) is shown as it is, never refused on read.

use serde::{Deserialize, Serialize};

use crate::category::{Category, CategoryCatalog, CategoryError};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vocabulary {
    pub care_tags: CategoryCatalog,
    pub relations: CategoryCatalog,
    pub visit_methods: CategoryCatalog,
    pub need_categories: CategoryCatalog,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VocabularyError {
    #[error("the vocabulary file is not valid JSON: {0}")]
    BadJson(String),
    #[error("vocabulary list {list}: {error}")]
    List {
        list: &'static str,
        error: CategoryError,
    },
}

#[derive(Deserialize)]
struct Raw {
    care_tags: Vec<Category>,
    relations: Vec<Category>,
    visit_methods: Vec<Category>,
    need_categories: Vec<Category>,
}

impl Vocabulary {
    pub fn parse_json(json: &str) -> Result<Self, VocabularyError> {
        let raw: Raw =
            serde_json::from_str(json).map_err(|e| VocabularyError::BadJson(e.to_string()))?;
        let list = |list: &'static str, terms: Vec<Category>| {
            CategoryCatalog::from_terms(terms)
                .map_err(|error| VocabularyError::List { list, error })
        };
        Ok(Self {
            care_tags: list("care_tags", raw.care_tags)?,
            relations: list("relations", raw.relations)?,
            visit_methods: list("visit_methods", raw.visit_methods)?,
            need_categories: list("need_categories", raw.need_categories)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_with_a_duplicate_code_is_refused_by_name() {
        let json = r#"{"care_tags":[{"code":"a","zh":"甲","en":"A"},{"code":"a","zh":"乙","en":"B"}],
            "relations":[{"code":"head","zh":"户主","en":"Head"}],
            "visit_methods":[{"code":"home","zh":"入户","en":"Home"}],
            "need_categories":[{"code":"other","zh":"其他","en":"Other"}]}"#;
        assert!(matches!(
            Vocabulary::parse_json(json),
            Err(VocabularyError::List {
                list: "care_tags",
                ..
            })
        ));
    }
}

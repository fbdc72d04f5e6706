//! The lists shipped as data: report categories (`assets/categories.json`)
//! and the archive's vocabulary (`assets/vocabulary.json`). A community
//! edits the files, not the code. Parsed once; a broken file is a build
//! defect caught by the tests below, never a crash on a phone: the app then
//! falls back to a list of one "other" term.

use crate::{CategoryCatalog, Vocabulary};
use std::sync::OnceLock;

const CATEGORIES_JSON: &str = include_str!("../../../assets/categories.json");
const VOCABULARY_JSON: &str = include_str!("../../../assets/vocabulary.json");

pub fn builtin_vocabulary() -> &'static Vocabulary {
    static VOCABULARY: OnceLock<Vocabulary> = OnceLock::new();
    VOCABULARY.get_or_init(|| {
        Vocabulary::parse_json(VOCABULARY_JSON).unwrap_or_else(|_| Vocabulary {
            care_tags: fallback(),
            relations: fallback(),
            visit_methods: fallback(),
            need_categories: fallback(),
        })
    })
}

pub fn builtin_catalog() -> &'static CategoryCatalog {
    static CATALOG: OnceLock<CategoryCatalog> = OnceLock::new();
    CATALOG
        .get_or_init(|| CategoryCatalog::parse_json(CATEGORIES_JSON).unwrap_or_else(|_| fallback()))
}

fn fallback() -> CategoryCatalog {
    // Reached only if the shipped file is broken; "other" keeps reporting possible.
    CategoryCatalog::parse_json(r#"[{"code":"other","zh":"其他","en":"Other"}]"#)
        .unwrap_or_else(|_| unreachable!("the fallback literal is valid"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_vocabulary_has_what_the_archive_names() {
        let v = Vocabulary::parse_json(VOCABULARY_JSON).expect("assets/vocabulary.json");
        for zh in [
            "留守儿童",
            "独居老人",
            "空巢老人",
            "残障",
            "失独",
            "低保",
            "退役军人",
        ] {
            assert!(
                v.care_tags.all().iter().any(|c| c.zh == zh),
                "care tag {zh}"
            );
        }
        for zh in ["上学", "就业", "养老", "住房", "医疗", "其他"] {
            assert!(
                v.need_categories.all().iter().any(|c| c.zh == zh),
                "need {zh}"
            );
        }
        for zh in ["入户", "电话", "微信", "红色家书", "便民服务清单", "扫码"] {
            assert!(
                v.visit_methods.all().iter().any(|c| c.zh == zh),
                "visit method {zh}"
            );
        }
        assert!(v.relations.get(crate::household::HEAD).is_ok());
    }

    #[test]
    fn the_shipped_catalogue_parses_and_has_the_rider_categories() {
        let cat = CategoryCatalog::parse_json(CATEGORIES_JSON).expect("assets/categories.json");
        for zh in [
            "井盖破损",
            "垃圾堆积",
            "安全隐患",
            "占道经营",
            "乱贴乱画",
            "其他",
        ] {
            assert!(
                cat.all().iter().any(|c| c.zh == zh),
                "riders need the category {zh}"
            );
        }
    }
}

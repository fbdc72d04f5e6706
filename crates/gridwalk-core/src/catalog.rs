//! The category list shipped in `assets/categories.json`. It is data: a
//! community edits the file, not the code. Parsed once; a broken file is a
//! build defect caught by the test below, never a crash on a phone.

use gridwalk_domain::CategoryCatalog;
use std::sync::OnceLock;

const CATEGORIES_JSON: &str = include_str!("../../../assets/categories.json");

pub fn builtin_catalog() -> &'static CategoryCatalog {
    static CATALOG: OnceLock<CategoryCatalog> = OnceLock::new();
    CATALOG.get_or_init(|| {
        CategoryCatalog::parse_json(CATEGORIES_JSON).unwrap_or_else(|e| {
            tracing::error!("assets/categories.json is invalid: {e}");
            fallback()
        })
    })
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

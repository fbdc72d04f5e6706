//! Chinese first, English on a switch. Strings live in `assets/i18n/*.json`
//! so wording changes need no code; the choice is remembered on the device.

use leptos::prelude::*;
use std::collections::HashMap;
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

type Table = HashMap<String, String>;

fn table(lang: Lang) -> &'static Table {
    static ZH: OnceLock<Table> = OnceLock::new();
    static EN: OnceLock<Table> = OnceLock::new();
    let (cell, src) = match lang {
        Lang::Zh => (&ZH, include_str!("../../assets/i18n/zh-CN.json")),
        Lang::En => (&EN, include_str!("../../assets/i18n/en.json")),
    };
    cell.get_or_init(|| serde_json::from_str(src).unwrap_or_default())
}

/// The translation of `key`, or the key itself so a gap is visible, not blank.
pub fn text(lang: Lang, key: &str) -> String {
    table(lang)
        .get(key)
        .or_else(|| table(Lang::Zh).get(key))
        .cloned()
        .unwrap_or_else(|| key.to_owned())
}

#[derive(Debug, Clone, Copy)]
pub struct I18n {
    pub lang: RwSignal<Lang>,
}

impl I18n {
    pub fn new() -> Self {
        let saved = local_storage().and_then(|s| s.get_item("lang").ok().flatten());
        let lang = if saved.as_deref() == Some("en") {
            Lang::En
        } else {
            Lang::Zh
        };
        Self {
            lang: RwSignal::new(lang),
        }
    }

    /// Reactive: re-renders where it is read when the language changes.
    pub fn t(&self, key: &str) -> String {
        text(self.lang.get(), key)
    }

    pub fn toggle(&self) {
        let next = if self.lang.get_untracked() == Lang::Zh {
            Lang::En
        } else {
            Lang::Zh
        };
        self.lang.set(next);
        if let Some(s) = local_storage() {
            let _ = s.set_item("lang", if next == Lang::En { "en" } else { "zh" });
        }
    }

    /// A message for an error code: our wording when we have one, else the
    /// family's wording ("err.photo"), else the server's own message.
    pub fn error(&self, code: &str, message: &str) -> String {
        let lang = self.lang.get();
        let key = format!("err.{code}");
        if table(lang).contains_key(&key) {
            return text(lang, &key);
        }
        let family = format!("err.{}", code.split('.').next().unwrap_or(code));
        if table(lang).contains_key(&family) {
            return text(lang, &family);
        }
        if message.is_empty() {
            text(lang, "err.unknown")
        } else {
            message.to_owned()
        }
    }
}

impl I18n {
    /// The message for an action that needs the server now rather than at
    /// the next sync (people, exports): offline and slow say "try again",
    /// not sync's "retried automatically".
    pub fn online_error(&self, code: &str, message: &str) -> String {
        match code {
            "sync.unreachable" => self.t("online.unreachable"),
            "sync.timeout" => self.t("online.timeout"),
            _ => self.error(code, message),
        }
    }
}

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

pub fn use_i18n() -> I18n {
    expect_context::<I18n>()
}

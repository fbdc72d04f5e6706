//! Offline search for one- and two-character Chinese queries.
//!
//! SQLite's trigram tokenizer matches nothing under three characters, and
//! a `LIKE '%王%'` scan is too slow on 100,000 households. So the app
//! writes each record's search text with a space between every CJK
//! character, indexes it with FTS5's `unicode61` tokenizer, and asks for
//! the query as a phrase: `王芳` becomes the phrase "王 芳", which matches
//! exactly where the characters stand side by side — a substring match
//! for Chinese. Digits and letters stay words, and the last word of a
//! query may be cut short: `501` finds room 501, `3-2-50` the doors it
//! starts, `5678` a phone's last four. (One token per digit would make
//! every number query intersect posting lists as long as the archive.)

use gridwalk_domain::field::half_width;

/// Characters searched one by one: CJK ideographs, including the
/// supplementary planes where rare characters in names live.
fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3134F)
}

/// The tokens of `text` as the index stores them: each CJK character on
/// its own, and runs of digits and letters as words (a 户号's parts, a
/// phone's last four).
fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut Vec<String>| {
        if !word.is_empty() {
            out.push(std::mem::take(word).to_lowercase());
        }
    };
    for c in half_width(text).chars().chain(std::iter::once(' ')) {
        if is_cjk(c) {
            flush(&mut word, &mut out);
            out.push(c.to_string());
        } else if c.is_alphanumeric() {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
        }
    }
    out
}

/// The text to index for a record's search strings.
pub fn index_text(parts: &[String]) -> String {
    parts
        .iter()
        .flat_map(|p| tokens(p))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The FTS5 expression for what a person typed: each word a phrase, all
/// of them required; a Latin word at the end of a phrase may be cut short.
/// `None` when nothing searchable was typed.
pub fn match_expression(typed: &str) -> Option<String> {
    let phrases: Vec<String> = typed
        .split_whitespace()
        .filter_map(|word| {
            let t = tokens(word);
            let last_is_word = t.last()?.chars().all(|c| !is_cjk(c));
            // Tokens hold letters and digits only, so they need no escaping.
            Some(format!(
                "\"{}\"{}",
                t.join(" "),
                if last_is_word { "*" } else { "" }
            ))
        })
        .collect();
    (!phrases.is_empty()).then(|| phrases.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_and_digits_are_indexed_one_by_one() {
        assert_eq!(
            index_text(&["王芳".into(), "3-2-501".into(), "B座".into()]),
            "王 芳 3 2 501 b 座"
        );
        assert_eq!(
            index_text(&["𠀀王".into()]),
            "𠀀 王",
            "rare characters count too"
        );
    }

    #[test]
    fn queries_become_phrases() {
        assert_eq!(match_expression("王").as_deref(), Some("\"王\""));
        assert_eq!(match_expression("王芳").as_deref(), Some("\"王 芳\""));
        assert_eq!(match_expression("５６７８").as_deref(), Some("\"5678\"*"));
        assert_eq!(
            match_expression("幸福 501").as_deref(),
            Some("\"幸 福\" \"501\"*")
        );
        assert_eq!(match_expression("3-2-50").as_deref(), Some("\"3 2 50\"*"));
        assert_eq!(match_expression("zhang").as_deref(), Some("\"zhang\"*"));
        assert_eq!(
            match_expression(" \" * ").as_deref(),
            None,
            "nothing searchable"
        );
    }
}

//! Where an export lands: a new file in the person's Downloads folder (the
//! device's data folder when the system names none), written whole or not
//! at all, and never over an earlier export.

use gridwalk_domain::export::beijing_time;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Saves `text` as `<dir>/<stem>-<Beijing time>.csv` and returns the path.
/// A second export in the same second gets `-2`, `-3`, … rather than
/// replacing the first.
pub fn save_csv(dir: &Path, stem: &str, now_ms: i64, text: &str) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let stamp: String = beijing_time(now_ms)
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    // Written beside the target first, so a crash leaves no half file
    // under the name a person would open.
    let part = dir.join(format!(".{stem}-{stamp}.part"));
    let mut file = std::fs::File::create(&part)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    drop(file);
    for n in 1..1000 {
        let name = match n {
            1 => format!("{stem}-{stamp}.csv"),
            n => format!("{stem}-{stamp}-{n}.csv"),
        };
        let path = dir.join(name);
        // hard_link fails if the name is taken: no window in which an
        // earlier export could be replaced.
        match std::fs::hard_link(&part, &path) {
            Ok(()) => {
                std::fs::remove_file(&part)?;
                return Ok(path);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => {
                let _ = std::fs::remove_file(&part);
                return Err(e);
            }
        }
    }
    let _ = std::fs::remove_file(&part);
    Err(std::io::Error::other(
        "too many exports in one second: wait a moment and export again",
    ))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn exports_get_a_beijing_time_name_and_never_replace_an_earlier_one() {
        let dir = tempfile::tempdir().unwrap();
        let at = 1_764_077_628_000; // 2025-11-25 21:33:48 in Beijing
        let first = save_csv(dir.path(), "随手拍导出", at, "first").unwrap();
        let second = save_csv(dir.path(), "随手拍导出", at, "second").unwrap();
        assert_eq!(first.file_name().unwrap(), "随手拍导出-20251125213348.csv");
        assert_eq!(
            second.file_name().unwrap(),
            "随手拍导出-20251125213348-2.csv"
        );
        assert_eq!(std::fs::read_to_string(&first).unwrap(), "first");
        assert_eq!(std::fs::read_to_string(&second).unwrap(), "second");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 2, "no .part file is left behind: {names:?}");
    }
}

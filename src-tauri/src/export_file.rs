//! Where an export lands: a new file in the person's Downloads folder (the
//! device's data folder when the system names none), written whole or not
//! at all, and never over an earlier export.

use gridwalk_domain::export::beijing_time;
use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

/// Names tried for one export before giving up.
const MAX_NAMES: u32 = 1000;

/// Saves `bytes` as `<dir>/<stem>-<Beijing time>.<extension>` and returns
/// the path. A second export in the same second gets `-2`, `-3`, … rather
/// than replacing the first.
pub fn save_file(
    dir: &Path,
    stem: &str,
    extension: &str,
    now_ms: i64,
    bytes: &[u8],
) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let stamp: String = beijing_time(now_ms)
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    // Written under a hidden name of its own first, so a crash or a full
    // disk leaves no half file under a name a person would open.
    let (part, mut file) = create_new(|n| dir.join(format!(".{stem}-{stamp}-{n}.part")))?;
    let written = file.write_all(bytes).and_then(|()| file.sync_all());
    drop(file);
    let result = written.and_then(|()| publish(&part, dir, stem, extension, &stamp));
    // Gone in every case: linked under its final name, or failed.
    let _ = std::fs::remove_file(&part);
    result
}

/// The first name from `name(1)`, `name(2)`, … that does not exist yet,
/// created empty.
fn create_new(name: impl Fn(u32) -> PathBuf) -> std::io::Result<(PathBuf, File)> {
    for n in 1..=MAX_NAMES {
        let path = name(n);
        match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(f) => return Ok((path, f)),
            Err(e) if e.kind() == ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other(
        "too many exports in one second: wait a moment and export again",
    ))
}

/// Gives the finished file its final name without ever replacing one.
fn publish(
    part: &Path,
    dir: &Path,
    stem: &str,
    extension: &str,
    stamp: &str,
) -> std::io::Result<PathBuf> {
    let name = |n: u32| match n {
        1 => dir.join(format!("{stem}-{stamp}.{extension}")),
        n => dir.join(format!("{stem}-{stamp}-{n}.{extension}")),
    };
    for n in 1..=MAX_NAMES {
        let path = name(n);
        // A hard link fails if the name is taken: no moment in which an
        // earlier export could be replaced.
        match std::fs::hard_link(part, &path) {
            Ok(()) => return Ok(path),
            Err(e) if e.kind() == ErrorKind::AlreadyExists => continue,
            // FAT, exFAT and some shares have no hard links: copy into a
            // name created new instead.
            Err(_) => {
                let (path, file) = create_new(|m| name(n + m - 1))?;
                let copied = std::fs::copy(part, &path).and_then(|_| file.sync_all());
                if let Err(e) = copied {
                    let _ = std::fs::remove_file(&path);
                    return Err(e);
                }
                return Ok(path);
            }
        }
    }
    Err(std::io::Error::other(
        "too many exports in one second: wait a moment and export again",
    ))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn exports_get_a_beijing_time_name_and_never_replace_an_earlier_one() {
        let dir = tempfile::tempdir().unwrap();
        let at = 1_764_077_628_000; // 2025-11-25 21:33:48 in Beijing
        let first = save_file(dir.path(), "随手拍导出", "csv", at, b"first").unwrap();
        let second = save_file(dir.path(), "随手拍导出", "csv", at, b"second").unwrap();
        assert_eq!(first.file_name().unwrap(), "随手拍导出-20251125213348.csv");
        assert_eq!(
            second.file_name().unwrap(),
            "随手拍导出-20251125213348-2.csv"
        );
        assert_eq!(std::fs::read_to_string(&first).unwrap(), "first");
        assert_eq!(std::fs::read_to_string(&second).unwrap(), "second");
        assert_eq!(
            names(dir.path()).len(),
            2,
            "no .part file is left behind: {:?}",
            names(dir.path())
        );
    }

    #[test]
    fn two_exports_at_once_each_get_their_own_whole_file() {
        let dir = tempfile::tempdir().unwrap();
        let texts: Vec<String> = (0..8).map(|i| format!("{i}").repeat(100_000)).collect();
        let saved: Vec<PathBuf> = std::thread::scope(|s| {
            let handles: Vec<_> = texts
                .iter()
                .map(|t| s.spawn(|| save_file(dir.path(), "导出", "csv", 0, t.as_bytes()).unwrap()))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for (path, text) in saved.iter().zip(&texts) {
            assert_eq!(
                &std::fs::read_to_string(path).unwrap(),
                text,
                "{} holds exactly its own export",
                path.display()
            );
        }
        assert_eq!(names(dir.path()).len(), 8, "{:?}", names(dir.path()));
    }

    #[test]
    fn a_folder_that_cannot_be_written_fails_and_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let blocked = dir.path().join("not-a-folder");
        std::fs::write(&blocked, "a file where the folder should be").unwrap();
        assert!(save_file(&blocked, "导出", "pdf", 0, b"x").is_err());
        assert_eq!(names(dir.path()), ["not-a-folder"]);
    }
}

//! Replays, on stable, every input the fuzzer ever found troublesome
//! (`sync-server/fuzz/regressions/`) and the seed corpus: each must be
//! answered, Ok or a rejection, without a panic.

use gridwalk_sync_server::validate::{check_request, decode_change_hash};
use std::path::Path;

fn inputs(dir: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz").join(dir);
    let mut out: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().is_some_and(|n| n != "README.md"))
        .map(|p| (p.display().to_string(), std::fs::read(&p).unwrap()))
        .collect();
    out.sort();
    out
}

#[test]
fn every_kept_fuzz_input_is_answered_without_a_panic() {
    for (name, bytes) in inputs("regressions").into_iter().chain(inputs("seeds")) {
        let _ = check_request(&bytes);
        let _ = decode_change_hash(&bytes);
        eprintln!("replayed {name}");
    }
}

#[test]
fn the_seed_request_is_valid_so_the_fuzzer_starts_from_real_input() {
    let seeds = inputs("seeds");
    let (_, valid) = seeds
        .iter()
        .find(|(n, _)| n.ends_with("valid_request.json"))
        .unwrap();
    let (req, checked) = check_request(valid).expect("the seed is a valid request");
    assert_eq!((req.changes.len(), checked.len()), (1, 1));
    // The same request in the app's binary body, so the fuzzer starts
    // from both encodings.
    let (_, binary) = seeds
        .iter()
        .find(|(n, _)| n.ends_with("valid_request.bin"))
        .unwrap();
    let (same, _) = check_request(binary).expect("the binary seed is a valid request");
    assert_eq!(same, req, "both seeds carry the same request");
}

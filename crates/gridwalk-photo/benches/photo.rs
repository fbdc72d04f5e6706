//! Photo pipeline figures on the real phone photos in ../shared/testdata:
//! time per photo, output sizes, and the process's peak memory. A
//! measurement that prints, not a pass/fail test.
//!
//!     cargo bench -p gridwalk-core --bench photo

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use gridwalk_photo::process_photo;
use std::time::Instant;

const RUNS: u32 = 5;

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn main() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/testdata/photos/phone");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| {
            panic!(
                "{}: {e} (../shared/testdata must sit beside the repo)",
                dir.display()
            )
        })
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    println!("photo pipeline, {RUNS} runs per photo");
    for path in files {
        let original = std::fs::read(&path).unwrap();
        let mut best = f64::MAX;
        let mut total = 0.0;
        let mut out = None;
        for _ in 0..RUNS {
            let started = Instant::now();
            let p = process_photo(&original).expect("phone photos process");
            let ms = started.elapsed().as_secs_f64() * 1000.0;
            best = best.min(ms);
            total += ms;
            out = Some(p);
        }
        let p = out.unwrap();
        println!(
            "  {:<24} {:>5} KB in -> {}x{} {:>4} KB + thumb {:>3} KB | best {:.0} ms, mean {:.0} ms",
            path.file_name().unwrap().to_string_lossy(),
            original.len() / 1024,
            p.width,
            p.height,
            p.full.len() / 1024,
            p.thumb.len() / 1024,
            best,
            total / f64::from(RUNS),
        );
    }
    println!("  peak memory of this process: {:.1} MiB", peak_rss_mib());
}

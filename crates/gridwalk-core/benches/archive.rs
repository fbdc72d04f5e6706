//! The archive at community scale, on a real SQLite file (WAL,
//! `synchronous=FULL`, as the app runs it): how fast a roster imports into
//! the device store, and how fast search answers on 100,000 households —
//! one- and two-character names, 户号, phone and ID tails. Prints figures;
//! a measurement, not a pass/fail test.
//!
//!     cargo bench -p gridwalk-core --bench archive
//!     GRIDWALK_BENCH_HOUSEHOLDS=20000 cargo bench -p gridwalk-core --bench archive

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use gridwalk_core::Store;
use gridwalk_core::account::DeviceToken;
use gridwalk_core::archive::import::Roster;
use gridwalk_domain::directory::Me;
use gridwalk_domain::ipc::archive::HouseholdQuery;
use gridwalk_domain::sync_state::SyncStatus;
use gridwalk_domain::{GridId, Role, UserId};
use std::fmt::Write as _;
use std::time::{Duration, Instant};

const NOW: i64 = 1_790_000_000_000;
/// Households per roster file: what one community office imports at once.
const PER_FILE: usize = 10_000;
const SURNAMES: &str =
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕";
const GIVEN: &str = "秀英桂兰建国志强丽娟明华晓燕子涵浩然雨轩梓萱国庆淑芬玉兰海燕德胜春梅文博思琪";

fn env_or(key: &str, default: usize) -> usize {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A small fixed-seed generator, so every run searches the same archive.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick(&mut self, s: &str) -> char {
        let chars: Vec<char> = s.chars().collect();
        chars[(self.next() % chars.len() as u64) as usize]
    }
}

/// Roster `file` as CSV: `PER_FILE` households of 1–4 members, one row each.
fn roster(file: usize, rng: &mut Rng) -> (String, usize) {
    let mut csv = String::from("小区,户号,姓名,与户主关系,联系电话\r\n");
    let mut members = 0;
    for h in 0..PER_FILE {
        let n = file * PER_FILE + h;
        let estate = format!("第{}小区", n / 5000 + 1);
        let door = format!(
            "{}-{}-{}",
            n % 5000 / 100 + 1,
            n % 100 / 50 + 1,
            101 + n % 50
        );
        let surname = rng.pick(SURNAMES);
        for m in 0..(1 + rng.next() % 4) {
            let name = format!("{surname}{}{}", rng.pick(GIVEN), rng.pick(GIVEN));
            let relation = if m == 0 { "户主" } else { "子女" };
            let phone = format!("13{}{:08}", 5 + rng.next() % 5, rng.next() % 100_000_000);
            let _ = write!(csv, "{estate},{door},{name},{relation},{phone}\r\n");
            members += 1;
        }
    }
    (csv, members)
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn main() {
    let total = env_or("GRIDWALK_BENCH_HOUSEHOLDS", 100_000);
    let dir = tempfile::tempdir().unwrap();
    // GRIDWALK_BENCH_KEEP=<folder> keeps the store there, to look into.
    let folder =
        std::env::var("GRIDWALK_BENCH_KEEP").map_or_else(|_| dir.path().to_owned(), Into::into);
    let mut store = Store::open(&folder.join("device.sqlite")).unwrap();
    let me = Me {
        user: UserId::from_random_bytes([7; 16]),
        name: "网格员".into(),
        role: Role::GridWorker,
        nodes: Vec::new(),
        grids: vec![GridId::parse("bench-grid").unwrap()],
        people: Vec::new(),
    };
    store
        .bind(&DeviceToken::parse("gwd_bench").unwrap(), &me)
        .unwrap();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);

    println!("gridwalk archive on one device (SQLite WAL, synchronous=FULL)");
    let mut import_time = Duration::ZERO;
    let mut imported = 0;
    let mut members = 0;
    let mut per_file = Vec::new();
    for file in 0..total.div_ceil(PER_FILE) {
        let (csv, m) = roster(file, &mut rng);
        let started = Instant::now();
        let parsed = Roster::read(csv.as_bytes()).unwrap();
        let done = store.import(&parsed, NOW).unwrap();
        let took = started.elapsed();
        assert_eq!(
            done.households as usize, PER_FILE,
            "every household imported"
        );
        if file == 0 {
            println!(
                "  import          first file: {PER_FILE} households, {m} members in {:.0} ms: {:.0} households/s (read, check, write, project, index)",
                took.as_secs_f64() * 1000.0,
                PER_FILE as f64 / took.as_secs_f64()
            );
        }
        per_file.push(took);
        import_time += took;
        imported += done.households as usize;
        members += m;
    }
    println!(
        "  archive         {imported} households, {members} members; all imports {:.1} s ({:.0} households/s)",
        import_time.as_secs_f64(),
        imported as f64 / import_time.as_secs_f64()
    );
    per_file.sort();
    let rate = |d: Duration| PER_FILE as f64 / d.as_secs_f64();
    println!(
        "  import          each file into the growing store: median {:.0} households/s, slowest {:.0}",
        rate(per_file[per_file.len() / 2]),
        rate(per_file[per_file.len() - 1])
    );
    let size = std::fs::metadata(folder.join("device.sqlite")).map_or(0, |m| m.len());
    println!(
        "  store           {:.0} MiB on disk",
        size as f64 / 1024.0 / 1024.0
    );

    let status = SyncStatus::default();
    let mut queries: Vec<String> = Vec::new();
    for _ in 0..100 {
        queries.push(rng.pick(SURNAMES).to_string());
        queries.push(format!("{}{}", rng.pick(SURNAMES), rng.pick(GIVEN)));
        queries.push(format!("{:04}", rng.next() % 10_000));
        queries.push(format!(
            "{}-{}-{}",
            1 + rng.next() % 50,
            1 + rng.next() % 2,
            101 + rng.next() % 50
        ));
    }
    let mut by_sort: Vec<(&str, Vec<Duration>, usize)> = vec![
        ("one character (王)", Vec::new(), 0),
        ("two characters", Vec::new(), 0),
        ("phone tail", Vec::new(), 0),
        ("户号", Vec::new(), 0),
    ];
    let mut all = Vec::new();
    for (i, q) in queries.iter().enumerate() {
        let query = HouseholdQuery {
            search: q.clone(),
            ..Default::default()
        };
        let started = Instant::now();
        let rows = store.households(&query, &status).unwrap();
        let took = started.elapsed();
        let sort = &mut by_sort[i % 4];
        sort.1.push(took);
        sort.2 += rows.len();
        all.push(took);
    }
    println!(
        "  search          {} queries, each the whole list call (match, page of ≤200, rows decoded):",
        queries.len()
    );
    for (name, mut times, rows) in by_sort {
        times.sort();
        println!(
            "    {name:<20} p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms, {:.0} rows on average",
            percentile(&times, 0.5),
            percentile(&times, 0.95),
            percentile(&times, 1.0),
            rows as f64 / times.len() as f64
        );
    }
    all.sort();
    println!(
        "    all                  p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms",
        percentile(&all, 0.5),
        percentile(&all, 0.95),
        percentile(&all, 0.99)
    );
}

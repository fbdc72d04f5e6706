//! Runs the official stack's harness (`../shared/peers/automerge-repo`,
//! `run.sh N`) and reads its JSON lines, one per phase — or reads lines
//! it printed before (`GRIDWALK_PEER_LINES`, e.g. the committed
//! `peer-results/`), because at N = 10,000 it runs for many minutes.

use serde_json::Value;
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

/// The peer's figures for one phase, as it printed them.
#[derive(Debug, Clone, Default)]
pub struct PeerPhase {
    pub wall_ms: Option<f64>,
    pub create_local_ms: Option<f64>,
    pub acked_ms: Option<f64>,
    /// Client A and B wire bytes: (sent, received).
    pub a: (u64, u64),
    pub b: (u64, u64),
    pub cpu_s: f64,
    pub peak_mib: f64,
    /// Whether every document or change arrived.
    pub finished: bool,
    /// What happened, when not.
    pub outcome: String,
}

fn bytes(v: &Value, who: &str) -> (u64, u64) {
    let b = &v[format!("client_{who}_bytes")];
    (
        b["wireSent"].as_u64().unwrap_or(0),
        b["wireRecv"].as_u64().unwrap_or(0),
    )
}

fn phase(v: &Value) -> PeerPhase {
    let name = v["phase"].as_str().unwrap_or_default();
    let n = |k: &str| v[k].as_u64().unwrap_or(0);
    let (finished, outcome) = match name {
        "1_upload" => (
            n("not_acked") == 0,
            format!("{} of {} not acknowledged", n("not_acked"), n("docs")),
        ),
        "2_initial_sync" => (
            n("failed") == 0 && n("loaded") == n("docs"),
            format!(
                "{} of {} documents loaded, {} failed",
                n("loaded"),
                n("docs"),
                n("failed")
            ),
        ),
        _ => (
            v["b_saw_all"].as_bool() == Some(true),
            "B did not see every edit".to_owned(),
        ),
    };
    PeerPhase {
        wall_ms: v["wall_ms"].as_f64(),
        create_local_ms: v["create_local_ms"].as_f64(),
        acked_ms: v["a_acked_ms"].as_f64(),
        a: bytes(v, "a"),
        b: bytes(v, "b"),
        cpu_s: v["server_cpu_s"].as_f64().unwrap_or(0.0),
        peak_mib: v["server_hwm_mib"].as_f64().unwrap_or(0.0),
        finished,
        outcome,
    }
}

/// One run of the harness: its phases by name.
pub type Run = HashMap<String, PeerPhase>;

/// The runs for `n` in lines the harness printed before, one after another;
/// a run ends where a phase it already has comes again.
pub fn from_lines(text: &str, n: usize) -> Vec<Run> {
    let mut runs: Vec<Run> = Vec::new();
    let phases = text
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["N"].as_u64() == Some(n as u64));
    for v in phases {
        let Some(name) = v["phase"].as_str().filter(|p| *p != "versions") else {
            continue;
        };
        if runs.last().is_none_or(|r| r.contains_key(name)) {
            runs.push(Run::new());
        }
        if let Some(run) = runs.last_mut() {
            run.insert(name.to_owned(), phase(&v));
        }
    }
    runs
}

/// Per phase, the figures of the run with the median wall time among the
/// runs that finished it (the peer's phase 3 varies by 3× between runs on
/// this machine), and a line saying what each run measured.
pub fn median(runs: &[Run]) -> (Run, String) {
    let mut out = Run::new();
    let mut said = Vec::new();
    for name in ["1_upload", "2_initial_sync", "3_update_1pct"] {
        let mut seen: Vec<&PeerPhase> = runs.iter().filter_map(|r| r.get(name)).collect();
        let walls: Vec<String> = seen
            .iter()
            .map(|p| p.wall_ms.map_or("–".into(), |w| format!("{w:.0}")))
            .collect();
        said.push(format!("{name} {} ms", walls.join(" / ")));
        seen.sort_by(|a, b| {
            (!a.finished, a.wall_ms.unwrap_or(f64::MAX))
                .partial_cmp(&(!b.finished, b.wall_ms.unwrap_or(f64::MAX)))
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        let finished = seen.iter().filter(|p| p.finished).count();
        let pick = if finished > 0 { finished / 2 } else { 0 };
        if let Some(p) = seen.get(pick) {
            out.insert(name.to_owned(), (*p).clone());
        }
    }
    let line = format!(
        "Official stack: {} run(s), the median run's figures per phase; wall per run: {}.\n\n",
        runs.len(),
        said.join("; ")
    );
    (out, line)
}

/// The peer's phases for `n` documents, keyed `1_upload`, `2_initial_sync`,
/// `3_update_1pct`; an error says why it did not run.
pub fn run(dir: &Path, n: usize, timeout_ms: u64) -> Result<Run, String> {
    let script = dir.join("run.sh");
    if !script.exists() {
        return Err(format!(
            "{} is missing: set GRIDWALK_PEER_DIR to the peer harness",
            script.display()
        ));
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| e.to_string())?
        .port();
    let mut child = Command::new("bash")
        .arg(&script)
        .arg(n.to_string())
        .env("PORT", port.to_string())
        .env("PHASE_TIMEOUT_MS", timeout_ms.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot start the peer: {e}"))?;
    let mut phases = HashMap::new();
    let out = child.stdout.take().ok_or("no peer stdout")?;
    for line in BufReader::new(out).lines() {
        let Ok(line) = line else { break };
        let Ok(v) = serde_json::from_str::<Value>(&line) else {
            continue;
        };
        if let Some(name) = v["phase"].as_str().filter(|p| *p != "versions") {
            eprintln!("  peer {name}: {line}");
            phases.insert(name.to_owned(), phase(&v));
        }
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    if phases.is_empty() {
        return Err(format!("the peer printed no phase ({status})"));
    }
    Ok(phases)
}

//! Runs the official stack's harness (`../shared/peers/automerge-repo`,
//! `run.sh N`) and reads its JSON lines, one per phase.

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
    /// Whether every document or change arrived within the harness's timeout.
    pub finished: bool,
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
    let finished = match name {
        "1_upload" => v["not_acked"].as_u64() == Some(0),
        "2_initial_sync" => v["failed"].as_u64() == Some(0) && v["loaded"] == v["docs"],
        _ => v["b_saw_all"].as_bool() == Some(true),
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
    }
}

/// The peer's phases for `n` documents, keyed `1_upload`, `2_initial_sync`,
/// `3_update_1pct`; an error says why it did not run.
pub fn run(dir: &Path, n: usize, timeout_ms: u64) -> Result<HashMap<String, PeerPhase>, String> {
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

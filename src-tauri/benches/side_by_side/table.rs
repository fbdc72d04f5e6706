//! The one table: per phase, Gridwalk beside the peer with the ratio per
//! cell, then the targets checked against the figures.

use std::collections::HashMap;
use std::fmt::Write as _;

use crate::peer::PeerPhase;
use crate::wire_meter::Bytes;

#[derive(Debug, Clone, Default)]
pub struct Phase {
    pub wall_ms: f64,
    pub create_local_ms: Option<f64>,
    /// Device A's and B's bytes on the wire in this phase.
    pub a: Bytes,
    pub b: Bytes,
    pub cpu_s: f64,
    pub peak_mib: f64,
    /// Until the server acknowledged A's edits.
    pub acked_ms: Option<f64>,
}

#[derive(Debug, Clone)]
pub struct Gridwalk {
    pub n: usize,
    pub upload: Phase,
    pub initial: Phase,
    pub update: Phase,
    pub changed: usize,
    /// What the office's initial sync delivered: changes and their bytes.
    pub delivered_changes: u64,
    pub delivered_bytes: u64,
}

fn thousands(v: f64) -> String {
    let s = format!("{:.0}", v.round());
    let (sign, digits) = s.strip_prefix('-').map_or(("", s.as_str()), |d| ("-", d));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    format!("{sign}{out}")
}

fn num(v: f64) -> String {
    if v.abs() < 10.0 && v.fract() != 0.0 {
        format!("{v:.2}")
    } else {
        thousands(v)
    }
}

struct Rows<'a> {
    out: String,
    finished: &'a dyn Fn(&str) -> bool,
    outcome: &'a dyn Fn(&str) -> String,
}

impl Rows<'_> {
    fn row(&mut self, phase: &str, figure: &str, ours: f64, peer: Option<f64>, peer_phase: &str) {
        let (theirs, ratio) = match peer {
            Some(p) if (self.finished)(peer_phase) => (
                num(p),
                if p > 0.0 {
                    format!("{:.3}", ours / p)
                } else {
                    "–".into()
                },
            ),
            Some(p) => (
                format!(
                    "{} — did not finish: {}",
                    num(p),
                    (self.outcome)(peer_phase)
                ),
                "–".into(),
            ),
            None => ("–".into(), "–".into()),
        };
        let _ = writeln!(
            self.out,
            "| {phase} | {figure} | {} | {theirs} | {ratio} |",
            num(ours)
        );
    }
}

/// The markdown table and target lines for one N.
pub fn render(g: &Gridwalk, peer: &HashMap<String, PeerPhase>) -> String {
    let p1 = peer.get("1_upload");
    let p2 = peer.get("2_initial_sync");
    let p3 = peer.get("3_update_1pct");
    let finished = |name: &str| peer.get(name).is_some_and(|p| p.finished);
    let outcome = |name: &str| {
        peer.get(name)
            .map(|p| p.outcome.clone())
            .unwrap_or_default()
    };
    let mut r = Rows {
        out: String::new(),
        finished: &finished,
        outcome: &outcome,
    };
    let _ = writeln!(
        r.out,
        "\n### N = {} households\n\nGridwalk: {} records ({} households and {} visits as their own records), {} changes of {} bytes in all. Peer: {} documents with the visits inside.\n",
        thousands(g.n as f64),
        thousands((4 * g.n) as f64),
        thousands(g.n as f64),
        thousands((3 * g.n) as f64),
        thousands(g.delivered_changes as f64),
        thousands(g.delivered_bytes as f64),
        thousands(g.n as f64),
    );
    let _ = writeln!(
        r.out,
        "| phase | figure | Gridwalk | official stack | Gridwalk / official |\n|---|---|---|---|---|"
    );
    let (u, i, e) = (&g.upload, &g.initial, &g.update);
    let create = u.create_local_ms.unwrap_or(0.0);
    let edit_local = e.create_local_ms.unwrap_or(0.0);
    let peer_create = p1.and_then(|p| p.create_local_ms).unwrap_or(0.0);
    let wall = |p: Option<&PeerPhase>| p.and_then(|p| p.wall_ms);
    let per = |b: Bytes| b.both() as f64 / g.changed.max(1) as f64;
    let peer_per = |b: (u64, u64)| (b.0 + b.1) as f64 / g.changed.max(1) as f64;
    let (k1, k2, k3) = ("1_upload", "2_initial_sync", "3_update_1pct");
    // (phase, figure, Gridwalk, peer, the peer's phase); one line each.
    #[rustfmt::skip]
    let rows: Vec<(&str, &str, f64, Option<f64>, &str)> = vec![
        ("1 upload", "wall, sync only (ms)", u.wall_ms - create, wall(p1).map(|w| w - peer_create), k1),
        ("", "local create (ms)", create, p1.and_then(|p| p.create_local_ms), k1),
        ("", "wall with create (ms)", u.wall_ms, wall(p1), k1),
        ("", "A bytes up", u.a.up as f64, p1.map(|p| p.a.0 as f64), k1),
        ("", "A bytes down", u.a.down as f64, p1.map(|p| p.a.1 as f64), k1),
        ("", "server CPU (s)", u.cpu_s, p1.map(|p| p.cpu_s), k1),
        ("", "server peak RSS (MiB)", u.peak_mib, p1.map(|p| p.peak_mib), k1),
        ("2 initial sync", "wall (ms)", i.wall_ms, wall(p2), k2),
        ("", "B bytes up", i.b.up as f64, p2.map(|p| p.b.0 as f64), k2),
        ("", "B bytes down", i.b.down as f64, p2.map(|p| p.b.1 as f64), k2),
        ("", "server CPU (s)", i.cpu_s, p2.map(|p| p.cpu_s), k2),
        ("", "server peak RSS (MiB)", i.peak_mib, p2.map(|p| p.peak_mib), k2),
        ("3 edit 1 %", "wall, sync only: edits stored → B has them (ms)", e.wall_ms - edit_local, wall(p3), k3),
        ("", "A acknowledged, sync only (ms)", e.acked_ms.unwrap_or(0.0) - edit_local, p3.and_then(|p| p.acked_ms), k3),
        ("", "edits stored on A, fsync'd (ms)", edit_local, None, k3),
        ("", "wall with the edits (ms)", e.wall_ms, wall(p3), k3),
        ("", "A bytes up", e.a.up as f64, p3.map(|p| p.a.0 as f64), k3),
        ("", "A bytes down", e.a.down as f64, p3.map(|p| p.a.1 as f64), k3),
        ("", "B bytes up", e.b.up as f64, p3.map(|p| p.b.0 as f64), k3),
        ("", "B bytes down", e.b.down as f64, p3.map(|p| p.b.1 as f64), k3),
        ("", "A bytes per edited record, both ways", per(e.a), p3.map(|p| peer_per(p.a)), k3),
        ("", "B bytes per edited record, both ways", per(e.b), p3.map(|p| peer_per(p.b)), k3),
        ("", "server CPU (s)", e.cpu_s, p3.map(|p| p.cpu_s), k3),
        ("", "server peak RSS (MiB)", e.peak_mib, p3.map(|p| p.peak_mib), k3),
    ];
    for (phase, figure, ours, peer, key) in rows {
        r.row(phase, figure, ours, peer, key);
    }

    let mut out = r.out;
    let check = |ok: bool| if ok { "met" } else { "MISSED" };
    let _ = writeln!(out, "\nTargets:\n");
    let (a_per, b_per) = (per(e.a), per(e.b));
    let _ = writeln!(
        out,
        "- one-field edit ≤ 150 bytes per record both ways, one round trip: A {a_per:.0}, B {b_per:.0} — {}",
        check(a_per <= 150.0 && b_per <= 150.0)
    );
    let moved = i.b.both() as f64 / g.delivered_bytes.max(1) as f64;
    let _ = writeln!(
        out,
        "- initial sync moves ≤ 1.5× the change bytes it delivers: {moved:.2}× — {}",
        check(moved <= 1.5)
    );
    #[rustfmt::skip]
    let phases = [
        ("1 upload (sync only)", u.a.both() + u.b.both(), u.wall_ms - create, p1, wall(p1).map(|w| w - peer_create), k1),
        ("2 initial sync", i.a.both() + i.b.both(), i.wall_ms, p2, wall(p2), k2),
        ("3 edit 1 % (sync only)", e.a.both() + e.b.both(), e.wall_ms - edit_local, p3, wall(p3), k3),
    ];
    for (name, bytes, wall, theirs, their_wall, key) in phases {
        let (Some(p), Some(pw)) = (theirs, their_wall) else {
            let _ = writeln!(out, "- {name}: no peer figures");
            continue;
        };
        let their_bytes = (p.a.0 + p.a.1 + p.b.0 + p.b.1) as f64;
        let fewer = their_bytes / bytes.max(1) as f64;
        let faster = pw / wall.max(0.001);
        if !finished(key) {
            let _ = writeln!(
                out,
                "- {name}: the official stack did not finish it ({}); Gridwalk did, in {} ms",
                outcome(key),
                num(wall)
            );
            continue;
        }
        let _ = writeln!(
            out,
            "- {name}: {fewer:.1}× fewer bytes (≥ 5), {faster:.1}× less time (≥ 10) — {}",
            check(fewer >= 5.0 && faster >= 10.0)
        );
    }
    out
}

//! A long run of cross-grid and wrong-role reads and writes, each with a
//! valid token: no forbidden write is stored, no pull carries a record its
//! reader may not see — and the allowed ones still work, so a server that
//! refused everything would fail too. On both backends.
//!
//! The expectations come from the rules as the issue states them, written
//! out here independently of the server's policy code.

use gridwalk_domain::sync::WireChange;
use gridwalk_domain::{DeviceId, DocId, Role};
use reqwest::StatusCode;
use serde_json::json;
use std::collections::BTreeSet;

use gridwalk_sync_server::auth::rate_limit::RateLimit;

use crate::support::{Backend, Doc, PEOPLE, World, grids_of, role_of, world_with};

const KINDS: [&str; 5] = ["report", "need", "work_order", "household", "visit"];
const ATTEMPTS: usize = 300;

struct Record {
    doc: Doc,
    kind: &'static str,
    grid: &'static str,
    maker: &'static str,
}

/// Who makes each seeded record: someone allowed to.
fn maker(kind: &str, grid: &str) -> &'static str {
    match (kind, grid) {
        ("report", "g3") => "worker3",
        ("report", "g2") => "rider2",
        ("report", _) => "rider1",
        ("work_order", "g3") => "office2",
        ("work_order", _) => "office1",
        (_, "g1") => "worker1",
        (_, "g2") => "worker2",
        _ => "worker3",
    }
}

/// May `who` receive this record? As the issue puts it.
fn may_see(who: &str, r: &Record) -> bool {
    let in_grid = grids_of(who).iter().any(|g| g.as_str() == r.grid);
    match role_of(who) {
        // No record of this seed is a published wish.
        Role::Reporter | Role::Volunteer => r.kind == "report" && r.maker == who,
        Role::Department => in_grid && r.kind == "work_order",
        Role::GridWorker | Role::Office | Role::Admin => in_grid,
    }
}

async fn seed(w: &World) -> Vec<Record> {
    let mut records = Vec::new();
    for grid in ["g1", "g2", "g3"] {
        for kind in KINDS {
            let body = if kind == "work_order" {
                json!({"title": format!("{grid} 工单"), "assignees": [w.users["dept1"].to_string()], "events": []})
            } else {
                json!({"description": format!("{grid} {kind} 隐私内容")})
            };
            let maker = maker(kind, grid);
            let (doc, change) = Doc::create(w.device(maker), kind, grid, body);
            w.sync(maker, 0, vec![change]).await;
            records.push(Record {
                doc,
                kind,
                grid,
                maker,
            });
        }
    }
    records
}

/// A small deterministic generator, so a failure replays exactly.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.next() % items.len()]
    }
}

/// One forbidden write for `who` on their device `by`, if their role has
/// one of this sort.
fn forbidden_write(
    rng: &mut Rng,
    who: &str,
    by: DeviceId,
    records: &mut [Record],
) -> Option<(WireChange, &'static str)> {
    let mine: BTreeSet<String> = grids_of(who).iter().map(|g| g.to_string()).collect();
    let role = role_of(who);
    let foreign: Vec<usize> = (0..records.len())
        .filter(|&i| !mine.contains(records[i].grid))
        .collect();
    let local: Vec<usize> = (0..records.len())
        .filter(|&i| mine.contains(records[i].grid))
        .collect();
    match rng.next() % 6 {
        // Create anything in a grid that is not theirs.
        0 if role != Role::Admin => {
            let grid = *rng.pick(
                &["g1", "g2", "g3"]
                    .into_iter()
                    .filter(|g| !mine.contains(*g))
                    .collect::<Vec<_>>(),
            );
            let kind = *rng.pick(&KINDS);
            Some((
                Doc::create(by, kind, grid, json!({"x": 1})).1,
                "create in a foreign grid",
            ))
        }
        // Edit a record in a grid that is not theirs.
        1 if !foreign.is_empty() => {
            let r = &mut records[*rng.pick(&foreign)];
            Some((
                r.doc.fork().edit(by, "description", "篡改"),
                "edit in a foreign grid",
            ))
        }
        // Create a kind their role may not create, in their own grid.
        2 if matches!(role, Role::Reporter | Role::Department) => {
            let kind = *rng.pick(&["need", "work_order", "household", "visit"]);
            let grid = mine.iter().next()?.clone();
            Some((
                Doc::create(by, kind, &grid, json!({"x": 1})).1,
                "create a kind the role may not",
            ))
        }
        // Change someone else's record the role may not touch.
        3 if matches!(role, Role::Reporter | Role::Department) => {
            let targets: Vec<usize> = local
                .iter()
                .copied()
                .filter(|&i| {
                    records[i].maker != who
                        && !(role == Role::Department && records[i].kind == "work_order")
                })
                .collect();
            let r = &mut records[*rng.pick(&targets)];
            Some((
                r.doc.fork().edit(by, "description", "篡改"),
                "change a record the role may not",
            ))
        }
        // Move a work order's status without being its office or assignee.
        4 if role == Role::GridWorker => {
            let targets: Vec<usize> = local
                .iter()
                .copied()
                .filter(|&i| records[i].kind == "work_order")
                .collect();
            let r = &mut records[*rng.pick(&targets)];
            Some((
                r.doc.fork().push_to_list(by, "events", "accepted"),
                "move a status not assigned to them",
            ))
        }
        // Change a record's kind.
        5 if !local.is_empty() => {
            let r = &mut records[*rng.pick(&local)];
            let other = if r.kind == "household" {
                "report"
            } else {
                "household"
            };
            Some((
                r.doc.fork().edit(by, "/kind", other),
                "change a record's kind",
            ))
        }
        _ => None,
    }
}

async fn check_reads(w: &World, records: &[Record]) {
    for (who, ..) in PEOPLE {
        let got: BTreeSet<DocId> = w.pull_all(who).await.iter().map(|c| c.doc).collect();
        let expected: BTreeSet<DocId> = records
            .iter()
            .filter(|r| may_see(who, r))
            .map(|r| r.doc.id)
            .collect();
        let leaked: Vec<_> = got.difference(&expected).collect();
        assert!(
            leaked.is_empty(),
            "{who} ({:?}) received records they may not see: {leaked:?}",
            w.backend
        );
        assert_eq!(
            got, expected,
            "{who} ({:?}) misses records they may see",
            w.backend
        );
    }
}

#[tokio::test]
async fn no_cross_grid_or_wrong_role_read_or_write_is_accepted() {
    for backend in Backend::ALL {
        // Hundreds of requests in a second: not what the rate limit is for.
        let w = world_with(backend, |c| {
            c.rate_limit = RateLimit {
                per_second: 1e6,
                burst: 1e6,
            }
        })
        .await;
        let mut records = seed(&w).await;
        check_reads(&w, &records).await;
        let stored = w.server.storage().change_count().unwrap();

        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut tried = 0;
        let mut sorts = BTreeSet::new();
        while tried < ATTEMPTS {
            let who = rng.pick(&PEOPLE).0;
            let Some((change, sort)) = forbidden_write(&mut rng, who, w.device(who), &mut records)
            else {
                continue;
            };
            let (status, body) = w.post(who, 0, vec![change]).await;
            assert_eq!(
                status,
                StatusCode::FORBIDDEN,
                "{who} tried to {sort} ({backend:?}): {body}"
            );
            let code = body["code"].as_str().unwrap_or_default();
            assert!(
                code.starts_with("auth."),
                "{who} tried to {sort}: a specific code, got {body}"
            );
            assert!(
                !body.to_string().contains("隐私内容"),
                "a refusal carries no record content: {body}"
            );
            tried += 1;
            sorts.insert(sort);
        }
        assert_eq!(
            sorts.len(),
            6,
            "every sort of forbidden write was tried: {sorts:?}"
        );
        assert_eq!(
            w.server.storage().change_count().unwrap(),
            stored,
            "no refused change was stored ({backend:?})"
        );

        // A forbidden change takes its allowed neighbours down with it.
        let own = records.iter_mut().find(|r| r.maker == "rider1").unwrap();
        let rider = w.device("rider1");
        let allowed = own.doc.edit(rider, "description", "补充：井盖已被围挡");
        let foreign = Doc::create(rider, "report", "g3", json!({})).1;
        let (status, _) = w.post("rider1", 0, vec![allowed.clone(), foreign]).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(w.server.storage().change_count().unwrap(), stored);

        // And the allowed writes still go through.
        w.sync("rider1", 0, vec![allowed]).await;
        let order = records
            .iter_mut()
            .find(|r| r.kind == "work_order" && r.grid == "g1")
            .unwrap();
        w.sync(
            "dept1",
            0,
            vec![
                order
                    .doc
                    .push_to_list(w.device("dept1"), "events", "accepted"),
            ],
        )
        .await;
        let household = records
            .iter_mut()
            .find(|r| r.kind == "household" && r.grid == "g1")
            .unwrap();
        w.sync(
            "office1",
            0,
            vec![
                household
                    .doc
                    .edit(w.device("office1"), "description", "已更新"),
            ],
        )
        .await;
        assert_eq!(w.server.storage().change_count().unwrap(), stored + 3);
        check_reads(&w, &records).await;

        let rejected = w.server.storage().audit_entries(0, 100_000).unwrap();
        let rejected = rejected
            .iter()
            .filter(|e| e.action == "write.rejected")
            .count();
        assert!(
            rejected > ATTEMPTS,
            "every rejected write is in the audit log ({rejected})"
        );
        w.server.shutdown().await;
    }
}

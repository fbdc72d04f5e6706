//! A work order's event list on several offline devices: each appends
//! steps, they merge with each other in any order, and in the end every
//! device holds every step and derives the same state.

use automerge::AutoCommit;
use gridwalk_domain::access::Role;
use gridwalk_domain::ids::{DocId, EventId, GridId, UserId};
use gridwalk_domain::work_order::{
    Assignee, Channel, Clock, OrderClass, OrderEvent, OrderSource, ResponsePolicy, Step, WorkOrder,
};
use proptest::prelude::*;
use std::collections::BTreeSet;

use crate::{create, edit, read};

const PEOPLE: [(u8, &str, Role); 4] = [
    (1, "社区办", Role::Office),
    (2, "王芳", Role::GridWorker),
    (3, "李明", Role::GridWorker),
    (4, "城管科", Role::Department),
];

fn assignee(i: usize) -> Assignee {
    let (n, name, role) = PEOPLE[i];
    Assignee {
        user: UserId::from_random_bytes([n; 16]),
        name: name.into(),
        role,
    }
}

fn step(kind: u8, other: usize) -> Step {
    match kind % 10 {
        0 => Step::Dispatched {
            to: assignee(other),
        },
        1 => Step::Transferred {
            to: assignee(other),
            note: "转派".into(),
        },
        2 => Step::Accepted,
        3 => Step::OnSite,
        4 => Step::Resolved {
            note: "已办结".into(),
            photos: vec![],
        },
        5 => Step::Rated {
            stars: 1 + kind % 5,
            comment: String::new(),
        },
        6 => Step::Reopened {
            reason: "不满意".into(),
        },
        7 => Step::Rejected {
            reason: "退回".into(),
        },
        8 => Step::Seconded { photos: vec![] },
        _ => Step::Planned {
            note: "方案".into(),
        },
    }
}

#[derive(Debug, Clone)]
enum Op {
    /// Device `device` appends a step by person `by`, `at` minutes in.
    Append {
        device: usize,
        by: usize,
        kind: u8,
        other: usize,
        at: i64,
    },
    /// Device `to` receives everything device `from` has.
    Sync { from: usize, to: usize },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0usize..4, 0usize..4, any::<u8>(), 0usize..4, 0i64..60).prop_map(
            |(device, by, kind, other, at)| Op::Append {
                device,
                by,
                kind,
                other,
                at
            }
        ),
        (0usize..4, 0usize..4).prop_map(|(from, to)| Op::Sync { from, to }),
    ]
}

fn order() -> WorkOrder {
    WorkOrder {
        id: DocId::from_random_bytes([5; 16]),
        scope: GridId::parse("g1").unwrap(),
        source: OrderSource::Office {
            channel: Channel::Hotline,
        },
        category: gridwalk_domain::CategoryCode::parse("garbage").unwrap(),
        class: OrderClass::Ordinary,
        description: "垃圾堆积".into(),
        place: String::new(),
        location: None,
        photos: vec![],
        created_by: "社区办".into(),
        created_at_ms: 0,
        policy: ResponsePolicy::preset_1341(),
        assignees: vec![],
        events: vec![],
        wish: false,
    }
}

fn device(i: usize) -> gridwalk_domain::DeviceId {
    gridwalk_domain::DeviceId::from_random_bytes([10 + i as u8; 16])
}

fn converge(devices: usize, ops: &[Op]) -> Result<(), TestCaseError> {
    let (first, change) = create(&device(0), &order(), None, 0).unwrap();
    let mut docs: Vec<AutoCommit> = (0..devices)
        .map(|i| {
            if i == 0 {
                first.clone()
            } else {
                let mut d = AutoCommit::new();
                d.apply_changes([change.clone()]).unwrap();
                d
            }
        })
        .collect();
    let mut made = BTreeSet::new();
    for (n, op) in ops.iter().enumerate() {
        match *op {
            Op::Append {
                device: d,
                by,
                kind,
                other,
                at,
            } => {
                let d = d % devices;
                let mut body: WorkOrder = read(&docs[d], "order").unwrap();
                let (u, name, role) = PEOPLE[by];
                let id = EventId::from_random_bytes([n as u8 + 1; 16]);
                body.events.push(OrderEvent {
                    id,
                    step: step(kind, other),
                    by: name.into(),
                    by_user: UserId::from_random_bytes([u; 16]),
                    role,
                    at_ms: at * 60_000,
                    clock: Clock::Server,
                });
                edit(&mut docs[d], &device(d), &body, None, at * 60_000).unwrap();
                made.insert(id);
            }
            Op::Sync { from, to } => {
                let (from, to) = (from % devices, to % devices);
                if from != to {
                    let mut source = docs[from].clone();
                    docs[to].merge(&mut source).unwrap();
                }
            }
        }
    }
    // Everyone meets everyone at last.
    for a in 0..devices {
        for b in 0..devices {
            if a != b {
                let mut source = docs[b].clone();
                docs[a].merge(&mut source).unwrap();
            }
        }
    }
    let bodies: Vec<WorkOrder> = docs.iter().map(|d| read(d, "order").unwrap()).collect();
    for (i, body) in bodies.iter().enumerate() {
        let ids: BTreeSet<EventId> = body.events.iter().map(|e| e.id).collect();
        prop_assert_eq!(&ids, &made, "device {} holds every step once", i);
        prop_assert_eq!(
            body.events.len(),
            made.len(),
            "no step twice on device {}",
            i
        );
        prop_assert_eq!(
            body.state(),
            bodies[0].state(),
            "device {} derives the same state",
            i
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn offline_devices_that_merge_in_any_order_hold_every_step_and_agree(
        devices in 2usize..=4,
        ops in prop::collection::vec(op(), 1..40),
    ) {
        converge(devices, &ops)?;
    }
}

//! The state function over every order of events, concurrent ones
//! included, and deadlines under both preset policies.

use super::policy::{PolicyError, deadlines};
use super::state::{ConflictKind, derive};
use super::*;
use crate::access::Role;

const MIN: i64 = 60_000;
const T0: i64 = 1_790_000_000_000;

#[derive(Clone, Copy)]
struct Who(u8, &'static str, Role);

const OFFICE: Who = Who(1, "社区办", Role::Office);
const WANG: Who = Who(2, "王芳", Role::GridWorker);
const LI: Who = Who(3, "李明", Role::GridWorker);
const DEPT: Who = Who(4, "城管科", Role::Department);

impl Who {
    fn assignee(self) -> Assignee {
        Assignee {
            user: UserId::from_random_bytes([self.0; 16]),
            name: self.1.into(),
            role: self.2,
        }
    }
}

/// Event number `n` (its id), `step` by `who` at `min` minutes past T0 on
/// a checked clock.
fn ev(n: u8, who: Who, min: i64, step: Step) -> OrderEvent {
    OrderEvent {
        id: EventId::from_random_bytes([n; 16]),
        step,
        by: who.1.into(),
        by_user: UserId::from_random_bytes([who.0; 16]),
        role: who.2,
        at_ms: T0 + min * MIN,
        clock: Clock::Server,
    }
}

fn submitted() -> OrderEvent {
    ev(0, WANG, 0, Step::Submitted)
}

fn resolved() -> Step {
    Step::Resolved {
        note: "已修复".into(),
        photos: vec![],
    }
}

fn state_of(events: &[OrderEvent]) -> OrderState {
    derive(OrderClass::Ordinary, T0, events)
}

fn settle(set_aside: &OrderEvent, n: u8) -> OrderEvent {
    ev(
        n,
        OFFICE,
        90,
        Step::Settled {
            set_aside: set_aside.id,
        },
    )
}

#[test]
fn the_whole_loop_in_order_ends_rated_and_on_time_under_1341() {
    let events = vec![
        submitted(),
        ev(
            1,
            OFFICE,
            2,
            Step::Dispatched {
                to: WANG.assignee(),
            },
        ),
        ev(2, WANG, 3, Step::Accepted),
        ev(3, WANG, 12, Step::OnSite),
        ev(4, WANG, 25, resolved()),
        ev(
            5,
            WANG,
            26,
            Step::Rated {
                stars: 5,
                comment: "满意".into(),
            },
        ),
    ];
    let s = state_of(&events);
    assert_eq!(s.stage, Stage::Rated);
    assert_eq!(s.assignee, Some(WANG.assignee()));
    assert_eq!(s.rating.unwrap().stars, 5);
    assert!(s.conflicts.is_empty());
    let d = deadlines(
        &s.timing,
        s.class,
        &ResponsePolicy::preset_1341(),
        T0 + 60 * MIN,
    );
    let status: Vec<_> = d.iter().map(|d| (d.milestone, d.status)).collect();
    assert_eq!(
        status,
        [
            (Milestone::OnSite, DeadlineStatus::OnTime),
            (Milestone::Resolve, DeadlineStatus::OnTime)
        ]
    );
}

#[test]
fn the_order_of_the_list_never_changes_the_state() {
    // Concurrent steps from three devices, as any merge might list them.
    let events = vec![
        submitted(),
        ev(
            1,
            OFFICE,
            2,
            Step::Dispatched {
                to: DEPT.assignee(),
            },
        ),
        ev(2, WANG, 3, Step::Accepted),
        ev(3, LI, 3, Step::Accepted),
        ev(
            4,
            DEPT,
            5,
            Step::Rejected {
                reason: "不属本科".into(),
            },
        ),
        ev(5, WANG, 9, resolved()),
        ev(6, OFFICE, 9, Step::Seconded { photos: vec![] }),
    ];
    let expected = state_of(&events);
    let mut count = 0;
    permutations(&events, &mut |p| {
        count += 1;
        assert_eq!(state_of(p), expected, "the same events in another order");
    });
    assert_eq!(count, 5040);
}

fn permutations(items: &[OrderEvent], f: &mut impl FnMut(&[OrderEvent])) {
    fn go(v: &mut Vec<OrderEvent>, k: usize, f: &mut impl FnMut(&[OrderEvent])) {
        if k == v.len() {
            return f(v);
        }
        for i in k..v.len() {
            v.swap(k, i);
            go(v, k + 1, f);
            v.swap(k, i);
        }
    }
    go(&mut items.to_vec(), 0, f);
}

#[test]
fn two_people_who_accept_offline_are_both_kept_until_the_office_picks_one() {
    let wang = ev(1, WANG, 5, Step::Accepted);
    let li = ev(2, LI, 6, Step::Accepted);
    let both = vec![submitted(), wang.clone(), li.clone()];
    let s = state_of(&both);
    assert_eq!(
        s.assignee,
        Some(WANG.assignee()),
        "the first acceptance leads"
    );
    assert_eq!(
        s.conflicts,
        [OrderConflict {
            kind: ConflictKind::TwoHolders,
            first: wang.id,
            second: li.id
        }]
    );
    let mut keep_li = both.clone();
    keep_li.push(settle(&wang, 3));
    let s = state_of(&keep_li);
    assert_eq!(s.assignee, Some(LI.assignee()));
    assert!(s.conflicts.is_empty(), "settled");
    let mut keep_wang = both.clone();
    keep_wang.push(settle(&li, 3));
    assert_eq!(state_of(&keep_wang).assignee, Some(WANG.assignee()));
    let mut by_worker = both;
    by_worker.push(ev(3, LI, 90, Step::Settled { set_aside: wang.id }));
    assert_eq!(
        state_of(&by_worker).conflicts.len(),
        1,
        "only the office settles"
    );
}

#[test]
fn a_resolve_made_offline_before_a_dispatch_arrives_is_kept() {
    let fixed = ev(1, WANG, 10, resolved());
    let late = ev(
        2,
        OFFICE,
        20,
        Step::Dispatched {
            to: DEPT.assignee(),
        },
    );
    let s = state_of(&[submitted(), fixed.clone(), late.clone()]);
    assert_eq!(
        s.stage,
        Stage::Resolved,
        "the dispatch does not undo the fix"
    );
    assert_eq!(s.resolution.unwrap().by, "王芳");
    assert_eq!(
        s.conflicts,
        [OrderConflict {
            kind: ConflictKind::AfterEnd,
            first: fixed.id,
            second: late.id
        }]
    );
    // Resolved by a worker after a dispatch to a department they had not
    // seen: solved, and the office hears of it.
    let early = ev(
        2,
        OFFICE,
        5,
        Step::Dispatched {
            to: DEPT.assignee(),
        },
    );
    let s = state_of(&[submitted(), early.clone(), fixed.clone()]);
    assert_eq!(s.stage, Stage::Resolved);
    assert_eq!(s.conflicts[0].kind, ConflictKind::TwoHolders);
    assert_eq!(
        (s.conflicts[0].first, s.conflicts[0].second),
        (early.id, fixed.id)
    );
}

#[test]
fn a_rejected_or_transferred_order_keeps_everyone_it_was_with() {
    let s = state_of(&[
        submitted(),
        ev(
            1,
            OFFICE,
            1,
            Step::Dispatched {
                to: DEPT.assignee(),
            },
        ),
        ev(
            2,
            DEPT,
            2,
            Step::Rejected {
                reason: "不属本科".into(),
            },
        ),
    ]);
    assert_eq!(s.stage, Stage::Submitted, "back with the office");
    assert_eq!(s.assignee, None);
    assert_eq!(
        s.holders,
        [DEPT.assignee()],
        "the department still sees it passed through"
    );
    assert_eq!(s.rejections[0].reason, "不属本科");

    let s = state_of(&[
        submitted(),
        ev(
            1,
            OFFICE,
            1,
            Step::Dispatched {
                to: WANG.assignee(),
            },
        ),
        ev(2, WANG, 2, Step::Accepted),
        ev(
            3,
            WANG,
            3,
            Step::Transferred {
                to: DEPT.assignee(),
                note: "需要执法".into(),
            },
        ),
    ]);
    assert_eq!(
        (s.stage, s.assignee.clone()),
        (Stage::Dispatched, Some(DEPT.assignee()))
    );
    assert_eq!(s.holders, [WANG.assignee(), DEPT.assignee()]);
}

#[test]
fn steps_a_role_may_not_take_or_that_make_no_sense_change_nothing() {
    let base = vec![submitted()];
    let skipped = [
        ev(1, WANG, 1, Step::Dispatched { to: LI.assignee() }),
        ev(1, WANG, 1, Step::Cancelled { reason: "x".into() }),
        ev(1, WANG, 1, Step::Published),
        ev(
            1,
            WANG,
            1,
            Step::Reclassified {
                class: OrderClass::Special,
            },
        ),
        ev(
            1,
            WANG,
            1,
            Step::Rated {
                stars: 5,
                comment: String::new(),
            },
        ),
        ev(1, DEPT, 1, Step::Claimed),
        ev(1, DEPT, 1, Step::Rejected { reason: "x".into() }),
        ev(
            1,
            DEPT,
            1,
            Step::Transferred {
                to: LI.assignee(),
                note: String::new(),
            },
        ),
    ];
    let before = state_of(&base);
    for e in skipped {
        let mut events = base.clone();
        events.push(e.clone());
        assert_eq!(state_of(&events), before, "{:?} by {:?}", e.step, e.role);
    }
    for stars in [0, 6] {
        let s = state_of(&[
            submitted(),
            ev(1, WANG, 1, resolved()),
            ev(
                2,
                WANG,
                2,
                Step::Rated {
                    stars,
                    comment: String::new(),
                },
            ),
        ]);
        assert_eq!(
            (s.stage, s.rating),
            (Stage::Resolved, None),
            "{stars} stars"
        );
    }
    let closed = ev(
        1,
        OFFICE,
        1,
        Step::Duplicate {
            of: DocId::from_random_bytes([9; 16]),
        },
    );
    let s = state_of(&[
        submitted(),
        closed,
        ev(2, WANG, 2, Step::Reopened { reason: "x".into() }),
    ]);
    assert_eq!(
        s.stage,
        Stage::Closed,
        "only the office reopens a closed order"
    );
}

#[test]
fn a_reopened_order_must_be_resolved_again_and_its_old_rating_goes() {
    let mut events = vec![
        submitted(),
        ev(1, WANG, 1, Step::Accepted),
        ev(2, WANG, 10, resolved()),
        ev(
            3,
            WANG,
            11,
            Step::Rated {
                stars: 2,
                comment: "没修好".into(),
            },
        ),
        ev(
            4,
            OFFICE,
            12,
            Step::Reopened {
                reason: "居民不满意".into(),
            },
        ),
    ];
    let s = state_of(&events);
    assert_eq!(
        (s.stage, s.reopened, s.rating.clone()),
        (Stage::Accepted, 1, None)
    );
    let policy = ResponsePolicy::preset_1341();
    let resolve = |s: &OrderState, now| {
        deadlines(&s.timing, s.class, &policy, now)
            .into_iter()
            .find(|d| d.milestone == Milestone::Resolve)
            .unwrap()
    };
    assert_eq!(resolve(&s, T0 + 40 * MIN).status, DeadlineStatus::Overdue);
    events.push(ev(5, WANG, 50, resolved()));
    let s = state_of(&events);
    assert_eq!(resolve(&s, T0 + 60 * MIN).status, DeadlineStatus::Late);
}

#[test]
fn a_wish_is_claimed_once_published_and_a_second_claim_is_a_conflict() {
    let volunteer = Who(5, "志愿者小张", Role::GridWorker);
    let s = state_of(&[
        submitted(),
        ev(1, OFFICE, 1, Step::Published),
        ev(2, volunteer, 2, Step::Claimed),
        ev(3, LI, 3, Step::Claimed),
    ]);
    assert!(s.published);
    assert_eq!(
        (s.stage, s.assignee.clone()),
        (Stage::Accepted, Some(volunteer.assignee()))
    );
    assert_eq!(s.conflicts.len(), 1);
}

#[test]
fn a_submitting_clock_that_runs_ahead_cannot_push_the_deadlines_later() {
    let mut ahead = ev(0, WANG, 120, Step::Submitted);
    ahead.clock = Clock::Device;
    let s = state_of(&[
        ahead,
        ev(1, OFFICE, 10, Step::Dispatched { to: LI.assignee() }),
    ]);
    assert_eq!(
        s.timing.start_ms,
        T0 + 10 * MIN,
        "no later than the first checked step"
    );
}

/// Steps the exhaustive run draws from: every step kind, by the roles that
/// take it and by some that may not.
fn alphabet() -> Vec<(Who, Step)> {
    let other = DocId::from_random_bytes([8; 16]);
    vec![
        (OFFICE, Step::Published),
        (
            OFFICE,
            Step::Dispatched {
                to: WANG.assignee(),
            },
        ),
        (
            OFFICE,
            Step::Dispatched {
                to: DEPT.assignee(),
            },
        ),
        (
            WANG,
            Step::Transferred {
                to: DEPT.assignee(),
                note: String::new(),
            },
        ),
        (WANG, Step::Accepted),
        (LI, Step::Accepted),
        (DEPT, Step::Claimed),
        (WANG, Step::OnSite),
        (
            DEPT,
            Step::Planned {
                note: "方案".into(),
            },
        ),
        (WANG, resolved()),
        (DEPT, resolved()),
        (
            WANG,
            Step::Rated {
                stars: 4,
                comment: String::new(),
            },
        ),
        (
            OFFICE,
            Step::Reopened {
                reason: String::new(),
            },
        ),
        (
            DEPT,
            Step::Rejected {
                reason: String::new(),
            },
        ),
        (OFFICE, Step::Duplicate { of: other }),
        (
            OFFICE,
            Step::Cancelled {
                reason: String::new(),
            },
        ),
        (LI, Step::Seconded { photos: vec![] }),
        (
            OFFICE,
            Step::Reclassified {
                class: OrderClass::Complex,
            },
        ),
    ]
}

fn check_invariants(events: &[OrderEvent]) {
    let s = state_of(events);
    let mut reversed = events.to_vec();
    reversed.reverse();
    assert_eq!(state_of(&reversed), s, "list order matters for {events:?}");
    if let Some(a) = &s.assignee {
        assert!(s.holders.contains(a), "the assignee is among the holders");
    }
    if matches!(s.stage, Stage::Resolved | Stage::Rated) {
        assert!(s.resolution.is_some() && s.timing.reached(Milestone::Resolve).is_some());
    }
    if s.stage == Stage::Rated {
        assert!(s.rating.is_some(), "{events:?}");
    }
    assert_eq!(s.stage == Stage::Closed, s.timing.stopped, "{events:?}");
    let ids: Vec<EventId> = events.iter().map(|e| e.id).collect();
    for c in &s.conflicts {
        assert!(ids.contains(&c.first) && ids.contains(&c.second));
    }
    // Setting aside the second step of each conflict settles them all.
    let mut settled = events.to_vec();
    for round in 0..events.len() {
        let open = state_of(&settled).conflicts;
        let Some(c) = open.first() else { break };
        let n = 200 + round as u8;
        settled.push(OrderEvent {
            id: EventId::from_random_bytes([n; 16]),
            ..ev(
                n,
                OFFICE,
                1_000,
                Step::Settled {
                    set_aside: c.second,
                },
            )
        });
    }
    assert!(
        state_of(&settled).conflicts.is_empty(),
        "conflicts settle: {events:?}"
    );
}

#[test]
fn every_sequence_of_up_to_four_steps_keeps_the_invariants() {
    let alphabet = alphabet();
    let n = alphabet.len();
    let mut checked = 0;
    for len in 0..=4u32 {
        for code in 0..n.pow(len) {
            let mut events = vec![submitted()];
            let mut c = code;
            for i in 0..len as usize {
                let (who, step) = alphabet[c % n].clone();
                c /= n;
                // Neighbours share a minute now and then: ties break by id.
                events.push(ev(i as u8 + 1, who, (i as i64 + 1) / 2, step));
            }
            check_invariants(&events);
            checked += 1;
        }
    }
    assert_eq!(checked, 1 + 18 + 18 * 18 + 18usize.pow(3) + 18usize.pow(4));
}

#[test]
fn deadlines_under_both_presets_for_every_class_and_milestone() {
    for policy in ResponsePolicy::presets() {
        assert_eq!(policy.check(), Ok(()));
        for class in OrderClass::ALL {
            let bound = policy.for_class(class);
            assert!(!bound.is_empty(), "{} binds {class}", policy.name);
            for (milestone, within) in bound {
                let due = T0 + i64::from(within) * MIN;
                let find = |timing: &Timing, now: i64| {
                    deadlines(timing, class, &policy, now)
                        .into_iter()
                        .find(|d| d.milestone == milestone)
                };
                let at = |at_ms: i64, clock: Clock| Timing {
                    start_ms: T0,
                    start_clock: Some(Clock::Server),
                    reached: vec![policy::Reached {
                        milestone,
                        at_ms,
                        clock,
                    }],
                    stopped: false,
                };
                let open = Timing {
                    start_ms: T0,
                    start_clock: Some(Clock::Server),
                    ..Timing::default()
                };
                let label = format!("{} {class} {milestone}", policy.name);
                assert_eq!(
                    find(&open, due - MIN).unwrap().status,
                    DeadlineStatus::Pending,
                    "{label}"
                );
                assert_eq!(
                    find(&open, due - MIN).unwrap().left_ms(due - MIN),
                    Some(MIN)
                );
                assert_eq!(
                    find(&open, due + 1).unwrap().status,
                    DeadlineStatus::Overdue,
                    "{label}"
                );
                assert_eq!(
                    find(&at(due, Clock::Server), due).unwrap().status,
                    DeadlineStatus::OnTime
                );
                assert_eq!(
                    find(&at(due + 1, Clock::Server), due).unwrap().status,
                    DeadlineStatus::Late
                );
                assert_eq!(
                    find(&at(T0 + MIN, Clock::Device), due).unwrap().status,
                    DeadlineStatus::Unverified,
                    "{label}: an unchecked clock never counts as kept"
                );
                assert_eq!(
                    find(&at(T0 - MIN, Clock::Server), due).unwrap().status,
                    DeadlineStatus::Unverified,
                    "{label}: reached before it was submitted"
                );
                let stopped = Timing {
                    stopped: true,
                    ..open.clone()
                };
                assert_eq!(
                    find(&stopped, due + 1),
                    None,
                    "{label}: a closed order runs no clock"
                );
            }
        }
    }
    let p = ResponsePolicy::preset_1341();
    let on_site = |class| p.for_class(class)[0];
    assert_eq!(on_site(OrderClass::Special), (Milestone::OnSite, 15));
    assert_eq!(
        p.for_class(OrderClass::Complex)[1],
        (Milestone::Resolve, 240)
    );
    assert_eq!(p.for_class(OrderClass::Special)[1], (Milestone::Plan, 1440));
    let p = ResponsePolicy::preset_54321();
    assert_eq!(
        p.for_class(OrderClass::Complex),
        [
            (Milestone::Accept, 5),
            (Milestone::OnSite, 40),
            (Milestone::Resolve, 2880)
        ]
    );
}

#[test]
fn an_edited_policy_is_checked() {
    let mut p = ResponsePolicy::preset_1341();
    p.commitments[0].within_min = 0;
    assert_eq!(p.check(), Err(PolicyError::Minutes));
    let mut p = ResponsePolicy::preset_1341();
    p.commitments.push(p.commitments[1].clone());
    assert_eq!(
        p.check(),
        Err(PolicyError::Twice(Milestone::Resolve, OrderClass::Ordinary))
    );
    let mut p = ResponsePolicy::preset_1341();
    p.name = " ".into();
    assert_eq!(p.check(), Err(PolicyError::Name));
    p.name = "本社区".into();
    p.commitments[0].classes.clear();
    assert_eq!(p.check(), Err(PolicyError::NoClass));
}

#[test]
fn an_event_reads_back_from_json_with_its_step_beside_its_author() {
    let e = ev(
        1,
        OFFICE,
        1,
        Step::Dispatched {
            to: DEPT.assignee(),
        },
    );
    let json = serde_json::to_value(&e).unwrap();
    assert_eq!(json["step"], "dispatched");
    assert_eq!(json["to"]["name"], "城管科");
    assert_eq!(serde_json::from_value::<OrderEvent>(json).unwrap(), e);
}

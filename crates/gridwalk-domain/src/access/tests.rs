use super::*;

fn path(p: &str) -> FieldPath {
    p.split('.').map(str::to_owned).collect()
}

struct Case {
    role: Role,
    kind: DocKind,
    creating: bool,
    own: bool,
    assignee: bool,
    wish: bool,
    touched: &'static [&'static str],
}

fn case(role: Role, kind: DocKind) -> Case {
    Case {
        role,
        kind,
        creating: false,
        own: false,
        assignee: false,
        wish: false,
        touched: &["body.description"],
    }
}

impl Case {
    fn creating(mut self) -> Self {
        self.creating = true;
        self.touched = &["kind", "schema", "body"];
        self
    }
    fn own(mut self) -> Self {
        self.own = true;
        self
    }
    fn assignee(mut self) -> Self {
        self.assignee = true;
        self
    }
    fn wish(mut self) -> Self {
        self.wish = true;
        self
    }
    fn touching(mut self, touched: &'static [&'static str]) -> Self {
        self.touched = touched;
        self
    }
    fn check(&self, in_scope: bool) -> Result<(), Denied> {
        let touched: Vec<FieldPath> = self.touched.iter().map(|p| path(p)).collect();
        check_write(&WriteAttempt {
            role: self.role,
            kind: self.kind,
            grid: "grid-a",
            in_scope,
            creating: self.creating,
            own: self.own,
            assignee: self.assignee,
            wish: self.wish,
            touched: &touched,
        })
    }
}

use DocKind::*;
use Role::*;

#[test]
fn nothing_is_written_outside_ones_grids_whatever_the_role() {
    for role in Role::ALL {
        for kind in DocKind::ALL {
            assert_eq!(
                case(role, kind).creating().check(false),
                Err(Denied::OutOfScope("grid-a".into())),
                "{role} creating a {kind} outside their grids must be refused"
            );
        }
    }
}

#[test]
fn riders_create_reports_and_add_only_to_their_own() {
    assert_eq!(case(Reporter, Report).creating().check(true), Ok(()));
    assert_eq!(case(Reporter, Report).own().check(true), Ok(()));
    assert_eq!(
        case(Reporter, Report).check(true),
        Err(Denied::NotYourReport)
    );
    for kind in [Need, WorkOrder, Household, Visit] {
        assert_eq!(
            case(Reporter, kind).creating().check(true),
            Err(Denied::MayNotCreate {
                role: Reporter,
                kind
            }),
            "a rider must not create a {kind}"
        );
    }
}

#[test]
fn only_office_and_grid_workers_touch_households() {
    for role in [GridWorker, Office, Admin] {
        assert_eq!(case(role, Household).creating().check(true), Ok(()));
        assert_eq!(case(role, Household).check(true), Ok(()));
    }
    for role in [Reporter, Department] {
        assert_eq!(
            case(role, Household).check(true),
            Err(Denied::MayNotChange {
                role,
                kind: Household
            })
        );
    }
}

#[test]
fn work_order_status_moves_only_by_office_or_assignees() {
    let status = &["body.events"][..];
    assert_eq!(case(Office, WorkOrder).touching(status).check(true), Ok(()));
    assert_eq!(
        case(Department, WorkOrder)
            .assignee()
            .touching(status)
            .check(true),
        Ok(()),
        "an assigned department accepts and completes its order"
    );
    assert_eq!(
        case(GridWorker, WorkOrder).touching(status).check(true),
        Err(Denied::StatusNotYours),
        "a grid worker who is not assigned must not move the status"
    );
    assert_eq!(
        case(Department, WorkOrder).check(true),
        Err(Denied::MayNotChange {
            role: Department,
            kind: WorkOrder
        })
    );
    assert_eq!(
        case(GridWorker, WorkOrder)
            .assignee()
            .touching(&["body.assignees"])
            .check(true),
        Err(Denied::AssignNotYours),
        "dispatching is the office's"
    );
}

#[test]
fn a_records_kind_never_changes() {
    assert_eq!(
        case(Admin, Report).touching(&["kind"]).check(true),
        Err(Denied::KindFixed)
    );
}

#[test]
fn a_records_id_and_grid_never_change_and_its_body_is_never_replaced() {
    for touched in [&["body.scope"][..], &["body.id"], &["body"]] {
        assert_eq!(
            case(Admin, Household).touching(touched).check(true),
            Err(Denied::IdentityFixed),
            "{touched:?}"
        );
    }
    assert_eq!(
        case(GridWorker, Household)
            .touching(&["body.notes"])
            .check(true),
        Ok(())
    );
}

#[test]
fn reads_follow_role_grid_and_authorship() {
    assert!(
        !may_read(Reporter, Report, true, false),
        "riders see only their own"
    );
    assert!(may_read(Reporter, Report, false, true));
    assert!(!may_read(Reporter, Household, true, true));
    assert!(!may_read(Department, Household, true, false));
    assert!(may_read(Department, WorkOrder, true, false));
    assert!(
        !may_read(GridWorker, Household, false, false),
        "not another grid's households"
    );
    assert!(may_read(GridWorker, Household, true, false));
}

#[test]
fn names_round_trip() {
    for r in Role::ALL {
        assert_eq!(Role::parse(r.as_str()), Ok(r));
    }
    for k in DocKind::ALL {
        assert_eq!(DocKind::parse(k.as_str()), Ok(k));
    }
    assert!(Role::parse("root").is_err());
}

#[test]
fn only_office_and_admin_devices_manage_people_and_never_other_managers() {
    for r in [Office, Admin] {
        assert_eq!(
            roles_managed_by(r),
            [Reporter, GridWorker, Department, Volunteer]
        );
    }
    for r in [Reporter, GridWorker, Department, Volunteer] {
        assert!(roles_managed_by(r).is_empty(), "{r} manages nobody");
    }
}

#[test]
fn volunteers_claim_published_wishes_and_touch_nothing_else() {
    let events = &["body.events"][..];
    assert_eq!(
        case(Volunteer, WorkOrder)
            .wish()
            .touching(events)
            .check(true),
        Ok(())
    );
    assert_eq!(
        case(Volunteer, WorkOrder).touching(events).check(true),
        Err(Denied::StatusNotYours),
        "an order not published as a wish is not theirs to move"
    );
    assert_eq!(
        case(Volunteer, WorkOrder)
            .wish()
            .touching(&["body.description"])
            .check(true),
        Err(Denied::MayNotChange {
            role: Volunteer,
            kind: WorkOrder
        })
    );
    assert_eq!(
        case(Volunteer, WorkOrder)
            .wish()
            .touching(&["body.assignees"])
            .check(true),
        Err(Denied::AssignNotYours)
    );
    assert_eq!(
        case(Office, WorkOrder)
            .wish()
            .touching(&["body.wish"])
            .check(true),
        Err(Denied::IdentityFixed),
        "a wish stays a wish"
    );
    for kind in DocKind::ALL {
        // Like a rider, a volunteer may photograph a hazard (随手拍).
        assert_eq!(
            case(Volunteer, kind).creating().check(true).is_ok(),
            kind == Report,
            "a volunteer creates reports and nothing else: {kind}"
        );
        assert!(
            !may_read(Volunteer, kind, true, true) || kind == Report,
            "{kind}"
        );
    }
    assert_eq!(
        case(GridWorker, WorkOrder).creating().wish().check(true),
        Err(Denied::MayNotCreate {
            role: GridWorker,
            kind: WorkOrder
        }),
        "only the office publishes wishes"
    );
    assert_eq!(
        case(Office, WorkOrder).creating().wish().check(true),
        Ok(())
    );
    assert!(reads_wishes(Volunteer) && !reads_wishes(Reporter));
}

//! Who may read and change which records: the policy as pure functions.
//!
//! The sync server runs `check_write` on every pushed change before storing it
//! and `may_read` when it picks what a device pulls; the app can call the same
//! functions to hide buttons that would only end in a rejection. The server
//! supplies the facts (the user's role and grids from the token, the record's
//! kind and owner from what it stored first, the fields the change touches
//! from decoding it) — never what the device claims.

use crate::ErrorCode;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unknown {what} {value:?}")]
pub struct UnknownName {
    what: &'static str,
    value: String,
}

/// What a user is, which decides what they may see and change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 骑手 / 随手拍 reporter: creates reports, sees only their own.
    Reporter,
    /// 网格员: everything in their own grids.
    GridWorker,
    /// 社区/片区 office: everything in its community or area; dispatches.
    Office,
    /// 部门: the work orders of the grids it serves.
    Department,
    /// Server administrator: everything, and the audit log.
    Admin,
    /// 志愿者 / 双报到党员: sees the small wishes (微心愿) the office
    /// publishes in its grids and claims them; never households.
    Volunteer,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Reporter,
        Role::GridWorker,
        Role::Office,
        Role::Department,
        Role::Admin,
        Role::Volunteer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Reporter => "reporter",
            Role::GridWorker => "grid_worker",
            Role::Office => "office",
            Role::Department => "department",
            Role::Admin => "admin",
            Role::Volunteer => "volunteer",
        }
    }

    pub fn parse(s: &str) -> Result<Self, UnknownName> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownName {
                what: "role",
                value: s.into(),
            })
    }

    /// The office and admins: they dispatch, manage people and export.
    pub fn manages(self) -> bool {
        matches!(self, Role::Office | Role::Admin)
    }

    /// Whose idle device asks the server to hold its pull until there is
    /// news (`/v1/sync?wait=`): the office's boards then show a step as it
    /// is taken. A worker's or rider's phone on mobile data polls instead,
    /// so held connections grow with communities, not with devices.
    pub fn holds_pulls(self) -> bool {
        self.manages()
    }

    fn works_grids(self) -> bool {
        matches!(self, Role::GridWorker | Role::Office | Role::Admin)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The kind of a record, fixed by the change that created its document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocKind {
    /// 随手拍 hazard report.
    Report,
    /// 民情清单 need raised by a resident.
    Need,
    /// 工单 work order: 派单 → 接单 → 办结 → 评单.
    WorkOrder,
    /// 户 household archive entry (sensitive personal information).
    Household,
    /// 红色家访 home visit log.
    Visit,
    /// One deliberate reveal of a masked phone or ID number (audit trail).
    Reveal,
}

impl DocKind {
    pub const ALL: [DocKind; 6] = [
        DocKind::Report,
        DocKind::Need,
        DocKind::WorkOrder,
        DocKind::Household,
        DocKind::Visit,
        DocKind::Reveal,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::Report => "report",
            DocKind::Need => "need",
            DocKind::WorkOrder => "work_order",
            DocKind::Household => "household",
            DocKind::Visit => "visit",
            DocKind::Reveal => "reveal",
        }
    }

    pub fn parse(s: &str) -> Result<Self, UnknownName> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownName {
                what: "record kind",
                value: s.into(),
            })
    }
}

impl fmt::Display for DocKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a change was refused; each says what the user can do about it.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum Denied {
    #[error("grid {0} is not one of yours: ask your office to add you to it")]
    OutOfScope(String),
    #[error("a {role} may not create {kind} records")]
    MayNotCreate { role: Role, kind: DocKind },
    #[error("a {role} may not change {kind} records")]
    MayNotChange { role: Role, kind: DocKind },
    #[error("you may only add to reports you made yourself")]
    NotYourReport,
    #[error("only the office and the assignees may move a work order's status")]
    StatusNotYours,
    #[error("only the office may assign a work order")]
    AssignNotYours,
    #[error("a record's kind is fixed when it is created and cannot change")]
    KindFixed,
    #[error(
        "a record's id and grid are fixed when it is created; make a new record for another grid"
    )]
    IdentityFixed,
    #[error(
        "the change was made on another device (actor {0}); a device may send only its own edits"
    )]
    ForeignActor(String),
    #[error("the change names someone else as its author; a device may write only as its own user")]
    ForeignAuthor,
}

impl Denied {
    pub fn code(&self) -> ErrorCode {
        match self {
            Denied::OutOfScope(_) => ErrorCode::AuthOutOfScope,
            Denied::MayNotCreate { .. } => ErrorCode::AuthMayNotCreate,
            Denied::MayNotChange { .. } => ErrorCode::AuthMayNotChange,
            Denied::NotYourReport => ErrorCode::AuthNotYourReport,
            Denied::StatusNotYours => ErrorCode::AuthStatusNotYours,
            Denied::AssignNotYours => ErrorCode::AuthAssignNotYours,
            Denied::KindFixed => ErrorCode::AuthKindFixed,
            Denied::IdentityFixed => ErrorCode::AuthIdentityFixed,
            Denied::ForeignActor(_) => ErrorCode::AuthForeignActor,
            Denied::ForeignAuthor => ErrorCode::AuthForeignAuthor,
        }
    }
}

/// A field a change writes, as its path from the document root (at most
/// two levels are kept: `["body", "events"]`). Root fields are `kind`,
/// `schema` and `body`.
pub type FieldPath = Vec<String>;

/// The work order fields whose changes are a status move or a dispatch.
const STATUS_FIELDS: [&str; 2] = ["events", "status"];
const ASSIGN_FIELD: &str = "assignees";
/// What the first change of a record fixes in its body for good.
const IDENTITY_FIELDS: [&str; 3] = ["id", "scope", "wish"];

fn is_body_field(p: &FieldPath, fields: &[&str]) -> bool {
    p.first().is_some_and(|f| f == "body") && p.get(1).is_some_and(|f| fields.contains(&f.as_str()))
}

/// Everything the policy needs to know about one pushed change.
#[derive(Debug, Clone)]
pub struct WriteAttempt<'a> {
    pub role: Role,
    pub kind: DocKind,
    /// The record's grid.
    pub grid: &'a str,
    /// The record's grid is one of the user's grids.
    pub in_scope: bool,
    /// This change creates the record.
    pub creating: bool,
    /// The user created the record.
    pub own: bool,
    /// The user is listed among the work order's assignees.
    pub assignee: bool,
    /// The record is a work order published as a small wish (微心愿), as its
    /// first change fixed.
    pub wish: bool,
    pub touched: &'a [FieldPath],
}

impl WriteAttempt<'_> {
    fn touches_body(&self, fields: &[&str]) -> bool {
        self.touched.iter().any(|p| is_body_field(p, fields))
    }
}

pub fn check_write(a: &WriteAttempt<'_>) -> Result<(), Denied> {
    let role = a.role;
    let kind = a.kind;
    if !a.in_scope {
        return Err(Denied::OutOfScope(a.grid.to_owned()));
    }
    if !a.creating
        && a.touched
            .iter()
            .any(|p| p.first().is_some_and(|f| f == "kind"))
    {
        return Err(Denied::KindFixed);
    }
    // The body names its id and grid; devices file the record by them, so
    // a later change may not rewrite them, nor replace the body whole.
    if !a.creating
        && a.touched.iter().any(|p| {
            p.first().is_some_and(|f| f == "body")
                && p.get(1)
                    .is_none_or(|f| IDENTITY_FIELDS.contains(&f.as_str()))
        })
    {
        return Err(Denied::IdentityFixed);
    }
    // Publishing to volunteers is the office's call.
    if a.creating && a.wish && !role.manages() {
        return Err(Denied::MayNotCreate { role, kind });
    }
    match kind {
        DocKind::Report if a.creating || a.own || role.works_grids() => Ok(()),
        DocKind::Report if role == Role::Reporter => Err(Denied::NotYourReport),
        DocKind::Need
        | DocKind::Household
        | DocKind::Visit
        | DocKind::WorkOrder
        | DocKind::Reveal
            if a.creating && !role.works_grids() =>
        {
            Err(Denied::MayNotCreate { role, kind })
        }
        // The audit trail is written once, by whoever looked.
        DocKind::Reveal if !a.creating => Err(Denied::MayNotChange { role, kind }),
        DocKind::WorkOrder if !a.creating => {
            // A volunteer claims and finishes a published wish with events;
            // nothing else of it, and no other order.
            let claimer = role == Role::Volunteer && a.wish;
            if a.touches_body(&[ASSIGN_FIELD]) && !role.manages() {
                return Err(Denied::AssignNotYours);
            }
            if a.touches_body(&STATUS_FIELDS) && !(role.manages() || a.assignee || claimer) {
                return Err(Denied::StatusNotYours);
            }
            if claimer && a.touched.iter().any(|p| !is_body_field(p, &STATUS_FIELDS)) {
                return Err(Denied::MayNotChange { role, kind });
            }
            if role.works_grids() || a.assignee || claimer {
                Ok(())
            } else {
                Err(Denied::MayNotChange { role, kind })
            }
        }
        _ if role.works_grids() => Ok(()),
        _ => Err(Denied::MayNotChange { role, kind }),
    }
}

/// The roles of the people a user's *device* may add, invite and switch
/// off, inside the user's own part of the tree: an office's (or an admin's)
/// riders, grid workers and departments — enough to provision a rider at
/// the counter. Offices and admins are made by an admin's server session.
pub fn roles_managed_by(role: Role) -> &'static [Role] {
    if role.manages() {
        &[
            Role::Reporter,
            Role::GridWorker,
            Role::Department,
            Role::Volunteer,
        ]
    } else {
        &[]
    }
}

/// The kinds a role pulls from its grids. A reporter pulls none by grid —
/// only the reports they made themselves (see `may_read`).
pub fn kinds_read_in_scope(role: Role) -> &'static [DocKind] {
    match role {
        // Volunteers read only published wishes (see `reads_wishes`).
        Role::Reporter | Role::Volunteer => &[],
        Role::Department => &[DocKind::WorkOrder],
        // Grid workers make reveals but do not read each other's: the trail
        // is for the office.
        Role::GridWorker => &[
            DocKind::Report,
            DocKind::Need,
            DocKind::WorkOrder,
            DocKind::Household,
            DocKind::Visit,
        ],
        Role::Office | Role::Admin => &DocKind::ALL,
    }
}

/// Whether a role receives the work orders published as small wishes in
/// its grids, beyond what `kinds_read_in_scope` gives it.
pub fn reads_wishes(role: Role) -> bool {
    role == Role::Volunteer
}

/// The kinds a user receives as their maker, whatever their grids: a rider
/// sees what became of their own reports.
pub fn kinds_read_as_maker() -> &'static [DocKind] {
    &[DocKind::Report]
}

/// Whether a user may receive a record: by grid and kind, or as its maker.
pub fn may_read(role: Role, kind: DocKind, in_scope: bool, own: bool) -> bool {
    (in_scope && kinds_read_in_scope(role).contains(&kind))
        || (own && kinds_read_as_maker().contains(&kind))
}

#[cfg(test)]
mod tests;

//! The steps a person is offered on an order, from their role, whether
//! they have it, and where it stands. The server enforces the same line
//! (only the office and assignees move an order); this keeps the buttons
//! honest offline.

use serde::{Deserialize, Serialize};

use super::state::{OrderState, Stage};
use crate::access::Role;
use crate::ids::UserId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    Dispatch,
    Transfer,
    Accept,
    OnSite,
    Plan,
    Resolve,
    Rate,
    Reopen,
    Reject,
    Cancel,
    Reclassify,
    Settle,
    /// 合并: close as the same problem as another open order.
    Merge,
    /// 认领: a volunteer takes a published wish.
    Claim,
}

/// What `user` (in `role`) may do to an order in `state`.
pub fn offered(state: &OrderState, role: Role, user: &UserId) -> Vec<StepKind> {
    use StepKind::*;
    let holds = state.assignee.as_ref().is_some_and(|a| a.user == *user);
    let stage = state.stage;
    let open = !stage.is_done();
    let mut out = Vec::new();
    let mut offer = |when: bool, k: StepKind| {
        if when {
            out.push(k);
        }
    };
    let manager = role.manages();
    offer(manager && open && state.assignee.is_none(), Dispatch);
    offer(
        role == Role::Volunteer && open && state.published && state.assignee.is_none(),
        Claim,
    );
    offer(
        open && state.assignee.is_some() && (manager || holds),
        Transfer,
    );
    offer(holds && stage == Stage::Dispatched, Accept);
    offer(holds && open, OnSite);
    offer(holds && open, Plan);
    offer((holds || manager) && open, Resolve);
    offer((holds || manager) && stage == Stage::Resolved, Rate);
    offer(manager && stage.is_done(), Reopen);
    offer(holds && open, Reject);
    offer(manager && open, Cancel);
    offer(manager && open, Reclassify);
    offer(manager && !state.conflicts.is_empty(), Settle);
    offer(manager && open, Merge);
    out
}

//! Work orders on the device: made from a report, a need or an office
//! entry; moved by appending steps, offline as well as online; listed as
//! the dispatch board, "my orders" and the overdue board with deadlines as
//! of now; and counted for the on-time figures.
//!
//! Every step is stamped with this device's clock corrected by the offset
//! the last sync measured (`note_server_clock`), and says whose clock it is.

mod duplicates;
pub mod notices;
mod stats;
#[cfg(test)]
mod tests;

use gridwalk_domain::catalog::{builtin_catalog, builtin_vocabulary};
use gridwalk_domain::category::CategoryError;
use gridwalk_domain::directory::Me;
use gridwalk_domain::field::{self, FieldErrors};
use gridwalk_domain::ipc::orders::{
    NewOrder, ORDER_LIST_LIMIT, OrderItem, OrderList, OrderPage, OrderQuery, OrderStep,
};
use gridwalk_domain::need::Need;
use gridwalk_domain::sync_state::SyncStatus;
use gridwalk_domain::sync_state::record_state;
use gridwalk_domain::work_order::clock::{self, ClockOffset};
use gridwalk_domain::work_order::{
    Assignee, DeadlineStatus, MAX_NOTE_CHARS, MAX_ORDER_CHARS, OrderEvent, OrderSource,
    ResponsePolicy, StarsError, Step, StepKind, WorkOrder, offered,
};
use gridwalk_domain::{CategoryCode, DocId, EventId, GridId, HazardReport, Location, Role};

use crate::error::{CoreError, Result};
use crate::records::ListQuery;
use crate::store::Store;

const POLICY: &str = "response_policy";
const CLOCK_OFFSET: &str = "clock_offset";

impl Store {
    /// The commitments a new order in `grid` is made under: its
    /// community's, as the office chose them on the server, else this
    /// device's (see `response_policy`).
    pub fn response_policy_for(&self, grid: &GridId) -> Result<ResponsePolicy> {
        let me = self.me()?;
        let chosen = me
            .as_ref()
            .and_then(|m| m.policy_for(grid))
            .filter(|p| p.check().is_ok())
            .cloned();
        chosen.map_or_else(|| self.response_policy(), Ok)
    }

    /// The commitments of the bound user's community, for the office's
    /// editor: its own if chosen, else this device's.
    pub fn community_policy(&self) -> Result<ResponsePolicy> {
        let file = self.me()?.and_then(|m| m.community_file().cloned());
        match file {
            Some(c) => self.response_policy_for(&c),
            None => self.response_policy(),
        }
    }

    /// The response commitments this device files new orders under when
    /// its community has chosen none.
    pub fn response_policy(&self) -> Result<ResponsePolicy> {
        Ok(self
            .meta(POLICY)?
            .and_then(|json| serde_json::from_str::<ResponsePolicy>(&json).ok())
            .filter(|p| p.check().is_ok())
            .unwrap_or_else(ResponsePolicy::preset_1341))
    }

    /// Chooses or edits the commitments new orders are made under; orders
    /// already made keep theirs.
    pub fn set_response_policy(&self, policy: &ResponsePolicy) -> Result<()> {
        policy.check().map_err(|e| {
            let mut errors = FieldErrors::default();
            errors.push("policy", &e);
            errors
        })?;
        let json = serde_json::to_string(policy).map_err(|e| CoreError::Invalid(e.to_string()))?;
        self.set_meta(POLICY, &json)
    }

    /// Remembers how far this device's clock is from the server's, from a
    /// sync sent at `sent_ms` and answered at `received_ms` (device clock).
    pub fn note_server_clock(
        &self,
        sent_ms: i64,
        received_ms: i64,
        server_ms: Option<i64>,
    ) -> Result<()> {
        let Some(server_ms) = server_ms else {
            return Ok(());
        };
        let offset = ClockOffset::measure(sent_ms, received_ms, server_ms);
        if !offset.replaces(self.clock_offset()?.as_ref()) {
            return Ok(());
        }
        let json = serde_json::to_string(&offset).map_err(|e| CoreError::Invalid(e.to_string()))?;
        self.set_meta(CLOCK_OFFSET, &json)
    }

    fn clock_offset(&self) -> Result<Option<ClockOffset>> {
        Ok(self
            .meta(CLOCK_OFFSET)?
            .and_then(|json| serde_json::from_str(&json).ok()))
    }

    /// A step by this device's user, stamped now.
    fn event(&self, me: &Me, step: Step, now_ms: i64) -> Result<OrderEvent> {
        let (at_ms, clock) = clock::stamp(now_ms, self.clock_offset()?);
        Ok(OrderEvent {
            id: EventId::from_random_bytes(*uuid::Uuid::new_v4().as_bytes()),
            step,
            by: me.name.clone(),
            by_user: me.user,
            role: me.role,
            at_ms,
            clock,
        })
    }

    /// Makes a work order. A grid worker who makes one takes it on at once
    /// (they are its first assignee); an office's waits to be dispatched.
    pub fn create_order(&mut self, new: &NewOrder, now_ms: i64) -> Result<DocId> {
        let me = self.me()?.ok_or(CoreError::NotBound)?;
        let mut order = self.order_body(new, &me, now_ms)?;
        if let NewOrder::Office { wish: true, .. } = new {
            if !me.role.manages() {
                return Err(CoreError::StepNotOffered(Step::Published.as_str().into()));
            }
            order.wish = true;
            // A wish is a kindness asked of volunteers: no response clock.
            order.policy = ResponsePolicy {
                name: "微心愿".into(),
                commitments: Vec::new(),
            };
            order.events.push(self.event(&me, Step::Published, now_ms)?);
        } else if me.role == Role::GridWorker {
            order.assignees.push(me.user);
            order.events.push(self.event(&me, Step::Accepted, now_ms)?);
        }
        self.write(now_ms, |w| {
            let id = w.create(&order)?;
            // The report names its order: the inbox offers no second 派单.
            if let OrderSource::Report { report } = order.source {
                w.edit::<HazardReport>(&report, |r| match r.progress.order {
                    Some(existing) => Err(CoreError::Invalid(format!(
                        "这条上报已转为工单 {existing}，请在该工单上处理 / this report is already order {existing}"
                    ))),
                    None => {
                        r.progress.order = Some(id);
                        Ok(())
                    }
                })?;
            }
            Ok(id)
        })
    }

    fn order_body(&self, new: &NewOrder, me: &Me, now_ms: i64) -> Result<WorkOrder> {
        let submitted = self.event(me, Step::Submitted, now_ms)?;
        // A report or need was raised earlier, on its maker's clock: the
        // order's clocks start then (`state::derive` keeps a clock that runs
        // ahead from pushing them later).
        let raised = |at_ms: i64| OrderEvent {
            at_ms,
            clock: gridwalk_domain::work_order::Clock::Device,
            ..submitted.clone()
        };
        let (scope, source, category, class, description, place, location, photos, first) =
            match new {
                NewOrder::Report {
                    report,
                    class,
                    grid,
                } => {
                    let r: HazardReport =
                        self.record(report)?.ok_or(CoreError::NotFound(*report))?;
                    let coords = match &r.location {
                        Location::Point { coords, .. } => Some(*coords),
                        Location::Address { .. } => None,
                    };
                    (
                        match grid {
                            Some(g) => self.report_grid(Some(g))?,
                            None => r.scope.clone(),
                        },
                        OrderSource::Report { report: *report },
                        r.category.clone(),
                        *class,
                        r.description.clone(),
                        r.location.label(),
                        coords,
                        r.photos.clone(),
                        raised(r.created_at_ms),
                    )
                }
                NewOrder::Need { need, class } => {
                    let n: Need = self.record(need)?.ok_or(CoreError::NotFound(*need))?;
                    (
                        n.scope.clone(),
                        OrderSource::Need { need: *need },
                        n.category.clone(),
                        *class,
                        n.description.clone(),
                        n.place.clone(),
                        None,
                        Vec::new(),
                        raised(n.raised_at_ms),
                    )
                }
                NewOrder::Office {
                    channel,
                    category,
                    description,
                    place,
                    grid,
                    class,
                    ..
                } => {
                    let mut errors = FieldErrors::default();
                    let category = errors.take("category", known_category(category));
                    let description = errors.take(
                        "description",
                        field::text(description, true, MAX_ORDER_CHARS),
                    );
                    let place = errors.take("place", field::text(place, false, 200));
                    let (Some(category), Some(description), Some(place)) =
                        (category, description, place)
                    else {
                        return Err(errors.into());
                    };
                    (
                        self.report_grid(grid.as_ref())?,
                        OrderSource::Office { channel: *channel },
                        category,
                        *class,
                        description,
                        place,
                        None,
                        Vec::new(),
                        submitted,
                    )
                }
            };
        let policy = self.response_policy_for(&scope)?;
        Ok(WorkOrder {
            id: crate::new_doc_id(),
            scope,
            source,
            category,
            class,
            description,
            place,
            location,
            photos,
            created_by: me.name.clone(),
            created_at_ms: first.at_ms,
            policy,
            assignees: Vec::new(),
            events: vec![first],
            wish: false,
        })
    }

    /// Takes one step on an order, if this user may take it now.
    pub fn order_step(&mut self, input: &OrderStep, now_ms: i64) -> Result<()> {
        let me = self.me()?.ok_or(CoreError::NotBound)?;
        let step = checked_step(&input.step, &me)?;
        let event = self.event(&me, step, now_ms)?;
        let photos: Vec<_> = match &event.step {
            Step::Resolved { photos, .. } => photos.clone(),
            _ => Vec::new(),
        };
        self.write(now_ms, |w| {
            Store::require_blobs(w.tx(), photos.iter().flat_map(|p| [&p.hash, &p.thumb]))?;
            w.edit::<WorkOrder>(&input.order, |order| {
                let state = order.state();
                let kind = kind_of(&event.step);
                if !kind.is_some_and(|k| offered(&state, me.role, &me.user).contains(&k)) {
                    return Err(CoreError::StepNotOffered(event.step.as_str().to_owned()));
                }
                if let Step::Settled { set_aside } = &event.step
                    && !state
                        .conflicts
                        .iter()
                        .any(|c| c.first == *set_aside || c.second == *set_aside)
                {
                    return Err(CoreError::Invalid(
                        "that step is not part of a conflict on this order".into(),
                    ));
                }
                if let Step::Dispatched { to } | Step::Transferred { to, .. } = &event.step
                    && !order.assignees.contains(&to.user)
                {
                    order.assignees.push(to.user);
                }
                order.events.push(event.clone());
                Ok(())
            })?;
            tell_the_reporter(w, &input.order, me.role, now_ms)
        })?;
        Ok(())
    }

    /// The dispatch board, "my orders" or the overdue board.
    pub fn orders(
        &self,
        q: &OrderQuery,
        now_ms: i64,
        status: &SyncStatus,
    ) -> Result<Vec<OrderItem>> {
        self.order_items(q, ORDER_LIST_LIMIT, now_ms, status)
    }

    fn order_items(
        &self,
        q: &OrderQuery,
        limit: u32,
        now_ms: i64,
        status: &SyncStatus,
    ) -> Result<Vec<OrderItem>> {
        let me = self.me()?.ok_or(CoreError::NotBound)?;
        let list = ListQuery {
            grids: q.grid.clone().map(|g| vec![g]),
            category: q.category.clone().filter(|c| !c.is_empty()),
            status: q.stage.map(|s| s.as_str().to_owned()),
            search: Some(q.search.clone()),
            ..ListQuery::first(limit)
        };
        let mut items: Vec<OrderItem> = self
            .list::<WorkOrder>(&list, status)?
            .into_iter()
            .filter(|o| q.list != OrderList::Mine || o.summary.holders.contains(&me.user))
            .map(|order| {
                let deadlines = order.summary.deadlines(now_ms);
                let overdue = deadlines
                    .iter()
                    .any(|d| d.status == DeadlineStatus::Overdue);
                let next = deadlines
                    .iter()
                    .filter(|d| d.reached_ms.is_none())
                    .min_by_key(|d| d.due_ms)
                    .cloned();
                OrderItem {
                    order,
                    deadlines,
                    next,
                    overdue,
                }
            })
            .filter(|o| q.list != OrderList::Overdue || o.overdue)
            .collect();
        if q.list == OrderList::Overdue {
            items.sort_by_key(|o| o.next.as_ref().map(|d| d.due_ms));
        }
        Ok(items)
    }

    /// One order's page, with the steps this user may take.
    pub fn order_page(
        &self,
        id: &DocId,
        now_ms: i64,
        status: &SyncStatus,
    ) -> Result<Option<OrderPage>> {
        let me = self.me()?.ok_or(CoreError::NotBound)?;
        let Some(order) = self.record::<WorkOrder>(id)? else {
            return Ok(None);
        };
        let state = order.state();
        let nearby = match order.location {
            Some(at) if me.role.manages() && !state.stage.is_done() => self
                .nearby_orders(order.category.as_str(), at, status)?
                .into_iter()
                .filter(|n| n.order.id != *id)
                .collect(),
            _ => Vec::new(),
        };
        Ok(Some(OrderPage {
            deadlines: order.deadlines(&state, now_ms),
            can: offered(&state, me.role, &me.user),
            sync: record_state(self.has_unsent(id)?, status),
            seconded_by: self.seconding_reports(id, status)?,
            nearby,
            state,
            order,
        }))
    }
}

/// Writes onto the report an order was made from what its maker may see
/// of the order now (see `ReportProgress`). Departments may not write
/// reports: a step of theirs reaches the rider with the office's or the
/// grid worker's next step.
fn tell_the_reporter(
    w: &mut crate::records::Writer<'_>,
    order: &DocId,
    role: Role,
    now_ms: i64,
) -> Result<()> {
    if !matches!(role, Role::GridWorker | Role::Office | Role::Admin) {
        return Ok(());
    }
    let Some(o) = w.read::<WorkOrder>(order)? else {
        return Ok(());
    };
    // Its own report, and every report that seconds it (附议).
    let mut reports = w.children(order, gridwalk_domain::DocKind::Report)?;
    if let OrderSource::Report { report } = o.source {
        reports.push(report);
    }
    let state = o.state();
    for report in reports {
        let Some(r) = w.read::<HazardReport>(&report)? else {
            continue;
        };
        let next = r.progress.advanced(&state, now_ms);
        if next != r.progress {
            w.edit::<HazardReport>(&report, |r| {
                r.progress = next.clone();
                Ok(())
            })?;
        }
    }
    Ok(())
}

/// A category from either list an order can come from: a report's or a
/// need's.
fn known_category(code: &str) -> Result<CategoryCode, CategoryError> {
    let code = code.trim();
    builtin_catalog()
        .get(code)
        .or_else(|_| builtin_vocabulary().need_categories.get(code))
        .map(|c| c.code.clone())
}

/// The step as it will be recorded: notes bounded, a rating in range, an
/// assignee from the office's list (with the name and role the list has).
fn checked_step(step: &Step, me: &Me) -> Result<Step> {
    let note = |text: &str, required: bool| {
        field::text(text, required, MAX_NOTE_CHARS).map_err(|e| {
            let mut errors = FieldErrors::default();
            errors.push("note", &e);
            CoreError::from(errors)
        })
    };
    let person = |to: &Assignee| {
        me.people
            .iter()
            .find(|p| p.id == to.user)
            .map(|p| Assignee {
                user: p.id,
                name: p.name.clone(),
                role: p.role,
            })
            .ok_or_else(|| CoreError::UnknownPerson(to.name.clone()))
    };
    Ok(match step {
        Step::Dispatched { to } => Step::Dispatched { to: person(to)? },
        Step::Transferred { to, note: n } => Step::Transferred {
            to: if me.role.manages() {
                person(to)?
            } else {
                to.clone()
            },
            note: note(n, false)?,
        },
        Step::Planned { note: n } => Step::Planned {
            note: note(n, true)?,
        },
        Step::Resolved { note: n, photos } => Step::Resolved {
            note: note(n, true)?,
            photos: photos.clone(),
        },
        Step::Rated { stars, comment } => {
            if !(1..=5).contains(stars) {
                let mut errors = FieldErrors::default();
                errors.push("stars", &StarsError);
                return Err(errors.into());
            }
            Step::Rated {
                stars: *stars,
                comment: note(comment, false)?,
            }
        }
        Step::Reopened { reason } => Step::Reopened {
            reason: note(reason, true)?,
        },
        Step::Rejected { reason } => Step::Rejected {
            reason: note(reason, true)?,
        },
        Step::Cancelled { reason } => Step::Cancelled {
            reason: note(reason, true)?,
        },
        other => other.clone(),
    })
}

/// Which offered kind a step is.
fn kind_of(step: &Step) -> Option<StepKind> {
    Some(match step {
        Step::Dispatched { .. } => StepKind::Dispatch,
        Step::Transferred { .. } => StepKind::Transfer,
        Step::Accepted => StepKind::Accept,
        Step::OnSite => StepKind::OnSite,
        Step::Planned { .. } => StepKind::Plan,
        Step::Resolved { .. } => StepKind::Resolve,
        Step::Rated { .. } => StepKind::Rate,
        Step::Reopened { .. } => StepKind::Reopen,
        Step::Rejected { .. } => StepKind::Reject,
        Step::Cancelled { .. } => StepKind::Cancel,
        Step::Reclassified { .. } => StepKind::Reclassify,
        Step::Settled { .. } => StepKind::Settle,
        Step::Claimed => StepKind::Claim,
        _ => return None,
    })
}

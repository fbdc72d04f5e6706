//! The same problem reported twice. Before a report is saved the form asks
//! for open orders of its category within 250 m, found offline; the person
//! may second one (附议: the report joins that order with its photo instead
//! of waiting for a dispatch of its own). The office may later merge two
//! orders: one is closed as a duplicate of the other, and both keep every
//! event and name each other, so nothing of either is lost.

use geo::{Distance, Haversine, Point};
use gridwalk_domain::ipc::Listed;
use gridwalk_domain::ipc::orders::{MergeOrders, NearbyOrder};
use gridwalk_domain::report::ReportRow;
use gridwalk_domain::sync_state::SyncStatus;
use gridwalk_domain::work_order::{Step, StepKind, WorkOrder, offered};
use gridwalk_domain::{Coordinates, DocId, HazardReport};

use crate::error::{CoreError, Result};
use crate::records::ListQuery;
use crate::store::Store;

/// Two reports this close, of one category, are likely the same problem.
pub const SAME_PLACE_METRES: f64 = 250.0;
/// Nearby orders a form shows at most.
const NEARBY_LIMIT: usize = 5;

fn metres(a: Coordinates, b: Coordinates) -> f64 {
    Haversine.distance(Point::new(a.lon(), a.lat()), Point::new(b.lon(), b.lat()))
}

/// A box around `at` that holds every point within `radius` metres
/// (the index narrows by it; the exact distance decides).
fn around(at: Coordinates, radius: f64) -> [f64; 4] {
    let dlat = radius / 111_000.0;
    let dlon = dlat / at.lat().to_radians().cos().max(0.01);
    [
        at.lat() - dlat,
        at.lon() - dlon,
        at.lat() + dlat,
        at.lon() + dlon,
    ]
}

impl Store {
    /// Open orders of `category` within 250 m of `at`, nearest first.
    pub fn nearby_orders(
        &self,
        category: &str,
        at: Coordinates,
        status: &SyncStatus,
    ) -> Result<Vec<NearbyOrder>> {
        let q = ListQuery {
            category: Some(category.to_owned()),
            within: Some(around(at, SAME_PLACE_METRES)),
            ..ListQuery::first(200)
        };
        let mut near: Vec<NearbyOrder> = self
            .list::<WorkOrder>(&q, status)?
            .into_iter()
            .filter(|o| !o.summary.stage.is_done())
            .filter_map(|order| {
                let m = metres(at, order.place?);
                (m <= SAME_PLACE_METRES).then(|| NearbyOrder {
                    order,
                    metres: m.round() as u32,
                })
            })
            .collect();
        near.sort_by_key(|n| n.metres);
        near.truncate(NEARBY_LIMIT);
        Ok(near)
    }

    /// The reports that second `order`, newest first.
    pub fn seconding_reports(
        &self,
        order: &DocId,
        status: &SyncStatus,
    ) -> Result<Vec<Listed<ReportRow>>> {
        let q = ListQuery {
            parent: Some(*order),
            ..ListQuery::first(100)
        };
        self.list::<HazardReport>(&q, status)
    }

    /// 合并: closes `from` as a duplicate of `into` and notes it on `into`,
    /// in one local transaction. Only the office, and only open orders.
    pub fn merge_orders(&mut self, m: &MergeOrders, now_ms: i64) -> Result<()> {
        if m.from == m.into {
            return Err(CoreError::Invalid(
                "an order cannot be merged into itself".into(),
            ));
        }
        let me = self.me()?.ok_or(CoreError::NotBound)?;
        let closing = self.event(&me, Step::Duplicate { of: m.into }, now_ms)?;
        let noting = self.event(&me, Step::Merged { from: m.from }, now_ms)?;
        self.write(now_ms, |w| {
            for (id, event) in [(m.from, &closing), (m.into, &noting)] {
                w.edit::<WorkOrder>(&id, |order| {
                    if !offered(&order.state(), me.role, &me.user).contains(&StepKind::Merge) {
                        return Err(CoreError::StepNotOffered(event.step.as_str().to_owned()));
                    }
                    order.events.push(event.clone());
                    Ok(())
                })?;
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests;

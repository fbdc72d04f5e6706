//! On-time figures: each commitment of each order counts once, by its
//! deadline's status as of now, under the order's grid, its assignee and its
//! category; ratings count once per order.

use gridwalk_domain::ipc::orders::{OnTime, OrderList, OrderQuery, OrderStats};
use gridwalk_domain::sync_state::SyncStatus;
use gridwalk_domain::work_order::DeadlineStatus;
use std::collections::BTreeMap;

use crate::error::Result;
use crate::store::Store;

/// The key orders with nobody on them count under.
pub const UNASSIGNED: &str = "";

impl Store {
    pub fn order_stats(&self, now_ms: i64) -> Result<OrderStats> {
        let q = OrderQuery {
            list: OrderList::Board,
            ..OrderQuery::default()
        };
        let mut total = OnTime::default();
        let mut by: [BTreeMap<String, OnTime>; 3] = Default::default();
        // Every order counts, not one page of them.
        for item in self.order_items(&q, u32::MAX, now_ms, &SyncStatus::default())? {
            let row = &item.order.summary;
            let keys = [
                item.order.scope.to_string(),
                row.assignee
                    .as_ref()
                    .map_or_else(|| UNASSIGNED.to_owned(), |a| a.name.clone()),
                row.category.as_str().to_owned(),
            ];
            let mut count = |f: &dyn Fn(&mut OnTime)| {
                f(&mut total);
                for (map, key) in by.iter_mut().zip(&keys) {
                    let entry = map.entry(key.clone()).or_insert_with(|| OnTime {
                        key: key.clone(),
                        ..OnTime::default()
                    });
                    f(entry);
                }
            };
            for d in &item.deadlines {
                count(&|t: &mut OnTime| match d.status {
                    DeadlineStatus::OnTime => t.on_time += 1,
                    DeadlineStatus::Late => t.late += 1,
                    DeadlineStatus::Unverified => t.unverified += 1,
                    DeadlineStatus::Overdue => t.overdue += 1,
                    DeadlineStatus::Pending => t.pending += 1,
                });
            }
            if let Some(stars) = row.rating {
                count(&|t: &mut OnTime| {
                    t.rated += 1;
                    t.stars += u32::from(stars);
                });
            }
        }
        let [by_grid, by_assignee, by_category] = by.map(|m| m.into_values().collect());
        Ok(OrderStats {
            total,
            by_grid,
            by_assignee,
            by_category,
        })
    }
}

//! Work orders: each a call into core's orders, then word to the UI of
//! what changed. All of it works offline.

use gridwalk_domain::Coordinates;
use gridwalk_domain::boundary::Route;
use gridwalk_domain::ipc::AppError;
use gridwalk_domain::ipc::orders::{
    MergeOrders, NearbyOrder, NearbyQuery, NewOrder, OrderItem, OrderPage, OrderQuery, OrderStats,
    OrderStep,
};
use gridwalk_domain::work_order::ResponsePolicy;
use gridwalk_domain::{DocId, DocKind};

use super::AppState;
use crate::sync_loop::now_ms;

impl AppState {
    pub fn orders(&self, q: &OrderQuery) -> Result<Vec<OrderItem>, AppError> {
        let status = self.sync.status(&self.store);
        Ok(self.store()?.orders(q, now_ms(), &status)?)
    }

    pub fn order(&self, id: &DocId) -> Result<Option<OrderPage>, AppError> {
        let status = self.sync.status(&self.store);
        Ok(self.store()?.order_page(id, now_ms(), &status)?)
    }

    pub fn create_order(&self, new: &NewOrder) -> Result<DocId, AppError> {
        let id = self.store()?.create_order(new, now_ms())?;
        self.changed(&[DocKind::WorkOrder]);
        Ok(id)
    }

    pub fn order_step(&self, step: &OrderStep) -> Result<(), AppError> {
        self.store()?.order_step(step, now_ms())?;
        self.changed(&[DocKind::WorkOrder]);
        Ok(())
    }

    pub fn order_stats(&self) -> Result<OrderStats, AppError> {
        Ok(self.store()?.order_stats(now_ms())?)
    }

    pub fn response_policy(&self) -> Result<ResponsePolicy, AppError> {
        Ok(self.store()?.community_policy()?)
    }

    /// The office chooses its community's commitments: on the server, so
    /// every device of the community makes new orders under them (the
    /// others learn it at their next sync; this one at once). A device with
    /// no community of its own keeps the choice for itself.
    pub async fn set_response_policy(&self, p: ResponsePolicy) -> Result<(), AppError> {
        let community = self
            .store()?
            .me()?
            .and_then(|m| m.community_file().cloned());
        let Some(community) = community else {
            return Ok(self.store()?.set_response_policy(&p)?);
        };
        let me = self
            .sync
            .as_device(&self.store, |t| async move {
                t.set_policy(&community, &p).await?;
                t.me().await
            })
            .await
            .map_err(super::sync_error)?;
        self.store()?.set_me(&me)?;
        Ok(())
    }

    pub fn route_point(&self, at: Coordinates) -> Result<Route, AppError> {
        Ok(self.store()?.route_point(at)?)
    }

    pub fn nearby_orders(&self, q: &NearbyQuery) -> Result<Vec<NearbyOrder>, AppError> {
        let status = self.sync.status(&self.store);
        Ok(self.store()?.nearby_orders(&q.category, q.at, &status)?)
    }

    pub fn merge_orders(&self, m: &MergeOrders) -> Result<(), AppError> {
        self.store()?.merge_orders(m, now_ms())?;
        self.changed(&[DocKind::WorkOrder]);
        Ok(())
    }
}

//! The household archive, visits and needs: each a call into core's
//! archive, then word to the UI of what changed. All of it works offline.

use gridwalk_domain::household::HouseholdRow;
use gridwalk_domain::ipc::archive::{
    Building, EditHousehold, EditMember, HouseholdPage, HouseholdQuery, MemberRef, NeedQuery,
    NeedStep, NeedsPage, NewHousehold, NewMember, Resolve, RevealRequest,
};
use gridwalk_domain::ipc::{AppError, Listed};
use gridwalk_domain::visit::VisitDraft;
use gridwalk_domain::{DocId, DocKind, MemberId};

use super::AppState;
use crate::sync_loop::now_ms;

impl AppState {
    pub fn households(&self, q: &HouseholdQuery) -> Result<Vec<Listed<HouseholdRow>>, AppError> {
        let status = self.sync.status(&self.store);
        Ok(self.store()?.households(q, &status)?)
    }

    pub fn household(&self, id: &DocId) -> Result<Option<HouseholdPage>, AppError> {
        let status = self.sync.status(&self.store);
        Ok(self.store()?.household_page(id, &status)?)
    }

    pub fn create_household(&self, new: &NewHousehold) -> Result<DocId, AppError> {
        let id = self
            .store()?
            .create_household(&new.draft, new.grid.as_ref(), now_ms())?;
        self.changed(&[DocKind::Household]);
        Ok(id)
    }

    pub fn edit_household(&self, e: &EditHousehold) -> Result<(), AppError> {
        self.store()?
            .edit_household(&e.household, &e.draft, now_ms())?;
        self.changed(&[DocKind::Household]);
        Ok(())
    }

    pub fn add_member(&self, new: &NewMember) -> Result<MemberId, AppError> {
        let id = self
            .store()?
            .add_member(&new.household, &new.draft, now_ms())?;
        self.changed(&[DocKind::Household]);
        Ok(id)
    }

    pub fn edit_member(&self, e: &EditMember) -> Result<(), AppError> {
        self.store()?
            .edit_member(&e.household, &e.member, &e.edit, now_ms())?;
        self.changed(&[DocKind::Household]);
        Ok(())
    }

    pub fn remove_member(&self, m: &MemberRef) -> Result<(), AppError> {
        self.store()?
            .remove_member(&m.household, &m.member, now_ms())?;
        self.changed(&[DocKind::Household]);
        Ok(())
    }

    pub fn restore_member(&self, m: &MemberRef) -> Result<(), AppError> {
        self.store()?
            .restore_member(&m.household, &m.member, now_ms())?;
        self.changed(&[DocKind::Household]);
        Ok(())
    }

    /// Records the reveal, then answers the full value.
    pub fn reveal(&self, r: &RevealRequest) -> Result<Option<String>, AppError> {
        let value = self
            .store()?
            .reveal(&r.household, &r.member, r.field, now_ms())?;
        self.changed(&[DocKind::Reveal]);
        Ok(value)
    }

    pub fn log_visit(&self, draft: &VisitDraft) -> Result<DocId, AppError> {
        let id = self.store()?.log_visit(draft, now_ms())?;
        self.changed(&[DocKind::Visit, DocKind::Need]);
        Ok(id)
    }

    pub fn needs(&self, q: &NeedQuery) -> Result<NeedsPage, AppError> {
        let status = self.sync.status(&self.store);
        Ok(self.store()?.needs(q, now_ms(), &status)?)
    }

    pub fn need_step(&self, step: &NeedStep) -> Result<(), AppError> {
        self.store()?.record_need_step(step, now_ms())?;
        self.changed(&[DocKind::Need]);
        Ok(())
    }

    pub fn resolve(&self, r: &Resolve) -> Result<(), AppError> {
        let kind = {
            let mut store = self.store()?;
            store.resolve(&r.record, &r.path, &r.choice, now_ms())?;
            store.kind_of(&r.record)?
        };
        self.changed(&kind.map_or_else(Vec::new, |k| vec![k]));
        Ok(())
    }

    pub fn buildings(&self) -> Result<Vec<Building>, AppError> {
        Ok(self.store()?.buildings()?)
    }
}

//! The household archive on the device — households and their members,
//! reveals of masked fields, visits and the needs they raise — as thin
//! form-to-body steps over the record layer. Everything works offline.

pub mod import;
mod needs;

use gridwalk_domain::calendar::CivilDate;
use gridwalk_domain::household::{
    Household, HouseholdDraft, HouseholdRow, Member, MemberDraft, MemberEdit, SensitiveField,
};
use gridwalk_domain::ipc::Listed;
use gridwalk_domain::ipc::archive::{
    Building, HOUSEHOLD_LIST_LIMIT, HouseholdPage, HouseholdQuery, household_uri,
};
use gridwalk_domain::need::Need;
use gridwalk_domain::reveal::Reveal;
use gridwalk_domain::sync_state::{SyncStatus, record_state};
use gridwalk_domain::visit::{Visit, VisitDraft};
use gridwalk_domain::{DocId, GridId, MemberId};

use crate::error::{CoreError, Result};
use crate::new_doc_id;
use crate::records::ListQuery;
use crate::store::Store;
use gridwalk_domain::catalog::builtin_vocabulary;

fn member_id() -> MemberId {
    MemberId::from_random_bytes(*uuid::Uuid::new_v4().as_bytes())
}

impl Store {
    /// A new household in `grid` (one of the account's; the default when
    /// `None`).
    pub fn create_household(
        &mut self,
        draft: &HouseholdDraft,
        grid: Option<&GridId>,
        now_ms: i64,
    ) -> Result<DocId> {
        let scope = self.archive_grid(grid)?;
        let by = self.author()?.map(|a| a.name).unwrap_or_default();
        let h = Household::from_draft(
            draft,
            new_doc_id(),
            scope,
            builtin_vocabulary(),
            &by,
            now_ms,
        )?;
        self.create_record(&h, now_ms)
    }

    /// Changes a household's address, care tags and notes.
    pub fn edit_household(
        &mut self,
        id: &DocId,
        draft: &HouseholdDraft,
        now_ms: i64,
    ) -> Result<()> {
        self.edit_record::<Household>(id, now_ms, |h| {
            let fresh =
                Household::from_draft(draft, h.id, h.scope.clone(), builtin_vocabulary(), "", 0)?;
            h.address = fresh.address;
            h.tags = fresh.tags;
            h.notes = fresh.notes;
            Ok(())
        })?;
        Ok(())
    }

    pub fn add_member(
        &mut self,
        household: &DocId,
        draft: &MemberDraft,
        now_ms: i64,
    ) -> Result<MemberId> {
        let member = Member::from_draft(draft, builtin_vocabulary(), CivilDate::beijing(now_ms))?;
        let id = member_id();
        self.edit_record::<Household>(household, now_ms, |h| {
            h.members.insert(id, member);
            Ok(())
        })?;
        Ok(id)
    }

    pub fn edit_member(
        &mut self,
        household: &DocId,
        member: &MemberId,
        edit: &MemberEdit,
        now_ms: i64,
    ) -> Result<()> {
        self.change_member(household, member, now_ms, |m| {
            *m = m.edited(edit, builtin_vocabulary(), CivilDate::beijing(now_ms))?;
            Ok(())
        })
    }

    /// Marks a member removed (moved out, passed away). The member stays in
    /// the record, so an edit made meanwhile on another phone survives.
    pub fn remove_member(
        &mut self,
        household: &DocId,
        member: &MemberId,
        now_ms: i64,
    ) -> Result<()> {
        self.set_member_removed(household, member, true, now_ms)
    }

    pub fn restore_member(
        &mut self,
        household: &DocId,
        member: &MemberId,
        now_ms: i64,
    ) -> Result<()> {
        self.set_member_removed(household, member, false, now_ms)
    }

    fn set_member_removed(
        &mut self,
        household: &DocId,
        member: &MemberId,
        removed: bool,
        now_ms: i64,
    ) -> Result<()> {
        self.change_member(household, member, now_ms, |m| {
            m.removed = removed;
            Ok(())
        })
    }

    fn change_member(
        &mut self,
        household: &DocId,
        member: &MemberId,
        now_ms: i64,
        f: impl FnOnce(&mut Member) -> Result<()>,
    ) -> Result<()> {
        self.edit_record::<Household>(household, now_ms, |h| {
            f(h.members.get_mut(member).ok_or_else(|| {
                CoreError::Invalid(format!("member {member} is not in this household"))
            })?)
        })?;
        Ok(())
    }

    /// The full phone or ID number of one member. The reveal is recorded
    /// in the same transaction, before the value is returned, so no look
    /// goes unlogged — offline too; it reaches the audit log with the next
    /// sync.
    pub fn reveal(
        &mut self,
        household: &DocId,
        member: &MemberId,
        field: SensitiveField,
        now_ms: i64,
    ) -> Result<Option<String>> {
        self.write(now_ms, |w| {
            let h: Household = w.read(household)?.ok_or(CoreError::NotFound(*household))?;
            let Some(value) = h.reveal(member, field) else {
                return Ok(None);
            };
            let author = w.author().cloned();
            let reveal = Reveal {
                id: new_doc_id(),
                scope: h.scope.clone(),
                household: h.id,
                member: *member,
                field,
                by: author.as_ref().map(|a| a.name.clone()).unwrap_or_default(),
                by_user: author.map(|a| a.user),
                at_ms: w.now_ms(),
            };
            w.create(&reveal)?;
            Ok(Some(value))
        })
    }

    /// Logs a visit and the needs it raised, as one batch.
    pub fn log_visit(&mut self, draft: &VisitDraft, now_ms: i64) -> Result<DocId> {
        let vocabulary = builtin_vocabulary();
        let (methods, notes) = draft.check(vocabulary)?;
        let mut needs = Vec::new();
        for n in &draft.needs {
            needs.push(n.check(vocabulary)?);
        }
        let household_id = draft
            .household
            .ok_or(CoreError::Invalid("pick a household".into()))?;
        self.write(now_ms, |w| {
            let h: Household = w
                .read(&household_id)?
                .ok_or(CoreError::NotFound(household_id))?;
            Store::require_blobs(
                w.tx(),
                draft.photos.iter().flat_map(|p| [&p.hash, &p.thumb]),
            )?;
            let author = w.author().cloned();
            let by = author.as_ref().map(|a| a.name.clone()).unwrap_or_default();
            let visit_id = new_doc_id();
            let mut need_ids = Vec::new();
            for (category, description) in needs {
                let need = Need {
                    id: new_doc_id(),
                    scope: h.scope.clone(),
                    household: Some(h.id),
                    visit: Some(visit_id),
                    place: h.address.line(),
                    category,
                    description,
                    raised_by: by.clone(),
                    raised_by_user: author.as_ref().map(|a| a.user),
                    raised_at_ms: w.now_ms(),
                    events: Vec::new(),
                };
                need_ids.push(w.create(&need)?);
            }
            let visit = Visit {
                id: visit_id,
                scope: h.scope.clone(),
                household: h.id,
                at_ms: w.now_ms(),
                by,
                by_user: author.map(|a| a.user),
                methods,
                notes,
                photos: draft.photos.clone(),
                needs: need_ids,
            };
            w.create(&visit)
        })
    }

    /// Households newest first, or those matching what was typed.
    pub fn households(
        &self,
        q: &HouseholdQuery,
        status: &SyncStatus,
    ) -> Result<Vec<Listed<HouseholdRow>>> {
        let query = ListQuery {
            grids: q.grid.clone().map(|g| vec![g]),
            search: Some(q.search.clone()),
            ..ListQuery::first(q.limit.unwrap_or(HOUSEHOLD_LIST_LIMIT))
        };
        self.list::<Household>(&query, status)
    }

    /// A household with its conflicts and its timeline of visits and needs.
    pub fn household_page(&self, id: &DocId, status: &SyncStatus) -> Result<Option<HouseholdPage>> {
        let Some(h) = self.record::<Household>(id)? else {
            return Ok(None);
        };
        let children = ListQuery {
            parent: Some(*id),
            ..ListQuery::first(500)
        };
        let unsent = self.has_unsent(id)?;
        Ok(Some(HouseholdPage {
            household: h.view(),
            conflicts: self.conflicts(id)?,
            visits: self.list::<Visit>(&children, status)?,
            needs: self.list::<Need>(&children, status)?,
            sync: record_state(unsent, status),
            uri: household_uri(id),
        }))
    }

    /// The buildings this device knows households in, for the door-QR
    /// sheet picker: by grid, estate and building.
    pub fn buildings(&self) -> Result<Vec<Building>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT scope, json_extract(summary, '$.estate') AS e, json_extract(summary, '$.building') AS b,
                    COUNT(*) FROM records WHERE kind = 'household'
             GROUP BY scope, e, b ORDER BY scope, e, CAST(b AS INTEGER), b",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (grid, estate, building, n) = row?;
            let Ok(grid) = GridId::parse(&grid) else {
                continue;
            };
            out.push(Building {
                grid,
                estate,
                building,
                households: n as u32,
            });
        }
        Ok(out)
    }

    /// The households of one building with their 户号, in door order.
    pub fn households_in(
        &self,
        grid: Option<&GridId>,
        estate: &str,
        building: &str,
    ) -> Result<Vec<(DocId, String)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT doc_id, json_extract(summary, '$.door') FROM records
             WHERE kind = 'household' AND (?1 IS NULL OR scope = ?1)
               AND json_extract(summary, '$.estate') = ?2 AND json_extract(summary, '$.building') = ?3",
        )?;
        let rows = stmt.query_map(
            rusqlite::params![grid.map(GridId::as_str), estate, building],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
        )?;
        let mut out = Vec::new();
        for row in rows {
            let (id, door) = row?;
            if let Ok(id) = DocId::parse(&id) {
                out.push((id, door));
            }
        }
        // 3-2-501 before 3-2-1001: by the numbers in the door, not the text.
        out.sort_by_key(|(_, door)| door_order(door));
        Ok(out)
    }

    pub(crate) fn has_unsent(&self, id: &DocId) -> Result<bool> {
        Ok(self.conn.query_row(
            "SELECT EXISTS(SELECT 1 FROM outbox WHERE doc_id = ?1)",
            [id.to_string()],
            |r| r.get(0),
        )?)
    }
}

/// The numbers in a 户号, for sorting doors the way people count them.
fn door_order(door: &str) -> Vec<(u64, String)> {
    door.split('-')
        .map(|p| (p.parse().unwrap_or(u64::MAX), p.to_owned()))
        .collect()
}

#[cfg(test)]
mod tests;

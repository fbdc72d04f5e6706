//! The record layer on the device: one way, for every kind, to create a
//! record, edit it field by field, read it, list and search it, and see
//! and settle its conflicts.
//!
//! Every write goes through a [`Writer`]: one SQLite transaction in which
//! each touched document is saved, its new change queued in the outbox and
//! its projection rebuilt — so a crash leaves all of them or none, and a
//! batch (a visit with its needs, an import of thousands of households)
//! lands whole or not at all.

mod projection;

pub(crate) use projection::{
    Arrival, PROJECTION_VERSION, Prepared, Rows, prepare, project, reproject_all, write_prepared,
    write_rows, write_search,
};

use automerge::{AutoCommit, Change};
use gridwalk_domain::ipc::Listed;
use gridwalk_domain::record::{Choice, Conflict, Record};
use gridwalk_domain::sync_state::{SyncStatus, record_state};
use gridwalk_domain::{Coordinates, DeviceId, DocId, DocKind, GridId, record};
use gridwalk_records::Author;
use rusqlite::types::Value as Sql;
use rusqlite::{OptionalExtension, Transaction, params};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use crate::error::{CoreError, Result};
use crate::search::match_expression;
use crate::store::Store;

/// What a list asks for. Every filter is optional; the kind comes from the
/// type asked for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListQuery {
    pub grids: Option<Vec<GridId>>,
    pub parent: Option<DocId>,
    pub category: Option<String>,
    pub status: Option<String>,
    /// Only records at or after this time (`at_ms` of the projection).
    pub since_ms: Option<i64>,
    /// Only records before this time.
    pub before_ms: Option<i64>,
    /// Only records made on this device.
    pub mine: bool,
    /// What a person typed into a search box.
    pub search: Option<String>,
    /// Only records whose point lies in this box (south, west, north, east).
    pub within: Option<[f64; 4]>,
    pub limit: u32,
}

impl ListQuery {
    pub fn first(limit: u32) -> Self {
        Self {
            limit,
            ..Self::default()
        }
    }
}

/// Writes records inside one transaction (see the module comment).
pub struct Writer<'s> {
    tx: Transaction<'s>,
    device: DeviceId,
    author: Option<Author>,
    now_ms: i64,
    /// Search texts of records created in this batch, indexed together.
    search: Vec<(i64, String)>,
}

impl std::fmt::Debug for Writer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer")
            .field("device", &self.device)
            .finish()
    }
}

impl Writer<'_> {
    pub fn now_ms(&self) -> i64 {
        self.now_ms
    }

    pub fn author(&self) -> Option<&Author> {
        self.author.as_ref()
    }

    /// Saves a new record of kind `K`.
    pub fn create<K: Record>(&mut self, body: &K) -> Result<DocId> {
        let change = new_change(&self.device, self.author.as_ref(), self.now_ms, body)?;
        self.insert_new(body, &change)
    }

    /// Saves many new records of kind `K`. Their Automerge changes are
    /// built on every core while this thread writes the ones already
    /// built: the documents are independent, only the writes are serial.
    /// The first failure stops the batch (and the caller's transaction
    /// rolls it all back).
    pub fn create_many<K: Record>(&mut self, bodies: &[K]) -> Result<Vec<DocId>> {
        /// Bodies a worker takes at a time: small enough that the writer
        /// starts early, large enough that the hand-over costs nothing.
        const CHUNK: usize = 128;
        let chunks: Vec<&[K]> = bodies.chunks(CHUNK).collect();
        let workers = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(chunks.len());
        let (device, author, now) = (self.device, self.author.clone(), self.now_ms);
        let next = AtomicUsize::new(0);
        let stop = AtomicBool::new(false);
        std::thread::scope(|s| {
            let (built, arrive) = std::sync::mpsc::sync_channel(workers * 2);
            for _ in 0..workers {
                let (built, author, chunks) = (built.clone(), author.clone(), &chunks);
                let (next, stop) = (&next, &stop);
                s.spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(chunk) = chunks.get(i) else { break };
                        let changes = chunk
                            .iter()
                            .map(|b| new_change(&device, author.as_ref(), now, b))
                            .collect::<Result<Vec<_>>>();
                        if built.send((i, changes)).is_err() {
                            break;
                        }
                    }
                });
            }
            drop(built);
            // `into_iter` drops the receiver when this returns, so a worker
            // blocked on a full channel wakes (and stops) after a failure.
            let written = arrive.into_iter().try_for_each(|(i, changes)| {
                chunks[i]
                    .iter()
                    .zip(&changes?)
                    .try_for_each(|(b, c)| self.insert_new(b, c).map(drop))
            });
            stop.store(true, Ordering::Relaxed);
            written
        })?;
        Ok(bodies.iter().map(Record::id).collect())
    }

    /// Stores a new record made by `change`. A new document is its one
    /// change: the change's bytes load as the document, and its rows come
    /// straight from the body it was made from (no conflicts yet, made
    /// here).
    fn insert_new<K: Record>(&mut self, body: &K, change: &Change) -> Result<DocId> {
        let id = body.id();
        let (id_s, scope) = (id.to_string(), body.scope());
        let inserted = self
            .tx
            .prepare_cached(
                "INSERT INTO documents(doc_id, kind, scope, bytes, updated_at_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(doc_id) DO NOTHING",
            )?
            .execute(params![
                id_s,
                K::KIND.as_str(),
                scope.as_str(),
                change.raw_bytes(),
                self.now_ms
            ])?;
        if inserted == 0 {
            return Err(CoreError::Invalid(format!("record {id} exists already")));
        }
        self.tx
            .prepare_cached(
                "INSERT INTO outbox(change_hash, doc_id, scope, bytes) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![
                change.hash().to_string(),
                id_s,
                scope.as_str(),
                change.raw_bytes()
            ])?;
        let projection = body
            .project()
            .erase()
            .map_err(|e| CoreError::Invalid(e.to_string()))?;
        let maker = self.device.to_string();
        let rows = Rows {
            id: &id,
            scope,
            kind: K::KIND,
            projection: &projection,
            conflicts: false,
            maker: &maker,
        };
        let search = write_rows(&self.tx, &rows, true)?;
        self.search.push(search);
        Ok(id)
    }

    /// The record as it is now (inside this transaction).
    pub fn read<K: Record>(&self, id: &DocId) -> Result<Option<K>> {
        match load(&self.tx, id)? {
            Some((doc, scope)) => Ok(Some(read_stored(&doc, id, &scope)?)),
            None => Ok(None),
        }
    }

    /// The records of `kind` whose projection names `parent` (a visit's
    /// household, a report's seconded order), as this transaction sees them.
    pub fn children(&self, parent: &DocId, kind: DocKind) -> Result<Vec<DocId>> {
        let mut stmt = self
            .tx
            .prepare_cached("SELECT doc_id FROM records WHERE parent = ? AND kind = ?")?;
        let ids = stmt
            .query_map(rusqlite::params![parent.to_string(), kind.as_str()], |r| {
                r.get::<_, String>(0)
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        ids.iter()
            .map(|id| DocId::parse(id).map_err(|e| CoreError::Invalid(e.to_string())))
            .collect()
    }

    /// Changes the record through `f`; writes only the fields that differ.
    /// `false` when `f` changed nothing.
    pub fn edit<K: Record>(
        &mut self,
        id: &DocId,
        f: impl FnOnce(&mut K) -> Result<()>,
    ) -> Result<bool> {
        let (mut doc, scope) = load(&self.tx, id)?.ok_or_else(|| CoreError::NotFound(*id))?;
        let mut body: K = read_stored(&doc, id, &scope)?;
        f(&mut body)?;
        let Some(change) = gridwalk_records::edit(
            &mut doc,
            &self.device,
            &body,
            self.author.as_ref(),
            self.now_ms,
        )?
        else {
            return Ok(false);
        };
        self.save(id, K::KIND, &scope, &mut doc, &[change])?;
        Ok(true)
    }

    /// Settles one conflict of the record.
    pub fn resolve(&mut self, id: &DocId, path: &[String], choice: &Choice) -> Result<()> {
        let (mut doc, scope) = load(&self.tx, id)?.ok_or_else(|| CoreError::NotFound(*id))?;
        let kind = gridwalk_records::kind(&doc).ok_or_else(|| CoreError::NotFound(*id))?;
        let spec = record::spec(kind).ok_or_else(|| CoreError::NotFound(*id))?;
        let change = gridwalk_records::resolve(
            &mut doc,
            &self.device,
            spec,
            path,
            choice,
            self.author.as_ref(),
            self.now_ms,
        )?;
        self.save(id, kind, &scope, &mut doc, &[change])
    }

    fn save(
        &mut self,
        id: &DocId,
        kind: DocKind,
        scope: &GridId,
        doc: &mut AutoCommit,
        changes: &[Change],
    ) -> Result<()> {
        self.flush_search()?;
        let id_s = id.to_string();
        self.tx
            .prepare_cached(
                "INSERT INTO documents(doc_id, kind, scope, bytes, updated_at_ms) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(doc_id) DO UPDATE SET bytes = excluded.bytes, updated_at_ms = excluded.updated_at_ms",
            )?
            .execute(params![id_s, kind.as_str(), scope.as_str(), doc.save(), self.now_ms])?;
        for c in changes {
            self.tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO outbox(change_hash, doc_id, scope, bytes) VALUES (?1, ?2, ?3, ?4)",
                )?
                .execute(params![c.hash().to_string(), id_s, scope.as_str(), c.raw_bytes()])?;
        }
        project(&self.tx, id, scope, doc)
    }

    pub(crate) fn tx(&self) -> &Transaction<'_> {
        &self.tx
    }

    /// Indexes what `create` queued, before anything else touches the index.
    fn flush_search(&mut self) -> Result<()> {
        write_search(&self.tx, &std::mem::take(&mut self.search))
    }

    fn commit(mut self) -> Result<()> {
        self.flush_search()?;
        self.tx.commit()?;
        Ok(())
    }
}

/// The one change that creates a document for `body`, after checking it.
fn new_change<K: Record>(
    device: &DeviceId,
    author: Option<&Author>,
    now_ms: i64,
    body: &K,
) -> Result<Change> {
    body.validate()
        .and_then(|()| body.check_limits())
        .map_err(gridwalk_records::RecordsError::from)?;
    Ok(gridwalk_records::create(device, body, author, now_ms)?.1)
}

/// Reads a stored record of kind `K`. Its body must name the id and grid
/// the document is filed under: a body from another device that claims
/// another record's id or another grid is unreadable, or new visits and
/// reveals made from it would land in that grid.
pub(crate) fn read_stored<K: Record>(doc: &AutoCommit, id: &DocId, scope: &GridId) -> Result<K> {
    let label = id.to_string();
    let body: K = gridwalk_records::read(doc, &label)?;
    if body.id() != *id || body.scope() != scope {
        return Err(gridwalk_records::RecordsError::Unreadable {
            doc: label,
            reason: format!(
                "its body names record {} in grid {}, but it is filed as {id} in grid {scope}",
                body.id(),
                body.scope()
            ),
        }
        .into());
    }
    Ok(body)
}

/// A stored document and its grid.
pub(crate) fn load(tx: &rusqlite::Connection, id: &DocId) -> Result<Option<(AutoCommit, GridId)>> {
    let row: Option<(Vec<u8>, String)> = tx
        .query_row(
            "SELECT bytes, scope FROM documents WHERE doc_id = ?1",
            [id.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((bytes, scope)) = row else {
        return Ok(None);
    };
    let doc = gridwalk_records::load(&bytes, &id.to_string())?;
    let scope = GridId::parse(&scope).map_err(|e| CoreError::Invalid(e.to_string()))?;
    Ok(Some((doc, scope)))
}

impl Store {
    /// Who this device writes as: the account it is bound to.
    pub fn author(&self) -> Result<Option<Author>> {
        Ok(self.me()?.map(|me| Author {
            user: me.user,
            name: me.name,
        }))
    }

    /// Runs `f` with a [`Writer`] and commits if it succeeds; nothing of a
    /// failed batch is kept.
    pub fn write<T>(
        &mut self,
        now_ms: i64,
        f: impl FnOnce(&mut Writer<'_>) -> Result<T>,
    ) -> Result<T> {
        let author = self.author()?;
        let device = self.device();
        let mut w = Writer {
            tx: self.conn.transaction()?,
            device,
            author,
            now_ms,
            search: Vec::new(),
        };
        let out = f(&mut w)?;
        w.commit()?;
        Ok(out)
    }

    pub fn create_record<K: Record>(&mut self, body: &K, now_ms: i64) -> Result<DocId> {
        self.write(now_ms, |w| w.create(body))
    }

    pub fn edit_record<K: Record>(
        &mut self,
        id: &DocId,
        now_ms: i64,
        f: impl FnOnce(&mut K) -> Result<()>,
    ) -> Result<bool> {
        self.write(now_ms, |w| w.edit(id, f))
    }

    /// The record read from its document (the truth), not its projection.
    pub fn record<K: Record>(&self, id: &DocId) -> Result<Option<K>> {
        match load(&self.conn, id)? {
            Some((doc, scope)) => Ok(Some(read_stored(&doc, id, &scope)?)),
            None => Ok(None),
        }
    }

    /// The record's kind, if it is on this device.
    pub fn kind_of(&self, id: &DocId) -> Result<Option<DocKind>> {
        let kind: Option<String> = self
            .conn
            .query_row(
                "SELECT kind FROM documents WHERE doc_id = ?1",
                [id.to_string()],
                |r| r.get(0),
            )
            .optional()?;
        Ok(kind.and_then(|k| DocKind::parse(&k).ok()))
    }

    /// The record's unsettled conflicts, oldest version first.
    pub fn conflicts(&self, id: &DocId) -> Result<Vec<Conflict>> {
        let Some((doc, _)) = load(&self.conn, id)? else {
            return Ok(Vec::new());
        };
        let spec = gridwalk_records::kind(&doc).and_then(record::spec);
        Ok(spec.map_or_else(Vec::new, |s| gridwalk_records::conflicts(&doc, s)))
    }

    pub fn resolve(
        &mut self,
        id: &DocId,
        path: &[String],
        choice: &Choice,
        now_ms: i64,
    ) -> Result<()> {
        self.write(now_ms, |w| w.resolve(id, path, choice))
    }

    /// Records of kind `K`, newest first, with the sync state a person
    /// reads on each.
    pub fn list<K: Record>(
        &self,
        q: &ListQuery,
        status: &SyncStatus,
    ) -> Result<Vec<Listed<K::Summary>>> {
        const COLUMNS: &str = "SELECT r.doc_id, r.scope, r.maker_device, r.conflicts, r.summary,
                    EXISTS(SELECT 1 FROM outbox o WHERE o.doc_id = r.doc_id)
                    OR EXISTS(SELECT 1 FROM record_blobs rb JOIN blobs b ON b.hash = rb.hash
                              WHERE rb.doc_id = r.doc_id AND b.uploaded = 0),
                    EXISTS(SELECT 1 FROM record_blobs rb WHERE rb.doc_id = r.doc_id
                              AND rb.hash NOT IN (SELECT hash FROM blobs)),
                    r.lat, r.lon";
        let mut args: Vec<Sql> = Vec::new();
        let searching = q.search.as_deref().is_some_and(|t| !t.trim().is_empty());
        let mut sql = match q.search.as_deref().filter(|_| searching) {
            // A search walks the index's matches newest first (in the order
            // records arrived on this device; CROSS JOIN keeps it) and stops
            // at a page, so its cost follows the page, not how many match:
            // `王` in 100,000 households matches thousands.
            Some(text) => {
                let Some(expr) = match_expression(text) else {
                    return Ok(Vec::new());
                };
                args.push(Sql::Text(expr));
                "SELECT r.id FROM record_search s CROSS JOIN records r ON r.id = s.rowid
                 WHERE record_search MATCH ? AND r.kind = ?"
                    .to_owned()
            }
            None => "SELECT r.id FROM records r WHERE r.kind = ?".to_owned(),
        };
        args.push(Sql::Text(K::KIND.as_str().into()));
        if let Some(grids) = &q.grids {
            if grids.is_empty() {
                return Ok(Vec::new());
            }
            sql += &format!(" AND r.scope IN ({})", vec!["?"; grids.len()].join(","));
            args.extend(grids.iter().map(|g| Sql::Text(g.to_string())));
        }
        let text_filters = [
            ("r.parent = ?", q.parent.map(|p| p.to_string())),
            ("r.category = ?", q.category.clone()),
            ("r.status = ?", q.status.clone()),
            (
                "r.maker_device = ?",
                q.mine.then(|| self.device().to_string()),
            ),
        ];
        for (clause, value) in text_filters {
            if let Some(v) = value {
                sql += " AND ";
                sql += clause;
                args.push(Sql::Text(v));
            }
        }
        if let Some([south, west, north, east]) = q.within {
            sql += " AND r.lat BETWEEN ? AND ? AND r.lon BETWEEN ? AND ?";
            args.extend([south, north, west, east].map(Sql::Real));
        }
        for (clause, value) in [("r.at_ms >= ?", q.since_ms), ("r.at_ms < ?", q.before_ms)] {
            if let Some(v) = value {
                sql += " AND ";
                sql += clause;
                args.push(Sql::Integer(v));
            }
        }
        // The page is picked first; only its rows get their sync state
        // worked out (three lookups each), not every match.
        let (inner, outer) = if searching {
            (" ORDER BY s.rowid DESC", " ORDER BY r.id DESC")
        } else {
            let list = " ORDER BY r.at_ms DESC, r.sort, r.doc_id";
            (list, list)
        };
        let sql = format!(
            "{COLUMNS} FROM ({sql}{inner} LIMIT ?) page JOIN records r ON r.id = page.id{outer}"
        );
        args.push(Sql::Integer(i64::from(q.limit)));
        let device = self.device().to_string();
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(args), |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, bool>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, bool>(5)?,
                r.get::<_, bool>(6)?,
                (r.get::<_, Option<f64>>(7)?, r.get::<_, Option<f64>>(8)?),
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, scope, maker, conflicts, summary, unsent, photos_pending, at) = row?;
            let bad =
                |e: String| CoreError::Invalid(format!("the list of {} is damaged: {e}", K::KIND));
            out.push(Listed {
                id: DocId::parse(&id).map_err(|e| bad(e.to_string()))?,
                scope: GridId::parse(&scope).map_err(|e| bad(e.to_string()))?,
                mine: maker == device,
                conflicts,
                photos_pending,
                sync: record_state(unsent, status),
                place: match at {
                    (Some(lat), Some(lon)) => Coordinates::parse(lat, lon).ok(),
                    _ => None,
                },
                summary: serde_json::from_str(&summary).map_err(|e| bad(e.to_string()))?,
            });
        }
        Ok(out)
    }

    /// How many records of `kind` match `q`'s grid, category, status and
    /// time filters, grouped by category (for the office's counts).
    pub fn count_by_category(&self, kind: DocKind, q: &ListQuery) -> Result<Vec<(String, u64)>> {
        let mut sql =
            String::from("SELECT COALESCE(category, ''), COUNT(*) FROM records WHERE kind = ?");
        let mut args: Vec<Sql> = vec![Sql::Text(kind.as_str().into())];
        if let Some(grids) = &q.grids {
            if grids.is_empty() {
                return Ok(Vec::new());
            }
            sql += &format!(" AND scope IN ({})", vec!["?"; grids.len()].join(","));
            args.extend(grids.iter().map(|g| Sql::Text(g.to_string())));
        }
        if let Some(s) = &q.status {
            sql += " AND status = ?";
            args.push(Sql::Text(s.clone()));
        }
        for (clause, value) in [
            (" AND at_ms >= ?", q.since_ms),
            (" AND at_ms < ?", q.before_ms),
        ] {
            if let Some(v) = value {
                sql += clause;
                args.push(Sql::Integer(v));
            }
        }
        sql += " GROUP BY category ORDER BY category";
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(args), |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests;

//! Projection rows — list columns, the photos a record needs, its search
//! text — rebuilt from a document whenever it changes, through the kind's
//! description. The document stays the truth: a projection can always be
//! thrown away and rebuilt (`reproject_all`), which is how the store moves
//! to a new projection layout.

use automerge::AutoCommit;
use gridwalk_domain::record::{Projection, spec};
use gridwalk_domain::{DocId, DocKind, GridId};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Value;

use crate::error::{CoreError, Result};
use crate::search::index_text;

/// Bump when what a projection row holds changes: every projection is then
/// rebuilt from the documents when the store opens.
pub(crate) const PROJECTION_VERSION: &str = "3";

/// Rebuilds the rows of one record. A document whose kind this version
/// does not describe, or whose body does not read as its kind, is kept
/// (and synced) but not listed.
pub(crate) fn project(tx: &Connection, id: &DocId, scope: &GridId, doc: &AutoCommit) -> Result<()> {
    let arrival = Arrival::default();
    let search = write_prepared(
        tx,
        id,
        scope,
        prepare(doc, id, scope, arrival).as_ref(),
        arrival,
    )?;
    write_search(tx, search.as_slice())
}

/// What the caller knows of a record it projects.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Arrival {
    /// It has no rows yet: a plain insert, nothing old to clear.
    pub new: bool,
    /// It may hold conflicts; one made of a single change cannot, and
    /// walking it for them is most of the work.
    pub may_conflict: bool,
}

impl Default for Arrival {
    fn default() -> Self {
        Self {
            new: false,
            may_conflict: true,
        }
    }
}

/// What a record's rows will hold, read from its document alone (no
/// database), so many records can be read at once on several threads.
#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    kind: DocKind,
    projection: Projection<Value>,
    conflicts: bool,
    maker: String,
}

/// `None` when the record is not listed: its kind is not described here,
/// or its body does not read as its kind or names another id or grid.
pub(crate) fn prepare(
    doc: &AutoCommit,
    id: &DocId,
    scope: &GridId,
    arrival: Arrival,
) -> Option<Prepared> {
    let label = id.to_string();
    let kind_spec = gridwalk_records::kind(doc).and_then(spec)?;
    let (body_id, body_scope, projection) =
        match gridwalk_records::read_spec(doc, kind_spec, &label) {
            Ok(read) => read,
            Err(e) => {
                tracing::warn!(doc = %label, "record not listed: {e}");
                return None;
            }
        };
    if body_id != *id || body_scope != *scope {
        tracing::warn!(doc = %label, "the record's body names another id or grid; not listed");
        return None;
    }
    Some(Prepared {
        kind: kind_spec.kind,
        projection,
        conflicts: arrival.may_conflict && !gridwalk_records::conflicts(doc, kind_spec).is_empty(),
        maker: gridwalk_records::maker(doc)
            .map(|d| d.to_string())
            .unwrap_or_default(),
    })
}

/// Writes what `prepare` read (or takes the record off the lists); answers
/// the row and text for `write_search`, which the caller runs once for many
/// records (FTS5 flushes at every statement).
pub(crate) fn write_prepared(
    tx: &Connection,
    id: &DocId,
    scope: &GridId,
    prepared: Option<&Prepared>,
    arrival: Arrival,
) -> Result<Option<(i64, String)>> {
    let Some(p) = prepared else {
        return unproject(tx, id).map(|()| None);
    };
    let rows = Rows {
        id,
        scope,
        kind: p.kind,
        projection: &p.projection,
        conflicts: p.conflicts,
        maker: &p.maker,
    };
    write_rows(tx, &rows, arrival.new).map(Some)
}

/// What one record's projection rows hold.
pub(crate) struct Rows<'a> {
    pub id: &'a DocId,
    pub scope: &'a GridId,
    pub kind: DocKind,
    pub projection: &'a Projection<Value>,
    pub conflicts: bool,
    pub maker: &'a str,
}

/// Writes one record's list row and the photos it needs; answers its row
/// id and search text, which `write_search` indexes (batched: FTS5
/// flushes its pending terms at every statement that writes to it). A
/// `new` record has no old rows to clear.
pub(crate) fn write_rows(tx: &Connection, r: &Rows<'_>, new: bool) -> Result<(i64, String)> {
    let (id, scope, kind, p, conflicts, maker) =
        (r.id, r.scope, r.kind, r.projection, r.conflicts, r.maker);
    let label = id.to_string();
    let summary =
        serde_json::to_string(&p.summary).map_err(|e| CoreError::Invalid(e.to_string()))?;
    let values = params![
        label,
        kind.as_str(),
        scope.as_str(),
        p.parent.map(|d| d.to_string()),
        p.category,
        p.status,
        p.at_ms,
        maker,
        p.place.map(|c| c.lat()),
        p.place.map(|c| c.lon()),
        conflicts,
        summary,
        p.sort,
    ];
    const INSERT: &str = "INSERT INTO records(doc_id, kind, scope, parent, category, status,
            at_ms, maker_device, lat, lon, conflicts, summary, sort)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";
    let row: i64 = if new {
        // A plain insert: `RETURNING` would buffer the row in a temporary
        // table, which an import of thousands pays for every record.
        tx.prepare_cached(INSERT)?.execute(values)?;
        tx.last_insert_rowid()
    } else {
        tx.prepare_cached(&format!(
            "{INSERT} ON CONFLICT(doc_id) DO UPDATE SET kind = excluded.kind,
                 scope = excluded.scope, parent = excluded.parent,
                 category = excluded.category, status = excluded.status,
                 at_ms = excluded.at_ms, sort = excluded.sort,
                 maker_device = excluded.maker_device, lat = excluded.lat,
                 lon = excluded.lon, conflicts = excluded.conflicts, summary = excluded.summary
             RETURNING id"
        ))?
        .query_row(values, |r| r.get(0))?
    };
    if !new {
        tx.prepare_cached("DELETE FROM record_blobs WHERE doc_id = ?1")?
            .execute([&label])?;
    }
    for hash in &p.blobs {
        tx.prepare_cached("INSERT OR IGNORE INTO record_blobs(doc_id, hash) VALUES (?1, ?2)")?
            .execute(params![label, hash.as_str()])?;
    }
    let text = index_text(&p.search);
    if !new {
        // Most edits leave the searchable words as they were; re-indexing
        // them anyway (an FTS5 delete reads and re-tokenises the old text)
        // would be most of an edit's cost.
        let old: Option<String> = tx
            .prepare_cached("SELECT text FROM record_search WHERE rowid = ?1")?
            .query_row([row], |r| r.get(0))
            .optional()?;
        if old.as_deref() == Some(text.as_str()) {
            return Ok((row, String::new()));
        }
        if old.is_some() {
            tx.prepare_cached("DELETE FROM record_search WHERE rowid = ?1")?
                .execute([row])?;
        }
    }
    Ok((row, text))
}

/// Rows per search insert: one FTS5 flush per statement, not per record.
const SEARCH_ROWS_PER_INSERT: usize = 400;

/// Indexes the search texts of records whose old text (if any) is gone.
pub(crate) fn write_search(tx: &Connection, rows: &[(i64, String)]) -> Result<()> {
    let rows: Vec<&(i64, String)> = rows.iter().filter(|(_, t)| !t.is_empty()).collect();
    for chunk in rows.chunks(SEARCH_ROWS_PER_INSERT) {
        let sql = format!(
            "INSERT INTO record_search(rowid, text) VALUES {}",
            vec!["(?, ?)"; chunk.len()].join(", ")
        );
        let args = chunk.iter().flat_map(|(row, text)| {
            [
                rusqlite::types::Value::Integer(*row),
                rusqlite::types::Value::Text(text.clone()),
            ]
        });
        tx.prepare_cached(&sql)?
            .execute(rusqlite::params_from_iter(args))?;
    }
    Ok(())
}

fn unproject(tx: &Connection, id: &DocId) -> Result<()> {
    let label = id.to_string();
    tx.execute(
        "DELETE FROM record_search WHERE rowid IN (SELECT id FROM records WHERE doc_id = ?1)",
        [&label],
    )?;
    tx.execute("DELETE FROM records WHERE doc_id = ?1", [&label])?;
    tx.execute("DELETE FROM record_blobs WHERE doc_id = ?1", [&label])?;
    Ok(())
}

/// Throws every projection away and rebuilds it from the documents, in one
/// transaction. Returns how many documents were read.
pub(crate) fn reproject_all(conn: &mut Connection) -> Result<usize> {
    let tx = conn.transaction()?;
    tx.execute_batch("DELETE FROM record_search; DELETE FROM records; DELETE FROM record_blobs;")?;
    let docs: Vec<(String, String, Vec<u8>)> = {
        let mut stmt = tx.prepare("SELECT doc_id, scope, bytes FROM documents")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        rows.collect::<Result<_, _>>()?
    };
    let n = docs.len();
    for (id, scope, bytes) in docs {
        let (Ok(doc_id), Ok(grid)) = (DocId::parse(&id), GridId::parse(&scope)) else {
            tracing::warn!(doc = %id, "stored document has a bad id or grid; not listed");
            continue;
        };
        match gridwalk_records::load(&bytes, &id) {
            Ok(doc) => project(&tx, &doc_id, &grid, &doc)?,
            Err(e) => tracing::warn!(doc = %id, "stored document does not load: {e}"),
        }
    }
    crate::store::set_meta(&tx, "projection_version", PROJECTION_VERSION)?;
    tx.commit()?;
    Ok(n)
}

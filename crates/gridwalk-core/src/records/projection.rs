//! Projection rows — list columns, the photos a record needs, its search
//! text — rebuilt from a document whenever it changes, through the kind's
//! description. The document stays the truth: a projection can always be
//! thrown away and rebuilt (`reproject_all`), which is how the store moves
//! to a new projection layout.

use automerge::AutoCommit;
use gridwalk_domain::record::{Projection, spec};
use gridwalk_domain::{DocId, DocKind, GridId};
use rusqlite::{Connection, params};
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
    let label = id.to_string();
    let Some(kind_spec) = gridwalk_records::kind(doc).and_then(spec) else {
        return unproject(tx, id);
    };
    let (body_id, body_scope, p) = match gridwalk_records::read_spec(doc, kind_spec, &label) {
        Ok(read) => read,
        Err(e) => {
            tracing::warn!(doc = %label, "record not listed: {e}");
            return unproject(tx, id);
        }
    };
    if body_id != *id || body_scope != *scope {
        tracing::warn!(doc = %label, "the record's body names another id or grid; not listed");
        return unproject(tx, id);
    }
    let conflicts = !gridwalk_records::conflicts(doc, kind_spec).is_empty();
    let maker = gridwalk_records::maker(doc)
        .map(|d| d.to_string())
        .unwrap_or_default();
    let rows = Rows {
        id,
        scope,
        kind: kind_spec.kind,
        projection: &p,
        conflicts,
        maker: &maker,
    };
    let (row, text) = write_rows(tx, &rows, false)?;
    write_search(tx, &[(row, text)])
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
        tx.prepare_cached("DELETE FROM record_search WHERE rowid = ?1")?
            .execute([row])?;
    }
    for hash in &p.blobs {
        tx.prepare_cached("INSERT OR IGNORE INTO record_blobs(doc_id, hash) VALUES (?1, ?2)")?
            .execute(params![label, hash.as_str()])?;
    }
    Ok((row, index_text(&p.search)))
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

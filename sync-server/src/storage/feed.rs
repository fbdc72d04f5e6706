//! The change feed: every accepted change once, in the order it was stored,
//! with the grid, kind and maker of its document so reads can be filtered
//! without decoding anything.

use gridwalk_domain::sync::{MAX_PAGE_CHANGE_BYTES, WireChange};
use gridwalk_domain::{DocId, DocKind, GridId};
use std::collections::HashMap;

use super::check_index::{IndexUpdate, write_index};
use super::{AuditNote, FeedMoved, Storage, StorageError, Value, placeholders};

/// Documents looked up in one statement: far below both databases' limits
/// on bound parameters, and as many as one push may touch.
const DOCS_PER_QUERY: usize = 500;

/// A change that passed decoding, with the hash the server computed.
#[derive(Debug, Clone)]
pub struct CheckedChange {
    pub hash: String,
    /// The change as decoded, so checking it does not parse its bytes again.
    pub change: automerge::Change,
    pub wire: WireChange,
}

/// What the first change of a document fixed for good.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocFacts {
    pub scope: GridId,
    pub kind: DocKind,
    /// The user who created it (`""` for records from before accounts).
    pub owner: String,
    /// A work order published as a small wish (微心愿).
    pub wish: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DocHistory {
    pub facts: Option<DocFacts>,
    pub changes: Vec<(String, Vec<u8>)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppendOutcome {
    /// Changes now stored (including ones that already were).
    pub acked: usize,
    /// How many were new.
    pub inserted: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub changes: Vec<(u64, String, WireChange)>,
    pub cursor: u64,
    pub more: bool,
}

/// Which changes a reader receives: those of `kinds` in `grids` (every grid
/// when `None`), plus the records of `owner_kinds` that `owner` made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadFilter {
    pub grids: Option<Vec<GridId>>,
    pub kinds: Vec<DocKind>,
    pub owner: Option<String>,
    pub owner_kinds: Vec<DocKind>,
    /// Also the work orders in `grids` published as small wishes.
    pub wishes: bool,
}

impl ReadFilter {
    /// Everything, for operators' tools and tests.
    pub fn everything() -> Self {
        Self {
            grids: None,
            kinds: DocKind::ALL.to_vec(),
            owner: None,
            owner_kinds: Vec::new(),
            wishes: false,
        }
    }
}

impl Storage {
    pub fn doc_facts(&self, doc: &DocId) -> Result<Option<DocFacts>, StorageError> {
        Ok(self
            .doc_histories(&[*doc])?
            .remove(doc)
            .and_then(|h| h.facts))
    }

    /// For each document: its facts (none if new) and its stored changes,
    /// oldest first, as (hash, bytes) — in one snapshot for a whole push,
    /// two queries for every `DOCS_PER_QUERY` documents.
    pub fn doc_histories(
        &self,
        docs: &[DocId],
    ) -> Result<HashMap<DocId, DocHistory>, StorageError> {
        self.read(|tx| {
            let mut out: HashMap<DocId, DocHistory> =
                docs.iter().map(|d| (*d, DocHistory::default())).collect();
            for (doc, facts) in facts_rows(tx, docs)? {
                if let Some(h) = out.get_mut(&doc) {
                    h.facts = Some(facts);
                }
            }
            for chunk in docs.chunks(DOCS_PER_QUERY) {
                let ids: Vec<Value> = chunk.iter().map(|d| d.to_string().into()).collect();
                let list = placeholders(1, ids.len());
                let changes = tx.query(
                    &format!("SELECT doc_id, hash, bytes FROM changes WHERE doc_id IN ({list}) ORDER BY seq"),
                    &ids,
                )?;
                for row in &changes {
                    let doc = stored_doc_id(&row.text(0)?)?;
                    if let Some(h) = out.get_mut(&doc) {
                        h.changes.push((row.text(1)?, row.bytes(2)?));
                    }
                }
            }
            Ok(out)
        })
    }

    /// Stores each change once per document, all or nothing. `facts` holds
    /// what the authorisation step decided for documents new to the server;
    /// a document that someone else created in the meantime rolls it all
    /// back. `notes[i]`, if any, is audited with change `i` when it is new.
    /// `index` is what the check learnt for the next one (`check_index`).
    pub fn append(
        &self,
        device: &str,
        changes: &[CheckedChange],
        facts: &HashMap<DocId, DocFacts>,
        notes: &HashMap<usize, AuditNote>,
        index: &HashMap<DocId, IndexUpdate>,
        now_ms: i64,
    ) -> Result<AppendOutcome, StorageError> {
        let moved = FeedMoved::in_grids(changes.iter().map(|c| &c.wire.scope));
        let notice = self.backend.feed_notice_sql();
        let outcome = self.write(|tx| {
            let mut inserted = 0;
            let mut known: HashMap<DocId, DocFacts> = HashMap::new();
            for (index, c) in changes.iter().enumerate() {
                let doc = c.wire.doc;
                let doc_text = doc.to_string();
                if let std::collections::hash_map::Entry::Vacant(slot) = known.entry(doc) {
                    let rows = tx.query(
                        &format!("SELECT scope, kind, owner, {WISH} FROM documents d WHERE doc_id = $1"),
                        &[doc_text.as_str().into()],
                    )?;
                    let stored = match rows.first() {
                        Some(row) => facts_from_row(row)?,
                        None => {
                            let new = facts
                                .get(&doc)
                                .ok_or_else(|| StorageError::CreatedConcurrently(doc_text.clone()))?;
                            tx.execute(
                                "INSERT INTO documents(doc_id, scope, kind, owner) VALUES ($1, $2, $3, $4)",
                                &[
                                    doc_text.as_str().into(),
                                    new.scope.as_str().into(),
                                    new.kind.as_str().into(),
                                    new.owner.as_str().into(),
                                ],
                            )?;
                            if new.wish {
                                tx.execute(
                                    "INSERT INTO wishes(doc_id) VALUES ($1)",
                                    &[doc_text.as_str().into()],
                                )?;
                            }
                            new.clone()
                        }
                    };
                    if facts.get(&doc).is_some_and(|f| f != &stored) {
                        return Err(StorageError::CreatedConcurrently(doc_text));
                    }
                    slot.insert(stored);
                }
                let stored = &known[&doc];
                if stored.scope != c.wire.scope {
                    return Err(StorageError::ScopeMismatch {
                        doc: doc_text,
                        stored: stored.scope.to_string(),
                        claimed: c.wire.scope.to_string(),
                    });
                }
                let new = tx.execute(
                    "INSERT INTO changes(hash, doc_id, scope, kind, owner, bytes, device, received_at_ms)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT(doc_id, hash) DO NOTHING",
                    &[
                        c.hash.as_str().into(),
                        doc_text.as_str().into(),
                        stored.scope.as_str().into(),
                        stored.kind.as_str().into(),
                        stored.owner.as_str().into(),
                        c.wire.bytes.as_slice().into(),
                        device.into(),
                        now_ms.into(),
                    ],
                )? as usize;
                if let (1, Some(n)) = (new, notes.get(&index)) {
                    super::audit::insert(tx, &n.actor, n.action, &n.target, &n.detail, now_ms)?;
                }
                inserted += new;
            }
            for (doc, update) in index {
                write_index(tx, &doc.to_string(), update)?;
            }
            if let (true, Some(sql)) = (inserted > 0, notice) {
                tx.execute(sql, &[moved.payload().into()])?;
            }
            Ok(AppendOutcome {
                acked: changes.len(),
                inserted,
            })
        })?;
        // Durable now: a held pull may read it.
        if outcome.inserted > 0 && notice.is_none() {
            self.signal.send(moved);
        }
        Ok(outcome)
    }

    /// The next page of what `filter` lets through after `cursor`. When the
    /// page is not full the cursor moves to the feed's head, so a reader
    /// does not rescan changes it may not see.
    pub fn changes_after(
        &self,
        filter: &ReadFilter,
        cursor: u64,
        limit: usize,
    ) -> Result<Page, StorageError> {
        // A cursor past i64 (only a hostile client sends one) means "nothing newer".
        let after = i64::try_from(cursor).unwrap_or(i64::MAX);
        self.read(|tx| {
            // The head is read first and bounds the query, so rows committed
            // in between are left for the next page instead of skipped.
            let head = tx
                .query("SELECT MAX(seq) FROM changes", &[])?
                .first()
                .map_or(Ok(None), |r| r.opt_int(0))?
                .unwrap_or(0);
            let mut params: Vec<Value> = vec![after.into(), head.into()];
            let mut allowed = Vec::new();
            let some_grid = filter.grids.as_ref().is_none_or(|g| !g.is_empty());
            // `clause`, limited to the reader's grids when it has a list.
            let in_grids = |mut clause: String, params: &mut Vec<Value>| {
                if let Some(grids) = &filter.grids {
                    clause += &format!(
                        " AND scope IN ({})",
                        placeholders(params.len() + 1, grids.len())
                    );
                    params.extend(grids.iter().map(|g| g.as_str().into()));
                }
                format!("({clause})")
            };
            if !filter.kinds.is_empty() && some_grid {
                let clause = format!(
                    "kind IN ({})",
                    placeholders(params.len() + 1, filter.kinds.len())
                );
                params.extend(filter.kinds.iter().map(|k| k.as_str().into()));
                allowed.push(in_grids(clause, &mut params));
            }
            if let Some(owner) = filter
                .owner
                .as_ref()
                .filter(|_| !filter.owner_kinds.is_empty())
            {
                allowed.push(format!(
                    "(owner = ${} AND kind IN ({}))",
                    params.len() + 1,
                    placeholders(params.len() + 2, filter.owner_kinds.len())
                ));
                params.push(owner.as_str().into());
                params.extend(filter.owner_kinds.iter().map(|k| k.as_str().into()));
            }
            if filter.wishes && some_grid {
                let clause = "kind = 'work_order' AND doc_id IN (SELECT doc_id FROM wishes)";
                allowed.push(in_grids(clause.to_owned(), &mut params));
            }
            let at_head = (head.max(after)) as u64;
            if allowed.is_empty() {
                return Ok(Page {
                    changes: Vec::new(),
                    cursor: at_head,
                    more: false,
                });
            }
            params.push(((limit + 1) as i64).into());
            let sql = format!(
                "SELECT seq, hash, doc_id, scope, bytes FROM changes
                 WHERE seq > $1 AND seq <= $2 AND ({})
                 ORDER BY seq LIMIT ${}",
                allowed.join(" OR "),
                params.len()
            );
            let mut changes = Vec::new();
            for row in tx.query(&sql, &params)? {
                let seq = row.int(0)? as u64;
                // Rows were validated on the way in; one that no longer
                // parses is skipped rather than poisoning every feed.
                let (Ok(doc), Ok(scope)) =
                    (DocId::parse(&row.text(2)?), GridId::parse(&row.text(3)?))
                else {
                    tracing::error!(seq, "stored change has an invalid doc or scope; skipped");
                    continue;
                };
                changes.push((
                    seq,
                    row.text(1)?,
                    WireChange {
                        doc,
                        scope,
                        bytes: row.bytes(4)?,
                    },
                ));
            }
            let mut more = changes.len() > limit;
            changes.truncate(limit);
            // And at most a page's bytes, so an answer inflates under the
            // device's cap whatever the changes weigh.
            let mut total = 0;
            let fits = changes
                .iter()
                .position(|(_, _, c)| {
                    total += c.bytes.len();
                    total > MAX_PAGE_CHANGE_BYTES
                })
                .map_or(changes.len(), |i| i.max(1));
            more |= fits < changes.len();
            changes.truncate(fits);
            let cursor = if more {
                changes.last().map_or(cursor, |(seq, _, _)| *seq)
            } else {
                at_head
            };
            Ok(Page {
                changes,
                cursor,
                more,
            })
        })
    }

    /// The documents of `kind` in `grids` (every grid when `None`).
    pub fn doc_ids(
        &self,
        kind: DocKind,
        grids: Option<&[GridId]>,
    ) -> Result<Vec<DocId>, StorageError> {
        let mut params: Vec<Value> = vec![kind.as_str().into()];
        let mut sql = "SELECT d.doc_id FROM documents d WHERE d.kind = $1".to_owned();
        if let Some(grids) = grids {
            if grids.is_empty() {
                return Ok(Vec::new());
            }
            sql += &format!(" AND d.scope IN ({})", placeholders(2, grids.len()));
            params.extend(grids.iter().map(|g| g.as_str().into()));
        }
        sql += " ORDER BY d.doc_id";
        self.read(|tx| {
            tx.query(&sql, &params)?
                .iter()
                .map(|r| {
                    DocId::parse(&r.text(0)?).map_err(|e| StorageError::Corrupt(e.to_string()))
                })
                .collect()
        })
    }

    pub fn change_count(&self) -> Result<u64, StorageError> {
        self.read(|tx| {
            let rows = tx.query("SELECT COUNT(*) FROM changes", &[])?;
            Ok(rows.first().map_or(Ok(0), |r| r.int(0))? as u64)
        })
    }
}

/// The facts of those of `docs` the server has.
pub(super) fn facts_rows(
    tx: &mut dyn super::Tx,
    docs: &[DocId],
) -> Result<Vec<(DocId, DocFacts)>, StorageError> {
    let mut out = Vec::new();
    for chunk in docs.chunks(DOCS_PER_QUERY) {
        let ids: Vec<Value> = chunk.iter().map(|d| d.to_string().into()).collect();
        let rows = tx.query(
            &format!(
                "SELECT scope, kind, owner, {WISH}, doc_id FROM documents d WHERE doc_id IN ({})",
                placeholders(1, ids.len())
            ),
            &ids,
        )?;
        for row in &rows {
            out.push((stored_doc_id(&row.text(4)?)?, facts_from_row(row)?));
        }
    }
    Ok(out)
}

pub(super) fn stored_doc_id(text: &str) -> Result<DocId, StorageError> {
    DocId::parse(text).map_err(|e| StorageError::Corrupt(e.to_string()))
}

/// Whether the document `d` is a wish, as a count both dialects return as
/// a plain integer.
const WISH: &str = "(SELECT COUNT(*) FROM wishes w WHERE w.doc_id = d.doc_id)";

/// Facts from `scope, kind, owner, {WISH}`.
fn facts_from_row(row: &super::Row) -> Result<DocFacts, StorageError> {
    let scope = row.text(0)?;
    let kind = row.text(1)?;
    Ok(DocFacts {
        scope: GridId::parse(&scope).map_err(|e| StorageError::Corrupt(e.to_string()))?,
        kind: DocKind::parse(&kind).map_err(|e| StorageError::Corrupt(e.to_string()))?,
        owner: row.text(2)?,
        wish: row.int(3)? > 0,
    })
}

//! The audit log: append-only, read by admins.

use gridwalk_domain::directory::AuditEntry;

use super::{Storage, StorageError, Tx};

/// An audit entry that belongs to a stored change (a reveal of a masked
/// field): written in the transaction that stores the change, only when
/// the change is new, so a repeated push logs nothing twice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditNote {
    pub actor: String,
    pub action: &'static str,
    pub target: String,
    pub detail: String,
}

pub(super) fn insert(
    tx: &mut dyn Tx,
    actor: &str,
    action: &str,
    target: &str,
    detail: &str,
    now_ms: i64,
) -> Result<(), StorageError> {
    tx.execute(
        "INSERT INTO audit(at_ms, actor, action, target, detail) VALUES ($1, $2, $3, $4, $5)",
        &[
            now_ms.into(),
            actor.into(),
            action.into(),
            target.into(),
            detail.into(),
        ],
    )?;
    Ok(())
}

impl Storage {
    pub fn audit(
        &self,
        actor: &str,
        action: &str,
        target: &str,
        detail: &str,
        now_ms: i64,
    ) -> Result<(), StorageError> {
        self.write(|tx| insert(tx, actor, action, target, detail, now_ms))
    }

    /// Entries after `after_id`, oldest first.
    pub fn audit_entries(
        &self,
        after_id: i64,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, StorageError> {
        self.read(|tx| {
            tx.query(
                "SELECT id, at_ms, actor, action, target, detail FROM audit
                 WHERE id > $1 ORDER BY id LIMIT $2",
                &[after_id.into(), (limit as i64).into()],
            )?
            .iter()
            .map(|r| {
                Ok(AuditEntry {
                    id: r.int(0)?,
                    at_ms: r.int(1)?,
                    actor: r.text(2)?,
                    action: r.text(3)?,
                    target: r.text(4)?,
                    detail: r.text(5)?,
                })
            })
            .collect()
        })
    }
}

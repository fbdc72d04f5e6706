//! The database layout's versions, one list for both backends, applied by
//! `refinery`, which records them in `refinery_schema_history`.
//!
//! Every migration is written once (a template in `schema::render`'s words)
//! and rendered per backend. Databases made before this list existed were
//! laid out by V1's statements, which all say `IF NOT EXISTS`: applying V1
//! to them changes nothing and starts their history.
//!
//! An applied migration is checksummed. A database that holds a version this
//! server does not know (a newer server migrated it), or holds a version
//! whose text differs, is refused with what to do — never half-migrated.

use refinery::error::Kind;
use refinery::{Migration, Runner};

use super::StorageError;
use super::schema::{self, Dialect};

/// Oldest first. Append; never edit or reorder one that has shipped.
fn versions(dialect: Dialect) -> Vec<(&'static str, String)> {
    vec![(
        "V1__feed_directory_and_accounts",
        schema::first_layout(dialect),
    )]
}

/// The runner for `dialect`'s database, every migration in its own
/// transaction.
pub fn runner(dialect: Dialect) -> Result<Runner, StorageError> {
    let migrations = versions(dialect)
        .into_iter()
        .map(|(name, sql)| Migration::unapplied(name, &sql))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| StorageError::Migration(format!("a built-in migration is malformed: {e}")))?;
    Ok(Runner::new(&migrations))
}

/// What went wrong, in words an operator can act on.
pub fn explain(e: &refinery::Error) -> StorageError {
    StorageError::Migration(match e.kind() {
        Kind::MissingVersion(m) => format!(
            "the database is at layout {} ({}), which this server does not know: a newer \
             server migrated it; run that version or newer",
            m.version(),
            m.name()
        ),
        Kind::DivergentVersion(applied, ours) => format!(
            "the database's layout {} ({}) is not this server's {} ({}): it was laid out by \
             another build; run that build, or restore a backup",
            applied.version(),
            applied.name(),
            ours.version(),
            ours.name()
        ),
        other => format!("could not lay out the database: {other}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_backends_get_the_same_versions_in_their_own_words() {
        let sqlite = versions(Dialect::Sqlite);
        let postgres = versions(Dialect::Postgres);
        let names = |v: &[(&'static str, String)]| -> Vec<&'static str> {
            v.iter().map(|(n, _)| *n).collect()
        };
        assert_eq!(names(&sqlite), names(&postgres));
        assert!(sqlite[0].1.contains("AUTOINCREMENT") && !sqlite[0].1.contains("{key}"));
        assert!(postgres[0].1.contains("IDENTITY") && !postgres[0].1.contains("{blob}"));
        assert_eq!(
            runner(Dialect::Postgres).unwrap().get_migrations().len(),
            sqlite.len()
        );
    }
}

//! The layout's migrations on both backends: a new database starts its
//! history, one from before the history gets it without losing a change,
//! and one a newer (or another) server laid out is refused with what to
//! do, left exactly as it was.

use gridwalk_sync_server::storage::{Database, Storage};

use crate::support::{Backend, fresh_postgres_database};

/// Runs `sql` on the database and returns the first column of each row.
fn sql(db: &Database, sql: &str) -> Vec<String> {
    match db {
        Database::Sqlite(path) => {
            let c = rusqlite::Connection::open(path).unwrap();
            let mut stmt = c.prepare(sql).unwrap();
            let n = stmt.column_count();
            stmt.query_map([], |r| {
                if n == 0 {
                    return Ok(String::new());
                }
                Ok(match r.get_ref(0)? {
                    rusqlite::types::ValueRef::Integer(i) => i.to_string(),
                    rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into(),
                    other => format!("{other:?}"),
                })
            })
            .unwrap()
            .map(Result::unwrap)
            .collect()
        }
        Database::Postgres(url) => {
            let (url, sql) = (url.clone(), sql.to_owned());
            // The blocking client starts a runtime, which must not be inside one.
            std::thread::spawn(move || {
                let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
                c.simple_query(&sql)
                    .unwrap()
                    .into_iter()
                    .filter_map(|m| match m {
                        postgres::SimpleQueryMessage::Row(r) => {
                            Some(r.get(0).unwrap_or_default().to_owned())
                        }
                        _ => None,
                    })
                    .collect()
            })
            .join()
            .unwrap()
        }
    }
}

fn fresh(backend: Backend, dir: &std::path::Path) -> Database {
    match backend {
        Backend::Sqlite => Database::Sqlite(dir.join("sync.sqlite")),
        Backend::Postgres => Database::Postgres(fresh_postgres_database()),
    }
}

const HISTORY: &str = "SELECT version FROM refinery_schema_history ORDER BY version";

#[test]
fn a_new_database_starts_its_history_and_reopening_applies_nothing_twice() {
    for backend in Backend::ALL {
        let dir = tempfile::tempdir().unwrap();
        let db = fresh(backend, dir.path());
        drop(Storage::open(&db).unwrap());
        drop(Storage::open(&db).unwrap());
        assert_eq!(sql(&db, HISTORY), ["1"], "{backend:?}");
    }
}

#[test]
fn a_database_from_before_the_history_keeps_its_rows_and_gets_one() {
    for backend in Backend::ALL {
        let dir = tempfile::tempdir().unwrap();
        let db = fresh(backend, dir.path());
        let storage = Storage::open(&db).unwrap();
        storage
            .audit("admin:root", "before.history", "", "", 1)
            .unwrap();
        drop(storage);
        // As a server from before the history left it.
        sql(&db, "DROP TABLE refinery_schema_history");
        let storage = Storage::open(&db).unwrap();
        let entries = storage.audit_entries(0, 10).unwrap();
        assert_eq!(entries.len(), 1, "{backend:?}: the row is kept");
        assert_eq!(sql(&db, HISTORY), ["1"], "{backend:?}");
    }
}

#[test]
fn a_database_laid_out_by_a_newer_or_another_server_is_refused_untouched() {
    for backend in Backend::ALL {
        let dir = tempfile::tempdir().unwrap();
        let db = fresh(backend, dir.path());
        let storage = Storage::open(&db).unwrap();
        storage.audit("admin:root", "kept", "", "", 1).unwrap();
        drop(storage);

        sql(
            &db,
            "INSERT INTO refinery_schema_history (version, name, applied_on, checksum) \
             VALUES (2, 'from_the_future', '2027-01-01T00:00:00Z', '1')",
        );
        let err = Storage::open(&db).unwrap_err().to_string();
        assert!(
            err.contains("layout 2") && err.contains("newer server"),
            "{backend:?}: {err}"
        );
        assert_eq!(
            sql(&db, HISTORY),
            ["1", "2"],
            "{backend:?}: nothing was changed"
        );

        sql(&db, "DELETE FROM refinery_schema_history WHERE version = 2");
        sql(
            &db,
            "UPDATE refinery_schema_history SET checksum = '42' WHERE version = 1",
        );
        let err = Storage::open(&db).unwrap_err().to_string();
        assert!(err.contains("another build"), "{backend:?}: {err}");
        assert_eq!(
            sql(&db, "SELECT COUNT(*) FROM audit WHERE action = 'kept'"),
            ["1"],
            "{backend:?}: the data is as it was"
        );
    }
}

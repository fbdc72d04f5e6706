//! `GET /v1/admin/export/{what}.{csv|xlsx}` — reports, households and
//! visits of the caller's grids (an office: its own part of the tree; an
//! admin: everything) as a file for WPS or Excel.
//!
//! Households are masked unless the office asks with `?full=true`. Every
//! export is in the audit log — what, how many rows, masked or full, how
//! many records were left out — before a byte of it leaves, or it does not
//! leave at all. One export runs at a time: each rebuilds every record it
//! covers.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderName, header};
use axum::response::IntoResponse;
use axum::routing::get;
use gridwalk_domain::ErrorCode;
use gridwalk_domain::catalog::{builtin_catalog, builtin_vocabulary};
use gridwalk_domain::export::{
    LEFT_OUT_HEADER, ROWS_HEADER, Table, households_table, reports_table, visits_table,
};
use gridwalk_domain::{GridId, HazardReport, Household, Visit};
use std::collections::BTreeMap;
use std::time::Duration;

use super::admin::manager;
use super::{ApiError, Shared, blocking, now_ms};
use crate::auth::Manager;
use crate::export;

pub fn routes() -> Router<Shared> {
    Router::new().route("/v1/admin/export/{file}", get(export_file))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum What {
    Reports,
    Households,
    Visits,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Csv,
    Xlsx,
}

fn parse_file(file: &str) -> Option<(What, Format)> {
    let (name, ext) = file.rsplit_once('.')?;
    let what = match name {
        "reports" => What::Reports,
        "households" => What::Households,
        "visits" => What::Visits,
        _ => return None,
    };
    let format = match ext {
        "csv" => Format::Csv,
        "xlsx" => Format::Xlsx,
        _ => return None,
    };
    Some((what, format))
}

#[derive(Debug, Default, serde::Deserialize)]
struct ExportQuery {
    /// Unmasked phones and ID numbers (households only); logged as such.
    #[serde(default)]
    full: bool,
}

async fn export_file(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(file): Path<String>,
    Query(q): Query<ExportQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let (what, format) = parse_file(&file).ok_or_else(|| {
        ApiError::NotFound(
            ErrorCode::ExportUnknown,
            format!("no export {file:?}: ask for reports, households or visits as .csv or .xlsx"),
        )
    })?;
    let mgr = manager(&state, &headers).await?;
    let Ok(_running) = state.export_gate.clone().try_acquire_owned() else {
        return Err(ApiError::TooMany(Duration::from_secs(5)));
    };
    let (bytes, rows, left_out) = blocking(move || {
        let grids: Option<Vec<GridId>> = match &mgr {
            Manager::Admin(_) => None,
            Manager::Office(office) => Some(office.grids.iter().cloned().collect()),
        };
        let (table, left_out) = build(&state, what, grids.as_deref(), q.full)?;
        let target = grids.map_or_else(
            || "grids:all".to_owned(),
            |g| {
                let names: Vec<&str> = g.iter().map(GridId::as_str).collect();
                format!("grids:{}", names.join(","))
            },
        );
        let mut detail = format!("{}: {} rows", table.name, table.rows.len());
        if what == What::Households {
            detail += if q.full {
                "; FULL phones and ID numbers"
            } else {
                "; masked"
            };
        }
        if left_out > 0 {
            detail += &format!("; unreadable, left out: {left_out}");
        }
        // Not `state.audit`, which only logs a failure: PIPL wants every
        // export on record, so no record means no export.
        let action = match what {
            What::Reports => "export.reports",
            What::Households => "export.households",
            What::Visits => "export.visits",
        };
        state
            .storage
            .audit(&mgr.actor(), action, &target, &detail, now_ms())?;
        let bytes =
            match format {
                Format::Csv => export::table_csv(&table)
                    .map_err(|e| ApiError::Internal(format!("csv: {e}")))?,
                Format::Xlsx => export::table_xlsx(&table)
                    .map_err(|e| ApiError::Internal(format!("xlsx: {e}")))?,
            };
        Ok((bytes, table.rows.len(), left_out))
    })
    .await?;
    let content_type = match format {
        Format::Csv => "text/csv; charset=utf-8",
        Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    };
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"gridwalk-{file}\""),
            ),
            (
                HeaderName::from_static(LEFT_OUT_HEADER),
                left_out.to_string(),
            ),
            (HeaderName::from_static(ROWS_HEADER), rows.to_string()),
        ],
        bytes,
    ))
}

/// The table of `what` and how many records were left out.
fn build(
    state: &Shared,
    what: What,
    grids: Option<&[GridId]>,
    full: bool,
) -> Result<(Table, usize), ApiError> {
    let s = &state.storage;
    Ok(match what {
        What::Reports => {
            let e = export::records::<HazardReport>(s, grids)?;
            (reports_table(&e.records, builtin_catalog()), e.unreadable)
        }
        What::Households => {
            let e = export::records::<Household>(s, grids)?;
            (
                households_table(&e.records, builtin_vocabulary(), full),
                e.unreadable,
            )
        }
        What::Visits => {
            let visits = export::records::<Visit>(s, grids)?;
            let households = export::records::<Household>(s, grids)?;
            let places: BTreeMap<_, _> = households
                .records
                .iter()
                .map(|h| (h.id, h.record.address.line()))
                .collect();
            (
                visits_table(&visits.records, &places, builtin_vocabulary()),
                visits.unreadable,
            )
        }
    })
}

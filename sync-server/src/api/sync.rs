//! `/v1/sync`: the device's push is decoded, authorised change by change,
//! stored all-or-nothing, and answered with what the device may read after
//! its cursor. `/v1/me`: the device's user and part of the grid tree.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use gridwalk_core::sync_wire;
use gridwalk_domain::access::{kinds_read_as_maker, kinds_read_in_scope, reads_wishes};
use gridwalk_domain::directory::Me;
use gridwalk_domain::sync::{PULL_PAGE_CHANGES, SYNC_MEDIA_TYPE, SyncResponse};
use gridwalk_domain::{DocId, Role};
use std::collections::HashSet;

use super::{ApiError, AppState, Shared, blocking, now_ms};
use crate::auth::{self, DeviceAuth};
use crate::storage::{CheckedChange, ReadFilter};
use crate::validate::check_request;
use crate::write_check::{Rejection, authorize};

/// Authenticates the caller as a device after charging its rate budget.
pub async fn device_auth(state: &Shared, headers: &HeaderMap) -> Result<DeviceAuth, ApiError> {
    let token = auth::bearer(headers).map(str::to_owned);
    let key = token.as_deref().map_or_else(String::new, auth::secret_hash);
    state.spend(&state.per_token, &key)?;
    let state = state.clone();
    blocking(move || auth::device(&state.storage, token.as_deref())).await
}

/// Answers in the encoding it was asked in: the app's binary body, or JSON.
pub async fn sync(
    State(state): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let who = device_auth(&state, &headers).await?;
    let binary = sync_wire::protocol_of(&body).is_some();
    // Inflating and decoding are CPU work: off the async workers.
    let resp = blocking(move || {
        let (req, checked) = check_request(&body)?;
        respond(&state, &who, req.cursor, &checked)
    })
    .await?;
    Ok(if binary {
        (
            [(header::CONTENT_TYPE, SYNC_MEDIA_TYPE)],
            sync_wire::encode(&resp),
        )
            .into_response()
    } else {
        axum::Json(resp).into_response()
    })
}

pub async fn me(
    State(state): State<Shared>,
    headers: HeaderMap,
) -> Result<axum::Json<Me>, ApiError> {
    let who = device_auth(&state, &headers).await?;
    Ok(axum::Json(
        blocking(move || auth::me(&state.storage, &who)).await?,
    ))
}

/// What `who` may pull.
pub fn read_filter(who: &DeviceAuth) -> ReadFilter {
    ReadFilter {
        grids: (who.role != Role::Admin).then(|| who.grids.iter().cloned().collect()),
        kinds: kinds_read_in_scope(who.role).to_vec(),
        // Riders and volunteers see the reports they made themselves.
        owner: matches!(who.role, Role::Reporter | Role::Volunteer).then(|| who.user.to_string()),
        owner_kinds: kinds_read_as_maker().to_vec(),
        wishes: reads_wishes(who.role),
    }
}

/// Authorises and stores the pushed changes, then reads the page after the
/// cursor, leaving out what this very request pushed (the device has it).
/// When the user's grids or role changed since the device last synced, the
/// page starts from the beginning so it receives what it could not see.
pub fn respond(
    state: &AppState,
    who: &DeviceAuth,
    cursor: u64,
    checked: &[CheckedChange],
) -> Result<SyncResponse, ApiError> {
    let authorized = authorize(&state.storage, who, checked).inspect_err(|r| {
        if let Rejection::Denied { index, doc, denied } = r {
            state.audit(
                &who.actor(),
                "write.rejected",
                &doc.to_string(),
                &format!("change #{index}: {} ({denied})", denied.code()),
            );
        }
    })?;
    // A pull alone writes nothing, so it opens no write transaction.
    let acked = if checked.is_empty() {
        0
    } else {
        let outcome = state.storage.append(
            &who.device_row.to_string(),
            checked,
            &authorized.created,
            &authorized.notes,
            &authorized.index,
            now_ms(),
        )?;
        state.metrics.changes_stored(outcome.inserted);
        outcome.acked as u32
    };
    let scope_key = who.scope_key();
    let cursor = if scope_key == who.scope_key_served {
        cursor
    } else {
        state.storage.set_scope_key(who.device_row, &scope_key)?;
        0
    };
    let page = state
        .storage
        .changes_after(&read_filter(who), cursor, PULL_PAGE_CHANGES)?;
    let pushed: HashSet<(DocId, &str)> = checked
        .iter()
        .map(|c| (c.wire.doc, c.hash.as_str()))
        .collect();
    Ok(SyncResponse {
        acked,
        changes: page
            .changes
            .into_iter()
            .filter(|(_, hash, wire)| !pushed.contains(&(wire.doc, hash.as_str())))
            .map(|(_, _, wire)| wire)
            .collect(),
        cursor: page.cursor,
        more: page.more,
        server_time_ms: Some(now_ms()),
        directory: state.storage.directory_version()?,
        epoch: state.storage.epoch(),
    })
}

//! `/v1/sync`: the device's push is decoded, authorised change by change,
//! stored all-or-nothing, and answered with what the device may read after
//! its cursor. `/v1/me`: the device's user and part of the grid tree.
//!
//! `/v1/sync?wait=S`: a pull that pushes nothing and finds nothing new is
//! held up to S seconds (at most `MAX_HOLD`) and answered as soon as a
//! change it may read is stored, so an office's board shows a worker's
//! step as it is taken instead of at its next poll. An older server
//! ignores the parameter and answers at once.

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use gridwalk_core::sync_wire;
use gridwalk_domain::access::{kinds_read_as_maker, kinds_read_in_scope, reads_wishes};
use gridwalk_domain::directory::Me;
use gridwalk_domain::sync::{PULL_PAGE_CHANGES, SYNC_MEDIA_TYPE, SyncResponse};
use gridwalk_domain::{DocId, Role};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast::{Receiver, error::RecvError};

use super::{ApiError, AppState, Shared, blocking, now_ms};
use crate::auth::{self, DeviceAuth};
use crate::storage::{CheckedChange, FeedMoved, ReadFilter};
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

/// The longest hold, well inside the request timeout and the app's read
/// timeout, and short enough for mobile networks' idle connections.
pub const MAX_HOLD: Duration = Duration::from_secs(20);

#[derive(Debug, serde::Deserialize)]
pub struct SyncQuery {
    /// Seconds the device will wait for news.
    wait: Option<u64>,
}

/// Answers in the encoding it was asked in: the app's binary body, or JSON.
pub async fn sync(
    State(state): State<Shared>,
    Query(query): Query<SyncQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let who = Arc::new(device_auth(&state, &headers).await?);
    let binary = sync_wire::protocol_of(&body).is_some();
    // Subscribed before the first read, so a commit right after it still
    // wakes the hold.
    let hold = query
        .wait
        .map(|s| Duration::from_secs(s).min(MAX_HOLD))
        .filter(|d| !d.is_zero())
        .map(|d| (d, state.storage.feed_moves()));
    let (s, w) = (state.clone(), who.clone());
    // Inflating and decoding are CPU work: off the async workers.
    let (resp, pushed) = blocking(move || {
        let (req, checked) = check_request(&body)?;
        Ok((respond(&s, &w, req.cursor, &checked)?, !checked.is_empty()))
    })
    .await?;
    let resp = match hold {
        Some((hold, moves)) if !pushed && is_quiet(&resp) => {
            hold_until_news(&state, &who, resp, hold, moves).await?
        }
        _ => resp,
    };
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

/// Nothing for the device: holding the answer loses nothing.
fn is_quiet(resp: &SyncResponse) -> bool {
    resp.changes.is_empty() && !resp.more
}

/// Waits for a commit in one of the device's grids, the hold's end or the
/// server stopping, and reads again after each commit that concerns it.
async fn hold_until_news(
    state: &Shared,
    who: &Arc<DeviceAuth>,
    mut resp: SyncResponse,
    hold: Duration,
    mut moves: Receiver<FeedMoved>,
) -> Result<SyncResponse, ApiError> {
    let _counted = state.metrics.hold();
    let deadline = tokio::time::Instant::now() + hold;
    let mut closing = state.closing.subscribe();
    let grids = (who.role != Role::Admin).then_some(&who.grids);
    loop {
        tokio::select! {
            news = moves.recv() => match news {
                Ok(moved) if !moved.concerns(grids) => continue,
                Ok(_) | Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => break,
            },
            () = tokio::time::sleep_until(deadline) => break,
            _ = closing.wait_for(|c| *c) => break,
        }
        let (s, w, cursor) = (state.clone(), who.clone(), resp.cursor);
        resp = blocking(move || respond(&s, &w, cursor, &[])).await?;
        if !is_quiet(&resp) {
            return Ok(resp);
        }
    }
    resp.server_time_ms = Some(now_ms());
    Ok(resp)
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

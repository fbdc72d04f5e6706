//! `photo://localhost/<sha256>`: photos and thumbnails served to the
//! webview by hash, so a list row carries a short URL instead of a base64
//! copy of its picture. The hash is the name and the content never
//! changes, so the webview may cache it for good. Only hashes are served —
//! nothing else on the device is reachable through the scheme.

use gridwalk_domain::BlobHash;
use tauri::http::{Request, Response, StatusCode, header};
use tauri::{Manager, Runtime, UriSchemeContext, UriSchemeResponder};

use crate::app_state::AppState;

pub fn serve<R: Runtime>(
    ctx: UriSchemeContext<'_, R>,
    request: Request<Vec<u8>>,
    responder: UriSchemeResponder,
) {
    let state = ctx
        .app_handle()
        .try_state::<AppState>()
        .map(|s| s.inner().clone());
    let path = request.uri().path().trim_start_matches('/').to_owned();
    // Off the webview's thread: the store lock may be held by a sync pass.
    tauri::async_runtime::spawn_blocking(move || {
        let found = match (state, BlobHash::parse(&path)) {
            (Some(state), Ok(hash)) => state.photo(&hash).ok().flatten(),
            _ => None,
        };
        let response = match found {
            Some(bytes) => Response::builder()
                .header(header::CONTENT_TYPE, "image/jpeg")
                .header(header::CACHE_CONTROL, "max-age=31536000, immutable")
                .body(bytes),
            None => Response::builder()
                .status(StatusCode::NOT_FOUND)
                .header(header::CONTENT_TYPE, "text/plain")
                .body(b"no such photo on this device".to_vec()),
        };
        if let Ok(r) = response {
            responder.respond(r);
        }
    });
}

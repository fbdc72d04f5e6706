//! The only place that talks to the Tauri shell. Every command is one of
//! `gridwalk_domain::ipc::commands`, called by its type, so its name and
//! shapes are the ones the shell compiles against; events come in through
//! `on_event`, photos by hash through `photo_url`.

use gridwalk_domain::BlobHash;
use gridwalk_domain::ErrorCode;
use gridwalk_domain::ipc::AppError;
use gridwalk_domain::ipc::commands::{Command, NoArgs, PHOTO_SCHEME};
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    // `tauri-sys` is not on crates.io; the global API (withGlobalTauri) is.
    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "core"], catch)]
    async fn invoke(cmd: &str, args: JsValue) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "core"], js_name = convertFileSrc)]
    fn convert_file_src(path: &str, protocol: &str) -> String;

    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "event"], catch)]
    async fn listen(event: &str, handler: &JsValue) -> Result<JsValue, JsValue>;
}

#[derive(Serialize)]
struct Wrapped<'a, T> {
    args: &'a T,
}

fn to_js<T: Serialize>(v: &T) -> Result<JsValue, AppError> {
    v.serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| AppError::new(ErrorCode::UiEncode, e.to_string()))
}

async fn answer<T: DeserializeOwned>(sent: Result<JsValue, JsValue>) -> Result<T, AppError> {
    match sent {
        Ok(v) => serde_wasm_bindgen::from_value(v)
            .map_err(|e| AppError::new(ErrorCode::UiDecode, e.to_string())),
        Err(e) => Err(
            serde_wasm_bindgen::from_value::<AppError>(e.clone()).unwrap_or_else(|_| {
                AppError::new(
                    ErrorCode::Ipc,
                    e.as_string().unwrap_or_else(|| format!("{e:?}")),
                )
            }),
        ),
    }
}

/// Sends command `C` with its arguments and reads its answer.
pub async fn call<C: Command>(args: &C::Args) -> Result<C::Answer, AppError> {
    let payload = to_js(&Wrapped { args })?;
    answer(invoke(C::NAME, payload).await).await
}

/// Sends a command that takes no arguments.
pub async fn ask<C: Command<Args = NoArgs>>() -> Result<C::Answer, AppError> {
    call::<C>(&NoArgs {}).await
}

/// Sends a raw-body command: the bytes of a photo or a file, not JSON.
pub async fn call_raw<C: Command<Args = NoArgs>>(
    bytes: js_sys::Uint8Array,
) -> Result<C::Answer, AppError> {
    answer(invoke(C::NAME, bytes.into()).await).await
}

/// Where the webview loads a stored photo or thumbnail from.
pub fn photo_url(hash: &BlobHash) -> String {
    convert_file_src(hash.as_str(), PHOTO_SCHEME)
}

/// Calls `f` with every `name` event's payload, for as long as the app
/// runs (the handler is never dropped).
pub fn on_event<T: DeserializeOwned + 'static>(name: &'static str, f: impl Fn(T) + 'static) {
    let handler = Closure::<dyn Fn(JsValue)>::new(move |event: JsValue| {
        let payload = js_sys::Reflect::get(&event, &JsValue::from_str("payload"))
            .ok()
            .and_then(|p| serde_wasm_bindgen::from_value::<T>(p).ok());
        if let Some(p) = payload {
            f(p);
        }
    });
    let js = handler.as_ref().clone();
    handler.forget();
    leptos::task::spawn_local(async move {
        let _ = listen(name, &js).await;
    });
}

/// Sends a picked file to the shell to be shrunk, stripped and kept as a
/// photo; a file the webview cannot read fails like a bad photo.
pub async fn stage_file(
    file: &web_sys::File,
) -> Result<gridwalk_domain::ipc::StagedPhoto, AppError> {
    match crate::browser::file_bytes(file).await {
        Ok(bytes) => call_raw::<gridwalk_domain::ipc::commands::StagePhoto>(bytes).await,
        Err(m) => Err(AppError::new(ErrorCode::PhotoRead, m)),
    }
}

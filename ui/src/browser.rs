//! Small wrappers over browser APIs the UI needs: reading a picked file,
//! asking for the device position, and formatting times in local time.

use gridwalk_domain::Coordinates;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

pub async fn file_bytes(file: &web_sys::File) -> Result<js_sys::Uint8Array, String> {
    let buf = JsFuture::from(file.array_buffer())
        .await
        .map_err(|e| format!("{e:?}"))?;
    Ok(js_sys::Uint8Array::new(&buf))
}

/// The device position, or `None` when the platform has none or refuses;
/// the form then asks for an address.
pub async fn device_position() -> Option<Coordinates> {
    let geo = web_sys::window()?.navigator().geolocation().ok()?;
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        let ok = Closure::once_into_js(move |pos: web_sys::Position| {
            let c = pos.coords();
            let arr = js_sys::Array::of2(&c.latitude().into(), &c.longitude().into());
            let _ = resolve.call1(&JsValue::NULL, &arr);
        });
        let err = Closure::once_into_js(move |_e: JsValue| {
            let _ = reject.call0(&JsValue::NULL);
        });
        let opts = web_sys::PositionOptions::new();
        opts.set_timeout(8000);
        opts.set_enable_high_accuracy(true);
        let _ = geo.get_current_position_with_error_callback_and_options(
            ok.unchecked_ref(),
            Some(err.unchecked_ref()),
            &opts,
        );
    });
    let v = JsFuture::from(promise).await.ok()?;
    let arr: js_sys::Array = v.dyn_into().ok()?;
    Coordinates::parse(arr.get(0).as_f64()?, arr.get(1).as_f64()?).ok()
}

/// "11-01 08:12" in the device's time zone.
pub fn short_time(ms: i64) -> String {
    let d = js_sys::Date::new(&JsValue::from_f64(ms as f64));
    format!(
        "{:02}-{:02} {:02}:{:02}",
        d.get_month() + 1,
        d.get_date(),
        d.get_hours(),
        d.get_minutes()
    )
}

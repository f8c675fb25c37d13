//! Small helpers over raw JS values (R2 objects, options), for what the `worker` crate
//! does not expose (`ssecKey`, `storageClass`, checksums) or would `unwrap` on.

use js_sys::{Array, Function, Object, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// A property name as a JS string, decoded from UTF-8 once per isolate (wasm-bindgen's
/// interning): the glue reads the same few dozen names on every request.
fn name(k: &str) -> JsValue {
    JsValue::from_str(wasm_bindgen::intern(k))
}

pub fn get(o: &JsValue, k: &str) -> JsValue {
    Reflect::get(o, &name(k)).unwrap_or(JsValue::UNDEFINED)
}

pub fn get_str(o: &JsValue, k: &str) -> Option<String> {
    get(o, k).as_string()
}

pub fn get_f64(o: &JsValue, k: &str) -> Option<f64> {
    get(o, k).as_f64()
}

/// A JS `Date` field as epoch milliseconds.
pub fn get_date_ms(o: &JsValue, k: &str) -> Option<f64> {
    let v = get(o, k);
    v.dyn_ref::<js_sys::Date>()
        .map(|d| d.get_time())
        .filter(|t| t.is_finite())
}

pub fn set(o: &Object, k: &str, v: impl Into<JsValue>) {
    let _ = Reflect::set(o, &name(k), &v.into());
}

pub fn has(o: &JsValue, k: &str) -> bool {
    o.is_object() && Reflect::has(o, &name(k)).unwrap_or(false)
}

/// Calls `o[method](...args)` and awaits the result if it is a promise.
pub async fn call(o: &JsValue, method: &str, args: &[JsValue]) -> Result<JsValue, JsValue> {
    let f: Function = get(o, method).dyn_into()?;
    let r = f.apply(o, &args.iter().collect::<Array>())?;
    JsFuture::from(Promise::resolve(&r)).await
}

/// A JS error's message, for logs and upstream errors (never shown raw to callers).
pub fn message(e: &JsValue) -> String {
    get_str(e, "message")
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "unknown error".into())
}

/// Lower-case hex of bytes.
pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Size of this Worker's WebAssembly linear memory, in KiB. It only grows (wasm memory
/// never shrinks): flat under load means the Rust side neither leaks nor fragments
/// its heap into new pages. Logged per request (`wasmMemKiB`).
pub fn wasm_mem_kib() -> u64 {
    #[cfg(target_arch = "wasm32")]
    {
        (core::arch::wasm32::memory_size::<0>() as u64) * 64
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        0
    }
}

//! `imginfo-web`: the parsing core in the browser. [`inspect`] runs the core's real
//! driver ([`imginfo::driver::inspect`]) over a JS `Blob`/`File`, answering each
//! "I need bytes [a, b)" with `blob.slice(a, b).arrayBuffer()`, so only the ranges the
//! probes ask for are read from disk and nothing leaves the machine. It answers the
//! native (`?info`) JSON through the same renderer as the Worker
//! ([`imginfo::render::native`]), with `read` counting the slices and bytes read.
//! Built with `wasm-bindgen --target web` by scripts/build-web.sh into www/_/wasm/.

use imginfo::driver::{inspect as drive, Budget, Chunk, Source};
use imginfo::render::{native, Ctx, ReadStats};
use imginfo::Error;
use js_sys::Uint8Array;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::Blob;

/// Largest local file inspected. The Worker's budget bounds bytes *read*; a local
/// file's size only bounds arithmetic (`File.size` is a JS number, exact below 2^53).
const MAX_FILE_SIZE: f64 = 9_007_199_254_740_991.0;

/// A `Blob` (a dropped or chosen `File`) as the driver's byte source.
struct BlobSource {
    blob: Blob,
    size: u64,
}

impl Source for BlobSource {
    async fn read(&mut self, offset: u64, len: u64) -> Result<Chunk, Error> {
        let start = offset.min(self.size);
        let end = offset.saturating_add(len).min(self.size);
        let part = self
            .blob
            .slice_with_f64_and_f64(start as f64, end as f64)
            .map_err(|e| read_error(&e))?;
        let buf = JsFuture::from(part.array_buffer())
            .await
            .map_err(|e| read_error(&e))?;
        Ok(Chunk {
            bytes: Uint8Array::new(&buf).to_vec(),
            total: Some(self.size),
        })
    }
}

fn read_error(e: &JsValue) -> Error {
    let msg = js_sys::Reflect::get(e, &JsValue::from_str("message"))
        .ok()
        .and_then(|m| m.as_string())
        .unwrap_or_else(|| "the browser refused to read the file".to_string());
    Error::Upstream(format!("cannot read the file: {msg}"))
}

/// `performance.now()` where there is one (pages, workers), else `Date.now()`.
fn now() -> f64 {
    let perf = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("performance"));
    perf.ok()
        .filter(|p| p.is_object())
        .and_then(|p| {
            let f = js_sys::Reflect::get(&p, &JsValue::from_str("now")).ok()?;
            let f: &js_sys::Function = f.dyn_ref()?;
            f.call0(&p).ok()?.as_f64()
        })
        .unwrap_or_else(js_sys::Date::now)
}

/// Inspects a local file: the native (`?info`) JSON text, or its error shape
/// `{"error":{"code","message"}}`. Never throws for a bad image.
#[wasm_bindgen]
pub async fn inspect(blob: Blob) -> String {
    let size = blob.size();
    if !(size.is_finite() && (0.0..=MAX_FILE_SIZE).contains(&size)) {
        let e = Error::BadRequest("the file size is not a usable number".into());
        return body(native::error(&e, &Ctx::default()));
    }
    let mut src = BlobSource {
        blob,
        size: size as u64,
    };
    let t0 = now();
    let (res, stats) = drive(&mut src, Budget::default()).await;
    // As in the Worker: `ms` is the whole answer's time, reads and parsing.
    let ctx = Ctx {
        stats: ReadStats {
            ranges: stats.reads,
            bytes: stats.bytes,
            ms: now() - t0,
        },
        ..Ctx::default()
    };
    match res {
        Ok(info) => body(native::info(&info, &ctx)),
        Err(e) => body(native::error(&e, &ctx)),
    }
}

fn body(r: imginfo::render::Rendered) -> String {
    String::from_utf8_lossy(&r.body).into_owned()
}

/// The first window the driver reads (bytes), for the page's explanation.
#[wasm_bindgen(js_name = firstWindow)]
pub fn first_window() -> f64 {
    imginfo::driver::FIRST_WINDOW as f64
}

//! The inspector page (`www/`), served from Workers static assets through the `ASSETS`
//! binding, with the Worker always running first (`run_worker_first = true`), so no
//! asset can shadow an object key:
//! - `GET /` (no key, no processing parameter) answers `www/index.html`;
//! - every path under the reserved prefix `/_/` (after percent-decoding, so `/%5F/x`
//!   too) answers the asset of that path (`/_/app.js` → `www/_/app.js`) or a 404, and
//!   never an object: object keys starting with `_/` cannot be read through this Worker;
//! - `/_/api/list` lists the bucket's keys when `LIST_OBJECTS = "true"` (off by default).
//!
//! The web build of the core (`www/_/wasm/`) is an asset too, so it adds nothing to the
//! Worker's own bundle.

use crate::js;
use imginfo::url_parts::UrlParts;
use js_sys::Object;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use worker::{Env, Method, Request, Response, Result};

/// Name of the static-assets binding in `wrangler.toml`.
pub const ASSETS_BINDING: &str = "ASSETS";
/// The reserved path prefix: the page's files and API, never object keys.
pub const PREFIX: &str = "/_/";
/// The bucket listing endpoint (enabled by `LIST_OBJECTS`).
const LIST_PATH: &str = "/_/api/list";
/// Keys per listing answer: R2's own maximum for one `list` call.
const LIST_LIMIT: f64 = 1000.0;

/// The page's policy: scripts, styles, fetches and the WebAssembly module come from this
/// Worker only (no CDN, fonts or map tiles); images also from `blob:` (a dropped file's
/// preview) and `data:` (the empty favicon).
const CSP: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
img-src 'self' blob: data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// True when a request path is under the reserved prefix (percent-decoded once, as keys are).
pub fn is_reserved(path: &str) -> bool {
    percent_encoding::percent_decode_str(path)
        .decode_utf8_lossy()
        .starts_with(PREFIX)
}

/// `GET /`: the page, or `None` when no assets are bound (the caller answers plain text).
pub async fn page(req: &Request, env: &Env) -> Result<Option<Response>> {
    let Some(assets) = binding(env) else {
        return Ok(None);
    };
    let resp = asset(req, &assets, "/index.html").await?;
    if resp.status() != 200 {
        return Ok(None);
    }
    let headers = [
        ("Content-Security-Policy", CSP),
        ("Cache-Control", "no-cache"),
    ];
    if !listing_enabled(env) || req.method() == Method::Head {
        return Ok(Some(with_headers(resp, &headers)?));
    }
    // Tell the page that listing is on, so it asks for the list only then.
    let html = JsFuture::from(resp.text()?)
        .await?
        .as_string()
        .unwrap_or_default();
    let html = html.replacen("<body>", "<body data-listing=\"on\">", 1);
    let h = web_sys::Headers::new_with_headers(&resp.headers())?;
    h.delete("Content-Length")?;
    h.delete("ETag")?;
    let resp = web_sys::Response::new_with_opt_str_and_init(Some(&html), &{
        let init = web_sys::ResponseInit::new();
        init.set_status(200);
        init.set_headers(&h);
        init
    })?;
    Ok(Some(with_headers(resp, &headers)?))
}

fn listing_enabled(env: &Env) -> bool {
    js::get(env, "LIST_OBJECTS")
        .as_string()
        .is_some_and(|v| v.trim() == "true")
}

/// Any request under `/_/`.
pub async fn reserved(req: &Request, env: &Env) -> Result<Response> {
    let method = req.method();
    if method != Method::Get && method != Method::Head {
        return json(
            405,
            r#"{"error":{"code":"method_not_allowed","message":"Only GET and HEAD are served under /_/."}}"#,
        );
    }
    let raw = req.inner().url();
    let url = UrlParts::split(&raw);
    let path = percent_encoding::percent_decode_str(url.path)
        .decode_utf8_lossy()
        .into_owned();
    if path == LIST_PATH {
        return list(env, &url).await;
    }
    let Some(assets) = binding(env) else {
        return json(
            404,
            r#"{"error":{"code":"not_found","message":"The inspector page is not deployed with this Worker."}}"#,
        );
    };
    // Never let a path climb out of the prefix or reach the page's HTML under another name.
    if path.split('/').any(|s| s == ".." || s == ".") {
        return json(
            404,
            r#"{"error":{"code":"not_found","message":"No such file."}}"#,
        );
    }
    let resp = asset(req, &assets, &path).await?;
    if resp.status() == 404 {
        return json(
            404,
            r#"{"error":{"code":"not_found","message":"No such file."}}"#,
        );
    }
    with_headers(resp, &[])
}

fn binding(env: &Env) -> Option<JsValue> {
    let b = js::get(env, ASSETS_BINDING);
    b.is_object().then_some(b)
}

/// Fetches `path` from the assets binding with the request's method.
async fn asset(req: &Request, assets: &JsValue, path: &str) -> Result<web_sys::Response> {
    let raw = req.inner().url();
    let target = format!("{}{}", UrlParts::split(&raw).origin(), path);
    let init = Object::new();
    js::set(
        &init,
        "method",
        if req.method() == Method::Head {
            "HEAD"
        } else {
            "GET"
        },
    );
    let p = js::call(assets, "fetch", &[JsValue::from_str(&target), init.into()])
        .await
        .map_err(|e| {
            worker::Error::RustError(format!("assets fetch failed: {}", js::message(&e)))
        })?;
    Ok(p.dyn_into::<web_sys::Response>()?)
}

/// The asset's answer with `nosniff` and `extra` headers (the fetched headers are immutable).
fn with_headers(resp: web_sys::Response, extra: &[(&str, &str)]) -> Result<Response> {
    let h = web_sys::Headers::new_with_headers(&resp.headers())?;
    h.set("X-Content-Type-Options", "nosniff")?;
    for (k, v) in extra {
        h.set(k, v)?;
    }
    let init = web_sys::ResponseInit::new();
    init.set_status(resp.status());
    init.set_headers(&h);
    let r = web_sys::Response::new_with_opt_readable_stream_and_init(resp.body().as_ref(), &init)?;
    Ok(Response::from(r))
}

fn json(status: u16, body: &str) -> Result<Response> {
    let h = web_sys::Headers::new()?;
    h.set("Content-Type", "application/json")?;
    h.set("Cache-Control", "no-store")?;
    let init = web_sys::ResponseInit::new();
    init.set_status(status);
    init.set_headers(&h);
    Ok(Response::from(
        web_sys::Response::new_with_opt_str_and_init(Some(body), &init)?,
    ))
}

/// `GET /_/api/list[?prefix=…&cursor=…]`: one page of keys from R2, when enabled.
async fn list(env: &Env, url: &UrlParts<'_>) -> Result<Response> {
    if !listing_enabled(env) {
        return json(
            404,
            r#"{"error":{"code":"listing_disabled","message":"Listing the bucket is off (LIST_OBJECTS in wrangler.toml)."}}"#,
        );
    }
    let bucket = js::get(env, crate::config::BUCKET_BINDING);
    if !bucket.is_object() {
        return json(
            404,
            r#"{"error":{"code":"listing_disabled","message":"No R2 bucket is bound, so there is nothing to list."}}"#,
        );
    }
    let opts = Object::new();
    js::set(&opts, "limit", LIST_LIMIT);
    // `prefix` and `cursor`, percent-decoded once (`+` is a plus, as in keys).
    for pair in url.query.unwrap_or("").split('&') {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        if (k == "prefix" || k == "cursor") && !v.is_empty() {
            let v = percent_encoding::percent_decode_str(v).decode_utf8_lossy();
            js::set(&opts, k, v.as_ref());
        }
    }
    let listed = match js::call(&bucket, "list", &[opts.into()]).await {
        Ok(l) => l,
        Err(e) => {
            let msg = quote(&format!("Listing failed: {}", js::message(&e)));
            return json(
                502,
                &format!(r#"{{"error":{{"code":"upstream_error","message":{msg}}}}}"#),
            );
        }
    };
    let mut body = String::from(r#"{"objects":["#);
    for o in js_sys::Array::from(&js::get(&listed, "objects")).iter() {
        let Some(key) = js::get_str(&o, "key") else {
            continue;
        };
        let size = js::get_f64(&o, "size")
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map_or("null".to_string(), |s| (s as u64).to_string());
        if !body.ends_with('[') {
            body.push(',');
        }
        body.push_str(&format!(r#"{{"key":{},"size":{size}}}"#, quote(&key)));
    }
    let truncated = js::get(&listed, "truncated").as_bool().unwrap_or(false);
    let cursor = match js::get_str(&listed, "cursor") {
        Some(c) if truncated => quote(&c),
        _ => "null".to_string(),
    };
    body.push_str(&format!(r#"],"truncated":{truncated},"cursor":{cursor}}}"#));
    json(200, &body)
}

/// A JSON string literal.
fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_string())
}

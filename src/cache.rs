//! Repeat info requests cost nothing: rendered vendor-dialect answers are kept in the
//! Workers Cache API for `INFO_CACHE_TTL` seconds, keyed by (dialect, route, object key),
//! each entry carrying the object's ETag. A changed object is served stale for at most
//! the TTL. Native `?info` answers report this request's own read cost, so they are
//! always computed. (The Cache API is per data centre, and on `*.workers.dev` it stores
//! nothing: use a custom domain or route in production.)

use crate::http::Body;
use imginfo::request::Dialect;
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use worker::{Cache, Context};

/// Header naming the object ETag inside a cached entry (stripped before serving).
const ENTRY_ETAG: &str = "x-imginfo-object-etag";
/// The answer's own `Cache-Control` (`no-transform`, Qiniu's `no-store`) inside an entry,
/// whose `Cache-Control` is the Cache API's TTL; served again as `Cache-Control`.
const ENTRY_CACHE_CONTROL: &str = "x-imginfo-cache-control";
/// Headers kept in an entry, besides the body: the renderer's own and the content type.
const INTERNAL: [&str; 2] = [ENTRY_ETAG, "cache-control"];

/// A cached answer.
pub struct Entry {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub object_etag: Option<String>,
}

/// Whether a dialect's answers are cached at all.
pub fn cacheable(d: Dialect) -> bool {
    d != Dialect::Native
}

/// The cache key of a route (`info`, `exif`, `hue`): a synthetic URL no request can name.
pub fn key_for(d: Dialect, route: &str, object_key: &str) -> String {
    let k = utf8_percent_encode(object_key, NON_ALPHANUMERIC);
    format!("https://imginfo-edge.cache/v1/{}/{route}/{k}", d.name())
}

pub async fn get(url: &str) -> Option<Entry> {
    let mut resp = Cache::default().get(url.to_string(), true).await.ok()??;
    let status = resp.status_code();
    let mut headers = Vec::new();
    let mut object_etag = None;
    for (k, v) in resp.headers().entries() {
        if k == ENTRY_ETAG {
            object_etag = Some(v);
        } else if k == ENTRY_CACHE_CONTROL {
            headers.push(("cache-control".into(), v));
        } else if !INTERNAL.contains(&k.as_str()) && k != "content-length" {
            headers.push((k, v));
        }
    }
    let body = resp.bytes().await.ok()?;
    Some(Entry {
        status,
        headers,
        body,
        object_etag,
    })
}

/// Stores an answer in the background (`waitUntil`), for `ttl` seconds.
pub fn put(ctx: &Context, url: String, entry: Entry, ttl: u32) {
    let mut headers: Vec<(String, String)> = entry
        .headers
        .into_iter()
        .map(|(k, v)| {
            if k.eq_ignore_ascii_case("cache-control") {
                (ENTRY_CACHE_CONTROL.into(), v)
            } else {
                (k, v)
            }
        })
        .collect();
    headers.push(("cache-control".into(), format!("max-age={ttl}")));
    if let Some(e) = entry.object_etag {
        headers.push((ENTRY_ETAG.into(), e));
    }
    let Ok(resp) = crate::http::respond(entry.status, &headers, Body::Bytes(entry.body)) else {
        return;
    };
    ctx.wait_until(async move {
        if let Err(e) = Cache::default().put(url, resp).await {
            worker::console_warn!("cache put failed: {}", crate::describe(&e));
        }
    });
}

//! The HTTP origin: ranged GETs (and HEAD) to `ORIGIN + "/" + key`, built only from the
//! configuration. Checks `Content-Range` against what was asked, reads a `200` body from
//! an origin that ignores `Range` only as far as needed and then cancels it, follows
//! redirects only to the same origin and under its path, and bounds every wait with a
//! timeout.

use crate::js;
use futures_util::future::{select, Either};
use imginfo::driver::{Chunk, Source};
use imginfo::object::ObjectMeta;
use imginfo::Error;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use std::time::Duration;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// A body read may last at most this many `ORIGIN_TIMEOUT_MS` in all (a trickling
/// origin that sends a byte just before each timeout would otherwise never end).
pub const BODY_DEADLINE_FACTOR: f64 = 2.0;

/// Redirect hops followed, and only to the same scheme, host and port, under ORIGIN's path.
pub const MAX_REDIRECTS: u32 = 3;

/// Characters kept as they are in a path segment (RFC 3986 unreserved).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

#[derive(Clone)]
pub struct Origin {
    pub base: String,
    pub timeout_ms: u32,
}

/// An origin response: status, headers, and the body stream.
pub struct OriginResponse {
    pub status: u16,
    pub resp: web_sys::Response,
    /// Aborts the upstream request: cancelling a body stream alone leaves workerd
    /// draining the connection, so a body we stop reading is also aborted.
    pub abort: web_sys::AbortController,
}

impl OriginResponse {
    /// Stops the body: cancels the stream and aborts the upstream request.
    pub fn stop(&self) {
        cancel_body(&self.resp);
        self.abort.abort();
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.resp.headers().get(name).ok().flatten()
    }
}

impl Origin {
    /// `base + "/" + key`, each key segment percent-encoded so no key can change the
    /// host, the port or the query, or climb out of the base path.
    pub fn url(&self, key: &str) -> String {
        let segs: Vec<String> = key
            .split('/')
            .map(|s| utf8_percent_encode(s, SEGMENT).to_string())
            .collect();
        format!("{}/{}", self.base, segs.join("/"))
    }

    /// Sends a request to the origin, following same-origin redirects.
    pub async fn send(
        &self,
        method: &str,
        key: &str,
        headers: &[(&str, String)],
    ) -> Result<OriginResponse, Error> {
        let mut url = self.url(key);
        // Redirect targets are resolved and compared by the runtime's WHATWG URL.
        let base =
            web_sys::Url::new(&self.base).map_err(|_| Error::Upstream("bad ORIGIN".into()))?;
        for _ in 0..=MAX_REDIRECTS {
            let (resp, abort) = self.fetch_once(method, &url, headers).await?;
            let status = resp.status();
            if matches!(status, 301 | 302 | 303 | 307 | 308) {
                let loc = resp
                    .headers()
                    .get("location")
                    .ok()
                    .flatten()
                    .unwrap_or_default();
                let next = web_sys::Url::new_with_base(&loc, &url).map_err(|_| {
                    Error::Upstream(format!("origin redirect to an invalid location: {loc}"))
                })?;
                if next.origin() != base.origin() {
                    return Err(Error::Upstream(format!(
                        "origin redirected to another host ({}); not followed",
                        next.origin()
                    )));
                }
                // Same host, but only under ORIGIN's own path: a redirect never takes a
                // read out of the configured prefix.
                if !within_prefix(&base.pathname(), &next.pathname()) {
                    return Err(Error::Upstream(
                        "origin redirected outside the configured path; not followed".into(),
                    ));
                }
                cancel_body(&resp);
                abort.abort();
                url = next.href();
                continue;
            }
            return Ok(OriginResponse {
                status,
                resp,
                abort,
            });
        }
        Err(Error::Upstream(format!(
            "origin redirected more than {MAX_REDIRECTS} times"
        )))
    }

    async fn fetch_once(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, String)],
    ) -> Result<(web_sys::Response, web_sys::AbortController), Error> {
        let h = web_sys::Headers::new().map_err(js_err)?;
        for (k, v) in headers {
            h.set(k, v).map_err(js_err)?;
        }
        let controller = web_sys::AbortController::new().map_err(js_err)?;
        let init = web_sys::RequestInit::new();
        init.set_method(method);
        init.set_headers(&h);
        init.set_redirect(web_sys::RequestRedirect::Manual);
        init.set_signal(Some(&controller.signal()));
        let req = web_sys::Request::new_with_str_and_init(url, &init).map_err(js_err)?;
        let global: web_sys::WorkerGlobalScope = js_sys::global().unchecked_into();
        let fut = JsFuture::from(global.fetch_with_request(&req));
        match with_timeout(fut, self.timeout_ms).await {
            None => {
                controller.abort();
                Err(Error::Timeout(format!(
                    "no response headers within {} ms",
                    self.timeout_ms
                )))
            }
            Some(Err(e)) => Err(Error::Upstream(format!(
                "origin fetch failed: {}",
                js::message(&e)
            ))),
            Some(Ok(v)) => Ok((
                v.dyn_into::<web_sys::Response>().map_err(js_err)?,
                controller,
            )),
        }
    }

    /// Reads `[offset, offset + len)` of the object, and its metadata.
    pub async fn read_range(
        &self,
        key: &str,
        offset: u64,
        len: u64,
        if_match: Option<&str>,
    ) -> Result<(Chunk, ObjectMeta), Error> {
        let last = offset.saturating_add(len.max(1)) - 1;
        let mut headers = vec![("range", format!("bytes={offset}-{last}"))];
        if let Some(e) = if_match {
            headers.push(("if-match", format!("\"{e}\"")));
        }
        let r = self.send("GET", key, &headers).await?;
        let meta = meta_of(&r);
        match r.status {
            206 => {
                let cr = r.header("content-range").unwrap_or_default();
                let (start, end, total) = parse_content_range(&cr).ok_or_else(|| {
                    r.stop();
                    Error::Upstream(format!(
                        "origin sent 206 with an unusable Content-Range \"{cr}\""
                    ))
                })?;
                if start != offset || end > last || total.is_some_and(|t| end >= t) {
                    r.stop();
                    return Err(Error::Upstream(format!(
                        "origin answered bytes {start}-{end} for a request of {offset}-{last}"
                    )));
                }
                let want = end - start + 1;
                let bytes = read_ranged_body(&r, want, self.timeout_ms).await?;
                if (bytes.len() as u64) < want {
                    return Err(Error::Upstream(format!(
                        "origin sent {} of {want} bytes of the range",
                        bytes.len()
                    )));
                }
                Ok((Chunk { bytes, total }, meta))
            }
            200 => {
                // The origin ignored Range: skip to the offset, take what is needed, cancel.
                let total = r
                    .header("content-length")
                    .and_then(|v| v.trim().parse::<u64>().ok());
                let bytes = read_body(&r, offset, len, self.timeout_ms).await?;
                if let Some(t) = total {
                    let expect = t.saturating_sub(offset).min(len);
                    if (bytes.len() as u64) < expect {
                        return Err(Error::Upstream(format!(
                            "origin body ended after {} of {expect} bytes",
                            bytes.len()
                        )));
                    }
                }
                Ok((Chunk { bytes, total }, meta))
            }
            416 => {
                r.stop();
                let total = r.header("content-range").and_then(|cr| {
                    cr.trim()
                        .strip_prefix("bytes */")
                        .and_then(|t| t.parse().ok())
                });
                match total {
                    Some(t) if offset >= t => Ok((
                        Chunk {
                            bytes: Vec::new(),
                            total: Some(t),
                        },
                        meta,
                    )),
                    _ => Err(Error::Upstream(
                        "origin answered 416 Range Not Satisfiable".into(),
                    )),
                }
            }
            s => {
                r.stop();
                Err(status_error(s))
            }
        }
    }
}

/// Whether `path` lies under the base URL's path (`/prefix` covers `/prefix/…`).
fn within_prefix(base_path: &str, path: &str) -> bool {
    let base = base_path.trim_end_matches('/');
    base.is_empty()
        || path
            .strip_prefix(base)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// The core error for an origin status that is not a usable answer.
pub fn status_error(status: u16) -> Error {
    match status {
        404 | 410 => Error::NotFound,
        412 => Error::Changed,
        401 | 403 => Error::AccessDenied(format!("the origin answered {status}")),
        s => Error::Upstream(format!("origin answered HTTP {s}")),
    }
}

/// Parses `bytes a-b/total` (total may be `*`).
pub fn parse_content_range(v: &str) -> Option<(u64, u64, Option<u64>)> {
    let rest = v.trim().strip_prefix("bytes ")?;
    let (range, total) = rest.split_once('/')?;
    let (a, b) = range.split_once('-')?;
    let (a, b): (u64, u64) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
    if b < a {
        return None;
    }
    let total = match total.trim() {
        "*" => None,
        t => Some(t.parse().ok()?),
    };
    Some((a, b, total))
}

/// Object metadata from origin response headers (mapping in the core's
/// `object::meta_from_headers`: S3/OSS/OBS metadata, version, storage class, restore).
pub fn meta_of(r: &OriginResponse) -> ObjectMeta {
    let mut headers = Vec::new();
    if let Ok(iter) = js_sys::try_iter(&r.resp.headers()) {
        for entry in iter.into_iter().flatten().flatten() {
            let pair = js_sys::Array::from(&entry);
            if let (Some(k), Some(v)) = (pair.get(0).as_string(), pair.get(1).as_string()) {
                headers.push((k, v));
            }
        }
    }
    imginfo::object::meta_from_headers(&headers)
}

fn js_err(e: JsValue) -> Error {
    Error::Upstream(js::message(&e))
}

/// Races a future against a timer; `None` on timeout.
pub async fn with_timeout<F: std::future::Future>(f: F, ms: u32) -> Option<F::Output> {
    let timer = worker::Delay::from(Duration::from_millis(ms as u64));
    match select(std::pin::pin!(f), timer).await {
        Either::Left((v, _)) => Some(v),
        Either::Right(_) => None,
    }
}

/// Cancels a response body we will not read, so the connection is released.
pub fn cancel_body(resp: &web_sys::Response) {
    if let Some(b) = resp.body() {
        let _ = b.cancel();
    }
}

/// Reads a body stream, skipping `skip` bytes and keeping at most `take`, then cancels
/// the rest. Each chunk wait is bounded by the timeout (a trickling body ends in 504).
async fn read_body(
    resp: &OriginResponse,
    skip: u64,
    take: u64,
    timeout_ms: u32,
) -> Result<Vec<u8>, Error> {
    let Some(stream) = resp.resp.body() else {
        return Ok(Vec::new());
    };
    let reader: web_sys::ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
    let mut out: Vec<u8> = Vec::with_capacity(take.min(1 << 20) as usize);
    let mut pos: u64 = 0;
    let end = skip.saturating_add(take);
    // A body that trickles is bounded as a whole, not only between chunks: the read may
    // take at most BODY_DEADLINE_FACTOR timeouts in all.
    let deadline = js_sys::Date::now() + f64::from(timeout_ms) * BODY_DEADLINE_FACTOR;
    loop {
        let left = deadline - js_sys::Date::now();
        if left <= 0.0 {
            let _ = reader.cancel();
            resp.abort.abort();
            return Err(Error::Timeout(format!(
                "origin body too slow: not complete within {} ms",
                f64::from(timeout_ms) * BODY_DEADLINE_FACTOR
            )));
        }
        let next = JsFuture::from(reader.read());
        let wait = (left as u32).min(timeout_ms);
        let r = match with_timeout(next, wait).await {
            None => {
                let _ = reader.cancel();
                resp.abort.abort();
                return Err(Error::Timeout(format!("origin body stalled for {wait} ms")));
            }
            Some(Err(e)) => {
                return Err(Error::Upstream(format!(
                    "origin body failed: {}",
                    js::message(&e)
                )))
            }
            Some(Ok(r)) => r,
        };
        if js::get(&r, "done").as_bool().unwrap_or(true) {
            break;
        }
        let chunk = js_sys::Uint8Array::new(&js::get(&r, "value"));
        let clen = chunk.length() as u64;
        let (cs, ce) = (pos, pos + clen);
        pos = ce;
        if ce > skip && cs < end {
            let from = skip.saturating_sub(cs) as u32;
            let to = (end.min(ce) - cs) as u32;
            out.extend_from_slice(&chunk.subarray(from, to).to_vec());
        }
        if pos >= end {
            resp.abort.abort();
            let _ = reader.cancel();
            break;
        }
    }
    Ok(out)
}

/// Reads the body of a `206` whose range was checked against the request: one
/// `arrayBuffer()` and one copy into WASM memory, where a stream reader costs a promise,
/// a JS-to-WASM call and a timer per chunk. The body is bounded by the range asked for
/// and must be complete within the body deadline (`BODY_DEADLINE_FACTOR` timeouts), else
/// the request is aborted and the answer is a 504; bytes past `want` are not kept.
async fn read_ranged_body(
    resp: &OriginResponse,
    want: u64,
    timeout_ms: u32,
) -> Result<Vec<u8>, Error> {
    let deadline = f64::from(timeout_ms) * BODY_DEADLINE_FACTOR;
    let promise = resp.resp.array_buffer().map_err(js_err)?;
    match with_timeout(JsFuture::from(promise), deadline as u32).await {
        None => {
            resp.abort.abort();
            Err(Error::Timeout(format!(
                "origin body too slow: not complete within {deadline} ms"
            )))
        }
        Some(Err(e)) => Err(Error::Upstream(format!(
            "origin body failed: {}",
            js::message(&e)
        ))),
        Some(Ok(buf)) => {
            let all = js_sys::Uint8Array::new(&buf);
            let n = (all.length() as u64).min(want) as u32;
            Ok(all.subarray(0, n).to_vec())
        }
    }
}

/// The driver's view of one origin object; reads after the first carry `If-Match`.
pub struct OriginReader {
    pub origin: Origin,
    pub key: String,
    pub meta: Option<ObjectMeta>,
    pub total: Option<u64>,
}

impl Source for OriginReader {
    async fn read(&mut self, offset: u64, len: u64) -> Result<Chunk, Error> {
        let etag = self.meta.as_ref().and_then(|m| m.etag.clone());
        let (chunk, meta) = self
            .origin
            .read_range(&self.key, offset, len, etag.as_deref())
            .await?;
        if let Some(first) = &self.meta {
            if first.etag.is_some() && meta.etag.is_some() && first.etag != meta.etag {
                return Err(Error::Changed);
            }
        }
        if let (Some(a), Some(b)) = (self.total, chunk.total) {
            if a != b {
                return Err(Error::Upstream(format!(
                    "origin object size changed from {a} to {b} between reads"
                )));
            }
        }
        if self.meta.is_none() {
            self.meta = Some(meta);
        }
        self.total = self.total.or(chunk.total);
        Ok(chunk)
    }

    /// Starts over from the object as it is now: the next read carries no `If-Match`
    /// and its headers (ETag, size, Last-Modified) are the answer's.
    fn restart(&mut self) -> bool {
        self.meta = None;
        self.total = None;
        true
    }
}

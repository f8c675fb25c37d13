//! R2 through the raw binding: ranged `get` and `head`, object metadata (including what
//! the `worker` crate lacks or `unwrap`s: storage class, checksums, SSE-C), and the
//! driver's [`Source`] for info requests, whose reads after the first are conditional
//! on the first read's ETag so an answer is never stitched from two versions.

use crate::js;
use imginfo::conditional::R2Conditional;
use imginfo::driver::{Chunk, Source};
use imginfo::object::{ObjectMeta, SourceKind};
use imginfo::Error;
use js_sys::{Object, Uint8Array};
use wasm_bindgen::JsValue;
use worker::Env;

/// The R2 bucket binding.
#[derive(Clone)]
pub struct R2 {
    bucket: JsValue,
}

/// A byte range for R2 `get`: `{offset, length}` or `{suffix}`.
#[derive(Debug, Clone, Copy)]
pub enum R2Range {
    From { offset: u64, length: Option<u64> },
    Suffix(u64),
}

/// Options of a streaming `get`: range, SSE-C key (R2's `ssecKey`: 64 hex digits) and
/// an `onlyIf` condition built from the request's preconditions.
#[derive(Debug, Clone, Default)]
pub struct GetOpts {
    pub range: Option<R2Range>,
    pub ssec_key_hex: Option<String>,
    pub only_if: Option<R2Conditional>,
}

/// An object with its body stream (for plain GET).
pub struct R2Body {
    pub meta: ObjectMeta,
    /// The served range `(offset, length)` when a range was asked for.
    pub range: Option<(u64, u64)>,
    /// The `ReadableStream` of the body; `None` when a precondition failed.
    pub body: Option<web_sys::ReadableStream>,
}

impl R2 {
    pub fn bind(env: &Env, name: &str) -> Option<R2> {
        let b = js::get(env, name);
        (b.is_object()).then_some(R2 { bucket: b })
    }

    pub async fn head(&self, key: &str) -> Result<Option<ObjectMeta>, Error> {
        let o = js::call(&self.bucket, "head", &[JsValue::from_str(key)])
            .await
            .map_err(|e| Error::Upstream(format!("R2 head failed: {}", js::message(&e))))?;
        Ok((!o.is_null() && !o.is_undefined()).then(|| meta_of(&o)))
    }

    /// `get` with options; `None` when the key does not exist.
    async fn get(&self, key: &str, opts: &Object) -> Result<Option<JsValue>, Error> {
        let o = js::call(&self.bucket, "get", &[JsValue::from_str(key), opts.into()])
            .await
            .map_err(|e| Error::Upstream(format!("R2 get failed: {}", js::message(&e))))?;
        Ok((!o.is_null() && !o.is_undefined()).then_some(o))
    }

    /// Reads `[offset, offset + len)` fully into memory; `only_if_etag` makes the read
    /// conditional. `Ok(None)`: no such key.
    pub async fn read_range(
        &self,
        key: &str,
        offset: u64,
        len: u64,
        only_if_etag: Option<&str>,
    ) -> Result<Option<(ObjectMeta, Option<Vec<u8>>)>, Error> {
        let opts = Object::new();
        let range = Object::new();
        js::set(&range, "offset", offset as f64);
        js::set(&range, "length", len as f64);
        js::set(&opts, "range", range);
        if let Some(etag) = only_if_etag {
            let cond = Object::new();
            js::set(&cond, "etagMatches", etag);
            js::set(&opts, "onlyIf", cond);
        }
        let Some(o) = self.get(key, &opts).await? else {
            return Ok(None);
        };
        let meta = meta_of(&o);
        if !js::has(&o, "body") {
            // A failed precondition returns the object without a body.
            return Ok(Some((meta, None)));
        }
        let buf = js::call(&o, "arrayBuffer", &[])
            .await
            .map_err(|e| Error::Upstream(format!("R2 body read failed: {}", js::message(&e))))?;
        // One copy from JS memory into WASM memory.
        Ok(Some((meta, Some(Uint8Array::new(&buf).to_vec()))))
    }

    /// `get` for streaming a whole object or a range of it to the client. With an
    /// `onlyIf` that fails, R2 answers the metadata without a body (`body: None`).
    pub async fn get_body(&self, key: &str, o: &GetOpts) -> Result<Option<R2Body>, Error> {
        let range = o.range;
        let opts = Object::new();
        if let Some(k) = &o.ssec_key_hex {
            js::set(&opts, "ssecKey", k.as_str());
        }
        if let Some(c) = o.only_if.as_ref().filter(|c| !c.is_empty()) {
            js::set(&opts, "onlyIf", only_if(c));
        }
        if let Some(r) = range {
            let ro = Object::new();
            match r {
                R2Range::From { offset, length } => {
                    js::set(&ro, "offset", offset as f64);
                    if let Some(l) = length {
                        js::set(&ro, "length", l as f64);
                    }
                }
                R2Range::Suffix(n) => js::set(&ro, "suffix", n as f64),
            }
            js::set(&opts, "range", ro);
        }
        let Some(o) = self.get(key, &opts).await? else {
            return Ok(None);
        };
        let meta = meta_of(&o);
        let served = {
            let r = js::get(&o, "range");
            let size = meta.size;
            if range.is_some() && r.is_object() {
                let (off, len) = match (
                    js::get_f64(&r, "offset"),
                    js::get_f64(&r, "length"),
                    js::get_f64(&r, "suffix"),
                ) {
                    (_, _, Some(s)) => {
                        let s = (s as u64).min(size);
                        (size - s, s)
                    }
                    (Some(o), Some(l), _) => (o as u64, l as u64),
                    (Some(o), None, _) => (o as u64, size.saturating_sub(o as u64)),
                    (None, Some(l), _) => (0, l as u64),
                    _ => (0, size),
                };
                Some((off.min(size), len.min(size.saturating_sub(off))))
            } else {
                None
            }
        };
        let body = js::get(&o, "body");
        let body = if body.is_object() {
            Some(wasm_bindgen::JsCast::unchecked_into(body))
        } else {
            None
        };
        Ok(Some(R2Body {
            meta,
            range: served,
            body,
        }))
    }
}

/// R2's `R2Conditional` for an `onlyIf` option (each tag field one bare tag or `*`).
fn only_if(c: &R2Conditional) -> Object {
    let o = Object::new();
    if let Some(e) = &c.etag_matches {
        js::set(&o, "etagMatches", e.as_r2());
    }
    if let Some(e) = &c.etag_does_not_match {
        js::set(&o, "etagDoesNotMatch", e.as_r2());
    }
    let date = |ms: f64| js_sys::Date::new(&JsValue::from_f64(ms));
    if let Some(ms) = c.uploaded_before_ms {
        js::set(&o, "uploadedBefore", date(ms));
    }
    if let Some(ms) = c.uploaded_after_ms {
        js::set(&o, "uploadedAfter", date(ms));
    }
    js::set(&o, "secondsGranularity", true);
    o
}

/// Cancels a body stream that will not be sent (a refused or conditional answer).
pub fn cancel(body: Option<web_sys::ReadableStream>) {
    if let Some(b) = body {
        let _ = b.cancel();
    }
}

/// Reads an R2 object's metadata.
pub fn meta_of(o: &JsValue) -> ObjectMeta {
    let http = js::get(o, "httpMetadata");
    let custom_js = js::get(o, "customMetadata");
    let mut custom: Vec<(String, String)> = Vec::new();
    if custom_js.is_object() {
        for k in Object::keys(&Object::from(custom_js.clone())).iter() {
            if let Some(k) = k.as_string() {
                if let Some(v) = js::get_str(&custom_js, &k) {
                    custom.push((k.to_ascii_lowercase(), v));
                }
            }
        }
    }
    imginfo::sort::sort(&mut custom);
    let md5 = js::get(&js::get(o, "checksums"), "md5");
    let md5_hex = if md5.is_object() {
        Some(js::hex(&Uint8Array::new(&md5).to_vec())).filter(|h| h.len() == 32)
    } else {
        None
    };
    let expires = js::get_date_ms(&http, "cacheExpiry").and_then(imginfo::object::http_date);
    ObjectMeta {
        source: SourceKind::R2,
        size: js::get_f64(o, "size").unwrap_or(0.0).max(0.0) as u64,
        etag: js::get_str(o, "etag"),
        last_modified_ms: js::get_date_ms(o, "uploaded"),
        version: js::get_str(o, "version"),
        content_type: js::get_str(&http, "contentType"),
        content_encoding: js::get_str(&http, "contentEncoding"),
        content_language: js::get_str(&http, "contentLanguage"),
        content_disposition: js::get_str(&http, "contentDisposition"),
        cache_control: js::get_str(&http, "cacheControl"),
        expires,
        custom,
        storage_class: js::get_str(o, "storageClass"),
        md5_hex,
        // Set only for an object stored with an SSE-C key.
        ssec_key_md5: js::get_str(o, "ssecKeyMd5").filter(|s| !s.is_empty()),
        restore: None,
        website_redirect: None,
    }
}

/// The driver's view of one R2 object.
pub struct R2Reader {
    pub r2: R2,
    pub key: String,
    /// Metadata from the first read; later reads are conditional on its ETag.
    pub meta: Option<ObjectMeta>,
}

impl Source for R2Reader {
    async fn read(&mut self, offset: u64, len: u64) -> Result<Chunk, Error> {
        let etag = self.meta.as_ref().and_then(|m| m.etag.clone());
        let got = self
            .r2
            .read_range(&self.key, offset, len, etag.as_deref())
            .await?;
        match got {
            None if self.meta.is_none() => Err(Error::NotFound),
            None => Err(Error::Changed),
            Some((_, None)) => Err(Error::Changed),
            Some((meta, Some(bytes))) => {
                let total = meta.size;
                if self.meta.is_none() {
                    self.meta = Some(meta);
                }
                Ok(Chunk {
                    bytes,
                    total: Some(total),
                })
            }
        }
    }

    /// Starts over from the object as it is now: the next read is unconditional and
    /// its metadata (ETag, size, upload time) is the answer's.
    fn restart(&mut self) -> bool {
        self.meta = None;
        true
    }
}

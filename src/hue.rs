//! The average-colour route (`image/average-hue` for OSS, TOS and OBS, `imageAve` for
//! COS and Qiniu, `?info&hue` native): the info route's machinery — the Cache API entry
//! and `304` for vendor dialects, the same sources (R2 first, the origin for keys R2
//! does not have) through [`Timed`] reads — with the core's [`hue::average`] (header
//! phase, then the pixel phase of the method the format calls for) in place of
//! `driver::inspect`. `Server-Timing` names the method:
//! `read;desc="7 ranges, 3196160 B";dur=…, parse;dur=…, hue;desc="dc"`.

use crate::http::{self, Body};
use crate::source::origin::{Origin, OriginReader};
use crate::source::r2::R2Reader;
use crate::source::{InfoSource, Timed};
use crate::{cache, log, Req};
use imginfo::driver::Stats;
use imginfo::hue::{self, Hue, Limits};
use imginfo::object::ObjectMeta;
use imginfo::render::{self, ReadStats};
use imginfo::request::Dialect;
use imginfo::{etag, Error};
use worker::{Method, Response, Result};

/// One source's outcome: the answer, what it cost, the object's metadata, its name.
type Outcome = (
    std::result::Result<Hue, Error>,
    Stats,
    f64,
    Option<ObjectMeta>,
    &'static str,
);

pub async fn average_hue(r: &Req<'_>, d: Dialect) -> Result<Response> {
    let t0 = js_sys::Date::now();
    let key = r.ctx.key.clone();
    let head_only = r.method == Method::Head;
    let if_none_match = r.headers.get("if-none-match")?;
    let rid_header = (d.request_id_header().to_string(), r.ctx.request_id.clone());
    let use_cache = r.cfg.info_cache_ttl > 0 && cache::cacheable(d);
    let cache_key = cache::key_for(d, "hue", &key);

    if use_cache {
        if let Some(entry) = cache::get(&cache_key).await {
            r.log.borrow_mut().cache = Some("hit");
            log(r, d.name(), entry.status, None);
            let tag = entry.object_etag.as_deref().map(|e| etag::hue_etag(e, d));
            let mut h = entry.headers;
            h.retain(|(k, _)| {
                !k.eq_ignore_ascii_case(d.request_id_header()) && k != "server-timing"
            });
            h.push(rid_header);
            h.push((
                "Server-Timing".into(),
                format!(
                    "cache;desc=\"hit\", {}",
                    http::server_timing(0, 0, 0.0, js_sys::Date::now() - t0)
                ),
            ));
            if let (Some(inm), Some(e)) = (&if_none_match, &tag) {
                if etag::none_match(inm, e) {
                    h.retain(|(k, _)| k != "content-type");
                    return http::respond(304, &h, Body::Empty);
                }
            }
            let body = if head_only {
                Body::Empty
            } else {
                Body::Bytes(entry.body)
            };
            return http::respond(entry.status, &h, body);
        }
        r.log.borrow_mut().cache = Some("miss");
    }

    let bucket = r.bucket();
    if let (Some(inm), Some(r2)) = (&if_none_match, &bucket) {
        if let Ok(Some(meta)) = r2.head(&key).await {
            if let Some(e) = &meta.etag {
                let tag = etag::hue_etag(e, d);
                if etag::none_match(inm, &tag) {
                    log(r, d.name(), 304, None);
                    let h = vec![rid_header, ("ETag".into(), tag)];
                    return http::respond(304, &h, Body::Empty);
                }
            }
        }
    }

    let limits = Limits {
        max_bytes: r.cfg.max_hue_bytes,
        max_pixels: r.cfg.max_hue_pixels,
    };
    let origin = r.origin.clone().map(|base| Origin {
        base,
        timeout_ms: r.cfg.origin_timeout_ms,
    });
    let mut outcome: Option<Outcome> = None;
    if let Some(r2) = bucket {
        let mut src = Timed {
            inner: InfoSource::R2(R2Reader {
                r2,
                key: key.clone(),
                meta: None,
            }),
            read_ms: 0.0,
        };
        let (res, stats) = hue::average(&mut src, limits).await;
        let fall_through = matches!(res, Err(Error::NotFound)) && origin.is_some();
        if !fall_through {
            outcome = Some((res, stats, src.read_ms, src.inner.meta().cloned(), "r2"));
        }
    }
    if outcome.is_none() {
        if let Some(o) = origin {
            let mut src = Timed {
                inner: InfoSource::Origin(OriginReader {
                    origin: o,
                    key: key.clone(),
                    meta: None,
                    total: None,
                }),
                read_ms: 0.0,
            };
            let (res, stats) = hue::average(&mut src, limits).await;
            outcome = Some((res, stats, src.read_ms, src.inner.meta().cloned(), "origin"));
        }
    }
    let Some((res, stats, read_ms, meta, source)) = outcome else {
        return crate::dialect_error(r, d, &Error::NotFound, None);
    };
    let total_ms = js_sys::Date::now() - t0;
    let parse_ms = (total_ms - read_ms).max(0.0);
    {
        let mut l = r.log.borrow_mut();
        l.source = Some(source);
        l.ranges = stats.reads;
        l.bytes = stats.bytes;
        l.parse_ms = Some(parse_ms);
    }
    let mut timing = http::server_timing(stats.reads, stats.bytes, read_ms, parse_ms);
    if let Ok(h) = &res {
        let frames = match h.color.first_of_frames {
            Some(n) => format!(", first of {n} frames"),
            None => String::new(),
        };
        timing.push_str(&format!(", hue;desc=\"{}{frames}\"", h.color.method.name()));
    }
    let mut ctx = r.ctx.clone();
    ctx.object = meta.as_ref().map(|m| m.view()).unwrap_or_default();
    ctx.stats = ReadStats {
        ranges: stats.reads,
        bytes: stats.bytes,
        ms: total_ms,
    };
    let rendered = match &res {
        Ok(h) => render::average_hue(d, h, &ctx),
        Err(e) => render::error(d, e, &ctx),
    };
    log(r, d.name(), rendered.status, res.as_ref().err());
    let mut headers = vec![(
        "Content-Type".to_string(),
        rendered.content_type.to_string(),
    )];
    headers.extend(
        rendered
            .headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone())),
    );
    let object_etag = meta.as_ref().and_then(|m| m.etag.clone());
    if rendered.status == 200 {
        if let Some(e) = &object_etag {
            headers.push(("ETag".into(), etag::hue_etag(e, d)));
        }
        if let Some(lm) = meta.as_ref().and_then(|m| m.http_last_modified()) {
            headers.push(("Last-Modified".into(), lm));
        }
        if use_cache {
            let entry = cache::Entry {
                status: rendered.status,
                headers: headers.clone(),
                body: rendered.body.clone(),
                object_etag: object_etag.clone(),
            };
            cache::put(r.wctx, cache_key, entry, r.cfg.info_cache_ttl);
        }
    }
    headers.push(rid_header);
    headers.push(("Server-Timing".to_string(), timing));
    let body = if head_only {
        Body::Empty
    } else {
        Body::Bytes(rendered.body)
    };
    http::respond(rendered.status, &headers, body)
}

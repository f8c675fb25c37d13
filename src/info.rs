//! The routes answered from the object's own bytes through ranged reads — info and
//! `?exif` (the core's driver) and, in the hue build, average colour (`hue.rs`) — share
//! one flow here, [`read_route`]: the Cache API entry for vendor dialects, a `304` from an
//! R2 `head` before any ranged read, the sources (R2 first, the origin for keys R2 does
//! not have) through [`Timed`] reads, then the answer with its request-id headers (the
//! dialect's, and the signer's when another vendor's SDK signed), `ETag`,
//! `Last-Modified` and `Server-Timing`. A [`ReadRoute`] says what differs: the cache and
//! ETag suffix, the computation and the renderer.

use crate::http::{self, Body};
use crate::source::origin::{Origin, OriginReader};
use crate::source::r2::R2Reader;
use crate::source::{InfoSource, Timed};
use crate::{cache, dialect_error, log, signer_request_id_headers, Req};
use imginfo::driver::{inspect, Budget, Stats};
use imginfo::render::{self, Ctx, ReadStats, Rendered};
use imginfo::request::Dialect;
use imginfo::{etag, Error, Info};
use worker::{Method, Response, Result};

/// What one route reads and answers; [`read_route`] does the rest.
pub(crate) trait ReadRoute {
    /// What a successful computation yields.
    type Out;
    /// `info`, `exif` or `hue`: the route's part of the cache key.
    fn name(&self) -> &'static str;
    /// The answer's `ETag`, derived from the object's.
    fn etag(&self, object_etag: &str, d: Dialect) -> String;
    /// Reads what the answer needs from one source.
    async fn run(
        &self,
        src: &mut Timed<InfoSource>,
    ) -> (std::result::Result<Self::Out, Error>, Stats);
    fn render(&self, d: Dialect, out: &Self::Out, ctx: &Ctx) -> Rendered;
    /// `Server-Timing` entries that describe how the answer was made, if any.
    fn timing(&self, _out: &Self::Out) -> Option<String> {
        None
    }
}

/// Info (`exif_only`: the `?exif` route) through the core's driver.
pub(crate) struct InfoRoute {
    pub exif_only: bool,
    pub budget: Budget,
}

impl ReadRoute for InfoRoute {
    type Out = Info;

    fn name(&self) -> &'static str {
        if self.exif_only {
            "exif"
        } else {
            "info"
        }
    }

    fn etag(&self, object_etag: &str, d: Dialect) -> String {
        etag::info_etag(object_etag, d, self.exif_only)
    }

    async fn run(&self, src: &mut Timed<InfoSource>) -> (std::result::Result<Info, Error>, Stats) {
        inspect(src, self.budget).await
    }

    fn render(&self, d: Dialect, info: &Info, ctx: &Ctx) -> Rendered {
        if self.exif_only {
            render::exif(d, info, ctx)
        } else {
            render::info(d, info, ctx)
        }
    }
}

/// An info request: a cached answer, a `304`, or ranged reads through the driver and
/// the dialect's renderer.
pub(crate) async fn info(r: &Req<'_>, d: Dialect, exif_only: bool) -> Result<Response> {
    let budget = Budget {
        max_bytes: r.cfg.max_read_bytes,
        ..Budget::default()
    };
    read_route(r, d, &InfoRoute { exif_only, budget }).await
}

/// One route's answer from the object's bytes (module doc).
pub(crate) async fn read_route<R: ReadRoute>(
    r: &Req<'_>,
    d: Dialect,
    route: &R,
) -> Result<Response> {
    let t0 = js_sys::Date::now();
    let key = r.ctx.key.clone();
    let head_only = r.method == Method::Head;
    let if_none_match = r.headers.get("if-none-match")?;
    let rid_header = (d.request_id_header().to_string(), r.ctx.request_id.clone());
    let use_cache = r.cfg.info_cache_ttl > 0 && cache::cacheable(d);
    let cache_key = cache::key_for(d, route.name(), &key);

    if use_cache {
        if let Some(entry) = cache::get(&cache_key).await {
            r.log.borrow_mut().cache = Some("hit");
            log(r, d.name(), entry.status, None);
            let tag = entry.object_etag.as_deref().map(|e| route.etag(e, d));
            let mut h = entry.headers;
            h.retain(|(k, _)| {
                !k.eq_ignore_ascii_case(d.request_id_header()) && k != "server-timing"
            });
            h.push(rid_header);
            h.extend(signer_request_id_headers(r, d));
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
    // A conditional request for an object whose ETag R2 gives cheaply: 304 before any
    // ranged read.
    if let (Some(inm), Some(r2)) = (&if_none_match, &bucket) {
        if let Ok(Some(meta)) = r2.head(&key).await {
            if let Some(e) = &meta.etag {
                let tag = route.etag(e, d);
                if etag::none_match(inm, &tag) {
                    log(r, d.name(), 304, None);
                    let mut h = vec![rid_header, ("ETag".into(), tag)];
                    h.extend(signer_request_id_headers(r, d));
                    return http::respond(304, &h, Body::Empty);
                }
            }
        }
    }

    let origin = r.origin.clone().map(|base| Origin {
        base,
        timeout_ms: r.cfg.origin_timeout_ms,
    });
    let mut outcome = None;
    if let Some(r2) = bucket {
        let mut src = Timed {
            inner: InfoSource::R2(R2Reader {
                r2,
                key: key.clone(),
                meta: None,
            }),
            read_ms: 0.0,
        };
        let (res, stats) = route.run(&mut src).await;
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
            let (res, stats) = route.run(&mut src).await;
            outcome = Some((res, stats, src.read_ms, src.inner.meta().cloned(), "origin"));
        }
    }
    let Some((res, stats, read_ms, meta, source)) = outcome else {
        return dialect_error(r, d, &Error::NotFound, None);
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
    if let Some(t) = res.as_ref().ok().and_then(|out| route.timing(out)) {
        timing.push_str(", ");
        timing.push_str(&t);
    }
    let mut ctx = r.ctx.clone();
    ctx.object = meta.as_ref().map(|m| m.view()).unwrap_or_default();
    ctx.stats = ReadStats {
        ranges: stats.reads,
        bytes: stats.bytes,
        ms: total_ms,
    };
    let rendered = match &res {
        Ok(out) => route.render(d, out, &ctx),
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
            headers.push(("ETag".into(), route.etag(e, d)));
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
    headers.extend(signer_request_id_headers(r, d));
    headers.push(("Server-Timing".to_string(), timing));
    let body = if head_only {
        Body::Empty
    } else {
        Body::Bytes(rendered.body)
    };
    http::respond(rendered.status, &headers, body)
}

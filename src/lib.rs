//! imginfo-edge Worker glue: routes a request to an info answer (ranged reads through
//! the core's driver, rendered in the caller's dialect) or to the object itself
//! (`GET`/`HEAD` with OBS-style metadata headers), from R2 or the configured origin.

mod cache;
mod config;
mod http;
mod js;
mod source;

use config::{Config, BUCKET_BINDING};
use http::{Body, ByteRange};
use imginfo::driver::{inspect, Budget};
use imginfo::object::{obs_headers, ObjectMeta};
use imginfo::render::{self, Ctx, ReadStats};
use imginfo::request::{self, Action, Dialect};
use imginfo::{etag, Error};
use source::origin::{Origin, OriginReader};
use source::r2::{R2Range, R2Reader, R2};
use source::{InfoSource, Timed};
use std::cell::RefCell;
use worker::{event, Context, Env, Method, Request, Response, Result};

#[event(fetch)]
pub async fn main(req: Request, env: Env, wctx: Context) -> Result<Response> {
    let cfg = Config::from_env(&env);
    for w in &cfg.warnings {
        worker::console_warn!("config: {w}");
    }
    let rid = http::request_id();
    let log = RefCell::new(LogLine {
        request_id: rid.clone(),
        method: req.method().to_string(),
        ..LogLine::default()
    });
    let res = route(&req, &env, &cfg, &rid, &wctx, &log).await;
    let mut line = log.into_inner();
    match res {
        Ok(r) => {
            line.status = r.status_code();
            worker::console_log!("{}", serde_json::to_string(&line).unwrap_or_default());
            Ok(r)
        }
        Err(e) => {
            line.status = 500;
            line.error = Some(format!("internal: {e}"));
            worker::console_error!("{}", serde_json::to_string(&line).unwrap_or_default());
            http::respond(
                500,
                &[
                    ("Content-Type".into(), "application/xml".into()),
                    ("x-obs-request-id".into(), rid.clone()),
                ],
                Body::Bytes(
                    format!(
                        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message><RequestId>{rid}</RequestId></Error>\n"
                    )
                    .into_bytes(),
                ),
            )
        }
    }
}

/// One structured log line per request (read it with `wrangler tail`): no object bytes,
/// no secrets; `requestId` is the one in the response's request-id header.
#[derive(Default, serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct LogLine {
    request_id: String,
    method: String,
    route: &'static str,
    dialect: Option<&'static str>,
    key: String,
    source: Option<&'static str>,
    status: u16,
    ranges: u32,
    bytes: u64,
    cache: Option<&'static str>,
    parse_ms: Option<f64>,
    error: Option<String>,
}

struct Req<'a> {
    env: &'a Env,
    cfg: &'a Config,
    wctx: &'a Context,
    log: &'a RefCell<LogLine>,
    ctx: Ctx,
    method: Method,
    headers: &'a worker::Headers,
}

async fn route(
    req: &Request,
    env: &Env,
    cfg: &Config,
    rid: &str,
    wctx: &Context,
    log: &RefCell<LogLine>,
) -> Result<Response> {
    let url = req.url()?;
    let method = req.method();
    let host = url.host_str().unwrap_or("").to_string();
    let hints = request::Hints {
        authorization: req.headers().get("Authorization").ok().flatten(),
        ..request::Hints::default()
    };
    let op = request::parse(url.path(), url.query(), &hints);
    let mut r = Req {
        env,
        cfg,
        wctx,
        log,
        ctx: Ctx {
            request_id: rid.to_string(),
            host,
            ..Ctx::default()
        },
        method: method.clone(),
        headers: req.headers(),
    };
    let op = match op {
        Ok(op) => op,
        Err(rej) => return dialect_error(&r, rej.dialect, &rej.error, None),
    };
    r.ctx.key = op.key.clone();
    {
        let mut l = log.borrow_mut();
        l.key = op.key.clone();
        l.route = match op.action {
            Action::Object => "object",
            Action::Info(_) => "info",
            Action::Exif(_) => "exif",
        };
    }
    match (&method, &op.action) {
        (Method::Get | Method::Head, Action::Info(d)) => info(&r, *d, false).await,
        (Method::Get | Method::Head, Action::Exif(d)) => info(&r, *d, true).await,
        (Method::Get | Method::Head, Action::Object) if op.key.is_empty() => index(&r),
        (Method::Get | Method::Head, Action::Object) => object(&r).await,
        _ => object_error(
            &r,
            405,
            "MethodNotAllowed",
            "The specified method is not allowed against this resource.",
        ),
    }
}

fn index(r: &Req) -> Result<Response> {
    let body =
        "imginfo-edge: GET /<key>?image/info for image info, HEAD /<key> for object metadata.\n";
    http::respond(
        200,
        &[
            ("Content-Type".into(), "text/plain; charset=utf-8".into()),
            request_id_header(r),
        ],
        if r.method == Method::Head {
            Body::Empty
        } else {
            Body::Bytes(body.as_bytes().to_vec())
        },
    )
}

fn request_id_header(r: &Req) -> (String, String) {
    ("x-obs-request-id".into(), r.ctx.request_id.clone())
}

fn dialect_error(r: &Req, d: Dialect, e: &Error, timing: Option<String>) -> Result<Response> {
    let rendered = render::error(d, e, &r.ctx);
    let mut extra = vec![(d.request_id_header().to_string(), r.ctx.request_id.clone())];
    if let Some(t) = timing {
        extra.push(("Server-Timing".into(), t));
    }
    log(r, d.name(), rendered.status, Some(e));
    http::rendered(rendered, extra, r.method == Method::Head)
}

/// Records the dialect and error code of an answer in the request's log line.
fn log(r: &Req, dialect: &'static str, _status: u16, e: Option<&Error>) {
    let mut l = r.log.borrow_mut();
    l.dialect = Some(dialect);
    l.error = e.map(|e| e.to_string());
}

/// An info request: a cached answer, a `304`, or ranged reads through the driver and
/// the dialect's renderer.
async fn info(r: &Req<'_>, d: Dialect, exif_only: bool) -> Result<Response> {
    let t0 = js_sys::Date::now();
    let key = r.ctx.key.clone();
    let head_only = r.method == Method::Head;
    let if_none_match = r.headers.get("if-none-match")?;
    let rid_header = (d.request_id_header().to_string(), r.ctx.request_id.clone());
    let use_cache = r.cfg.info_cache_ttl > 0 && cache::cacheable(d);
    let cache_key = cache::key(d, exif_only, &key);

    if use_cache {
        if let Some(entry) = cache::get(&cache_key).await {
            r.log.borrow_mut().cache = Some("hit");
            log(r, d.name(), entry.status, None);
            let etag = entry
                .object_etag
                .as_deref()
                .map(|e| etag::info_etag(e, d, exif_only));
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
            if let (Some(inm), Some(e)) = (&if_none_match, &etag) {
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

    let bucket = R2::bind(r.env, BUCKET_BINDING);
    // A conditional request for an object whose ETag R2 gives cheaply: 304 before any
    // ranged read.
    if let (Some(inm), Some(r2)) = (&if_none_match, &bucket) {
        if let Ok(Some(meta)) = r2.head(&key).await {
            if let Some(e) = &meta.etag {
                let tag = etag::info_etag(e, d, exif_only);
                if etag::none_match(inm, &tag) {
                    log(r, d.name(), 304, None);
                    let h = vec![rid_header, ("ETag".into(), tag)];
                    return http::respond(304, &h, Body::Empty);
                }
            }
        }
    }

    let budget = Budget {
        max_bytes: r.cfg.max_read_bytes,
        ..Budget::default()
    };
    let origin = r.cfg.origin.clone().map(|base| Origin {
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
        let (res, stats) = inspect(&mut src, budget).await;
        let fall_through = matches!(res, Err(Error::NotFound)) && origin.is_some();
        if !fall_through {
            outcome = Some((res, stats, src.read_ms, src.inner.meta().cloned(), "r2"));
        }
    }
    if outcome.is_none() {
        if let Some(o) = origin {
            let reader = OriginReader {
                origin: o,
                key: key.clone(),
                meta: None,
                total: None,
            };
            let mut src = Timed {
                inner: InfoSource::Origin(reader),
                read_ms: 0.0,
            };
            let (res, stats) = inspect(&mut src, budget).await;
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
    let timing = http::server_timing(stats.reads, stats.bytes, read_ms, parse_ms);
    let mut ctx = r.ctx.clone();
    ctx.object = meta.as_ref().map(|m| m.view()).unwrap_or_default();
    ctx.stats = ReadStats {
        ranges: stats.reads,
        bytes: stats.bytes,
        ms: total_ms,
    };
    let rendered = match &res {
        Ok(info) if exif_only => render::exif(d, info, &ctx),
        Ok(info) => render::info(d, info, &ctx),
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
            headers.push(("ETag".into(), etag::info_etag(e, d, exif_only)));
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

/// OBS-style XML error for object routes.
fn object_error(r: &Req, status: u16, code: &str, message: &str) -> Result<Response> {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{}</Message><RequestId>{}</RequestId><HostId>{}</HostId><Key>{}</Key></Error>\n",
        render::xml_escape(message),
        r.ctx.request_id,
        render::xml_escape(&r.ctx.host),
        render::xml_escape(&r.ctx.key),
    );
    let headers = vec![
        ("Content-Type".into(), "application/xml".into()),
        request_id_header(r),
    ];
    let body = if r.method == Method::Head {
        Body::Empty
    } else {
        Body::Bytes(body.into_bytes())
    };
    http::respond(status, &headers, body)
}

fn core_object_error(r: &Req, e: &Error) -> Result<Response> {
    match e {
        Error::NotFound => object_error(r, 404, "NoSuchKey", "The specified key does not exist."),
        Error::AccessDenied(m) => object_error(r, 403, "AccessDenied", m),
        Error::Timeout(m) => object_error(r, 504, "GatewayTimeout", m),
        Error::Changed => object_error(r, 503, "ServiceUnavailable", &e.to_string()),
        other => object_error(r, 502, "BadGateway", &other.to_string()),
    }
}

/// The headers every object answer carries, from the object's metadata.
fn meta_headers(r: &Req, m: &ObjectMeta) -> Vec<(String, String)> {
    let mut h = obs_headers(m);
    h.push(request_id_header(r));
    h.push((
        "x-obs-id-2".into(),
        format!("32AAAQAAEAABAAAQAAEAABAAAQAAEAAB{}", &r.ctx.request_id[..8]),
    ));
    h
}

/// `GET`/`HEAD` of the object itself.
async fn object(r: &Req<'_>) -> Result<Response> {
    let key = r.ctx.key.clone();
    let range = r
        .headers
        .get("range")?
        .as_deref()
        .and_then(http::parse_range);
    if let Some(r2) = R2::bind(r.env, BUCKET_BINDING) {
        if r.method == Method::Head {
            match r2.head(&key).await {
                Ok(Some(meta)) => {
                    let mut h = meta_headers(r, &meta);
                    h.push(("Content-Length".into(), meta.size.to_string()));
                    return http::respond(200, &h, Body::Empty);
                }
                Ok(None) if r.cfg.origin.is_some() => {}
                Ok(None) => return core_object_error(r, &Error::NotFound),
                Err(e) => return core_object_error(r, &e),
            }
        } else {
            let r2range = range.map(|br| match br {
                ByteRange::From { offset, last } => R2Range::From {
                    offset,
                    length: last.map(|l| l - offset + 1),
                },
                ByteRange::Suffix(n) => R2Range::Suffix(n),
            });
            match r2.get_body(&key, r2range).await {
                Ok(Some(obj)) => return send_body(r, obj.meta, obj.range, obj.body),
                Ok(None) if r.cfg.origin.is_some() => {}
                Ok(None) => return core_object_error(r, &Error::NotFound),
                Err(e) if range.is_some() => {
                    // R2 refuses a range that starts past the end: answer 416 with the size.
                    return match r2.head(&key).await {
                        Ok(Some(meta)) => {
                            let mut h = meta_headers(r, &meta);
                            h.push(("Content-Range".into(), format!("bytes */{}", meta.size)));
                            http::respond(416, &h, Body::Empty)
                        }
                        Ok(None) => core_object_error(r, &Error::NotFound),
                        Err(_) => core_object_error(r, &e),
                    };
                }
                Err(e) => return core_object_error(r, &e),
            }
        }
    }
    let Some(base) = r.cfg.origin.clone() else {
        return core_object_error(r, &Error::NotFound);
    };
    let o = Origin {
        base,
        timeout_ms: r.cfg.origin_timeout_ms,
    };
    let mut fwd: Vec<(&str, String)> = Vec::new();
    for h in [
        "range",
        "if-match",
        "if-none-match",
        "if-modified-since",
        "if-unmodified-since",
        "if-range",
    ] {
        if let Some(v) = r.headers.get(h)? {
            fwd.push((h, v));
        }
    }
    let method = if r.method == Method::Head {
        "HEAD"
    } else {
        "GET"
    };
    let resp = match o.send(method, &key, &fwd).await {
        Ok(resp) => resp,
        Err(e) => return core_object_error(r, &e),
    };
    match resp.status {
        200 | 206 | 304 | 412 | 416 => {
            let meta = source::origin::meta_of(&resp);
            let mut h = meta_headers(r, &meta);
            for k in ["content-length", "content-range"] {
                if let Some(v) = resp.header(k) {
                    h.push((k.to_string(), v));
                }
            }
            let body = match resp.resp.body() {
                Some(s) if r.method != Method::Head && matches!(resp.status, 200 | 206) => {
                    Body::Stream(s)
                }
                _ => {
                    source::origin::cancel_body(&resp.resp);
                    Body::Empty
                }
            };
            http::respond(resp.status, &h, body)
        }
        s => {
            source::origin::cancel_body(&resp.resp);
            core_object_error(r, &source::origin::status_error(s))
        }
    }
}

fn send_body(
    r: &Req,
    meta: ObjectMeta,
    range: Option<(u64, u64)>,
    body: Option<web_sys::ReadableStream>,
) -> Result<Response> {
    let mut h = meta_headers(r, &meta);
    let body = body.map(Body::Stream).unwrap_or(Body::Empty);
    match range {
        Some((off, len)) if len > 0 => {
            h.push((
                "Content-Range".into(),
                format!("bytes {}-{}/{}", off, off + len - 1, meta.size),
            ));
            h.push(("Content-Length".into(), len.to_string()));
            http::respond(206, &h, body)
        }
        _ => {
            h.push(("Content-Length".into(), meta.size.to_string()));
            http::respond(200, &h, body)
        }
    }
}

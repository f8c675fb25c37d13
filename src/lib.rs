//! imginfo-edge Worker glue: routes a request to an info answer (ranged reads through
//! the core's driver, rendered in the caller's dialect) or to the object itself
//! (`GET`/`HEAD` with OBS-style metadata headers), from R2 or the configured origin.

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
use imginfo::Error;
use source::origin::{Origin, OriginReader};
use source::r2::{R2Range, R2Reader, R2};
use source::{InfoSource, Timed};
use worker::{event, Context, Env, Method, Request, Response, Result};

#[event(fetch)]
pub async fn main(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let cfg = Config::from_env(&env);
    for w in &cfg.warnings {
        worker::console_warn!("config: {w}");
    }
    let rid = http::request_id();
    match route(&req, &env, &cfg, &rid).await {
        Ok(r) => Ok(r),
        Err(e) => {
            worker::console_error!("request {rid}: internal error: {e}");
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

struct Req<'a> {
    env: &'a Env,
    cfg: &'a Config,
    ctx: Ctx,
    method: Method,
    headers: &'a worker::Headers,
}

async fn route(req: &Request, env: &Env, cfg: &Config, rid: &str) -> Result<Response> {
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

fn log(r: &Req, route: &str, status: u16, e: Option<&Error>) {
    if let Some(e) = e {
        worker::console_log!(
            "{{\"requestId\":\"{}\",\"route\":\"{}\",\"status\":{},\"error\":{:?}}}",
            r.ctx.request_id,
            route,
            status,
            e.to_string()
        );
    }
}

/// An info request: ranged reads through the driver, then the dialect's renderer.
async fn info(r: &Req<'_>, d: Dialect, exif_only: bool) -> Result<Response> {
    let t0 = js_sys::Date::now();
    let budget = Budget {
        max_bytes: r.cfg.max_read_bytes,
        ..Budget::default()
    };
    let key = r.ctx.key.clone();
    let bucket = R2::bind(r.env, BUCKET_BINDING);
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
            outcome = Some((res, stats, src.read_ms, src.inner.meta().cloned()));
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
            outcome = Some((res, stats, src.read_ms, src.inner.meta().cloned()));
        }
    }
    let Some((res, stats, read_ms, meta)) = outcome else {
        return dialect_error(r, d, &Error::NotFound, None);
    };
    let total_ms = js_sys::Date::now() - t0;
    let parse_ms = (total_ms - read_ms).max(0.0);
    let timing = http::server_timing(stats.reads, stats.bytes, read_ms, parse_ms);
    let mut ctx = r.ctx.clone();
    ctx.object = meta.map(|m| m.view()).unwrap_or_default();
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
    let extra = vec![
        (d.request_id_header().to_string(), r.ctx.request_id.clone()),
        ("Server-Timing".to_string(), timing),
    ];
    http::rendered(rendered, extra, r.method == Method::Head)
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

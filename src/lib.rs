//! imginfo-edge Worker glue: routes a request to an info answer (ranged reads through
//! the core's driver, rendered in the caller's dialect) or to the object itself
//! (`GET`/`HEAD` with OBS-style metadata headers, in the signer's vendor family), from
//! R2 or the configured origin; in route mode, from the zone's own origin, passing every
//! other request through untouched.
//!
//! The same crate is built twice (README, "Two Workers"): the info Worker (default
//! features) passes average-colour requests to the hue Worker through the `HUE` service
//! binding; the hue Worker (feature `hue`, with its pixel codecs) answers them itself.

mod auth;
mod cache;
mod config;
mod http;
#[cfg(feature = "hue")]
mod hue;
mod info;
mod js;
mod source;
mod www;

use config::{Config, BUCKET_BINDING};
use http::{Body, ByteRange};
use imginfo::conditional::{self, Outcome, Preconditions};
use imginfo::cors;
use imginfo::object::{head_headers, ObjectMeta};
use imginfo::render::{self, Ctx};
use imginfo::request::{self, Action, Dialect, Op};
use imginfo::ssec::{self, SseC, SsecError};
use imginfo::url_parts::UrlParts;
use imginfo::vendor::Family;
use imginfo::Error;
use source::origin::Origin;
use source::r2::{GetOpts, R2Range, R2};
use std::cell::RefCell;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use worker::{event, Context, Env, Method, Request, Response, Result};

/// Never `Err`: the worker crate answers an `Err` with its own 500 after printing the
/// error with its `Display`, which formats some variants with `Debug` and so pulls the
/// Debug machinery and Unicode tables into the upload (3.4 KiB gzip). Errors are
/// answered and logged here instead ([`describe`]).
#[event(fetch)]
pub async fn main(req: Request, env: Env, wctx: Context) -> Result<web_sys::Response> {
    Ok(match serve(req, env, wctx).await {
        Ok(r) => r,
        Err(e) => last_resort(&e),
    })
}

/// What the worker crate would answer to an `Err` (route mode's pass-through failing,
/// or a response that could not be built): a plain 500, the error logged.
fn last_resort(e: &worker::Error) -> web_sys::Response {
    worker::console_error!("internal: {}", describe(e));
    let init = web_sys::ResponseInit::new();
    init.set_status(500);
    // If even this throws, `undefined` makes the runtime answer its own 500.
    web_sys::Response::new_with_opt_str_and_init(Some("INTERNAL SERVER ERROR"), &init)
        .unwrap_or_else(|_| wasm_bindgen::JsValue::UNDEFINED.unchecked_into())
}

/// A worker crate error's message for the log (its `Display` is not used: see [`main`]).
fn describe(e: &worker::Error) -> String {
    match e {
        worker::Error::JsError(m) | worker::Error::RustError(m) => m.clone(),
        worker::Error::InternalError(m) => m.clone(),
        worker::Error::UnknownJsError { name, message, .. } => match name {
            Some(n) => format!("{n}: {message}"),
            None => message.clone(),
        },
        worker::Error::Internal(v) => js::message(v),
        worker::Error::BindingError(name) => format!("no binding found for `{name}`"),
        worker::Error::Json((m, status)) => format!("{m} (status: {status})"),
        _ => "worker error".into(),
    }
}

async fn serve(req: Request, env: Env, wctx: Context) -> Result<web_sys::Response> {
    let cfg = Config::for_env(&env);
    for w in &cfg.warnings {
        worker::console_warn!("config: {w}");
    }
    if cfg.route && !answered_in_route_mode(&req, &cfg)? {
        return pass_through(&req).await;
    }
    answer(req, env, wctx, cfg).await.map(Into::into)
}

/// The signer of a request (`Authorization` or presigned query), if any.
fn signer(req: &Request) -> Result<Option<Family>> {
    let raw = req.inner().url();
    let auth = req.headers().get("Authorization")?;
    Ok(Family::detect(auth.as_deref(), UrlParts::split(&raw).query))
}

/// The request's URL path with the configured bucket name taken out of it (path style)
/// or found in the host (virtual-host style); see `request::strip_bucket`.
fn key_path(url: &UrlParts, cfg: &Config) -> String {
    request::strip_bucket(&url.authority(), url.path, cfg.bucket_name.as_deref())
        .1
        .to_string()
}

fn hints(req: &Request, cfg: &Config) -> request::Hints {
    request::Hints {
        authorization: req.headers().get("Authorization").ok().flatten(),
        image_info_default: cfg.image_info_default,
    }
}

/// Route mode answers info requests, `HEAD` (object metadata, read from the zone's
/// origin) and CORS preflights; everything else goes to the origin as it came.
fn answered_in_route_mode(req: &Request, cfg: &Config) -> Result<bool> {
    let method = req.method();
    if method == Method::Head {
        return Ok(true);
    }
    if method == Method::Options {
        return Ok(req
            .headers()
            .get("Access-Control-Request-Method")?
            .is_some());
    }
    let raw = req.inner().url();
    let url = UrlParts::split(&raw);
    let info = matches!(
        request::parse(&key_path(&url, cfg), url.query, &hints(req, cfg)),
        Ok(Op {
            action: Action::Info(_) | Action::Exif(_),
            ..
        })
    );
    Ok(info && method == Method::Get)
}

/// Route mode: `fetch(request)` to the zone's origin (a Worker's subrequest to its own
/// zone goes to the origin, not back to the Worker) and its answer returned as it is:
/// streamed, status and headers intact, nothing buffered, nothing added.
async fn pass_through(req: &Request) -> Result<web_sys::Response> {
    let global: web_sys::WorkerGlobalScope = js_sys::global().unchecked_into();
    let v = JsFuture::from(global.fetch_with_request(req.inner())).await?;
    v.dyn_into::<web_sys::Response>()
        .map_err(|_| worker::Error::RustError("fetch did not return a Response".into()))
}

async fn answer(
    req: Request,
    env: Env,
    wctx: Context,
    cfg: std::rc::Rc<Config>,
) -> Result<Response> {
    let rid = http::request_id();
    let log = RefCell::new(LogLine {
        request_id: rid.clone(),
        method: req.method().to_string(),
        ..LogLine::default()
    });
    let res = if req.method() == Method::Options {
        log.borrow_mut().route = "preflight";
        preflight(&req, &cfg, &rid)
    } else {
        route(&req, &env, &cfg, &rid, &wctx, &log)
            .await
            .and_then(|r| {
                // The hue Worker's answer goes out as it came: it carries its own CORS
                // headers (same configuration), and a fetched answer's are immutable.
                if log.borrow().forwarded.is_some() {
                    Ok(r)
                } else {
                    with_cors(r, &req, &cfg)
                }
            })
    };
    let mut line = log.into_inner();
    line.wasm_mem_kib = js::wasm_mem_kib();
    match res {
        Ok(r) => {
            line.status = r.status_code();
            worker::console_log!("{}", serde_json::to_string(&line).unwrap_or_default());
            Ok(r)
        }
        Err(e) => {
            line.status = 500;
            line.error = Some(format!("internal: {}", describe(&e)));
            worker::console_error!("{}", serde_json::to_string(&line).unwrap_or_default());
            let family = signer(&req).ok().flatten().unwrap_or(Family::ANONYMOUS);
            let mut h = vec![("Content-Type".into(), "application/xml".into())];
            h.extend(family.request_id_headers(&rid));
            http::respond(
                500,
                &h,
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
    /// The binding the request was passed to (`HUE`: the hue Worker answered it, with
    /// its own log line and request id).
    forwarded: Option<&'static str>,
    /// The Worker's WebAssembly memory when the answer was ready (`js::wasm_mem_kib`).
    #[serde(rename = "wasmMemKiB")]
    wasm_mem_kib: u64,
}

struct Req<'a> {
    env: &'a Env,
    cfg: &'a Config,
    wctx: &'a Context,
    log: &'a RefCell<LogLine>,
    ctx: Ctx,
    method: Method,
    headers: &'a worker::Headers,
    /// The raw query string (object routes read `versionId` from it).
    query: Option<String>,
    /// The vendor family object answers are written in (the signer's, or OBS's).
    family: Family,
    /// Who signed the request, if anyone.
    signed: Option<Family>,
    /// Base URL of the HTTP origin for this request: the configured one, or in route
    /// mode the zone's own (Cloudflare runs the Worker only for its route's hosts).
    origin: Option<String>,
    /// Whether the R2 bucket is consulted (not in route mode).
    use_r2: bool,
    /// `?apiversion`: the OBS SDK's signature negotiation probe.
    api_version: bool,
}

impl Req<'_> {
    fn bucket(&self) -> Option<R2> {
        if self.use_r2 {
            R2::bind(self.env, BUCKET_BINDING)
        } else {
            None
        }
    }
}

async fn route(
    req: &Request,
    env: &Env,
    cfg: &Config,
    rid: &str,
    wctx: &Context,
    log: &RefCell<LogLine>,
) -> Result<Response> {
    // The URL as the runtime serialized it, read in place (no `url` crate: `Request::url`
    // would parse it again with IDNA tables that are a sixth of the upload).
    let raw = req.inner().url();
    let url = UrlParts::split(&raw);
    if www::is_reserved(url.path) {
        log.borrow_mut().route = "www";
        if auth::is_listing(&url) {
            if let Err(d) = auth::gate_listing(req, &url, cfg) {
                return listing_refused(&url, rid, log, d);
            }
        }
        return www::reserved(req, env).await;
    }
    let method = req.method();
    let host = url.host.to_string();
    let path = key_path(&url, cfg);
    let hints = hints(req, cfg);
    let mut op = request::parse(&path, url.query, &hints);
    // The signer, from the URL and `Authorization` already read (see `signer`).
    let signed = Family::detect(hints.authorization.as_deref(), url.query);
    let origin = if cfg.route {
        Some(url.origin())
    } else {
        cfg.origin.clone()
    };
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
        query: url.query.map(str::to_string),
        family: signed.unwrap_or(Family::ANONYMOUS),
        signed,
        origin,
        use_r2: !cfg.route,
        api_version: request::params(url.query.unwrap_or(""))
            .iter()
            .any(|p| p.name == "apiversion"),
    };
    // Nothing but GET and HEAD reaches an object route (OPTIONS is answered before).
    if let Err(d) = imginfo::auth::method_allowed(method.as_ref()) {
        return deny(&r, error_dialect(&op), d);
    }
    // Private buckets: the signature, before anything about the object is said.
    if let Ok(key) = request::key_from_path(&path) {
        if !key.is_empty() {
            r.ctx.key = key.clone();
            match auth::gate(req, &url, cfg, &key) {
                auth::Gate::Refuse(d) => return deny(&r, error_dialect(&op), d),
                auth::Gate::Pass { query, image_info } => {
                    if query.as_deref() != url.query {
                        let hints = request::Hints {
                            image_info_default: image_info.unwrap_or(hints.image_info_default),
                            ..hints.clone()
                        };
                        op = request::parse(&path, query.as_deref(), &hints);
                        r.query = query;
                    }
                }
            }
        }
    }
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
            Action::Hue(_) => "hue",
        };
    }
    match (&method, &op.action) {
        (Method::Get | Method::Head, Action::Info(d)) => info::info(&r, *d, false).await,
        (Method::Get | Method::Head, Action::Exif(d)) => info::info(&r, *d, true).await,
        (Method::Get | Method::Head, Action::Hue(d)) => average_hue(req, &r, *d).await,
        // The OBS SDK's `HEAD /?apiversion` probe is answered by `index`, not the page.
        (Method::Get | Method::Head, Action::Object) if op.key.is_empty() && r.api_version => {
            index(&r)
        }
        (Method::Get | Method::Head, Action::Object) if op.key.is_empty() => {
            match www::page(req, env).await? {
                Some(page) => {
                    log.borrow_mut().route = "www";
                    Ok(page)
                }
                None => index(&r),
            }
        }
        (Method::Get | Method::Head, Action::Object) => object(&r).await,
        _ => object_error(
            &r,
            405,
            "MethodNotAllowed",
            "The specified method is not allowed against this resource.",
        ),
    }
}

/// Average colour in the hue Worker (feature `hue`): computed here.
#[cfg(feature = "hue")]
async fn average_hue(_req: &Request, r: &Req<'_>, d: Dialect) -> Result<Response> {
    hue::average_hue(r, d).await
}

/// The service binding to the hue Worker (wrangler.toml `[[services]]`).
#[cfg(not(feature = "hue"))]
const HUE_BINDING: &str = "HUE";

/// Average colour in the info Worker, which carries no pixel codecs: the request as it
/// came (the hue Worker checks the signature again and answers in the same dialect) to
/// the hue Worker through the `HUE` service binding, and its answer passed on untouched.
/// Without the binding, the dialect's "cannot decode" error (the one a codec left out
/// of a build answers), before any read.
#[cfg(not(feature = "hue"))]
async fn average_hue(req: &Request, r: &Req<'_>, d: Dialect) -> Result<Response> {
    let binding = js::get(r.env, HUE_BINDING);
    if !binding.is_object() {
        let why = "average colour is answered by the hue Worker, and this Worker has no HUE service binding";
        return dialect_error(r, d, &Error::NoDecoder(why.into()), None);
    }
    let sent = js::call(
        &binding,
        "fetch",
        &[wasm_bindgen::JsValue::from(req.inner())],
    )
    .await;
    match sent.and_then(|v| v.dyn_into::<web_sys::Response>()) {
        Ok(resp) => {
            log(r, d.name(), resp.status(), None);
            r.log.borrow_mut().forwarded = Some(HUE_BINDING);
            Ok(Response::from(resp))
        }
        Err(e) => {
            let e = Error::Upstream(format!("the hue Worker failed: {}", js::message(&e)));
            dialect_error(r, d, &e, None)
        }
    }
}

fn index(r: &Req) -> Result<Response> {
    let body =
        "imginfo-edge: GET /<key>?image/info for image info, HEAD /<key> for object metadata.\n";
    let mut h = vec![("Content-Type".into(), "text/plain; charset=utf-8".into())];
    h.extend(request_id_headers(r));
    if r.api_version {
        // The OBS SDK asks the bucket for its API version before choosing how to sign;
        // "3.0" makes it sign the OBS way (and read `x-obs-*`), as with OBS itself.
        h.push(("x-obs-api".into(), "3.0".into()));
    }
    http::respond(
        200,
        &h,
        if r.method == Method::Head {
            Body::Empty
        } else {
            Body::Bytes(body.as_bytes().to_vec())
        },
    )
}

/// The request-id headers of an object answer, in the request's vendor family.
fn request_id_headers(r: &Req) -> Vec<(String, String)> {
    r.family.request_id_headers(&r.ctx.request_id)
}

/// The signer's request-id headers on an info answer, when another vendor's SDK signed
/// it (the OBS SDK signs AWS V2 and reads `x-amz-request-id`); the dialect's own
/// request-id header is always there too.
fn signer_request_id_headers(r: &Req, d: Dialect) -> Vec<(String, String)> {
    match r.signed {
        Some(f) if f.request_id_header() != d.request_id_header() => {
            f.request_id_headers(&r.ctx.request_id)
        }
        _ => Vec::new(),
    }
}

/// The dialect an error for this request is written in: the info route's, or `None` for
/// object routes (their XML, in the signer's vendor family).
fn error_dialect(op: &std::result::Result<request::Op, request::Rejected>) -> Option<Dialect> {
    match op {
        Ok(request::Op {
            action: Action::Info(d) | Action::Exif(d) | Action::Hue(d),
            ..
        }) => Some(*d),
        Ok(_) => None,
        Err(rej) => Some(rej.dialect),
    }
}

/// An access-control refusal in the route's own error shape.
fn deny(r: &Req, d: Option<Dialect>, denied: imginfo::auth::Denied) -> Result<Response> {
    match d {
        Some(d) => dialect_error(r, d, &Error::Denied(denied), None),
        None => {
            // Object routes answer in the signer's family: its codes and statuses
            // (Qiniu's body carries the code as its message).
            let family = r.family.dialect();
            let (status, code) = denied.code(family);
            let message = if family == Dialect::Qiniu {
                code
            } else {
                denied.message()
            };
            object_error(r, status, code, message)
        }
    }
}

/// The listing endpoint refused: the native JSON error, as the page's API answers.
fn listing_refused(
    url: &UrlParts,
    rid: &str,
    log: &RefCell<LogLine>,
    denied: imginfo::auth::Denied,
) -> Result<Response> {
    let ctx = Ctx {
        request_id: rid.to_string(),
        host: url.host.to_string(),
        ..Ctx::default()
    };
    let rendered = render::error(Dialect::Native, &Error::Denied(denied), &ctx);
    log.borrow_mut().error = Some(denied.to_string());
    http::rendered(
        rendered,
        vec![("x-request-id".into(), rid.to_string())],
        false,
    )
}

fn dialect_error(r: &Req, d: Dialect, e: &Error, timing: Option<String>) -> Result<Response> {
    let rendered = render::error(d, e, &r.ctx);
    let mut extra = vec![(d.request_id_header().to_string(), r.ctx.request_id.clone())];
    extra.extend(signer_request_id_headers(r, d));
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

/// An error of an object route, in the request's vendor family (`imginfo::vendor`).
fn object_error(r: &Req, status: u16, code: &str, message: &str) -> Result<Response> {
    let head = r.method == Method::Head;
    let rendered = r.family.error(status, code, message, &r.ctx, head);
    let mut extra = request_id_headers(r);
    extra.extend(common(r));
    r.log.borrow_mut().error = Some(code.to_string());
    http::rendered(rendered, extra, head)
}

fn obs_error_xml(code: &str, message: &str, rid: &str, host: &str, key: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{}</Message><RequestId>{rid}</RequestId><HostId>{}</HostId><Key>{}</Key></Error>\n",
        render::xml_escape(message),
        render::xml_escape(host),
        render::xml_escape(key),
    )
}

/// `Date` and `Server` of an object answer in the request's family (the family's
/// `id-2` header comes with its request id).
fn common(r: &Req) -> Vec<(String, String)> {
    obs_common(&r.ctx.request_id)
        .into_iter()
        .filter(|(k, _)| !k.ends_with("-id-2"))
        .filter_map(|(k, v)| match k.as_str() {
            "Server" => r.family.server().map(|s| (k, s.to_string())),
            _ => Some((k, v)),
        })
        .collect()
}

/// `x-obs-id-2`, `Date` and `Server`, as every OBS answer carries them. (Behind
/// Cloudflare's edge, `Server` is replaced by `cloudflare`.)
fn obs_common(rid: &str) -> Vec<(String, String)> {
    let mut h = vec![(
        "x-obs-id-2".to_string(),
        format!(
            "32AAAQAAEAABAAAQAAEAABAAAQAAEAAB{}",
            rid.get(..8).unwrap_or(rid)
        ),
    )];
    if let Some(d) = imginfo::object::http_date(js_sys::Date::now()) {
        h.push(("Date".into(), d));
    }
    h.push(("Server".into(), "OBS".into()));
    h
}

/// Adds the CORS headers of the first matching rule to an answer (info, object, error).
fn with_cors(mut resp: Response, req: &Request, cfg: &Config) -> Result<Response> {
    if cfg.cors.is_empty() {
        return Ok(resp);
    }
    let origin = req.headers().get("origin")?;
    let method = req.method().to_string();
    for (k, v) in cors::headers_for(&cfg.cors, origin.as_deref(), &method) {
        if k == "Vary" {
            resp.headers_mut().append(&k, &v)?;
        } else {
            resp.headers_mut().set(&k, &v)?;
        }
    }
    Ok(resp)
}

/// `OPTIONS`: a CORS preflight, answered per the first rule that allows the origin, the
/// requested method and headers, or refused with OBS's error.
fn preflight(req: &Request, cfg: &Config, rid: &str) -> Result<Response> {
    let h = req.headers();
    let mut headers = vec![("x-obs-request-id".to_string(), rid.to_string())];
    headers.extend(obs_common(rid));
    match cors::preflight(
        &cfg.cors,
        h.get("origin")?.as_deref(),
        h.get("access-control-request-method")?.as_deref(),
        h.get("access-control-request-headers")?.as_deref(),
    ) {
        Ok(allow) => {
            headers.extend(allow);
            headers.push(("Content-Length".into(), "0".into()));
            http::respond(200, &headers, Body::Empty)
        }
        Err(refusal) => {
            let raw = req.inner().url();
            let url = UrlParts::split(&raw);
            let key = request::key_from_path(url.path).unwrap_or_default();
            let body = obs_error_xml(refusal.code, refusal.message, rid, url.host, &key);
            headers.push(("Content-Type".into(), "application/xml".into()));
            http::respond(refusal.status, &headers, Body::Bytes(body.into_bytes()))
        }
    }
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

/// The headers every object answer carries, from the object's metadata and the
/// configuration (lifecycle, website, KMS), plus request ids, `Date` and `Server`.
fn meta_headers(r: &Req, m: &ObjectMeta) -> Vec<(String, String)> {
    let mut h = r.family.translate(head_headers(m, &r.ctx.key, &r.cfg.obs));
    h.extend(request_id_headers(r));
    h.extend(common(r));
    h
}

/// What an object request asks beyond its key.
struct Ask {
    /// `?versionId=`: R2 keeps one version (and an origin shows one), so only the
    /// current version id answers.
    version_id: Option<String>,
    ssec: Option<SseC>,
    pre: Preconditions,
    range: Option<ByteRange>,
}

fn ask(r: &Req) -> Result<std::result::Result<Ask, SsecError>> {
    let h = |n: &str| r.headers.get(n);
    let ssec = match ssec::from_headers(
        h(ssec::ALGORITHM_HEADER)?.as_deref(),
        h(ssec::KEY_HEADER)?.as_deref(),
        h(ssec::KEY_MD5_HEADER)?.as_deref(),
    ) {
        Ok(k) => k,
        Err(e) => return Ok(Err(e)),
    };
    let version_id = request::params(r.query.as_deref().unwrap_or(""))
        .into_iter()
        .find(|p| p.name == "versionId")
        .and_then(|p| p.value)
        .filter(|v| !v.is_empty());
    Ok(Ok(Ask {
        version_id,
        ssec,
        pre: Preconditions {
            if_match: h("if-match")?,
            if_none_match: h("if-none-match")?,
            if_modified_since: h("if-modified-since")?,
            if_unmodified_since: h("if-unmodified-since")?,
            if_range: h("if-range")?,
        },
        range: h("range")?.as_deref().and_then(http::parse_range),
    }))
}

fn ssec_error(r: &Req, e: &SsecError) -> Result<Response> {
    object_error(r, e.status, e.code, e.message)
}

/// Everything that may stop an existing object from being served, in order: another
/// version asked for (404), SSE-C key missing or wrong (400/403), preconditions
/// (304/412). `None`: serve it.
fn refuse(r: &Req, m: &ObjectMeta, a: &Ask) -> Option<Result<Response>> {
    if let Some(v) = &a.version_id {
        if m.version.as_deref() != Some(v.as_str()) {
            return Some(object_error(
                r,
                404,
                "NoSuchVersion",
                "The specified version does not exist.",
            ));
        }
    }
    if let Err(e) = ssec::check(m.ssec_key_md5.as_deref(), a.ssec.as_ref()) {
        return Some(ssec_error(r, &e));
    }
    match conditional::evaluate(&a.pre, m.etag.as_deref(), m.last_modified_ms) {
        Outcome::Proceed => None,
        Outcome::PreconditionFailed => Some(object_error(
            r,
            412,
            "PreconditionFailed",
            "At least one of the pre-conditions you specified did not hold.",
        )),
        Outcome::NotModified => {
            // RFC 9110 §15.4.5: the validators and caching headers a 200 would carry.
            let keep = [
                "etag",
                "last-modified",
                "cache-control",
                "expires",
                "date",
                "server",
            ];
            let h: Vec<(String, String)> = meta_headers(r, m)
                .into_iter()
                .filter(|(k, _)| {
                    let k = k.to_ascii_lowercase();
                    keep.contains(&k.as_str())
                        || k.starts_with(r.family.prefix())
                        || k == r.family.request_id_header().to_ascii_lowercase()
                })
                .filter(|(k, _)| !k.starts_with(&format!("{}meta-", r.family.prefix())))
                .collect();
            Some(http::respond(304, &h, Body::Empty))
        }
    }
}

/// `GET`/`HEAD` of the object itself: R2 first, then the origin.
async fn object(r: &Req<'_>) -> Result<Response> {
    let a = match ask(r)? {
        Ok(a) => a,
        Err(e) => return ssec_error(r, &e),
    };
    if let Some(r2) = r.bucket() {
        r.log.borrow_mut().source = Some("r2");
        let answer = if r.method == Method::Head {
            r2_head(r, &r2, &a).await?
        } else {
            r2_get(r, &r2, &a).await?
        };
        match answer {
            Some(resp) => return Ok(resp),
            None if r.origin.is_some() => {}
            None => return core_object_error(r, &Error::NotFound),
        }
    }
    let Some(base) = r.origin.clone() else {
        return core_object_error(r, &Error::NotFound);
    };
    r.log.borrow_mut().source = Some("origin");
    let o = Origin {
        base,
        timeout_ms: r.cfg.origin_timeout_ms,
    };
    origin_object(r, &o, &a).await
}

/// `HEAD` from R2 (R2's `head` takes no SSE-C key: the object's stored key MD5 is
/// compared with the request's key instead). `None`: no such key.
async fn r2_head(r: &Req<'_>, r2: &R2, a: &Ask) -> Result<Option<Response>> {
    let meta = match r2.head(&r.ctx.key).await {
        Ok(Some(m)) => m,
        Ok(None) => return Ok(None),
        Err(e) => return core_object_error(r, &e).map(Some),
    };
    if let Some(resp) = refuse(r, &meta, a) {
        return resp.map(Some);
    }
    let mut h = meta_headers(r, &meta);
    h.push(("Content-Length".into(), meta.size.to_string()));
    http::respond(200, &h, Body::Empty).map(Some)
}

fn r2_range(br: ByteRange) -> R2Range {
    match br {
        ByteRange::From { offset, last } => R2Range::From {
            offset,
            length: last.map(|l| l.saturating_sub(offset).saturating_add(1)),
        },
        ByteRange::Suffix(n) => R2Range::Suffix(n),
    }
}

/// `GET` from R2 with the SSE-C key and an `onlyIf` from the preconditions, decided by
/// the core's RFC 9110 evaluation on the metadata R2 returns. `None`: no such key.
async fn r2_get(r: &Req<'_>, r2: &R2, a: &Ask) -> Result<Option<Response>> {
    let key = &r.ctx.key;
    let mut opts = GetOpts {
        range: a.range.map(r2_range),
        ssec_key_hex: a.ssec.as_ref().map(SseC::key_hex),
        only_if: Some(conditional::r2_conditional(&a.pre)),
    };
    let mut obj = match r2.get_body(key, &opts).await {
        Ok(Some(o)) => o,
        Ok(None) => return Ok(None),
        Err(e) => {
            // R2 refuses a read (no key or the wrong key for an SSE-C object, a range
            // past the end): its metadata says why, without the body.
            return match r2.head(key).await {
                Ok(None) => Ok(None),
                Ok(Some(meta)) => {
                    if let Some(resp) = refuse(r, &meta, a) {
                        return resp.map(Some);
                    }
                    if a.range.is_some() {
                        let mut h = meta_headers(r, &meta);
                        h.push(("Content-Range".into(), format!("bytes */{}", meta.size)));
                        return http::respond(416, &h, Body::Empty).map(Some);
                    }
                    core_object_error(r, &e).map(Some)
                }
                Err(_) => core_object_error(r, &e).map(Some),
            };
        }
    };
    if let Some(resp) = refuse(r, &obj.meta, a) {
        source::r2::cancel(obj.body.take());
        return resp.map(Some);
    }
    let range_ok = conditional::range_applies(
        a.pre.if_range.as_deref(),
        obj.meta.etag.as_deref(),
        obj.meta.last_modified_ms,
    );
    // R2 withheld the body (its reading of the condition differs at the edges) or If-Range
    // says the range no longer applies: read again, unconditionally.
    if obj.body.is_none() || (!range_ok && opts.range.is_some()) {
        source::r2::cancel(obj.body.take());
        if !range_ok {
            opts.range = None;
        }
        // Conditional on the ETag just evaluated, so the answer is that object.
        opts.only_if = obj.meta.etag.clone().map(|e| conditional::R2Conditional {
            etag_matches: Some(conditional::R2Etag::Tag(e)),
            ..Default::default()
        });
        obj = match r2.get_body(key, &opts).await {
            Ok(Some(o)) if o.body.is_some() => o,
            Ok(Some(o)) => {
                source::r2::cancel(o.body);
                return core_object_error(r, &Error::Changed).map(Some);
            }
            Ok(None) => return Ok(None),
            Err(e) => return core_object_error(r, &e).map(Some),
        };
    }
    send_body(r, obj.meta, obj.range, obj.body).map(Some)
}

/// `GET`/`HEAD` from the origin: preconditions, versionId and If-Range are decided here
/// from the origin's headers (not forwarded), so every origin behaves the same.
async fn origin_object(r: &Req<'_>, o: &Origin, a: &Ask) -> Result<Response> {
    let head = r.method == Method::Head;
    let key = &r.ctx.key;
    let mut fwd: Vec<(&str, String)> = Vec::new();
    if let (false, Some(v)) = (head, r.headers.get("range")?) {
        if a.range.is_some() {
            fwd.push(("range", v));
        }
    }
    let method = if head { "HEAD" } else { "GET" };
    let mut resp = match o.send(method, key, &fwd).await {
        Ok(resp) => resp,
        Err(e) => return core_object_error(r, &e),
    };
    if !matches!(resp.status, 200 | 206 | 416) {
        resp.stop();
        return core_object_error(r, &source::origin::status_error(resp.status));
    }
    let meta = source::origin::meta_of(&resp);
    if let Some(answer) = refuse(r, &meta, a) {
        resp.stop();
        return answer;
    }
    if resp.status == 206
        && !conditional::range_applies(
            a.pre.if_range.as_deref(),
            meta.etag.as_deref(),
            meta.last_modified_ms,
        )
    {
        // If-Range failed: the whole object instead of the range.
        resp.stop();
        resp = match o.send("GET", key, &[]).await {
            Ok(resp) if resp.status == 200 => resp,
            Ok(resp) => {
                resp.stop();
                return core_object_error(r, &source::origin::status_error(resp.status));
            }
            Err(e) => return core_object_error(r, &e),
        };
    }
    let mut h = meta_headers(r, &meta);
    for k in ["content-length", "content-range"] {
        if let Some(v) = resp.header(k) {
            h.push((k.to_string(), v));
        }
    }
    if head && resp.header("content-length").is_none() {
        h.push(("Content-Length".into(), meta.size.to_string()));
    }
    let body = match resp.resp.body() {
        Some(s) if !head && matches!(resp.status, 200 | 206) => Body::Stream(s),
        _ => {
            resp.stop();
            Body::Empty
        }
    };
    http::respond(resp.status, &h, body)
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

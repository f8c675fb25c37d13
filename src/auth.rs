//! Access control glue: `ACCESS_MODE` and `ACCESS_KEYS` from the environment (with
//! `BUCKET_NAME` from `config.rs`), and the one check `route()` makes before any object
//! route answers. The signature schemes themselves live in the core (`imginfo::auth`);
//! this file only gathers the request's parts for them and says what to do with the
//! answer.
//!
//! In `signed` mode every object route (info in every dialect, native `?info`, `HEAD`,
//! `GET`) and the listing endpoint need a valid signature from a listed key whose
//! prefixes cover the object (or the listed prefix). The page (`GET /`, `/_/…`) and CORS
//! preflights need none. Secrets never reach a log line or an answer.

use crate::config::Config;
use crate::js;
use imginfo::auth::{self, AccessKey, Denied, Style, Verified};
use imginfo::request::{self, Addressing, Dialect};
use imginfo::url_parts::UrlParts;
use wasm_bindgen::JsValue;
use worker::Request;

/// Who may read through the Worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Anyone (the local-development default).
    Public,
    /// Only requests signed by a key in `ACCESS_KEYS`.
    Signed,
}

/// The access configuration.
#[derive(Clone)]
pub struct Access {
    pub mode: Mode,
    pub keys: Vec<AccessKey>,
}

impl std::fmt::Debug for Access {
    // Keys print redacted (their Debug hides secrets); say how many there are.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Access")
            .field("mode", &self.mode)
            .field("keys", &self.keys.len())
            .finish()
    }
}

impl Access {
    /// Reads the configuration. Anything wrong fails closed (signed mode, no keys) and
    /// is reported without quoting secret values.
    pub fn from_env(env: &JsValue, warnings: &mut Vec<String>) -> Access {
        let mode = match js::get(env, "ACCESS_MODE")
            .as_string()
            .as_deref()
            .map(str::trim)
        {
            None | Some("") | Some("public") => Mode::Public,
            Some("signed") => Mode::Signed,
            Some(other) => {
                warnings.push(format!(
                    "ACCESS_MODE must be \"public\" or \"signed\", not \"{other}\"; using \"signed\""
                ));
                Mode::Signed
            }
        };
        let keys = match js::get(env, "ACCESS_KEYS").as_string() {
            Some(json) if !json.trim().is_empty() => auth::parse_keys(&json).unwrap_or_else(|e| {
                warnings.push(format!("{e}; no key is accepted"));
                Vec::new()
            }),
            _ => Vec::new(),
        };
        if mode == Mode::Signed && keys.is_empty() {
            warnings.push("ACCESS_MODE is \"signed\" and ACCESS_KEYS lists no key: every object request is refused".into());
        }
        Access { mode, keys }
    }
}

/// What `route()` does next.
pub enum Gate {
    /// Go on with this query (the signature's own parameters taken out) and, for
    /// `?imageInfo` / `?exif`, the vendor the signature names.
    Pass {
        query: Option<String>,
        image_info: Option<Dialect>,
    },
    /// Refuse, in the route's own error shape.
    Refuse(Denied),
}

/// The request's parts as the signature schemes read them.
struct Parts {
    method: String,
    scheme: String,
    authority: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
}

fn parts(req: &Request, url: &UrlParts) -> Parts {
    let authority = url.authority();
    let mut headers: Vec<(String, String)> = req
        .headers()
        .entries()
        .map(|(k, v)| (k.to_ascii_lowercase(), v))
        .collect();
    if !headers.iter().any(|(k, _)| k == "host") {
        headers.push(("host".into(), authority.clone()));
    }
    Parts {
        method: req.method().to_string(),
        scheme: url.scheme.to_string(),
        authority,
        path: url.path.to_string(),
        query: url.query.unwrap_or("").to_string(),
        headers,
    }
}

/// How the request names the bucket, by the same rule that takes the bucket off the
/// key (`request::strip_bucket`).
fn style(authority: &str, path: &str, bucket: Option<&str>) -> Style {
    match request::strip_bucket(authority, path, bucket).0 {
        Addressing::PathStyle => Style::PathStyle,
        Addressing::VirtualHost => Style::VirtualHost,
        Addressing::CustomDomain => Style::CustomDomain,
    }
}

fn now_secs() -> i64 {
    (js_sys::Date::now() / 1000.0).floor() as i64
}

/// Verifies a request for object `key` (decoded, bucket taken off).
fn verify(
    req: &Request,
    url: &UrlParts,
    keys: &[AccessKey],
    bucket: Option<&str>,
    key: &str,
) -> Result<Verified, Denied> {
    let p = parts(req, url);
    let r = auth::Request {
        method: &p.method,
        scheme: &p.scheme,
        authority: &p.authority,
        raw_path: &p.path,
        raw_query: &p.query,
        headers: &p.headers,
        bucket,
        style: style(&p.authority, &p.path, bucket),
        key,
        now: now_secs(),
    };
    auth::authorize(&r, keys)
}

/// The check before an object route: public mode passes everything; signed mode needs
/// a valid signature from a key that may read `key`.
pub fn gate(req: &Request, url: &UrlParts, cfg: &Config, key: &str) -> Gate {
    if cfg.access.mode == Mode::Public {
        return Gate::Pass {
            query: url.query.map(str::to_string),
            image_info: None,
        };
    }
    match verify(req, url, &cfg.access.keys, cfg.bucket_name.as_deref(), key) {
        Ok(v) => Gate::Pass {
            query: Some(v.operation_query(url.query.unwrap_or(""))),
            image_info: v.vendor.image_info_dialect(),
        },
        Err(d) => Gate::Refuse(d),
    }
}

/// The page's listing endpoint (decoded path `/_/api/list`).
pub fn is_listing(url: &UrlParts) -> bool {
    percent_encoding::percent_decode_str(url.path).decode_utf8_lossy() == "/_/api/list"
}

/// The check before the listing endpoint: in signed mode, a request signed for the
/// endpoint's own path (`_/api/list`) by a key whose prefixes cover the listed prefix.
pub fn gate_listing(req: &Request, url: &UrlParts, cfg: &Config) -> Result<(), Denied> {
    let access = &cfg.access;
    if access.mode == Mode::Public {
        return Ok(());
    }
    let path_key = url.path.trim_start_matches('/').to_string();
    // The signature alone: the listing's own prefix rule below replaces the object check.
    let open: Vec<AccessKey> = access
        .keys
        .iter()
        .map(|k| AccessKey {
            prefixes: None,
            ..k.clone()
        })
        .collect();
    let v = verify(req, url, &open, cfg.bucket_name.as_deref(), &path_key)?;
    // Every `prefix` the request carries (the listing reads the last one; a signature
    // may not cover them all, as Qiniu's does not cover what follows its token) must lie
    // inside the key's prefixes; none at all lists from the bucket's root.
    let prefixes: Vec<String> = imginfo::request::params(url.query.unwrap_or(""))
        .into_iter()
        .filter(|p| p.name == "prefix")
        .map(|p| p.value.unwrap_or_default())
        .collect();
    let covered = if prefixes.is_empty() {
        auth::may_list(&access.keys, &v, "")
    } else {
        prefixes.iter().all(|p| auth::may_list(&access.keys, &v, p))
    };
    if covered {
        Ok(())
    } else {
        Err(Denied::OutsidePrefixes)
    }
}

//! Configuration from `wrangler.toml` `[vars]` and bindings, read from the environment
//! and validated once per isolate (the environment of a deployed version never changes;
//! parsing the CORS, lifecycle and access-key JSON on every request was measurable CPU);
//! a bad value falls back to its default and is reported in the log rather than
//! breaking every request.

use crate::js;
use imginfo::cors::{self, CorsRule};
use imginfo::lifecycle;
use imginfo::object::{Kms, ObsConfig};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsValue;
use worker::Env;

/// Name of the R2 binding in `wrangler.toml`.
pub const BUCKET_BINDING: &str = "BUCKET";
/// Default time allowed for an origin to send response headers.
pub const DEFAULT_ORIGIN_TIMEOUT_MS: u32 = 10_000;
/// Default lifetime of a cached info answer: long enough that a burst of requests for
/// one image costs one set of ranged reads, short enough that a replaced object is seen
/// within minutes.
pub const DEFAULT_INFO_CACHE_TTL: u32 = 300;

/// The `ORIGIN` value that selects route mode.
pub const ROUTE_MODE: &str = "route";

#[derive(Debug, Clone)]
pub struct Config {
    /// Base URL of the HTTP origin (`https://host/prefix`), without a trailing slash.
    pub origin: Option<String>,
    /// Route mode (`ORIGIN = "route"`): the Worker sits on a route in front of an
    /// existing site; info reads go to the zone's own origin and every other request
    /// passes through untouched.
    pub route: bool,
    /// The bucket name SDKs put in the path (`/<bucket>/<key>`) or the host
    /// (`<bucket>.<domain>`), stripped before the key is read (`BUCKET_NAME`).
    pub bucket_name: Option<String>,
    /// Who answers an unsigned `?imageInfo` / `?exif` (`IMAGE_INFO_DEFAULT`).
    pub image_info_default: imginfo::request::Dialect,
    /// Byte budget for one info request.
    pub max_read_bytes: u64,
    pub origin_timeout_ms: u32,
    /// Seconds a rendered info answer is kept in the Cache API (0: no caching).
    pub info_cache_ttl: u32,
    /// `CORS_RULES`: bucket CORS rules, OBS-shaped (empty: no CORS headers, preflights 403).
    pub cors: Vec<CorsRule>,
    /// `LIFECYCLE_RULES`, `WEBSITE`, `SSE_KMS`, `SSE_KMS_KEY_ID`: what object answers add.
    pub obs: ObsConfig,
    /// Average colour: objects above this many bytes are refused (and no more is read).
    /// (Read by the hue Worker only, as is `max_hue_pixels`.)
    #[cfg_attr(not(feature = "hue"), allow(dead_code))]
    pub max_hue_bytes: u64,
    /// Average colour: images above this many pixels are refused.
    #[cfg_attr(not(feature = "hue"), allow(dead_code))]
    pub max_hue_pixels: u64,
    /// `ACCESS_MODE`, `ACCESS_KEYS`: who may read (see `auth.rs`).
    pub access: crate::auth::Access,
    /// Problems found while reading the configuration, logged once per request.
    pub warnings: Vec<String>,
}

thread_local! {
    /// The configuration read from the last `env` object seen, with that object: reused
    /// while the runtime hands the same `env` (one isolate serves one version; a new
    /// `env` object, as in tests that restart the runtime with other vars, re-reads).
    static CACHED: RefCell<Option<(JsValue, Rc<Config>)>> = const { RefCell::new(None) };
}

impl Config {
    /// The configuration for this request's environment (read once per `env` object).
    pub fn for_env(env: &Env) -> Rc<Config> {
        let raw: &JsValue = env;
        let hit = CACHED.with(|c| {
            c.borrow()
                .as_ref()
                .filter(|(e, _)| js_sys::Object::is(e, raw))
                .map(|(_, cfg)| cfg.clone())
        });
        if let Some(cfg) = hit {
            return cfg;
        }
        let cfg = Rc::new(Config::from_env(env));
        CACHED.with(|c| *c.borrow_mut() = Some((raw.clone(), cfg.clone())));
        cfg
    }

    fn from_env(env: &Env) -> Config {
        let raw: &JsValue = env;
        let mut warnings = Vec::new();
        let origin_var = var(raw, "ORIGIN").unwrap_or_default();
        let route = origin_var.trim() == ROUTE_MODE;
        let origin = Some(origin_var)
            .filter(|s| !s.is_empty() && !route)
            .and_then(|s| {
                if s.starts_with("http://") || s.starts_with("https://") {
                    Some(s.trim_end_matches('/').to_string())
                } else {
                    warnings.push(format!(
                        "ORIGIN must start with http:// or https://, ignored: {s}"
                    ));
                    None
                }
            });
        let max_read_bytes = num(raw, "MAX_READ_BYTES", &mut warnings)
            .unwrap_or(imginfo::driver::DEFAULT_MAX_BYTES as f64)
            as u64;
        let origin_timeout_ms = num(raw, "ORIGIN_TIMEOUT_MS", &mut warnings)
            .unwrap_or(DEFAULT_ORIGIN_TIMEOUT_MS as f64) as u32;
        let info_cache_ttl = match var(raw, "INFO_CACHE_TTL").as_deref().map(str::trim) {
            None | Some("") => DEFAULT_INFO_CACHE_TTL,
            Some("0") => 0,
            Some(_) => num(raw, "INFO_CACHE_TTL", &mut warnings)
                .map(|n| n as u32)
                .unwrap_or(DEFAULT_INFO_CACHE_TTL),
        };
        // A rule set that does not validate is dropped whole (a half-applied CORS or
        // lifecycle configuration is worse than none) and reported.
        let cors =
            cors::parse_rules(&var(raw, "CORS_RULES").unwrap_or_default()).unwrap_or_else(|e| {
                warnings.push(format!("{e}; CORS disabled"));
                Vec::new()
            });
        let lifecycle = lifecycle::parse_rules(&var(raw, "LIFECYCLE_RULES").unwrap_or_default())
            .unwrap_or_else(|e| {
                warnings.push(format!("{e}; no x-obs-expiration"));
                Vec::new()
            });
        let website = flag(raw, "WEBSITE", &mut warnings);
        let kms = flag(raw, "SSE_KMS", &mut warnings).then(|| Kms {
            key_id: var(raw, "SSE_KMS_KEY_ID")
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty()),
        });
        let bucket_name = var(raw, "BUCKET_NAME")
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .and_then(|s| {
                let ok = s.len() <= 63
                    && s.bytes().all(|b| {
                        b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.'
                    });
                if ok {
                    Some(s)
                } else {
                    warnings.push(format!(
                        "BUCKET_NAME must be a bucket name (a-z, 0-9, '-', '.'), ignored: {s}"
                    ));
                    None
                }
            });
        let image_info_default = match var(raw, "IMAGE_INFO_DEFAULT").as_deref().map(str::trim) {
            None | Some("") | Some("qiniu") => imginfo::request::Dialect::Qiniu,
            Some("cos") => imginfo::request::Dialect::Cos,
            Some(other) => {
                warnings.push(format!(
                    "IMAGE_INFO_DEFAULT must be \"qiniu\" or \"cos\", ignored: {other}"
                ));
                imginfo::request::Dialect::Qiniu
            }
        };
        let max_hue_bytes = num(raw, "MAX_HUE_BYTES", &mut warnings)
            .unwrap_or(imginfo::hue::DEFAULT_MAX_BYTES as f64) as u64;
        let max_hue_pixels = num(raw, "MAX_HUE_PIXELS", &mut warnings)
            .unwrap_or(imginfo::hue::DEFAULT_MAX_PIXELS as f64) as u64;
        Config {
            origin,
            route,
            bucket_name,
            image_info_default,
            max_read_bytes,
            origin_timeout_ms,
            info_cache_ttl,
            cors,
            obs: ObsConfig {
                lifecycle,
                website,
                kms,
            },
            max_hue_bytes,
            max_hue_pixels,
            access: crate::auth::Access::from_env(raw, &mut warnings),
            warnings,
        }
    }
}

/// A boolean var: `true`/`false` (`1`/`0`, empty is false).
fn flag(env: &JsValue, name: &str, warnings: &mut Vec<String>) -> bool {
    let v = js::get(env, name);
    if let Some(b) = v.as_bool() {
        return b;
    }
    match var(env, name).as_deref().map(str::trim) {
        None | Some("") | Some("false") | Some("0") => false,
        Some("true") | Some("1") => true,
        Some(other) => {
            warnings.push(format!("{name} must be true or false, ignored: {other}"));
            false
        }
    }
}

fn var(env: &JsValue, name: &str) -> Option<String> {
    let v = js::get(env, name);
    v.as_string().or_else(|| v.as_f64().map(|n| n.to_string()))
}

fn num(env: &JsValue, name: &str, warnings: &mut Vec<String>) -> Option<f64> {
    let s = var(env, name)?;
    match s.trim().parse::<f64>() {
        Ok(n) if n.is_finite() && n > 0.0 => Some(n),
        _ => {
            warnings.push(format!("{name} must be a positive number, ignored: {s}"));
            None
        }
    }
}

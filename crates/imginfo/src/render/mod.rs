//! Dialect renderers: the vendor-neutral [`Info`] (or an [`Error`]) in, the exact bytes,
//! status and headers a vendor's clients expect out. One file per dialect; each only
//! serializes, nothing re-parses or does I/O. Two shared helpers print EXIF values the
//! way the vendors' underlying libraries do: [`exiv2`] (raw values, OSS/TOS/OBS/COS) and
//! [`libexif`] (display strings, Qiniu/QingStor).

use crate::error::Error;
use crate::exif::{Exif, Field, Ifd};
use crate::model::Info;
use crate::request::Dialect;

pub mod cos;
pub mod exiv2;
pub mod libexif;
pub mod native;
pub mod obs;
pub mod oss;
pub mod qingstor;
pub mod qiniu;

/// What the glue knows about the stored object (never computed here).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObjectMeta {
    pub etag: Option<String>,
    /// RFC 1123 date, as HTTP `Last-Modified` prints it.
    pub last_modified: Option<String>,
    pub version: Option<String>,
    /// Lower-case hex MD5 of the whole object, when the store already knows it (R2's
    /// checksum, an origin's `Content-MD5` or plain-MD5 `ETag`). Never computed.
    pub md5_hex: Option<String>,
    /// `r2` or `origin` (empty when unknown).
    pub source: &'static str,
}

/// What answering cost: ranged reads, bytes read, wall time.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ReadStats {
    pub ranges: u32,
    pub bytes: u64,
    pub ms: f64,
}

/// Per-request facts a renderer may print (request id, key) but never computes.
#[derive(Debug, Clone, Default)]
pub struct Ctx {
    pub request_id: String,
    pub key: String,
    /// The `Host` the request came to, for `HostId`-style fields.
    pub host: String,
    pub object: ObjectMeta,
    pub stats: ReadStats,
}

/// A rendered answer, independent of the HTTP library that sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub status: u16,
    pub content_type: &'static str,
    /// Vendor-specific headers the renderer knows (`Cache-Control`, `x-oss-ec`, …). The
    /// glue adds the request-id header, `Server-Timing` and CORS.
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl Rendered {
    pub fn json(status: u16, body: Vec<u8>) -> Self {
        Rendered {
            status,
            content_type: "application/json",
            headers: Vec::new(),
            body,
        }
    }
    pub fn xml(status: u16, body: String) -> Self {
        Rendered {
            status,
            content_type: "application/xml",
            headers: Vec::new(),
            body: body.into_bytes(),
        }
    }
    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
}

/// Renders an info answer in a dialect.
pub fn info(d: Dialect, info: &Info, ctx: &Ctx) -> Rendered {
    match d {
        Dialect::Oss | Dialect::Tos => oss::info(info, ctx),
        Dialect::QingStor => qingstor::info(info, ctx),
        Dialect::ObsImg => obs::info(info, ctx),
        Dialect::Cos => cos::info(info, ctx),
        Dialect::Qiniu => qiniu::info(info, ctx),
        Dialect::Native => native::info(info, ctx),
    }
}

/// Renders an EXIF-only answer (`?exif`). Dialects without an EXIF route answer their
/// full info, which carries the EXIF members too.
pub fn exif(d: Dialect, info: &Info, ctx: &Ctx) -> Rendered {
    match d {
        Dialect::Cos => cos::exif(info, ctx),
        Dialect::Qiniu => qiniu::exif(info, ctx),
        other => self::info(other, info, ctx),
    }
}

/// Renders an error in a dialect.
pub fn error(d: Dialect, e: &Error, ctx: &Ctx) -> Rendered {
    match d {
        Dialect::Oss => oss::error(e, ctx),
        Dialect::Tos => oss::tos_error(e, ctx),
        Dialect::QingStor => qingstor::error(e, ctx),
        Dialect::ObsImg => obs::error(e, ctx),
        Dialect::Cos => cos::error(e, ctx),
        Dialect::Qiniu => qiniu::error(e, ctx),
        Dialect::Native => native::error(e, ctx),
    }
}

/// The human message for an error in a vendor body: the bare reason for request and
/// permission errors, the full sentence otherwise.
pub fn message(e: &Error) -> String {
    match e {
        Error::BadRequest(m) | Error::AccessDenied(m) => m.clone(),
        other => other.to_string(),
    }
}

/// A JSON object whose members keep the order they were pushed in (vendors document
/// their member order; `serde_json::Map` sorts).
#[derive(Debug, Default, Clone)]
pub struct Obj(Vec<(String, serde_json::Value)>);

impl Obj {
    pub fn new() -> Self {
        Obj(Vec::new())
    }
    pub fn push(&mut self, k: impl Into<String>, v: impl Into<serde_json::Value>) {
        self.0.push((k.into(), v.into()));
    }
    pub fn push_opt<V: Into<serde_json::Value>>(&mut self, k: &str, v: Option<V>) {
        if let Some(v) = v {
            self.push(k, v);
        }
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// Compact JSON text, members in insertion order.
    pub fn to_vec(&self) -> Vec<u8> {
        let mut out = String::from("{");
        for (i, (k, v)) in self.0.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&json_string(k));
            out.push(':');
            out.push_str(&v.to_string());
        }
        out.push('}');
        out.into_bytes()
    }
}

/// A JSON string literal.
pub fn json_string(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

/// Escapes text for XML element content.
pub fn xml_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '&' => o.push_str("&amp;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => o.push(c),
        }
    }
    o
}

/// The fields a flat, name-keyed dialect prints, each name once: IFD0 and its sub-IFDs
/// first, thumbnail (IFD1) tags only where no primary tag has the name. `name` maps a
/// field to the vendor's name, or `None` to leave it out.
pub fn flat_fields(exif: &Exif, name: impl Fn(&Field) -> Option<String>) -> Vec<(String, &Field)> {
    let mut out: Vec<(String, &Field)> = Vec::new();
    for thumbnail in [false, true] {
        for f in exif
            .fields
            .iter()
            .filter(|f| (f.ifd == Ifd::Ifd1) == thumbnail)
        {
            if let Some(n) = name(f) {
                if !out.iter().any(|(k, _)| *k == n) {
                    out.push((n, f));
                }
            }
        }
    }
    out
}

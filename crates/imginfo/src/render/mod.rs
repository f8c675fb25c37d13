//! Dialect renderers: the vendor-neutral [`Info`] (or an [`Error`]) in, the exact bytes,
//! status and headers a vendor's clients expect out. One file per dialect; each only
//! serializes, nothing re-parses or does I/O. Two shared helpers print EXIF values the
//! way the vendors' underlying libraries do: [`exiv2`] (raw values, OSS/TOS/OBS/COS) and
//! [`libexif`] (display strings, Qiniu/QingStor).

use crate::error::Error;
use crate::exif::{Exif, Field, Ifd};
use crate::hue::Hue;
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
    finish(d, info_body(d, info, ctx))
}

fn info_body(d: Dialect, info: &Info, ctx: &Ctx) -> Rendered {
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
    finish(
        d,
        match d {
            Dialect::Cos => cos::exif(info, ctx),
            Dialect::Qiniu => qiniu::exif(info, ctx),
            other => info_body(other, info, ctx),
        },
    )
}

/// Renders an average-colour answer (`image/average-hue`, `imageAve`, `?info&hue`).
/// QingStor has no such operation (the request grammar never routes one here); it
/// answers its bad-request error.
pub fn average_hue(d: Dialect, hue: &Hue, ctx: &Ctx) -> Rendered {
    finish(
        d,
        match d {
            Dialect::Oss | Dialect::Tos => oss::average_hue(hue, ctx),
            Dialect::ObsImg => obs::average_hue(hue, ctx),
            Dialect::Cos => cos::average_hue(hue, ctx),
            Dialect::Qiniu => qiniu::average_hue(hue, ctx),
            Dialect::Native => native::average_hue(hue, ctx),
            Dialect::QingStor => qingstor::error(
                &Error::BadRequest("average colour is not a QingStor image operation".into()),
                ctx,
            ),
        },
    )
}

/// Renders an error in a dialect.
pub fn error(d: Dialect, e: &Error, ctx: &Ctx) -> Rendered {
    finish(
        d,
        match d {
            Dialect::Oss => oss::error(e, ctx),
            Dialect::Tos => oss::tos_error(e, ctx),
            Dialect::QingStor => qingstor::error(e, ctx),
            Dialect::ObsImg => obs::error(e, ctx),
            Dialect::Cos => cos::error(e, ctx),
            Dialect::Qiniu => qiniu::error(e, ctx),
            Dialect::Native => native::error(e, ctx),
        },
    )
}

/// The header in which a vendor sends the CRC-64/ECMA-182 of an answer's body, for the
/// vendors whose SDKs check it (TOS fails without it; oss2 fails when it is wrong).
fn crc64_header(d: Dialect) -> Option<&'static str> {
    match d {
        Dialect::Oss => Some(oss::CRC64_HEADER),
        Dialect::Tos => Some(oss::TOS_CRC64_HEADER),
        Dialect::Cos => Some(cos::CRC64_HEADER),
        _ => None,
    }
}

/// What every answer of the info routes gets after its dialect rendered it: the body's
/// CRC-64 where the vendor sends one (successful answers only, as the vendors do), and
/// the headers that keep it uncompressed ([`no_transform`], [`identity_encoding`]).
fn finish(d: Dialect, mut r: Rendered) -> Rendered {
    if (200..300).contains(&r.status) {
        if let Some(h) = crc64_header(d) {
            r.headers.push((h, crc64_ecma(&r.body).to_string()));
        }
    }
    if never_compressed(d) {
        identity_encoding(&mut r.headers);
    } else {
        no_transform(&mut r.headers);
    }
    r
}

/// CRC-64/ECMA-182 as OSS, TOS and COS compute it for `x-*-hash-crc64ecma`: the
/// reflected ECMA-182 polynomial with all-ones init and final XOR (the catalogue's
/// CRC-64/XZ), printed by the vendors as an unsigned decimal.
/// Its 2 KiB table is computed on first use (once per isolate, a few µs), not at compile
/// time, where it would be 2 KiB of incompressible data in the Worker's upload.
pub fn crc64_ecma(bytes: &[u8]) -> u64 {
    static CRC64: std::sync::OnceLock<crc::Crc<u64>> = std::sync::OnceLock::new();
    CRC64
        .get_or_init(|| crc::Crc::<u64>::new(&crc::CRC_64_XZ))
        .checksum(bytes)
}

/// Asks the edge not to compress an answer: `no-transform` joins its `Cache-Control`
/// (or is set). Cloudflare documents that it then leaves the response's encoding alone.
/// Info answers are small JSON/XML; compressing them saves nothing.
pub fn no_transform(headers: &mut Vec<(&'static str, String)>) {
    match headers
        .iter_mut()
        .find(|(k, _)| k.eq_ignore_ascii_case("Cache-Control"))
    {
        Some((_, v)) if v.split(',').any(|d| d.trim() == "no-transform") => {}
        Some((_, v)) => v.push_str(", no-transform"),
        None => headers.push(("Cache-Control", "no-transform".to_string())),
    }
}

/// For clients that offer gzip and never decompress (TOS's SDKs): besides
/// `no-transform`, `Content-Encoding: identity`. The edge compresses a response only
/// when it has no `Content-Encoding` (or re-encodes gzip/br); Miniflare models it so and
/// ignores `no-transform`. Not sent to everyone: urllib (Qiniu's and ali-oss's HTTP
/// client) leaves a body with any `Content-Encoding` but gzip/deflate unparsed.
pub fn identity_encoding(headers: &mut Vec<(&'static str, String)>) {
    no_transform(headers);
    if !headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("Content-Encoding"))
    {
        headers.push(("Content-Encoding", "identity".to_string()));
    }
}

/// Whether a dialect's clients ask for gzip but cannot decompress.
fn never_compressed(d: Dialect) -> bool {
    d == Dialect::Tos
}

/// The human message for an error in a vendor body: the bare reason for request and
/// permission errors, the full sentence otherwise.
pub fn message(e: &Error) -> String {
    match e {
        Error::BadRequest(m) | Error::AccessDenied(m) => m.clone(),
        Error::Denied(d) => d.message().to_string(),
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
    /// Compact JSON text, members in insertion order, written straight into the body
    /// (no text per member).
    pub fn to_vec(&self) -> Vec<u8> {
        write_object(self.0.iter().map(|(k, v)| (k, v)), write_json)
    }
}

/// `{"<key>":<value>,…}` in the order given, each value written by `value`.
pub(crate) fn write_object<K: AsRef<str>, V>(
    members: impl ExactSizeIterator<Item = (K, V)>,
    value: impl Fn(&mut Vec<u8>, V),
) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + 48 * members.len());
    out.push(b'{');
    for (i, (k, v)) in members.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_json(&mut out, k.as_ref());
        out.push(b':');
        value(&mut out, v);
    }
    out.push(b'}');
    out
}

/// Appends the compact JSON text of `v` to `out`. Serializing into a `Vec` cannot fail
/// for these types (string keys, no non-finite floats in `Value`); were it to, nothing
/// would be appended rather than half a value.
pub(crate) fn write_json<T: serde::Serialize + ?Sized>(out: &mut Vec<u8>, v: &T) {
    let mark = out.len();
    if serde_json::to_writer(&mut *out, v).is_err() {
        out.truncate(mark);
    }
}

/// A JSON string literal.
pub fn json_string(s: &str) -> String {
    let mut out = Vec::with_capacity(s.len() + 2);
    write_json(&mut out, s);
    String::from_utf8(out).unwrap_or_default()
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
    let mut out: Vec<(String, &Field)> = Vec::with_capacity(exif.fields.len());
    // Names already taken (a set: a camera's EXIF has a hundred fields or more).
    let mut seen: std::collections::HashSet<String> =
        std::collections::HashSet::with_capacity(exif.fields.len());
    for thumbnail in [false, true] {
        for f in exif
            .fields
            .iter()
            .filter(|f| (f.ifd == Ifd::Ifd1) == thumbnail)
        {
            if let Some(n) = name(f) {
                if seen.insert(n.clone()) {
                    out.push((n, f));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod finish_tests {
    use super::*;

    #[test]
    fn crc64_is_the_ecma182_variant_oss_uses() {
        // The catalogue check value of CRC-64/XZ (= OSS's crc64ecma), also what TOS's
        // own tos-crc64-js prints for "123456789".
        assert_eq!(crc64_ecma(b"123456789"), 11_051_210_869_376_104_954);
        assert_eq!(crc64_ecma(b""), 0);
    }

    #[test]
    fn crc_header_only_where_the_vendor_sends_one_and_only_on_success() {
        let ctx = Ctx::default();
        let e = error(Dialect::Oss, &Error::NotFound, &ctx);
        assert!(!e.headers.iter().any(|(k, _)| k.contains("crc64")));
        for d in Dialect::ALL {
            let r = finish(d, Rendered::json(200, b"{\"a\":1}".to_vec()));
            let crc = r
                .headers
                .iter()
                .find(|(k, _)| k.ends_with("hash-crc64ecma"));
            match d {
                Dialect::Oss | Dialect::Tos | Dialect::Cos => {
                    assert_eq!(
                        crc.map(|(_, v)| v.clone()),
                        Some(crc64_ecma(b"{\"a\":1}").to_string())
                    )
                }
                _ => assert!(crc.is_none(), "{d:?}"),
            }
            assert!(
                r.headers
                    .contains(&("Cache-Control", "no-transform".into())),
                "{d:?}"
            );
        }
    }

    #[test]
    fn no_transform_joins_an_existing_cache_control() {
        let mut h = vec![("Cache-Control", "no-store".to_string())];
        no_transform(&mut h);
        assert_eq!(
            h,
            vec![("Cache-Control", "no-store, no-transform".to_string())]
        );
        no_transform(&mut h);
        assert_eq!(h.len(), 1);
        identity_encoding(&mut h);
        identity_encoding(&mut h);
        assert_eq!(
            h,
            vec![
                ("Cache-Control", "no-store, no-transform".to_string()),
                ("Content-Encoding", "identity".to_string())
            ]
        );
    }
}

//! Object metadata as the sources report it (R2 object or origin response headers),
//! and the Huawei OBS-style headers a `HEAD`/`GET` answer carries, derived from it
//! (OBS "GetObjectMetadata": every `x-obs-*` header the object and the configuration
//! can give). Pure functions: the Worker glue fills [`ObjectMeta`] and sends what comes
//! out. Headers OBS defines that R2 cannot give are listed in [`ABSENT`] with the reason.

use crate::lifecycle::{self, LifecycleRule};
use crate::ssec;
use std::time::{Duration, UNIX_EPOCH};

/// Where an object's bytes came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SourceKind {
    #[default]
    R2,
    Origin,
}

impl SourceKind {
    pub fn name(self) -> &'static str {
        match self {
            SourceKind::R2 => "r2",
            SourceKind::Origin => "origin",
        }
    }
}

/// Everything a source tells about an object, without its bytes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ObjectMeta {
    pub source: SourceKind,
    pub size: u64,
    /// The entity tag without quotes.
    pub etag: Option<String>,
    /// Milliseconds since the Unix epoch.
    pub last_modified_ms: Option<f64>,
    pub version: Option<String>,
    pub content_type: Option<String>,
    pub content_encoding: Option<String>,
    pub content_language: Option<String>,
    pub content_disposition: Option<String>,
    pub cache_control: Option<String>,
    /// `Expires`, already an HTTP date.
    pub expires: Option<String>,
    /// User metadata, names lower-cased, in a stable order.
    pub custom: Vec<(String, String)>,
    /// The storage class as the source names it (`InfrequentAccess`, `STANDARD_IA`, …).
    pub storage_class: Option<String>,
    /// Hex MD5 of the whole object, when the source stored one.
    pub md5_hex: Option<String>,
    /// MD5 of the SSE-C key the object is encrypted with (hex or base64, as the source
    /// reports it); `None` for an object that is not SSE-C encrypted.
    pub ssec_key_md5: Option<String>,
    /// Archive restore status as an origin reports it (`x-amz-restore`, `x-oss-restore`).
    pub restore: Option<String>,
    /// A website redirect an origin reports natively (`x-amz-website-redirect-location`).
    pub website_redirect: Option<String>,
}

impl ObjectMeta {
    /// The ETag header value: quoted, as HTTP wants it.
    pub fn http_etag(&self) -> Option<String> {
        self.etag.as_ref().map(|e| format!("\"{e}\""))
    }

    /// `Last-Modified` as an RFC 1123 date.
    pub fn http_last_modified(&self) -> Option<String> {
        self.last_modified_ms.and_then(http_date)
    }
}

/// Formats epoch milliseconds as an RFC 1123 HTTP date (`Tue, 15 Nov 1994 08:12:31 GMT`).
pub fn http_date(ms: f64) -> Option<String> {
    if !ms.is_finite() || ms < 0.0 {
        return None;
    }
    let t = UNIX_EPOCH.checked_add(Duration::from_millis(ms as u64))?;
    Some(httpdate::fmt_http_date(t))
}

/// Parses an HTTP date into epoch milliseconds.
pub fn parse_http_date(s: &str) -> Option<f64> {
    let t = httpdate::parse_http_date(s.trim()).ok()?;
    Some(t.duration_since(UNIX_EPOCH).ok()?.as_millis() as f64)
}

/// The metadata headers of an OBS GetObjectMetadata answer for this object, without
/// anything the configuration adds (see [`head_headers`]).
pub fn obs_headers(m: &ObjectMeta) -> Vec<(String, String)> {
    head_headers(m, "", &ObsConfig::default())
}

/// What the configuration adds to object answers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ObsConfig {
    /// `LIFECYCLE_RULES`: gives `x-obs-expiration`.
    pub lifecycle: Vec<LifecycleRule>,
    /// `WEBSITE`: answers carry `x-obs-website-redirect-location`.
    pub website: bool,
    /// `SSE_KMS`: answers say `x-obs-server-side-encryption: kms` (R2 has no per-object
    /// KMS; this states how the bucket is configured), with the key id when set.
    pub kms: Option<Kms>,
}

/// The KMS statement of `SSE_KMS` / `SSE_KMS_KEY_ID`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Kms {
    pub key_id: Option<String>,
}

/// The custom metadata entry that holds an object's website redirect (OBS's
/// `x-obs-website-redirect-location`, stored in R2 as `customMetadata`).
pub const WEBSITE_REDIRECT_META: &str = "website-redirect-location";

/// OBS response headers of GetObjectMetadata that this service never sends, and why.
pub const ABSENT: [(&str, &str); 4] = [
    (
        "x-obs-object-type",
        "R2 has no appendable objects (OBS sends it only for Appendable ones)",
    ),
    ("x-obs-next-append-position", "R2 has no appendable objects"),
    (
        "x-obs-uploadId",
        "R2 does not keep the multipart upload id of a completed object",
    ),
    (
        "x-obs-hash-crc64ecma",
        "R2 keeps no CRC-64/ECMA checksum of an object",
    ),
];

/// OBS storage class for a source's name: `None` for Standard (OBS omits the header)
/// and for classes with no OBS counterpart.
pub fn obs_storage_class(raw: &str) -> Option<&'static str> {
    match raw
        .trim()
        .to_ascii_uppercase()
        .replace(['-', ' '], "_")
        .as_str()
    {
        // R2 `InfrequentAccess`, S3 `STANDARD_IA`/`ONEZONE_IA`, OSS `IA`, OBS `WARM`.
        "INFREQUENTACCESS" | "INFREQUENT_ACCESS" | "STANDARD_IA" | "ONEZONE_IA" | "IA" | "WARM" => {
            Some("WARM")
        }
        // S3 `GLACIER`/`GLACIER_IR`, OSS `Archive`, OBS `COLD`.
        "GLACIER" | "GLACIER_IR" | "ARCHIVE" | "COLD" => Some("COLD"),
        // S3 `DEEP_ARCHIVE`, OSS `ColdArchive`/`DeepColdArchive`, OBS `DEEP_ARCHIVE`.
        "DEEP_ARCHIVE" | "COLDARCHIVE" | "DEEPCOLDARCHIVE" => Some("DEEP_ARCHIVE"),
        _ => None,
    }
}

/// A restore status (`ongoing-request="false", expiry-date="…"`) re-emitted in OBS's
/// form; `None` when it does not parse.
pub fn obs_restore(raw: &str) -> Option<String> {
    // `name="value"` parameters; the date inside expiry-date contains a comma, so the
    // value runs to the closing quote.
    let param = |name: &str| -> Option<String> {
        let lower = raw.to_ascii_lowercase();
        let at = lower.find(&format!("{name}=\""))? + name.len() + 2;
        let rest = raw.get(at..)?;
        Some(rest.get(..rest.find('"')?)?.to_string())
    };
    let ongoing: bool = param("ongoing-request")?.trim().parse().ok()?;
    match param("expiry-date") {
        Some(e) if !ongoing => {
            let ms = parse_http_date(&e)?;
            Some(format!(
                "ongoing-request=\"false\", expiry-date=\"{}\"",
                http_date(ms)?
            ))
        }
        _ => Some(format!("ongoing-request=\"{ongoing}\"")),
    }
}

/// A header value as it can be sent: visible ASCII, space and tab kept, everything else
/// (non-ASCII, control characters) percent-encoded as UTF-8, as OBS expects clients to
/// encode non-ASCII metadata.
pub fn header_safe(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        if c == ' ' || c == '\t' || (c.is_ascii_graphic() && c != '%') {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

/// A metadata name usable in `x-obs-meta-<name>` (an HTTP token).
fn meta_name_ok(k: &str) -> bool {
    !k.is_empty()
        && k.bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"!#$&'*+-.^_`|~".contains(&c))
}

/// A website redirect OBS would store: a path in the bucket or an http(s) URL.
fn redirect_ok(v: &str) -> bool {
    (v.starts_with('/') || v.starts_with("http://") || v.starts_with("https://"))
        && v.bytes().all(|c| c.is_ascii_graphic())
}

/// Every metadata header of a GetObjectMetadata (`HEAD`) or GetObject answer for the
/// object `key`, in OBS's names: representation headers, `x-obs-version-id`,
/// `x-obs-storage-class`, `x-obs-restore`, `x-obs-expiration`,
/// `x-obs-website-redirect-location`, server-side encryption, `x-obs-meta-*`.
pub fn head_headers(m: &ObjectMeta, key: &str, cfg: &ObsConfig) -> Vec<(String, String)> {
    let mut h: Vec<(String, String)> = Vec::new();
    let mut put = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            h.push((k.to_string(), v));
        }
    };
    put(
        "Content-Type",
        Some(
            m.content_type
                .clone()
                .unwrap_or_else(|| "application/octet-stream".into()),
        ),
    );
    put("ETag", m.http_etag());
    put("Last-Modified", m.http_last_modified());
    put("Accept-Ranges", Some("bytes".into()));
    put("Content-Encoding", m.content_encoding.clone());
    put("Content-Language", m.content_language.clone());
    put("Content-Disposition", m.content_disposition.clone());
    put("Cache-Control", m.cache_control.clone());
    put("Expires", m.expires.clone());
    put("x-obs-version-id", m.version.clone());
    put(
        "x-obs-storage-class",
        m.storage_class
            .as_deref()
            .and_then(obs_storage_class)
            .map(str::to_string),
    );
    put("x-obs-restore", m.restore.as_deref().and_then(obs_restore));
    put(
        "x-obs-expiration",
        lifecycle::expiration(&cfg.lifecycle, key, m.last_modified_ms),
    );
    if cfg.website {
        let custom = m
            .custom
            .iter()
            .find(|(k, _)| k == WEBSITE_REDIRECT_META)
            .map(|(_, v)| v);
        put(
            "x-obs-website-redirect-location",
            m.website_redirect
                .as_ref()
                .or(custom)
                .filter(|v| redirect_ok(v))
                .cloned(),
        );
    }
    let ssec_md5 = m.ssec_key_md5.as_deref().and_then(ssec::decode_md5);
    if let Some(md5) = ssec_md5 {
        use base64::Engine;
        put(ssec::ALGORITHM_HEADER, Some(ssec::AES256.into()));
        put(
            ssec::KEY_MD5_HEADER,
            Some(base64::engine::general_purpose::STANDARD.encode(md5)),
        );
    } else if let Some(kms) = &cfg.kms {
        put("x-obs-server-side-encryption", Some("kms".into()));
        put(
            "x-obs-server-side-encryption-kms-key-id",
            kms.key_id.clone(),
        );
    }
    for (k, v) in &m.custom {
        if meta_name_ok(k) {
            h.push((format!("x-obs-meta-{k}"), header_safe(v)));
        }
    }
    h
}

/// Object metadata from an origin's response headers (names in any case): S3, OSS and
/// OBS spellings of user metadata, version, storage class, restore status and website
/// redirect are all read. The size comes from `Content-Range` when there is one.
pub fn meta_from_headers(headers: &[(String, String)]) -> ObjectMeta {
    let get = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim().to_string())
    };
    let first = |names: &[&str]| names.iter().find_map(|n| get(n));
    let size = get("content-range")
        .and_then(|cr| {
            cr.rsplit_once('/')
                .and_then(|(_, t)| t.trim().parse::<u64>().ok())
        })
        .or_else(|| get("content-length").and_then(|v| v.parse().ok()))
        .unwrap_or(0);
    let etag = get("etag").map(|e| e.trim_start_matches("W/").trim_matches('"').to_string());
    let md5_hex = get("content-md5")
        .and_then(|b64| {
            use base64::Engine;
            base64::engine::general_purpose::STANDARD
                .decode(b64)
                .ok()
                .filter(|m| m.len() == 16)
        })
        .map(|m| m.iter().map(|b| format!("{b:02x}")).collect::<String>())
        .or_else(|| {
            etag.clone()
                .filter(|e| e.len() == 32 && e.bytes().all(|c| c.is_ascii_hexdigit()))
        });
    let mut custom = Vec::new();
    for (k, v) in headers {
        let k = k.to_ascii_lowercase();
        for p in ["x-amz-meta-", "x-oss-meta-", "x-obs-meta-"] {
            if let Some(name) = k.strip_prefix(p) {
                custom.push((name.to_string(), v.clone()));
            }
        }
    }
    crate::sort::sort(&mut custom);
    custom.dedup_by(|a, b| a.0 == b.0);
    ObjectMeta {
        source: SourceKind::Origin,
        size,
        etag,
        last_modified_ms: get("last-modified").and_then(|d| parse_http_date(&d)),
        version: first(&["x-obs-version-id", "x-amz-version-id", "x-oss-version-id"]),
        content_type: get("content-type"),
        content_encoding: get("content-encoding"),
        content_language: get("content-language"),
        content_disposition: get("content-disposition"),
        cache_control: get("cache-control"),
        expires: get("expires"),
        custom,
        storage_class: first(&[
            "x-obs-storage-class",
            "x-amz-storage-class",
            "x-oss-storage-class",
        ]),
        md5_hex,
        ssec_key_md5: None,
        restore: first(&["x-obs-restore", "x-amz-restore", "x-oss-restore"]),
        website_redirect: first(&[
            "x-obs-website-redirect-location",
            "x-amz-website-redirect-location",
        ]),
    }
}

impl ObjectMeta {
    /// The part of the metadata that dialect renderers print.
    pub fn view(&self) -> crate::render::ObjectMeta {
        crate::render::ObjectMeta {
            etag: self.http_etag(),
            last_modified: self.http_last_modified(),
            version: self.version.clone(),
            md5_hex: self.md5_hex.clone(),
            source: self.source.name(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip() {
        let s = http_date(784_887_151_000.0).unwrap();
        assert_eq!(s, "Tue, 15 Nov 1994 08:12:31 GMT");
        assert_eq!(parse_http_date(&s), Some(784_887_151_000.0));
    }

    #[test]
    fn basic_headers() {
        let m = ObjectMeta {
            etag: Some("abc".into()),
            version: Some("v1".into()),
            custom: vec![("owner".into(), "me".into())],
            ..Default::default()
        };
        let h = obs_headers(&m);
        assert!(h.contains(&("ETag".into(), "\"abc\"".into())));
        assert!(h.contains(&("x-obs-version-id".into(), "v1".into())));
        assert!(h.contains(&("x-obs-meta-owner".into(), "me".into())));
        // Nothing the object does not have.
        for absent in [
            "x-obs-storage-class",
            "x-obs-restore",
            "x-obs-expiration",
            "x-obs-server-side-encryption",
        ] {
            assert!(!h.iter().any(|(k, _)| k == absent), "{absent}");
        }
    }

    fn find<'a>(h: &'a [(String, String)], k: &str) -> Option<&'a str> {
        h.iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn storage_classes() {
        assert_eq!(obs_storage_class("Standard"), None);
        assert_eq!(obs_storage_class("STANDARD"), None);
        assert_eq!(obs_storage_class("InfrequentAccess"), Some("WARM"));
        assert_eq!(obs_storage_class("STANDARD_IA"), Some("WARM"));
        assert_eq!(obs_storage_class("IA"), Some("WARM"));
        assert_eq!(obs_storage_class("GLACIER"), Some("COLD"));
        assert_eq!(obs_storage_class("Archive"), Some("COLD"));
        assert_eq!(obs_storage_class("DEEP_ARCHIVE"), Some("DEEP_ARCHIVE"));
        assert_eq!(obs_storage_class("ColdArchive"), Some("DEEP_ARCHIVE"));
        assert_eq!(obs_storage_class("INTELLIGENT_TIERING"), None);
    }

    #[test]
    fn restore_status() {
        assert_eq!(
            obs_restore(r#"ongoing-request="false", expiry-date="Fri, 21 Dec 2012 00:00:00 GMT""#)
                .as_deref(),
            Some(r#"ongoing-request="false", expiry-date="Fri, 21 Dec 2012 00:00:00 GMT""#)
        );
        assert_eq!(
            obs_restore(r#"ongoing-request="true""#).as_deref(),
            Some(r#"ongoing-request="true""#)
        );
        assert_eq!(obs_restore("restored"), None);
        assert_eq!(
            obs_restore(r#"ongoing-request="false", expiry-date="yesterday""#),
            None
        );
    }

    #[test]
    fn configured_headers() {
        let m = ObjectMeta {
            last_modified_ms: Some(1_420_624_800_000.0),
            storage_class: Some("InfrequentAccess".into()),
            custom: vec![
                ("bad name".into(), "x".into()),
                ("city".into(), "Zürich".into()),
                (WEBSITE_REDIRECT_META.into(), "/other.html".into()),
            ],
            ..Default::default()
        };
        let cfg = ObsConfig {
            lifecycle: crate::lifecycle::parse_rules(r#"[{"id":"tmp","prefix":"tmp/","days":1}]"#)
                .unwrap(),
            website: true,
            kms: Some(Kms {
                key_id: Some("region:domain:key/1".into()),
            }),
        };
        let h = head_headers(&m, "tmp/a.jpg", &cfg);
        assert_eq!(find(&h, "x-obs-storage-class"), Some("WARM"));
        assert_eq!(
            find(&h, "x-obs-expiration"),
            Some(r#"expiry-date="Fri, 09 Jan 2015 00:00:00 GMT", rule-id="tmp""#)
        );
        assert_eq!(
            find(&h, "x-obs-website-redirect-location"),
            Some("/other.html")
        );
        assert_eq!(find(&h, "x-obs-server-side-encryption"), Some("kms"));
        assert_eq!(
            find(&h, "x-obs-server-side-encryption-kms-key-id"),
            Some("region:domain:key/1")
        );
        assert_eq!(find(&h, "x-obs-meta-city"), Some("Z%C3%BCrich"));
        assert_eq!(find(&h, "x-obs-meta-bad name"), None);
        // Website mode off: no redirect header; another key: no expiration.
        let h = head_headers(
            &m,
            "a.jpg",
            &ObsConfig {
                website: false,
                ..cfg.clone()
            },
        );
        assert_eq!(find(&h, "x-obs-website-redirect-location"), None);
        assert_eq!(find(&h, "x-obs-expiration"), None);
        // SSE-C objects say so, and never claim KMS.
        let enc = ObjectMeta {
            ssec_key_md5: Some("00112233445566778899aabbccddeeff".into()),
            ..m.clone()
        };
        let h = head_headers(&enc, "a.jpg", &cfg);
        assert_eq!(find(&h, ssec::ALGORITHM_HEADER), Some("AES256"));
        assert_eq!(
            find(&h, ssec::KEY_MD5_HEADER),
            Some("ABEiM0RVZneImaq7zN3u/w==")
        );
        assert_eq!(find(&h, "x-obs-server-side-encryption"), None);
        // A redirect OBS would not store is not sent.
        let bad = ObjectMeta {
            custom: vec![(WEBSITE_REDIRECT_META.into(), "javascript:x".into())],
            ..m
        };
        assert_eq!(
            find(
                &head_headers(&bad, "a", &cfg),
                "x-obs-website-redirect-location"
            ),
            None
        );
    }

    #[test]
    fn origin_headers() {
        let hs: Vec<(String, String)> = [
            ("Content-Type", "image/jpeg"),
            ("Content-Range", "bytes 0-9/1234"),
            ("Content-Length", "10"),
            ("ETag", "\"0123456789abcdef0123456789abcdef\""),
            ("Last-Modified", "Tue, 15 Nov 1994 08:12:31 GMT"),
            ("x-amz-meta-team", "imaging"),
            ("x-oss-meta-owner", "me"),
            ("x-amz-version-id", "3/L4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY"),
            ("x-amz-storage-class", "GLACIER"),
            (
                "x-amz-restore",
                "ongoing-request=\"false\", expiry-date=\"Fri, 21 Dec 2012 00:00:00 GMT\"",
            ),
            ("x-amz-website-redirect-location", "https://example.com/"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let m = meta_from_headers(&hs);
        assert_eq!(m.size, 1234);
        assert_eq!(m.etag.as_deref(), Some("0123456789abcdef0123456789abcdef"));
        assert_eq!(
            m.md5_hex.as_deref(),
            Some("0123456789abcdef0123456789abcdef")
        );
        assert_eq!(
            m.custom,
            vec![
                ("owner".into(), "me".into()),
                ("team".into(), "imaging".into())
            ]
        );
        assert_eq!(m.last_modified_ms, Some(784_887_151_000.0));
        let h = head_headers(
            &m,
            "k",
            &ObsConfig {
                website: true,
                ..Default::default()
            },
        );
        assert_eq!(
            find(&h, "x-obs-version-id"),
            Some("3/L4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY")
        );
        assert_eq!(find(&h, "x-obs-storage-class"), Some("COLD"));
        assert_eq!(
            find(&h, "x-obs-restore"),
            Some(r#"ongoing-request="false", expiry-date="Fri, 21 Dec 2012 00:00:00 GMT""#)
        );
        assert_eq!(
            find(&h, "x-obs-website-redirect-location"),
            Some("https://example.com/")
        );
        assert_eq!(find(&h, "x-obs-meta-team"), Some("imaging"));
    }
}

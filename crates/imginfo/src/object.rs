//! Object metadata as the sources report it (R2 object or origin response headers),
//! and the Huawei OBS-style headers a `HEAD`/`GET` answer carries, derived from it.
//! Pure functions: the Worker glue fills [`ObjectMeta`] and sends what comes out.

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
    pub storage_class: Option<String>,
    /// Hex MD5 of the whole object, when the source stored one.
    pub md5_hex: Option<String>,
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

/// The metadata headers of an OBS GetObjectMetadata answer for this object.
pub fn obs_headers(m: &ObjectMeta) -> Vec<(String, String)> {
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
    for (k, v) in &m.custom {
        h.push((format!("x-obs-meta-{k}"), v.clone()));
    }
    h
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
    fn head_headers() {
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

//! The pieces every signature scheme is built from: HMAC and hashes (RustCrypto), the
//! constant-time comparison, RFC 3986 percent-encoding as the vendors' signers apply it,
//! query pairs with their raw spellings, and the date formats signatures carry.

use base64::Engine;
use hmac::{Hmac, Mac};
use percent_encoding::percent_decode_str;
use sha1::Sha1;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// HMAC-SHA1 of `msg` under `key`.
pub fn hmac_sha1(key: &[u8], msg: &[u8]) -> Vec<u8> {
    // HMAC takes keys of any length; `new_from_slice` cannot fail for it.
    match Hmac::<Sha1>::new_from_slice(key) {
        Ok(mut m) => {
            m.update(msg);
            m.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    }
}

/// HMAC-SHA256 of `msg` under `key`.
pub fn hmac_sha256(key: &[u8], msg: &[u8]) -> Vec<u8> {
    match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mut m) => {
            m.update(msg);
            m.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    }
}

/// Lower-case hex SHA-256.
pub fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

/// Lower-case hex SHA-1.
pub fn sha1_hex(data: &[u8]) -> String {
    hex(&Sha1::digest(data))
}

/// Appends one `name:value\n` line per header: the header block of the strings the V2-
/// and V4-style schemes sign.
pub fn push_header_lines<'a>(
    s: &mut String,
    headers: impl IntoIterator<Item = (&'a str, &'a str)>,
) {
    for (k, v) in headers {
        s.push_str(k);
        s.push(':');
        s.push_str(v);
        s.push('\n');
    }
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(nibble(b >> 4, false));
        s.push(nibble(b & 15, false));
    }
    s
}

/// One hex digit (`n` < 16).
fn nibble(n: u8, upper: bool) -> char {
    let c = char::from_digit(u32::from(n & 15), 16).unwrap_or('0');
    if upper {
        c.to_ascii_uppercase()
    } else {
        c
    }
}

/// Standard base64 with padding.
pub fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// URL-safe base64 with padding (Qiniu's `urlsafe_base64_encode`).
pub fn b64_url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE.encode(bytes)
}

/// Constant-time string equality (the length is not secret).
pub fn ct_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// RFC 3986 percent-encoding of every byte outside the unreserved set
/// (`A-Z a-z 0-9 - _ . ~`), upper-case hex: AWS's `UriEncode`, and equally
/// `encodeURIComponent` followed by escaping `!'()*` (OSS, COS, TOS signers). With
/// `keep_slash`, `/` stays as it is.
pub fn uri_encode(bytes: &[u8], keep_slash: bool) -> String {
    let mut s = String::with_capacity(bytes.len());
    for &b in bytes {
        let unreserved = b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~');
        if unreserved || (keep_slash && b == b'/') {
            s.push(b as char);
        } else {
            s.push('%');
            s.push(nibble(b >> 4, true));
            s.push(nibble(b & 15, true));
        }
    }
    s
}

/// Percent-decodes once into bytes (`+` stays a plus).
pub fn decode_bytes(s: &str) -> Vec<u8> {
    percent_decode_str(s).collect()
}

/// Percent-decodes once into text, invalid UTF-8 replaced.
pub fn decode_lossy(s: &str) -> String {
    percent_decode_str(s).decode_utf8_lossy().into_owned()
}

/// One query pair: its raw spellings and decoded name and value (`None`: no `=`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pair<'a> {
    pub raw_name: &'a str,
    pub raw_value: Option<&'a str>,
    pub name: String,
    pub value: Option<String>,
    /// Byte offset of the pair's end in the raw query.
    pub end: usize,
}

/// Splits a raw query into pairs, in order.
pub fn pairs(query: &str) -> Vec<Pair<'_>> {
    let mut out = Vec::new();
    let mut start = 0usize;
    for part in query.split('&') {
        let end = start + part.len();
        if !part.is_empty() {
            let (raw_name, raw_value) = match part.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (part, None),
            };
            out.push(Pair {
                raw_name,
                raw_value,
                name: decode_lossy(raw_name),
                value: raw_value.map(decode_lossy),
                end,
            });
        }
        start = end + 1;
    }
    out
}

/// `host:port` → `host` (an IPv6 literal keeps its brackets).
pub fn strip_port(host: &str) -> &str {
    match host.rsplit_once(':') {
        Some((h, port)) if !h.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => {
            if h.starts_with('[') || !h.contains(':') {
                h
            } else {
                host
            }
        }
        _ => host,
    }
}

/// An HTTP date (`Thu, 28 Nov 2026 22:40:29 GMT`, RFC 850, asctime, and the `+0000`
/// zone some S3 examples use) in seconds since the epoch.
pub fn http_date(s: &str) -> Option<i64> {
    let s = s.trim();
    let parse = |v: &str| {
        httpdate::parse_http_date(v)
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .and_then(|d| i64::try_from(d.as_secs()).ok())
    };
    parse(s).or_else(|| {
        s.strip_suffix(" +0000")
            .and_then(|v| parse(&format!("{v} GMT")))
    })
}

/// An ISO 8601 basic date-time (`20130524T000000Z`) in seconds since the epoch.
pub fn iso_basic(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 16 || b.get(8) != Some(&b'T') || b.get(15) != Some(&b'Z') {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = s.get(r)?;
        if !part.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        part.parse().ok()
    };
    let (y, mo, d) = (num(0..4)?, num(4..6)?, num(6..8)?);
    let (h, mi, sec) = (num(9..11)?, num(11..13)?, num(13..15)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    Some(days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + sec)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A whole number of seconds (`Expires`, `e`, `X-Amz-Expires`): ASCII digits only.
pub fn seconds(s: &str) -> Option<i64> {
    if s.is_empty() || s.len() > 18 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_like_the_signers() {
        assert_eq!(
            uri_encode("a b+c/图!'()*~".as_bytes(), true),
            "a%20b%2Bc/%E5%9B%BE%21%27%28%29%2A~"
        );
        assert_eq!(uri_encode(b"a/b", false), "a%2Fb");
    }

    #[test]
    fn dates() {
        assert_eq!(iso_basic("20130524T000000Z"), Some(1_369_353_600));
        assert_eq!(iso_basic("19700101T000000Z"), Some(0));
        assert_eq!(iso_basic("20130524T000000"), None);
        assert_eq!(iso_basic("2013052aT000000Z"), None);
        assert_eq!(
            http_date("Tue, 27 Mar 2007 19:36:42 +0000"),
            Some(1_175_024_202)
        );
        assert_eq!(
            http_date("Tue, 27 Mar 2007 19:36:42 GMT"),
            Some(1_175_024_202)
        );
        assert_eq!(http_date("yesterday"), None);
    }

    #[test]
    fn pairs_keep_raw_spellings_and_offsets() {
        let q = "a=1&&b&c=%2F&e=5";
        let ps = pairs(q);
        assert_eq!(ps.len(), 4);
        assert_eq!(ps[1].value, None);
        assert_eq!(ps[2].value.as_deref(), Some("/"));
        assert_eq!(&q[..ps[2].end], "a=1&&b&c=%2F");
        assert_eq!(strip_port("h.example:8787"), "h.example");
        assert_eq!(strip_port("[::1]:80"), "[::1]");
        assert_eq!(strip_port("h"), "h");
    }

    #[test]
    fn constant_time_equality() {
        assert!(ct_eq("abc", "abc"));
        assert!(!ct_eq("abc", "abd"));
        assert!(!ct_eq("abc", "ab"));
    }
}

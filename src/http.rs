//! HTTP plumbing for the glue: building `Response`s from status, headers and a body
//! (bytes or a stream), request ids, `Server-Timing`, and the `Range` request header.

use imginfo::render::Rendered;
use worker::{Response, Result};

/// A response body.
pub enum Body {
    Empty,
    Bytes(Vec<u8>),
    Stream(web_sys::ReadableStream),
}

/// Builds a response; `headers` are set in order (a later one replaces an earlier one).
pub fn respond(status: u16, headers: &[(String, String)], body: Body) -> Result<Response> {
    let h = web_sys::Headers::new()?;
    for (k, v) in headers {
        h.set(k, v)?;
    }
    let init = web_sys::ResponseInit::new();
    init.set_status(status);
    init.set_headers(&h);
    // 204/304 and HEAD answers must not carry a body.
    let r = match body {
        Body::Empty => web_sys::Response::new_with_opt_str_and_init(None, &init)?,
        Body::Bytes(mut b) => {
            web_sys::Response::new_with_opt_u8_array_and_init(Some(&mut b), &init)?
        }
        Body::Stream(s) => {
            web_sys::Response::new_with_opt_readable_stream_and_init(Some(&s), &init)?
        }
    };
    Ok(Response::from(r))
}

/// Sends a rendered dialect answer with the glue's extra headers.
pub fn rendered(r: Rendered, extra: Vec<(String, String)>, head_only: bool) -> Result<Response> {
    let mut headers = vec![("Content-Type".to_string(), r.content_type.to_string())];
    headers.extend(r.headers.into_iter().map(|(k, v)| (k.to_string(), v)));
    headers.extend(extra);
    let body = if head_only {
        Body::Empty
    } else {
        Body::Bytes(r.body)
    };
    respond(r.status, &headers, body)
}

/// A 24-digit upper-case hex request id, OSS/OBS style. Not a secret: Math.random is enough.
pub fn request_id() -> String {
    let mut s = String::with_capacity(24);
    for _ in 0..2 {
        let n = (js_sys::Math::random() * 4_294_967_296.0) as u64;
        let m = (js_sys::Math::random() * 65_536.0) as u64;
        s.push_str(&format!("{:08X}{:04X}", n, m));
    }
    s
}

/// `Server-Timing` for an info answer: reads, bytes, read time and parse time.
pub fn server_timing(ranges: u32, bytes: u64, read_ms: f64, parse_ms: f64) -> String {
    let plural = if ranges == 1 { "range" } else { "ranges" };
    format!("read;desc=\"{ranges} {plural}, {bytes} B\";dur={read_ms:.1}, parse;dur={parse_ms:.1}")
}

/// A parsed `Range: bytes=...` request header (one range; anything else is ignored,
/// as RFC 9110 allows, and the whole object is sent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteRange {
    From { offset: u64, last: Option<u64> },
    Suffix(u64),
}

pub fn parse_range(v: &str) -> Option<ByteRange> {
    let spec = v.trim().strip_prefix("bytes=")?.trim();
    if spec.contains(',') {
        return None;
    }
    let (a, b) = spec.split_once('-')?;
    let (a, b) = (a.trim(), b.trim());
    if a.is_empty() {
        let n: u64 = b.parse().ok()?;
        return (n > 0).then_some(ByteRange::Suffix(n));
    }
    let offset: u64 = a.parse().ok()?;
    let last = if b.is_empty() {
        None
    } else {
        Some(b.parse::<u64>().ok()?)
    };
    if last.is_some_and(|l| l < offset) {
        return None;
    }
    Some(ByteRange::From { offset, last })
}

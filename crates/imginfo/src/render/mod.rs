//! Dialect renderers: the vendor-neutral [`Info`] (or an [`Error`]) in, the exact bytes,
//! status and headers a vendor's clients expect out. One file per dialect; each only
//! serializes, nothing re-parses or does I/O.

use crate::error::Error;
use crate::model::Info;
use crate::request::Dialect;

pub mod oss;

/// Per-request facts a renderer may print (request id, key) but never computes.
#[derive(Debug, Clone, Default)]
pub struct Ctx {
    pub request_id: String,
    pub key: String,
    /// The `Host` the request came to, for `HostId`-style fields.
    pub host: String,
}

/// A rendered answer, independent of the HTTP library that sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub status: u16,
    pub content_type: &'static str,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

/// Renders an info answer in a dialect.
pub fn info(d: Dialect, info: &Info, ctx: &Ctx) -> Rendered {
    match d {
        Dialect::Oss => oss::info(info, ctx),
    }
}

/// Renders an error in a dialect.
pub fn error(d: Dialect, e: &Error, ctx: &Ctx) -> Rendered {
    match d {
        Dialect::Oss => oss::error(e, ctx),
    }
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

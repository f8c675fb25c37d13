//! Request grammar: URL path and query in, a typed [`Op`] out. Every vendor spelling of
//! "image info" is recognised here and nowhere else; nothing downstream sees the raw
//! query. Unknown processing parameters are errors in the caller's dialect, never a
//! silent fall-through to serving the object.

use crate::error::Error;
use percent_encoding::percent_decode_str;

/// The vendor whose request and response shapes a caller speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// Alibaba OSS `?x-oss-process=image/info` and the bare `?image/info`.
    Oss,
}

impl Dialect {
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Oss => "oss",
        }
    }
}

/// What a request asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// The object itself (GET) or its metadata (HEAD).
    Object,
    /// Image info in a vendor dialect.
    Info(Dialect),
}

/// A parsed request: the object key (decoded once) and the action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Op {
    pub key: String,
    pub action: Action,
}

/// A request that cannot be served, with the dialect its error must be written in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    pub dialect: Dialect,
    pub error: Error,
}

/// One `name[=value]` query pair, both percent-decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    pub name: String,
    pub value: Option<String>,
}

/// Splits a raw query into decoded pairs. `+` stays a plus: no vendor SDK form-encodes.
pub fn params(query: &str) -> Vec<Param> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (n, v) = match p.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (p, None),
            };
            Param {
                name: decode(n),
                value: v.map(decode),
            }
        })
        .collect()
}

fn decode(s: &str) -> String {
    percent_decode_str(s).decode_utf8_lossy().into_owned()
}

/// Decodes the URL path into an object key: leading `/` removed, percent-decoding
/// applied exactly once.
pub fn key_from_path(path: &str) -> Result<String, Error> {
    let raw = path.strip_prefix('/').unwrap_or(path);
    percent_decode_str(raw)
        .decode_utf8()
        .map(|k| k.into_owned())
        .map_err(|_| Error::BadRequest("the object key is not valid UTF-8".into()))
}

/// Parses a request URL's path and query into an operation.
pub fn parse(path: &str, query: Option<&str>) -> Result<Op, Rejected> {
    let key = key_from_path(path).map_err(|error| Rejected {
        dialect: Dialect::Oss,
        error,
    })?;
    let ps = params(query.unwrap_or(""));
    let mut action = Action::Object;
    for p in &ps {
        let found = match (p.name.as_str(), p.value.as_deref()) {
            ("x-oss-process", Some(v)) => Some(oss_process(Dialect::Oss, v)),
            ("x-oss-process", None) => Some(Err(bad("x-oss-process needs a value"))),
            (n, None) if n.starts_with("image/") => Some(oss_process(Dialect::Oss, n)),
            _ => None,
        };
        if let Some(found) = found {
            let a = found.map_err(|error| Rejected {
                dialect: Dialect::Oss,
                error,
            })?;
            if action != Action::Object {
                return Err(Rejected {
                    dialect: Dialect::Oss,
                    error: bad("more than one processing parameter"),
                });
            }
            action = a;
        }
    }
    if action != Action::Object && key.is_empty() {
        return Err(Rejected {
            dialect: Dialect::Oss,
            error: bad("no object key in the path"),
        });
    }
    Ok(Op { key, action })
}

fn bad(msg: &str) -> Error {
    Error::BadRequest(msg.to_string())
}

/// OSS-style process strings: `image/info` only. A chain such as
/// `image/resize,w_100/info` asks for processing this service does not do.
fn oss_process(d: Dialect, v: &str) -> Result<Action, Error> {
    match v.trim_end_matches('/') {
        "image/info" => Ok(Action::Info(d)),
        other if other.starts_with("image/") => Err(Error::BadRequest(format!(
            "unsupported image process \"{other}\": only image/info is supported"
        ))),
        other => Err(Error::BadRequest(format!(
            "unsupported process \"{other}\""
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oss_spellings() {
        let info = |q| parse("/a/b%20c+d.jpg", Some(q)).unwrap();
        for q in [
            "image/info",
            "x-oss-process=image/info",
            "x-oss-process=image%2Finfo",
            "v=1&image/info",
        ] {
            let op = info(q);
            assert_eq!(op.key, "a/b c+d.jpg");
            assert_eq!(op.action, Action::Info(Dialect::Oss), "{q}");
        }
        assert_eq!(parse("/k.jpg", None).unwrap().action, Action::Object);
        assert_eq!(parse("/k.jpg", Some("v=3")).unwrap().action, Action::Object);
    }

    #[test]
    fn rejects_unknown_processing() {
        for q in [
            "x-oss-process=image/resize,w_1/info",
            "x-oss-process=image/resize,w_100",
            "x-oss-process",
            "image/info&x-oss-process=image/info",
            "x-oss-process=video/snapshot",
        ] {
            assert!(parse("/k.jpg", Some(q)).is_err(), "{q}");
        }
        assert!(parse("/", Some("image/info")).is_err());
        assert!(parse("/%FF", None).is_err());
    }
}

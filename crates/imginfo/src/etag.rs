//! Entity tags of info answers, and `If-None-Match` matching (RFC 9110 §13.1.2: weak
//! comparison), so a repeated info request can be answered `304` without a ranged read.

use crate::request::Dialect;

/// The ETag of an info answer: the object's ETag qualified by dialect and route, so a
/// client caching several dialects of one object never confuses them.
pub fn info_etag(object_etag: &str, d: Dialect, exif_only: bool) -> String {
    route_etag(object_etag, d, if exif_only { "-exif" } else { "" })
}

/// The ETag of an average-colour answer: `"<object etag>-<dialect>-hue"`.
pub fn hue_etag(object_etag: &str, d: Dialect) -> String {
    route_etag(object_etag, d, "-hue")
}

fn route_etag(object_etag: &str, d: Dialect, route: &str) -> String {
    let bare = object_etag
        .trim()
        .trim_start_matches("W/")
        .trim_matches('"');
    format!("\"{bare}-{}{route}\"", d.name())
}

/// True when an `If-None-Match` header value matches `etag` weakly, or is `*`.
pub fn none_match(header: &str, etag: &str) -> bool {
    let bare = |s: &str| s.trim().trim_start_matches("W/").to_string();
    header
        .split(',')
        .any(|t| t.trim() == "*" || bare(t) == bare(etag))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags_match_weakly() {
        let e = info_etag("\"abc\"", Dialect::Oss, false);
        assert_eq!(e, "\"abc-oss\"");
        assert!(none_match(&format!("W/{e}, \"x\""), &e));
        assert!(none_match("*", &e));
        assert!(!none_match("\"abc\"", &e));
        assert_ne!(
            info_etag("abc", Dialect::Qiniu, true),
            info_etag("abc", Dialect::Qiniu, false)
        );
        assert_eq!(hue_etag("\"abc\"", Dialect::Oss), "\"abc-oss-hue\"");
    }
}

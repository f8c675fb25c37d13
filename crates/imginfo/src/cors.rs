//! CORS rules shaped like an OBS bucket CORS configuration (allowed origins with `*`
//! wildcards, methods, allowed headers, expose headers, max age): parsing and
//! validation of the JSON configuration, preflight (`OPTIONS`) evaluation, and the
//! headers an actual `GET`/`HEAD` answer carries. First matching rule wins, as in OBS.

use serde::Deserialize;

/// Rules in one configuration (OBS accepts at most 100 CORS rules per bucket).
pub const MAX_RULES: usize = 100;
/// Methods OBS accepts in `AllowedMethod`.
pub const METHODS: [&str; 5] = ["GET", "PUT", "HEAD", "POST", "DELETE"];
/// Longest `maxAgeSeconds` accepted: browsers cap far lower (Chromium 2 h, Firefox 24 h);
/// a larger number is a typo, not a wish.
pub const MAX_AGE_LIMIT: u64 = 31_536_000;

/// One CORS rule.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CorsRule {
    #[serde(default)]
    pub id: Option<String>,
    pub allowed_origins: Vec<String>,
    pub allowed_methods: Vec<String>,
    #[serde(default)]
    pub allowed_headers: Vec<String>,
    #[serde(default)]
    pub expose_headers: Vec<String>,
    #[serde(default)]
    pub max_age_seconds: Option<u64>,
}

fn header_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&c))
}

/// Parses and validates `CORS_RULES` (a JSON array of rules). Empty string: no rules.
pub fn parse_rules(json: &str) -> Result<Vec<CorsRule>, String> {
    if json.trim().is_empty() {
        return Ok(Vec::new());
    }
    let rules: Vec<CorsRule> =
        serde_json::from_str(json).map_err(|e| format!("CORS_RULES is not valid: {e}"))?;
    if rules.len() > MAX_RULES {
        return Err(format!(
            "CORS_RULES has {} rules; at most {MAX_RULES}",
            rules.len()
        ));
    }
    for (i, r) in rules.iter().enumerate() {
        let at = |m: String| format!("CORS_RULES[{i}]: {m}");
        if r.allowed_origins.is_empty() {
            return Err(at("allowedOrigins is empty".into()));
        }
        for o in &r.allowed_origins {
            if o.is_empty()
                || o.matches('*').count() > 1
                || o.chars().any(|c| c.is_whitespace() || c.is_control())
            {
                return Err(at(format!(
                    "allowed origin {o:?} must be non-empty, without spaces, with at most one '*'"
                )));
            }
        }
        if r.allowed_methods.is_empty() {
            return Err(at("allowedMethods is empty".into()));
        }
        for m in &r.allowed_methods {
            if !METHODS.contains(&m.as_str()) {
                return Err(at(format!(
                    "method {m:?} is not one of {}",
                    METHODS.join(", ")
                )));
            }
        }
        for h in &r.allowed_headers {
            if h.matches('*').count() > 1 || !header_token(h) {
                return Err(at(format!(
                    "allowed header {h:?} must be a header name with at most one '*'"
                )));
            }
        }
        for h in &r.expose_headers {
            // `*` alone is allowed (browsers expose every header to requests without
            // credentials); OBS itself accepts only names here.
            if h != "*" && (h.contains('*') || !header_token(h)) {
                return Err(at(format!(
                    "expose header {h:?} must be a header name or \"*\""
                )));
            }
        }
        if r.max_age_seconds.is_some_and(|a| a > MAX_AGE_LIMIT) {
            return Err(at(format!("maxAgeSeconds must be at most {MAX_AGE_LIMIT}")));
        }
        if let Some(id) = &r.id {
            if id.len() > 255 || id.chars().any(|c| c.is_control()) {
                return Err(at(
                    "id must be at most 255 characters without control characters".into(),
                ));
            }
        }
    }
    Ok(rules)
}

/// `*`-wildcard match: the pattern holds at most one `*` (validated at parse time), which
/// stands for any run of characters, possibly empty.
fn wildcard(pattern: &str, s: &str, ignore_case: bool) -> bool {
    let eq = |a: &str, b: &str| {
        if ignore_case {
            a.eq_ignore_ascii_case(b)
        } else {
            a == b
        }
    };
    match pattern.split_once('*') {
        None => eq(pattern, s),
        Some((pre, post)) => {
            s.len() >= pre.len().saturating_add(post.len())
                && s.get(..pre.len()).is_some_and(|p| eq(p, pre))
                && s.get(s.len().saturating_sub(post.len())..)
                    .is_some_and(|p| eq(p, post))
        }
    }
}

impl CorsRule {
    /// The allowed-origin pattern that matches `origin`, if any.
    fn origin_pattern(&self, origin: &str) -> Option<&str> {
        self.allowed_origins
            .iter()
            .map(String::as_str)
            .find(|p| wildcard(p, origin, false))
    }

    fn allows_method(&self, method: &str) -> bool {
        self.allowed_methods.iter().any(|m| m == method)
    }

    fn allows_header(&self, header: &str) -> bool {
        self.allowed_headers
            .iter()
            .any(|p| wildcard(p, header, true))
    }

    /// `Access-Control-Allow-Origin`: `*` when the rule allows any origin, else the
    /// request's origin (a pattern such as `https://*.example.com` is not something a
    /// browser accepts back).
    fn allow_origin(&self, pattern: &str, origin: &str) -> String {
        if pattern == "*" {
            "*".into()
        } else {
            origin.to_string()
        }
    }

    fn common(&self, allow_origin: String) -> Vec<(String, String)> {
        let mut h = vec![
            ("Access-Control-Allow-Origin".to_string(), allow_origin),
            (
                "Access-Control-Allow-Methods".to_string(),
                self.allowed_methods.join(", "),
            ),
        ];
        if !self.expose_headers.is_empty() {
            h.push((
                "Access-Control-Expose-Headers".into(),
                self.expose_headers.join(", "),
            ));
        }
        if let Some(a) = self.max_age_seconds {
            h.push(("Access-Control-Max-Age".into(), a.to_string()));
        }
        h.push(("Vary".into(), "Origin".into()));
        h
    }
}

/// The CORS headers of an actual request (`GET`, `HEAD`, an info request) from
/// `origin`, per the first rule that allows the origin and the method; empty when
/// there is no `Origin` or no rule matches.
pub fn headers_for(
    rules: &[CorsRule],
    origin: Option<&str>,
    method: &str,
) -> Vec<(String, String)> {
    let Some(origin) = origin.filter(|o| !o.is_empty()) else {
        return Vec::new();
    };
    for r in rules {
        if let Some(p) = r.origin_pattern(origin) {
            if r.allows_method(method) {
                let mut h = r.common(r.allow_origin(p, origin));
                if !r.allowed_headers.is_empty() {
                    h.insert(
                        2,
                        (
                            "Access-Control-Allow-Headers".into(),
                            r.allowed_headers.join(", "),
                        ),
                    );
                }
                return h;
            }
        }
    }
    Vec::new()
}

/// Why a preflight is refused: HTTP status, OBS error code, message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub status: u16,
    pub code: &'static str,
    pub message: &'static str,
}

pub const NO_ORIGIN: Refusal = Refusal {
    status: 400,
    code: "BadRequest",
    message: "Insufficient information. Origin request header needed.",
};
pub const NO_METHOD: Refusal = Refusal {
    status: 400,
    code: "BadRequest",
    message: "Insufficient information. Access-Control-Request-Method request header needed.",
};
pub const NOT_ENABLED: Refusal = Refusal {
    status: 403,
    code: "AccessForbidden",
    message: "CORSResponse: CORS is not enabled for this bucket.",
};
pub const NOT_ALLOWED: Refusal = Refusal {
    status: 403,
    code: "AccessForbidden",
    message: "CORSResponse: This CORS request is not allowed. This is usually because the evaluation of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.",
};

/// Splits `Access-Control-Request-Headers` into lower-case names.
pub fn split_header_list(v: &str) -> Vec<String> {
    v.split(',')
        .map(|h| h.trim().to_ascii_lowercase())
        .filter(|h| !h.is_empty())
        .collect()
}

/// Answers a preflight: the headers of a `200` per the first rule that allows the
/// origin, the requested method and every requested header, or why it is refused.
pub fn preflight(
    rules: &[CorsRule],
    origin: Option<&str>,
    request_method: Option<&str>,
    request_headers: Option<&str>,
) -> Result<Vec<(String, String)>, Refusal> {
    let origin = origin
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .ok_or(NO_ORIGIN)?;
    let method = request_method
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .ok_or(NO_METHOD)?;
    if rules.is_empty() {
        return Err(NOT_ENABLED);
    }
    let wanted = request_headers.map(split_header_list).unwrap_or_default();
    for r in rules {
        let Some(p) = r.origin_pattern(origin) else {
            continue;
        };
        if !r.allows_method(method) || !wanted.iter().all(|h| r.allows_header(h)) {
            continue;
        }
        let mut h = r.common(r.allow_origin(p, origin));
        // Echo the requested headers (a `*` is not honoured by browsers for requests
        // with credentials); nothing requested, nothing to allow.
        if !wanted.is_empty() {
            h.insert(
                2,
                ("Access-Control-Allow-Headers".into(), wanted.join(", ")),
            );
        }
        return Ok(h);
    }
    Err(NOT_ALLOWED)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: &str = r#"[
      {"id":"app","allowedOrigins":["https://*.example.com"],"allowedMethods":["GET","HEAD"],
       "allowedHeaders":["x-obs-*","range"],"exposeHeaders":["ETag","x-obs-request-id"],"maxAgeSeconds":600},
      {"allowedOrigins":["*"],"allowedMethods":["GET"]}
    ]"#;

    fn get<'a>(h: &'a [(String, String)], k: &str) -> Option<&'a str> {
        h.iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn parse_and_validate() {
        let r = parse_rules(RULES).unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].max_age_seconds, Some(600));
        assert_eq!(parse_rules("").unwrap(), vec![]);
        assert!(parse_rules("{").is_err());
        assert!(parse_rules(r#"[{"allowedOrigins":[],"allowedMethods":["GET"]}]"#).is_err());
        assert!(parse_rules(r#"[{"allowedOrigins":["*"],"allowedMethods":["PATCH"]}]"#).is_err());
        assert!(
            parse_rules(r#"[{"allowedOrigins":["*.*.com"],"allowedMethods":["GET"]}]"#).is_err()
        );
        assert!(parse_rules(
            r#"[{"allowedOrigins":["*"],"allowedMethods":["GET"],"exposeHeaders":["x-*"]}]"#
        )
        .is_err());
        assert!(
            parse_rules(r#"[{"allowedOrigins":["*"],"allowedMethods":["GET"],"maxAge":5}]"#)
                .is_err(),
            "unknown field"
        );
        assert!(parse_rules(
            r#"[{"allowedOrigins":["*"],"allowedMethods":["GET"],"maxAgeSeconds":-1}]"#
        )
        .is_err());
        assert!(parse_rules(
            r#"[{"allowedOrigins":["*"],"allowedMethods":["GET"],"exposeHeaders":["*"]}]"#
        )
        .is_ok());
    }

    #[test]
    fn wildcards() {
        assert!(wildcard("*", "anything", false));
        assert!(wildcard(
            "https://*.example.com",
            "https://a.b.example.com",
            false
        ));
        assert!(!wildcard(
            "https://*.example.com",
            "https://example.com",
            false
        ));
        assert!(!wildcard(
            "https://*.example.com",
            "http://a.example.com",
            false
        ));
        assert!(wildcard("x-obs-*", "X-OBS-META-A", true));
        assert!(
            !wildcard("ab*ba", "aba", false),
            "prefix and suffix must not overlap"
        );
    }

    #[test]
    fn actual_requests() {
        let r = parse_rules(RULES).unwrap();
        let h = headers_for(&r, Some("https://app.example.com"), "HEAD");
        assert_eq!(
            get(&h, "Access-Control-Allow-Origin"),
            Some("https://app.example.com")
        );
        assert_eq!(get(&h, "Access-Control-Allow-Methods"), Some("GET, HEAD"));
        assert_eq!(
            get(&h, "Access-Control-Allow-Headers"),
            Some("x-obs-*, range")
        );
        assert_eq!(
            get(&h, "Access-Control-Expose-Headers"),
            Some("ETag, x-obs-request-id")
        );
        assert_eq!(get(&h, "Access-Control-Max-Age"), Some("600"));
        assert_eq!(get(&h, "Vary"), Some("Origin"));
        // The second rule: any origin, GET only, no optional headers.
        let any = headers_for(&r, Some("http://other.test"), "GET");
        assert_eq!(get(&any, "Access-Control-Allow-Origin"), Some("*"));
        assert_eq!(get(&any, "Access-Control-Expose-Headers"), None);
        assert!(headers_for(&r, Some("http://other.test"), "HEAD").is_empty());
        assert!(headers_for(&r, None, "GET").is_empty());
        assert!(headers_for(&[], Some("http://other.test"), "GET").is_empty());
    }

    #[test]
    fn preflights() {
        let r = parse_rules(RULES).unwrap();
        let ok = preflight(
            &r,
            Some("https://app.example.com"),
            Some("HEAD"),
            Some("X-Obs-Meta-A, Range"),
        )
        .unwrap();
        assert_eq!(
            get(&ok, "Access-Control-Allow-Origin"),
            Some("https://app.example.com")
        );
        assert_eq!(
            get(&ok, "Access-Control-Allow-Headers"),
            Some("x-obs-meta-a, range")
        );
        assert_eq!(get(&ok, "Access-Control-Max-Age"), Some("600"));
        // A header the first rule does not allow; the second rule allows no headers.
        assert_eq!(
            preflight(
                &r,
                Some("https://app.example.com"),
                Some("HEAD"),
                Some("authorization")
            ),
            Err(NOT_ALLOWED)
        );
        // The first rule does not allow the origin; the second allows GET from anywhere.
        let any = preflight(&r, Some("http://other.test"), Some("GET"), None).unwrap();
        assert_eq!(get(&any, "Access-Control-Allow-Origin"), Some("*"));
        assert_eq!(get(&any, "Access-Control-Allow-Headers"), None);
        assert_eq!(
            preflight(&r, Some("http://other.test"), Some("PUT"), None),
            Err(NOT_ALLOWED)
        );
        assert_eq!(preflight(&r, None, Some("GET"), None), Err(NO_ORIGIN));
        assert_eq!(preflight(&r, Some("http://a"), None, None), Err(NO_METHOD));
        assert_eq!(
            preflight(&[], Some("http://a"), Some("GET"), None),
            Err(NOT_ENABLED)
        );
    }
}

//! The parts of a request URL as a Workers runtime hands it over, read in place.
//!
//! The runtime serializes `request.url` per the WHATWG URL standard before the Worker
//! sees it: absolute, scheme and host lower-case, IDNA already applied, the scheme's
//! default port dropped, and any `?` or `#` inside the path percent-encoded. So the
//! parts lie between fixed delimiters and need no second parse (the `url` crate, with
//! its IDNA and Unicode normalisation tables, was about a sixth of the Worker's upload
//! for this alone). Anything else (a relative string, no path) still splits without
//! panicking: what is missing is empty.

/// Scheme, host, port, path and query of a serialized URL, borrowed from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UrlParts<'a> {
    /// `https`, without `://`.
    pub scheme: &'a str,
    /// The host without the port; an IPv6 literal keeps its brackets (as `Host` sends it).
    pub host: &'a str,
    /// An explicit port (the runtime drops the scheme's default one).
    pub port: Option<u16>,
    /// The path, percent-encoded as sent; `/` when the URL has none.
    pub path: &'a str,
    /// The query without `?`; `None` when there is no `?` (`Some("")` for a bare `?`).
    pub query: Option<&'a str>,
}

impl<'a> UrlParts<'a> {
    /// Splits `url` at its delimiters.
    pub fn split(url: &'a str) -> UrlParts<'a> {
        let (scheme, rest) = match url.find("://") {
            Some(i) => (
                url.get(..i).unwrap_or(""),
                url.get(i.saturating_add(3)..).unwrap_or(""),
            ),
            None => ("", url),
        };
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, rest) = rest.split_at(end);
        // Userinfo never reaches a Worker, but it must not be read as the host.
        let authority = authority.rsplit('@').next().unwrap_or(authority);
        let (host, port) = if authority.starts_with('[') {
            match authority.find(']') {
                Some(i) => authority.split_at(i.saturating_add(1)),
                None => (authority, ""),
            }
        } else {
            authority.split_at(authority.find(':').unwrap_or(authority.len()))
        };
        let port = port.strip_prefix(':').and_then(|p| p.parse::<u16>().ok());
        let rest = rest.split('#').next().unwrap_or(rest);
        let (path, query) = match rest.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (rest, None),
        };
        UrlParts {
            scheme,
            host,
            port,
            path: if path.is_empty() { "/" } else { path },
            query,
        }
    }

    /// `host[:port]`, as the `Host` header names it.
    pub fn authority(&self) -> String {
        match self.port {
            Some(p) => format!("{}:{p}", self.host),
            None => self.host.to_string(),
        }
    }

    /// `scheme://host[:port]`: the URL's origin, serialized.
    pub fn origin(&self) -> String {
        format!("{}://{}", self.scheme, self.authority())
    }
}

#[cfg(test)]
mod tests {
    use super::UrlParts;

    fn parts(url: &str) -> (&str, &str, Option<u16>, &str, Option<&str>) {
        let p = UrlParts::split(url);
        (p.scheme, p.host, p.port, p.path, p.query)
    }

    #[test]
    fn splits_what_the_runtime_serializes() {
        assert_eq!(
            parts("https://example.com/a/b.jpg?x-oss-process=image/info"),
            (
                "https",
                "example.com",
                None,
                "/a/b.jpg",
                Some("x-oss-process=image/info")
            )
        );
        assert_eq!(
            parts("http://127.0.0.1:8787/photo.jpg?image/info"),
            (
                "http",
                "127.0.0.1",
                Some(8787),
                "/photo.jpg",
                Some("image/info")
            )
        );
        assert_eq!(
            parts("http://localhost:8787/"),
            ("http", "localhost", Some(8787), "/", None)
        );
        assert_eq!(
            parts("https://example.com/k?"),
            ("https", "example.com", None, "/k", Some(""))
        );
    }

    #[test]
    fn encoded_delimiters_stay_in_the_path() {
        let p = UrlParts::split("https://b.example.com/a%3F%23%2Fb%20c.jpg?imageInfo");
        assert_eq!(p.path, "/a%3F%23%2Fb%20c.jpg");
        assert_eq!(p.query, Some("imageInfo"));
        // A `?` after the first one belongs to the query.
        assert_eq!(UrlParts::split("http://h/k?a=1?b").query, Some("a=1?b"));
    }

    #[test]
    fn ipv6_userinfo_fragment_and_missing_parts() {
        assert_eq!(
            parts("http://[::1]:8080/k?q"),
            ("http", "[::1]", Some(8080), "/k", Some("q"))
        );
        assert_eq!(parts("http://[::1]/k"), ("http", "[::1]", None, "/k", None));
        assert_eq!(
            parts("https://u:p@h.example/k"),
            ("https", "h.example", None, "/k", None)
        );
        assert_eq!(
            parts("https://h/k?q#frag"),
            ("https", "h", None, "/k", Some("q"))
        );
        assert_eq!(parts("https://h#frag"), ("https", "h", None, "/", None));
        assert_eq!(parts("https://h?q"), ("https", "h", None, "/", Some("q")));
        assert_eq!(parts("https://h"), ("https", "h", None, "/", None));
        assert_eq!(parts(""), ("", "", None, "/", None));
        assert_eq!(parts("/relative?q"), ("", "", None, "/relative", Some("q")));
        // A port that is not a number is not a port.
        assert_eq!(parts("http://h:x/k").2, None);
        assert_eq!(parts("http://h:99999/k").2, None);
    }

    #[test]
    fn authority_and_origin() {
        let p = UrlParts::split("http://127.0.0.1:8787/k?q");
        assert_eq!(p.authority(), "127.0.0.1:8787");
        assert_eq!(p.origin(), "http://127.0.0.1:8787");
        let p = UrlParts::split("https://example.com/k");
        assert_eq!(p.authority(), "example.com");
        assert_eq!(p.origin(), "https://example.com");
    }
}

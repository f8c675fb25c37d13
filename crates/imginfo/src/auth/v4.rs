//! The machinery AWS SigV4 and its two derivatives (Alibaba OSS V4, Volcengine TOS V4)
//! share: the credential scope `<id>/<date>/<region>/<service>/<terminator>`, the
//! canonical request, the string to sign and the HMAC-SHA256 key chain. Each scheme
//! module says how its flavour differs (names, key prefix, which headers, how the path
//! is encoded).

use super::canon;
use super::Denied;

/// What distinguishes one SigV4-style scheme from another.
#[derive(Debug, Clone, Copy)]
pub struct Flavor {
    /// `AWS4-HMAC-SHA256`, `OSS4-HMAC-SHA256`, `TOS4-HMAC-SHA256`.
    pub algorithm: &'static str,
    /// Prepended to the secret for the first HMAC (`AWS4`, `aliyun_v4`, nothing).
    pub key_prefix: &'static str,
    /// The scope's last element (`aws4_request`, `aliyun_v4_request`, `request`).
    pub terminator: &'static str,
    /// The scope's service (`s3`, `oss`, `tos`).
    pub service: &'static str,
}

/// A parsed credential scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub date: String,
    pub region: String,
}

impl Scope {
    pub fn string(&self, f: &Flavor) -> String {
        format!(
            "{}/{}/{}/{}",
            self.date, self.region, f.service, f.terminator
        )
    }
}

/// `<id>/<yyyymmdd>/<region>/<service>/<terminator>` → id and scope; the service and
/// terminator must be the flavour's.
pub fn credential(s: &str, f: &Flavor) -> Result<(String, Scope), Denied> {
    const BAD: Denied = Denied::Malformed(
        "The credential must be <AccessKeyId>/<date>/<region>/<service>/<request>.",
    );
    let parts: Vec<&str> = s.split('/').collect();
    let [id, date, region, service, term] = parts.as_slice() else {
        return Err(BAD);
    };
    let date_ok = date.len() == 8 && date.bytes().all(|b| b.is_ascii_digit());
    if id.is_empty()
        || !date_ok
        || region.is_empty()
        || *service != f.service
        || *term != f.terminator
    {
        return Err(BAD);
    }
    Ok((
        id.to_string(),
        Scope {
            date: date.to_string(),
            region: region.to_string(),
        },
    ))
}

/// The `name=value` fields after the algorithm in an `Authorization` header (separated
/// by commas, spaces allowed).
pub fn header_fields(rest: &str) -> Vec<(&str, &str)> {
    rest.split(',')
        .filter_map(|f| f.trim().split_once('='))
        .map(|(k, v)| (k.trim(), v.trim()))
        .collect()
}

/// The request date-time (`yyyymmddThhmmssZ`) must be a date the scope names.
pub fn check_date(datetime: &str, scope: &Scope) -> Result<i64, Denied> {
    let t = canon::iso_basic(datetime).ok_or(Denied::MissingDate)?;
    if datetime.get(..8) != Some(scope.date.as_str()) {
        return Err(Denied::Malformed(
            "The credential's date is not the date of the request.",
        ));
    }
    Ok(t)
}

/// The derived signing key.
pub fn signing_key(secret: &str, f: &Flavor, scope: &Scope) -> Vec<u8> {
    let k0 = format!("{}{secret}", f.key_prefix);
    let k1 = canon::hmac_sha256(k0.as_bytes(), scope.date.as_bytes());
    let k2 = canon::hmac_sha256(&k1, scope.region.as_bytes());
    let k3 = canon::hmac_sha256(&k2, f.service.as_bytes());
    canon::hmac_sha256(&k3, f.terminator.as_bytes())
}

/// The canonical request: method, URI, query, one `name:value\n` line per header, a
/// blank line, the signed-header list and the payload hash.
pub fn canonical_request(
    method: &str,
    uri: &str,
    query: &str,
    headers: &[(String, String)],
    signed_list: &str,
    payload: &str,
) -> String {
    let mut s = String::new();
    for part in [method, uri, query] {
        s.push_str(part);
        s.push('\n');
    }
    for (k, v) in headers {
        s.push_str(k);
        s.push(':');
        s.push_str(v);
        s.push('\n');
    }
    s.push('\n');
    s.push_str(signed_list);
    s.push('\n');
    s.push_str(payload);
    s
}

/// Hex HMAC-SHA256 of the string to sign under the derived key.
pub fn signature(
    secret: &str,
    f: &Flavor,
    scope: &Scope,
    datetime: &str,
    canonical_request: &str,
) -> String {
    let sts = format!(
        "{}\n{datetime}\n{}\n{}",
        f.algorithm,
        scope.string(f),
        canon::sha256_hex(canonical_request.as_bytes())
    );
    canon::hex(&canon::hmac_sha256(
        &signing_key(secret, f, scope),
        sts.as_bytes(),
    ))
}

/// A header value as SigV4 canonicalizes it: trimmed, runs of spaces and tabs (and line
/// breaks) folded to one space.
pub fn fold(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    let mut space = false;
    for c in v.trim().chars() {
        if matches!(c, ' ' | '\t' | '\r' | '\n') {
            space = true;
        } else {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(c);
        }
    }
    out
}

/// The `name:value` lines of the signed headers (sorted, values folded); a listed
/// header missing from the request is refused.
pub fn signed_headers(
    req: &super::Request,
    names: &[String],
) -> Result<Vec<(String, String)>, Denied> {
    let mut out = Vec::with_capacity(names.len());
    for n in names {
        let v = if n == "host" {
            Some(req.host())
        } else {
            req.header(n)
        };
        out.push((n.clone(), fold(v.ok_or(Denied::MissingHeader)?)));
    }
    out.sort();
    Ok(out)
}

/// Splits and checks a `SignedHeaders` list (`a;b;c`, lower-case).
pub fn header_list(s: &str) -> Result<Vec<String>, Denied> {
    let names: Vec<String> = s.split(';').map(str::to_string).collect();
    if names.iter().any(|n| {
        n.is_empty()
            || n.bytes()
                .any(|b| !(b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_'))
    }) {
        return Err(Denied::Malformed(
            "The signed header list must be lower-case names separated by ';'.",
        ));
    }
    Ok(names)
}

/// The canonical query: every parameter but the signature, names and values encoded
/// (RFC 3986), sorted by encoded name then value, `name=value` joined by `&`.
pub fn canonical_query(req: &super::Request, signature_param: &str) -> String {
    let mut pairs: Vec<(String, String)> = req
        .params()
        .into_iter()
        .filter(|p| p.name != signature_param)
        .map(|p| {
            (
                canon::uri_encode(&canon::decode_bytes(p.raw_name), false),
                canon::uri_encode(&canon::decode_bytes(p.raw_value.unwrap_or("")), false),
            )
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

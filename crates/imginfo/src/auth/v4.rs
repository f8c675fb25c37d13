//! The machinery AWS SigV4 and its two derivatives (Alibaba OSS V4, Volcengine TOS V4)
//! share: the credential scope `<id>/<date>/<region>/<service>/<terminator>`, the
//! canonical request, the string to sign and the HMAC-SHA256 key chain, the pieces of
//! their `Authorization` headers and presigned URLs, and (as a [`Layout`]) the whole
//! reading of a claim for the two that keep SigV4's request layout (AWS, TOS). Each
//! scheme module says how its flavour differs (names, key prefix, which headers, how the
//! path is encoded, its messages).

use super::canon;
use super::{Claim, Denied, Request, Validity};

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

/// The `name=value` fields of an `Authorization` header.
pub struct Fields<'a>(Vec<(&'a str, &'a str)>);

impl<'a> Fields<'a> {
    /// The value of the first field named `name`.
    pub fn get(&self, name: &str) -> Option<&'a str> {
        self.0.iter().find(|(k, _)| *k == name).map(|(_, v)| *v)
    }
}

/// The fields after the algorithm in an `Authorization` header: a space, then `name=value`
/// fields separated by commas (spaces allowed); `Malformed(bad)` without the space.
pub fn header_fields<'a>(rest: &'a str, bad: &'static str) -> Result<Fields<'a>, Denied> {
    if !rest.starts_with(' ') {
        return Err(Denied::Malformed(bad));
    }
    Ok(Fields(
        rest.split(',')
            .filter_map(|f| f.trim().split_once('='))
            .map(|(k, v)| (k.trim(), v.trim()))
            .collect(),
    ))
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

/// A presigned URL's validity: from its date-time (a date the scope names) for `expires`
/// seconds, at most [`super::MAX_V4_EXPIRES_SECS`]; `Malformed(bad_expires)` otherwise.
pub fn presigned_window(
    datetime: &str,
    scope: &Scope,
    expires: &str,
    bad_expires: &'static str,
) -> Result<Validity, Denied> {
    let from = check_date(datetime, scope)?;
    let secs = canon::seconds(expires)
        .filter(|s| *s <= super::MAX_V4_EXPIRES_SECS)
        .ok_or(Denied::Malformed(bad_expires))?;
    Ok(Validity::Window {
        from: Some(from),
        until: from.saturating_add(secs),
    })
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
    canon::push_header_lines(
        &mut s,
        headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
    );
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
    crate::sort::sort(&mut out);
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
    crate::sort::sort(&mut pairs);
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// What a claim in SigV4's own layout (AWS, TOS) holds beyond the key id and signature.
#[derive(Debug, Clone)]
pub struct Detail {
    pub scope: Scope,
    pub datetime: String,
    pub signed: Vec<String>,
}

/// How a scheme that keeps SigV4's request layout spells it: `Authorization: <algorithm>
/// Credential=…, SignedHeaders=…, Signature=…` with a request date-time header, or a
/// presigned URL of `<prefix>Algorithm`, `Credential`, `Date`, `Expires`,
/// `SignedHeaders` and `Signature`. The rules and messages are the vendor's own.
#[derive(Debug, Clone, Copy)]
pub struct Layout {
    pub flavor: Flavor,
    /// The presigned URL's parameter prefix (`X-Amz-`, `X-Tos-`).
    pub param_prefix: &'static str,
    /// The header carrying a header-signed request's date-time (`x-amz-date`, `x-tos-date`).
    pub date_header: &'static str,
    /// The date-time a `Date` header gives when `date_header` is absent (`None`: unusable).
    pub date_fallback: fn(&str) -> Option<String>,
    /// Whether `host` must be among the signed headers.
    pub host_signed: bool,
    /// A parameter under the prefix that belongs to the operation, not the signature.
    pub operation_param: Option<&'static str>,
    /// The refusal of an `Authorization` header without its three fields.
    pub bad_header: &'static str,
    /// The refusal of a presigned URL without its six parameters or with another algorithm.
    pub bad_query: &'static str,
    /// The refusal of an `Expires` that is not a number of seconds within the cap.
    pub bad_expires: &'static str,
}

impl Layout {
    /// This layout's credentials in `req`: the `Authorization` header, else the presigned
    /// parameters; `None` when the request carries neither.
    pub fn parse(&self, req: &Request) -> Option<Result<Claim<Detail>, Denied>> {
        if let Some(rest) = req
            .header("authorization")
            .and_then(|a| a.strip_prefix(self.flavor.algorithm))
        {
            return Some(self.header_claim(req, rest));
        }
        let (alg, cred) = (self.param("Algorithm"), self.param("Credential"));
        if !req.params().iter().any(|p| p.name == alg || p.name == cred) {
            return None;
        }
        Some(self.query_claim(req))
    }

    /// A presigned URL's parameter name.
    fn param(&self, name: &str) -> String {
        format!("{}{name}", self.param_prefix)
    }

    /// The `SignedHeaders` list: well-formed, naming `host` where the layout requires it,
    /// each header present in the request.
    fn signed(&self, req: &Request, list: &str) -> Result<Vec<String>, Denied> {
        let signed = header_list(list)?;
        if self.host_signed && !signed.iter().any(|h| h == "host") {
            return Err(Denied::MissingHeader);
        }
        signed_headers(req, &signed)?;
        Ok(signed)
    }

    fn header_claim(&self, req: &Request, rest: &str) -> Result<Claim<Detail>, Denied> {
        let fields = header_fields(rest, self.bad_header)?;
        let (Some(cred), Some(list), Some(sig)) = (
            fields.get("Credential"),
            fields.get("SignedHeaders"),
            fields.get("Signature"),
        ) else {
            return Err(Denied::Malformed(self.bad_header));
        };
        let (id, scope) = credential(cred, &self.flavor)?;
        let signed = self.signed(req, list)?;
        let datetime = match req.header(self.date_header) {
            Some(d) => d.to_string(),
            None => req
                .header("date")
                .and_then(self.date_fallback)
                .ok_or(Denied::MissingDate)?,
        };
        let t = check_date(&datetime, &scope)?;
        let detail = Detail {
            scope,
            datetime,
            signed,
        };
        Ok(Claim::dated(id, sig.to_string(), t, detail))
    }

    fn query_claim(&self, req: &Request) -> Result<Claim<Detail>, Denied> {
        let bad = Denied::Malformed(self.bad_query);
        let get = |n: &str| req.param(&self.param(n));
        let (Some(alg), Some(cred), Some(datetime), Some(expires), Some(list), Some(sig)) = (
            get("Algorithm"),
            get("Credential"),
            get("Date"),
            get("Expires"),
            get("SignedHeaders"),
            get("Signature"),
        ) else {
            return Err(bad);
        };
        if alg != self.flavor.algorithm {
            return Err(bad);
        }
        let (id, scope) = credential(&cred, &self.flavor)?;
        let signed = self.signed(req, &list)?;
        let validity = presigned_window(&datetime, &scope, &expires, self.bad_expires)?;
        let own = self.param_prefix.to_ascii_lowercase();
        let consumed = req
            .params()
            .into_iter()
            .filter(|p| {
                p.name.to_ascii_lowercase().starts_with(&own)
                    && Some(p.name.as_str()) != self.operation_param
            })
            .map(|p| p.name)
            .collect();
        let detail = Detail {
            scope,
            datetime,
            signed,
        };
        Ok(Claim::presigned(id, sig, validity, consumed, detail))
    }
}

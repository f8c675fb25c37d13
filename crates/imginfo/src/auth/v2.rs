//! The machinery the schemes built like AWS Signature V2 share (Alibaba OSS V1, Huawei
//! OBS and AWS V2, QingStor): reading `Authorization: <prefix><id>:<signature>` with the
//! request's date, or a presigned URL's id, expiry and signature parameters; the string
//! to sign, `VERB\nContent-MD5\nContent-Type\n<Date line>\n` + the vendor's own headers
//! (`name:value\n`, sorted) + the canonical resource; and the resource's sorted
//! sub-resources; the base64 MAC. Each scheme module names its [`Spelling`] and builds
//! its resource.

use super::canon::{self, Pair};
use super::{Claim, Denied, Request, Validity};

/// What the Date line of a header-signed request's string to sign holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateLine {
    /// The date the request is dated by: the vendor's date header, else `Date` (OSS).
    Used,
    /// Nothing when the vendor's date header is sent (it is signed among the vendor's
    /// headers), else `Date` (OBS, AWS V2).
    EmptyWhenOwn,
    /// The `Date` header, empty without one (QingStor).
    DateHeader,
}

/// How one scheme spells its claims. The messages are the vendor's own.
#[derive(Debug, Clone, Copy)]
pub struct Spelling {
    /// What `Authorization` starts with (`OSS `, `OBS `, `AWS `, `QS `).
    pub prefix: &'static str,
    /// The vendor's own headers (`x-oss-`, `x-obs-`, `x-amz-`, `x-qs-`), signed in the
    /// string to sign; `<header_prefix>date` dates a request.
    pub header_prefix: &'static str,
    /// The MAC of the string to sign under the secret (HMAC-SHA1; QingStor: HMAC-SHA256),
    /// sent in base64.
    pub mac: fn(&[u8], &[u8]) -> Vec<u8>,
    /// The presigned URL's access key id, expiry (Unix seconds) and signature parameters.
    pub id_param: &'static str,
    pub expires_param: &'static str,
    pub signature_param: &'static str,
    pub date_line: DateLine,
    /// The refusal of an `Authorization` header that is not `<id>:<signature>`.
    pub bad_header: &'static str,
    /// The refusal of a presigned URL without its expiry or signature.
    pub bad_query: &'static str,
    /// The refusal of an expiry that is not a number of seconds.
    pub bad_expires: &'static str,
}

/// The scheme's credentials in `req`: the `Authorization` header, else the presigned
/// parameters; `None` when the request carries neither. The claim's detail is the Date
/// line of the string to sign.
pub fn parse(req: &Request, sp: &Spelling) -> Option<Result<Claim<String>, Denied>> {
    if let Some(rest) = req
        .header("authorization")
        .and_then(|a| a.strip_prefix(sp.prefix))
    {
        return Some(header_claim(req, rest, sp));
    }
    let ps = req.params();
    let id = ps.iter().find(|p| p.name == sp.id_param)?;
    Some(query_claim(&ps, id, sp))
}

/// `<id>:<signature>` (what follows the prefix), dated by the vendor's date header or
/// else `Date` (an HTTP date).
pub fn header_claim(req: &Request, rest: &str, sp: &Spelling) -> Result<Claim<String>, Denied> {
    let (id, sig) = rest
        .trim()
        .split_once(':')
        .filter(|(i, s)| !i.is_empty() && !s.is_empty())
        .ok_or(Denied::Malformed(sp.bad_header))?;
    let own = req.header(&format!("{}date", sp.header_prefix));
    let date = own
        .or_else(|| req.header("date"))
        .ok_or(Denied::MissingDate)?;
    let t = canon::http_date(date).ok_or(Denied::MissingDate)?;
    let date_line = match sp.date_line {
        DateLine::Used => date,
        DateLine::EmptyWhenOwn if own.is_some() => "",
        DateLine::EmptyWhenOwn => date,
        DateLine::DateHeader => req.header("date").unwrap_or(""),
    };
    Ok(Claim::dated(
        id.to_string(),
        sig.to_string(),
        t,
        date_line.to_string(),
    ))
}

/// A presigned URL whose id parameter is `id`: valid through its expiry, which is also
/// its Date line.
pub fn query_claim(ps: &[Pair], id: &Pair, sp: &Spelling) -> Result<Claim<String>, Denied> {
    let get = |n: &str| {
        ps.iter()
            .find(|p| p.name == n)
            .and_then(|p| p.value.clone())
    };
    let (Some(expires), Some(sig)) = (get(sp.expires_param), get(sp.signature_param)) else {
        return Err(Denied::Malformed(sp.bad_query));
    };
    let until = canon::seconds(&expires).ok_or(Denied::Malformed(sp.bad_expires))?;
    let consumed = [sp.id_param, sp.expires_param, sp.signature_param]
        .iter()
        .map(|s| s.to_string())
        .collect();
    Ok(Claim::presigned(
        id.value.clone().unwrap_or_default(),
        sig,
        Validity::Window { from: None, until },
        consumed,
        expires,
    ))
}

/// The base64 signature of `string_to_sign` under `secret`.
pub fn signature(sp: &Spelling, secret: &str, string_to_sign: &str) -> String {
    canon::b64(&(sp.mac)(secret.as_bytes(), string_to_sign.as_bytes()))
}

/// `VERB\nContent-MD5\nContent-Type\n<date_line>\n`, the headers starting with `own` as
/// `name:value\n` (values trimmed, sorted), then `resource`. With
/// `blank_without_headers`, no such header leaves an empty line in their place.
pub fn string_to_sign(
    req: &Request,
    date_line: &str,
    own: &str,
    resource: &str,
    blank_without_headers: bool,
) -> String {
    let mut s = String::new();
    for line in [
        req.method,
        req.header("content-md5").unwrap_or(""),
        req.header("content-type").unwrap_or(""),
        date_line,
    ] {
        s.push_str(line);
        s.push('\n');
    }
    let mut headers: Vec<(&str, &str)> = req
        .headers
        .iter()
        .filter(|(k, _)| k.starts_with(own))
        .map(|(k, v)| (k.as_str(), v.trim()))
        .collect();
    crate::sort::sort(&mut headers);
    if headers.is_empty() && blank_without_headers {
        s.push('\n');
    }
    canon::push_header_lines(&mut s, headers);
    s.push_str(resource);
    s
}

/// Appends the sub-resources among `params` (the ones `signed` picks) to a canonical
/// resource: `sep`, then `name[=value]` sorted and joined by `&`, a value only when not
/// empty. Nothing when there are none.
pub fn push_sub_resources(
    r: &mut String,
    sep: char,
    params: Vec<Pair>,
    signed: impl Fn(&Pair) -> bool,
) {
    let mut subs: Vec<(String, Option<String>)> = params
        .into_iter()
        .filter(|p| signed(p))
        .map(|p| (p.name, p.value.filter(|v| !v.is_empty())))
        .collect();
    crate::sort::sort(&mut subs);
    for (i, (k, v)) in subs.iter().enumerate() {
        r.push(if i == 0 { sep } else { '&' });
        r.push_str(k);
        if let Some(v) = v {
            r.push('=');
            r.push_str(v);
        }
    }
}

//! QingStor: `Authorization: QS <id>:<base64 HMAC-SHA256>` and presigned URLs
//! (`access_key_id`, `expires`, `signature`), as QingStor documents it and
//! qingstor-sdk-js computes it. The string to sign is
//! `VERB\nContent-MD5\nContent-Type\nDate\n<x-qs-* headers>\n<resource>` (the SDK always
//! sends `x-qs-date`, so the Date line is the `Date` header or empty; a presigned URL
//! puts `expires` there and leaves out an empty header block). The resource is the path
//! as sent (`/<bucket>/<key>`, the key encoded as the SDK encodes it; without the bucket
//! in the path, the configured bucket is put in front), then `?image` for image
//! processing, then the sub-resources. (The SDK's presigned URLs in its virtual-host
//! mode leave the bucket out of the resource, unlike its header signatures and QingStor's
//! documentation; they do not verify here. Presign in path style.)

use super::canon::{self, Pair};
use super::{Claim, Denied, Form, Request, Scheme, Style, Validity, Vendor};

pub struct QingStor;

/// Query parameters QingStor signs as sub-resources.
const SUB_RESOURCES: &[&str] = &[
    "acl",
    "cors",
    "delete",
    "lifecycle",
    "mirror",
    "notification",
    "part_number",
    "policy",
    "response-cache-control",
    "response-content-disposition",
    "response-content-encoding",
    "response-content-language",
    "response-content-type",
    "response-expires",
    "stats",
    "upload_id",
    "uploads",
];

const PREFIX: &str = "QS ";

impl Scheme for QingStor {
    /// The Date line of the string to sign.
    type Detail = String;
    const NAME: &'static str = "qingstor";
    const VENDOR: Vendor = Vendor::QingStor;

    fn parse(req: &Request) -> Option<Result<Claim<String>, Denied>> {
        if let Some(rest) = req
            .header("authorization")
            .and_then(|a| a.strip_prefix(PREFIX))
        {
            return Some(header_claim(req, rest));
        }
        let ps = req.params();
        let id = ps.iter().find(|p| p.name == "access_key_id")?;
        Some(query_claim(&ps, id))
    }

    fn expected(req: &Request, claim: &Claim<String>, secret: &str) -> Result<String, Denied> {
        let sts = string_to_sign(req, claim.form, &claim.detail);
        Ok(canon::b64(&canon::hmac_sha256(
            secret.as_bytes(),
            sts.as_bytes(),
        )))
    }
}

fn header_claim(req: &Request, rest: &str) -> Result<Claim<String>, Denied> {
    let (id, sig) = rest
        .trim()
        .split_once(':')
        .filter(|(i, s)| !i.is_empty() && !s.is_empty())
        .ok_or(Denied::Malformed(
            "The Authorization header must be QS <access_key_id>:<signature>.",
        ))?;
    let date = req
        .header("x-qs-date")
        .or_else(|| req.header("date"))
        .ok_or(Denied::MissingDate)?;
    let t = canon::http_date(date).ok_or(Denied::MissingDate)?;
    Ok(Claim {
        form: Form::Header,
        access_key_id: id.to_string(),
        signature: sig.to_string(),
        validity: Validity::Dated(t),
        consumed: Vec::new(),
        truncate_at: None,
        detail: req.header("date").unwrap_or("").to_string(),
    })
}

fn query_claim(ps: &[Pair], id: &Pair) -> Result<Claim<String>, Denied> {
    let get = |n: &str| {
        ps.iter()
            .find(|p| p.name == n)
            .and_then(|p| p.value.clone())
    };
    let (Some(expires), Some(sig)) = (get("expires"), get("signature")) else {
        return Err(Denied::Malformed(
            "A signed QingStor URL needs access_key_id, expires and signature.",
        ));
    };
    let until = canon::seconds(&expires)
        .ok_or(Denied::Malformed("expires must be a Unix time in seconds."))?;
    Ok(Claim {
        form: Form::Query,
        access_key_id: id.value.clone().unwrap_or_default(),
        signature: sig,
        validity: Validity::Window { from: None, until },
        consumed: vec!["access_key_id".into(), "expires".into(), "signature".into()],
        truncate_at: None,
        detail: expires,
    })
}

/// The string QingStor signs for this request.
pub fn string_to_sign(req: &Request, form: Form, date_line: &str) -> String {
    let mut own: Vec<(&str, &str)> = req
        .headers
        .iter()
        .filter(|(k, _)| k.starts_with("x-qs-"))
        .map(|(k, v)| (k.as_str(), v.trim()))
        .collect();
    own.sort();
    let headers = own
        .iter()
        .map(|(k, v)| format!("{k}:{v}"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut parts = vec![
        req.method.to_string(),
        req.header("content-md5").unwrap_or("").to_string(),
        req.header("content-type").unwrap_or("").to_string(),
        date_line.to_string(),
    ];
    if form == Form::Header || !headers.is_empty() {
        parts.push(headers);
    }
    parts.push(resource(req));
    parts.join("\n")
}

/// `/<bucket>` and the key's path as sent, `?image`, sub-resources. Path style carries
/// the bucket in the path already; otherwise (virtual host, or the JS SDK's own
/// virtual-host mode, whose `Host` names only the zone) it is the configured bucket.
pub fn resource(req: &Request) -> String {
    let mut r = match (req.style, req.bucket) {
        (Style::PathStyle, _) | (_, None) => req.raw_path.to_string(),
        (_, Some(b)) => format!("/{b}{}", req.raw_path),
    };
    let ps = req.params();
    if ps
        .iter()
        .any(|p| p.name == "image" && p.value.as_deref().unwrap_or("").is_empty())
    {
        r.push_str("?image");
    }
    let mut subs: Vec<String> = ps
        .into_iter()
        .filter(|p| SUB_RESOURCES.contains(&p.name.as_str()))
        .map(|p| match p.value.filter(|v| !v.is_empty()) {
            Some(v) => format!("{}={v}", p.name),
            None => p.name,
        })
        .collect();
    subs.sort();
    if !subs.is_empty() {
        r.push(if r.contains('?') { '&' } else { '?' });
        r.push_str(&subs.join("&"));
    }
    r
}

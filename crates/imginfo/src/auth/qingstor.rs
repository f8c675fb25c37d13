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

use super::canon;
use super::v2::{self, DateLine, Spelling};
use super::{Claim, Denied, Form, Request, Scheme, Style, Vendor};

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

const SPELLING: Spelling = Spelling {
    prefix: "QS ",
    header_prefix: "x-qs-",
    mac: canon::hmac_sha256,
    id_param: "access_key_id",
    expires_param: "expires",
    signature_param: "signature",
    date_line: DateLine::DateHeader,
    bad_header: "The Authorization header must be QS <access_key_id>:<signature>.",
    bad_query: "A signed QingStor URL needs access_key_id, expires and signature.",
    bad_expires: "expires must be a Unix time in seconds.",
};

impl Scheme for QingStor {
    /// The Date line of the string to sign.
    type Detail = String;
    const NAME: &'static str = "qingstor";
    const VENDOR: Vendor = Vendor::QingStor;

    fn parse(req: &Request) -> Option<Result<Claim<String>, Denied>> {
        v2::parse(req, &SPELLING)
    }

    fn expected(req: &Request, claim: &Claim<String>, secret: &str) -> Result<String, Denied> {
        let sts = string_to_sign(req, claim.form, &claim.detail);
        Ok(v2::signature(&SPELLING, secret, &sts))
    }
}

/// The string QingStor signs for this request (a header signature keeps the header
/// block's line when there are no `x-qs-*` headers; a presigned URL leaves it out).
pub fn string_to_sign(req: &Request, form: Form, date_line: &str) -> String {
    v2::string_to_sign(
        req,
        date_line,
        SPELLING.header_prefix,
        &resource(req),
        form == Form::Header,
    )
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
    let sep = if r.contains('?') { '&' } else { '?' };
    v2::push_sub_resources(&mut r, sep, ps, |p| {
        SUB_RESOURCES.contains(&p.name.as_str())
    });
    r
}

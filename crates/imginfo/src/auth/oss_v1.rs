//! Alibaba OSS signature V1: `Authorization: OSS <id>:<base64 HMAC-SHA1>` and presigned
//! URLs (`OSSAccessKeyId`, `Expires`, `Signature`), as OSS documents it and ali-oss
//! computes it. The string to sign is
//! `VERB\nContent-MD5\nContent-Type\nDate\n` + the `x-oss-*` headers (`name:value\n`,
//! sorted) + the canonical resource `/<bucket>/<key>` with the sub-resources
//! (`x-oss-process`, `versionId`, `response-*`, …) sorted after `?`. The bucket is in
//! the resource whatever the addressing (custom domains too) and the key is not
//! percent-encoded. The Date line is `x-oss-date` when sent (ali-oss sends only that),
//! else `Date`; a presigned URL puts `Expires` there.

use super::canon::{self, Pair};
use super::{Claim, Denied, Form, Request, Scheme, Validity, Vendor};

pub struct OssV1;

/// Query parameters OSS signs as sub-resources (its SDKs' list; `x-oss-process` is the
/// image-processing one).
const SUB_RESOURCES: &[&str] = &[
    "acl",
    "append",
    "asyncFetch",
    "bucketInfo",
    "callback",
    "callback-var",
    "cname",
    "comp",
    "continuation-token",
    "cors",
    "delete",
    "encryption",
    "endTime",
    "group",
    "img",
    "inventory",
    "inventoryId",
    "lifecycle",
    "link",
    "live",
    "location",
    "logging",
    "metaQuery",
    "objectInfo",
    "objectMeta",
    "partNumber",
    "policy",
    "position",
    "qos",
    "qosInfo",
    "referer",
    "regionList",
    "replication",
    "replicationLocation",
    "replicationProgress",
    "requestPayment",
    "resourceGroup",
    "response-cache-control",
    "response-content-disposition",
    "response-content-encoding",
    "response-content-language",
    "response-content-type",
    "response-expires",
    "restore",
    "security-token",
    "sequential",
    "startTime",
    "stat",
    "status",
    "style",
    "styleName",
    "symlink",
    "tagging",
    "transferAcceleration",
    "udf",
    "udfApplication",
    "udfApplicationLog",
    "udfId",
    "udfImage",
    "udfImageDesc",
    "udfName",
    "uploadId",
    "uploads",
    "versionId",
    "versioning",
    "versions",
    "vod",
    "website",
    "worm",
    "wormExtend",
    "wormId",
    "x-oss-ac-forward-allow",
    "x-oss-ac-source-ip",
    "x-oss-ac-subnet-mask",
    "x-oss-ac-vpc-id",
    "x-oss-async-process",
    "x-oss-enable-md5",
    "x-oss-enable-sha1",
    "x-oss-enable-sha256",
    "x-oss-hash-ctx",
    "x-oss-md5-ctx",
    "x-oss-process",
    "x-oss-request-payer",
    "x-oss-traffic-limit",
];

const PREFIX: &str = "OSS ";

impl Scheme for OssV1 {
    /// The Date line of the string to sign.
    type Detail = String;
    const NAME: &'static str = "oss-v1";
    const VENDOR: Vendor = Vendor::Oss;

    fn parse(req: &Request) -> Option<Result<Claim<String>, Denied>> {
        if let Some(rest) = req
            .header("authorization")
            .and_then(|a| a.strip_prefix(PREFIX))
        {
            return Some(header_claim(req, rest));
        }
        let ps = req.params();
        let id = ps.iter().find(|p| p.name == "OSSAccessKeyId")?;
        Some(query_claim(&ps, id))
    }

    fn expected(req: &Request, claim: &Claim<String>, secret: &str) -> Result<String, Denied> {
        let sts = string_to_sign(req, &claim.detail);
        Ok(canon::b64(&canon::hmac_sha1(
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
            "The OSS Authorization header must be OSS <AccessKeyId>:<Signature>.",
        ))?;
    let date = req
        .header("x-oss-date")
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
        detail: date.to_string(),
    })
}

fn query_claim(ps: &[Pair], id: &Pair) -> Result<Claim<String>, Denied> {
    let get = |n: &str| {
        ps.iter()
            .find(|p| p.name == n)
            .and_then(|p| p.value.clone())
    };
    let (Some(expires), Some(sig)) = (get("Expires"), get("Signature")) else {
        return Err(Denied::Malformed(
            "A signed OSS URL needs OSSAccessKeyId, Expires and Signature.",
        ));
    };
    let until = canon::seconds(&expires)
        .ok_or(Denied::Malformed("Expires must be a Unix time in seconds."))?;
    Ok(Claim {
        form: Form::Query,
        access_key_id: id.value.clone().unwrap_or_default(),
        signature: sig,
        validity: Validity::Window { from: None, until },
        consumed: vec![
            "OSSAccessKeyId".into(),
            "Expires".into(),
            "Signature".into(),
        ],
        truncate_at: None,
        detail: expires,
    })
}

/// The string OSS V1 signs for this request.
pub fn string_to_sign(req: &Request, date_line: &str) -> String {
    let mut s = String::new();
    s.push_str(req.method);
    s.push('\n');
    s.push_str(req.header("content-md5").unwrap_or(""));
    s.push('\n');
    s.push_str(req.header("content-type").unwrap_or(""));
    s.push('\n');
    s.push_str(date_line);
    s.push('\n');
    let mut oss: Vec<(&str, &str)> = req
        .headers
        .iter()
        .filter(|(k, _)| k.starts_with("x-oss-"))
        .map(|(k, v)| (k.as_str(), v.trim()))
        .collect();
    oss.sort();
    for (k, v) in oss {
        s.push_str(k);
        s.push(':');
        s.push_str(v);
        s.push('\n');
    }
    s.push_str(&resource(req));
    s
}

/// `/<bucket>/<key>` (no bucket configured: `/<key>`) and the sub-resources.
pub fn resource(req: &Request) -> String {
    let mut r = match req.bucket {
        Some(b) => format!("/{b}/{}", req.key),
        None => format!("/{}", req.key),
    };
    let mut subs: Vec<(String, Option<String>)> = req
        .params()
        .into_iter()
        .filter(|p| SUB_RESOURCES.contains(&p.name.as_str()))
        .map(|p| (p.name, p.value.filter(|v| !v.is_empty())))
        .collect();
    subs.sort();
    for (i, (k, v)) in subs.iter().enumerate() {
        r.push(if i == 0 { '?' } else { '&' });
        r.push_str(k);
        if let Some(v) = v {
            r.push('=');
            r.push_str(v);
        }
    }
    r
}

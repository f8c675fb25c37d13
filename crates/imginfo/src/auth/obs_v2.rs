//! Huawei OBS signature V2 in both its spellings: the native `Authorization: OBS
//! <id>:<sig>` (presigned: `AccessKeyId`, `Expires`, `Signature`, headers `x-obs-*`) and
//! AWS V2, `Authorization: AWS <id>:<sig>` (presigned: `AWSAccessKeyId`, headers
//! `x-amz-*`), which the OBS SDK uses in path-style and custom-domain mode. Base64
//! HMAC-SHA1 of `VERB\nContent-MD5\nContent-Type\nDate\n` + the family's headers
//! (`name:value\n`, sorted) + the canonical resource. The resource is the path as sent
//! (the key percent-encoded, as the SDK encodes it) after `/<bucket>`, or after the
//! custom domain's host name in custom-domain mode, followed by the sub-resources
//! (`x-image-process`, `versionId`, `response-*`, …). When `x-obs-date` / `x-amz-date`
//! is sent, the Date line is empty (the header carries the date instead).

use super::canon::{self, Pair};
use super::{Claim, Denied, Form, Request, Scheme, Style, Validity, Vendor};

pub struct ObsV2;

/// The two header families that share the algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// `OBS <id>:<sig>`, `x-obs-*`, `AccessKeyId`.
    Obs,
    /// `AWS <id>:<sig>`, `x-amz-*`, `AWSAccessKeyId`.
    Aws,
}

impl Family {
    fn header_prefix(self) -> &'static str {
        match self {
            Family::Obs => "x-obs-",
            Family::Aws => "x-amz-",
        }
    }
    fn id_param(self) -> &'static str {
        match self {
            Family::Obs => "AccessKeyId",
            Family::Aws => "AWSAccessKeyId",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Detail {
    pub family: Family,
    /// The Date line of the string to sign.
    pub date_line: String,
}

/// Query parameters signed as sub-resources (the OBS SDK's list, compared without case).
const SUB_RESOURCES: &[&str] = &[
    "acl",
    "append",
    "attname",
    "backtosource",
    "cors",
    "delete",
    "deletebucket",
    "directcoldaccess",
    "encryption",
    "lifecycle",
    "location",
    "logging",
    "metadata",
    "modify",
    "name",
    "notification",
    "partnumber",
    "policy",
    "position",
    "quota",
    "rename",
    "replication",
    "requestpayment",
    "response-cache-control",
    "response-content-disposition",
    "response-content-encoding",
    "response-content-language",
    "response-content-type",
    "response-expires",
    "restore",
    "storageclass",
    "storageinfo",
    "storagepolicy",
    "tagging",
    "torrent",
    "truncate",
    "uploadid",
    "uploads",
    "versionid",
    "versioning",
    "versions",
    "website",
    "x-image-process",
    "x-image-save-bucket",
    "x-image-save-object",
    "x-obs-security-token",
    "x-oss-process",
    "x-workflow-graph-name",
    "x-workflow-limit",
    "x-workflow-prefix",
    "x-workflow-start",
    "x-workflow-template-name",
];

impl Scheme for ObsV2 {
    type Detail = Detail;
    const NAME: &'static str = "obs-v2";
    const VENDOR: Vendor = Vendor::Obs;

    fn parse(req: &Request) -> Option<Result<Claim<Detail>, Denied>> {
        if let Some(a) = req.header("authorization") {
            for (prefix, family) in [("OBS ", Family::Obs), ("AWS ", Family::Aws)] {
                if let Some(rest) = a.strip_prefix(prefix) {
                    return Some(header_claim(req, rest, family));
                }
            }
        }
        let ps = req.params();
        for family in [Family::Obs, Family::Aws] {
            if let Some(id) = ps.iter().find(|p| p.name == family.id_param()) {
                return Some(query_claim(&ps, id, family));
            }
        }
        None
    }

    fn expected(req: &Request, claim: &Claim<Detail>, secret: &str) -> Result<String, Denied> {
        let sts = string_to_sign(req, claim.form, &claim.detail);
        Ok(canon::b64(&canon::hmac_sha1(
            secret.as_bytes(),
            sts.as_bytes(),
        )))
    }
}

fn header_claim(req: &Request, rest: &str, family: Family) -> Result<Claim<Detail>, Denied> {
    let (id, sig) = rest
        .trim()
        .split_once(':')
        .filter(|(i, s)| !i.is_empty() && !s.is_empty())
        .ok_or(Denied::Malformed(
            "The Authorization header must be OBS|AWS <AccessKeyId>:<Signature>.",
        ))?;
    let own_date = req.header(&format!("{}date", family.header_prefix()));
    let (date_line, t) = match own_date {
        Some(d) => (String::new(), canon::http_date(d)),
        None => {
            let d = req.header("date").ok_or(Denied::MissingDate)?;
            (d.to_string(), canon::http_date(d))
        }
    };
    let t = t.ok_or(Denied::MissingDate)?;
    Ok(Claim {
        form: Form::Header,
        access_key_id: id.to_string(),
        signature: sig.to_string(),
        validity: Validity::Dated(t),
        consumed: Vec::new(),
        truncate_at: None,
        detail: Detail { family, date_line },
    })
}

fn query_claim(ps: &[Pair], id: &Pair, family: Family) -> Result<Claim<Detail>, Denied> {
    let get = |n: &str| {
        ps.iter()
            .find(|p| p.name == n)
            .and_then(|p| p.value.clone())
    };
    let (Some(expires), Some(sig)) = (get("Expires"), get("Signature")) else {
        return Err(Denied::Malformed(
            "A signed URL needs AccessKeyId (or AWSAccessKeyId), Expires and Signature.",
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
            family.id_param().to_string(),
            "Expires".into(),
            "Signature".into(),
        ],
        truncate_at: None,
        detail: Detail {
            family,
            date_line: expires,
        },
    })
}

/// The string OBS (or AWS V2) signs for this request.
pub fn string_to_sign(req: &Request, form: Form, d: &Detail) -> String {
    let prefix = d.family.header_prefix();
    let mut s = String::new();
    s.push_str(req.method);
    s.push('\n');
    s.push_str(req.header("content-md5").unwrap_or(""));
    s.push('\n');
    s.push_str(req.header("content-type").unwrap_or(""));
    s.push('\n');
    s.push_str(&d.date_line);
    s.push('\n');
    let mut own: Vec<(&str, &str)> = req
        .headers
        .iter()
        .filter(|(k, _)| k.starts_with(prefix))
        .map(|(k, v)| (k.as_str(), v.trim()))
        .collect();
    own.sort();
    for (k, v) in own {
        s.push_str(k);
        s.push(':');
        s.push_str(v);
        s.push('\n');
    }
    s.push_str(&resource(req, form, prefix));
    s
}

/// The path as sent, under `/<bucket>` or the custom domain's `/<host>`, and the
/// sub-resources.
pub fn resource(req: &Request, form: Form, prefix: &str) -> String {
    let mut r = match (req.style, req.bucket) {
        (Style::PathStyle, _) => req.raw_path.to_string(),
        (Style::VirtualHost, Some(b)) => format!("/{b}{}", req.raw_path),
        _ => format!("/{}{}", req.hostname(), req.raw_path),
    };
    let mut subs: Vec<(String, Option<String>)> = req
        .params()
        .into_iter()
        .filter(|p| {
            let n = p.name.to_ascii_lowercase();
            SUB_RESOURCES.contains(&n.as_str()) || (form == Form::Query && n.starts_with(prefix))
        })
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

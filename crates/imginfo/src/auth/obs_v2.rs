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

use super::canon;
use super::v2::{self, DateLine, Spelling};
use super::{Claim, Denied, Form, Request, Scheme, Style, Vendor};

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
    const ALL: [Family; 2] = [Family::Obs, Family::Aws];

    fn spelling(self) -> &'static Spelling {
        match self {
            Family::Obs => &OBS,
            Family::Aws => &AWS,
        }
    }
}

const OBS: Spelling = Spelling {
    prefix: "OBS ",
    header_prefix: "x-obs-",
    mac: canon::hmac_sha1,
    id_param: "AccessKeyId",
    expires_param: "Expires",
    signature_param: "Signature",
    date_line: DateLine::EmptyWhenOwn,
    bad_header: "The Authorization header must be OBS|AWS <AccessKeyId>:<Signature>.",
    bad_query: "A signed URL needs AccessKeyId (or AWSAccessKeyId), Expires and Signature.",
    bad_expires: "Expires must be a Unix time in seconds.",
};

const AWS: Spelling = Spelling {
    prefix: "AWS ",
    header_prefix: "x-amz-",
    id_param: "AWSAccessKeyId",
    ..OBS
};

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
            for family in Family::ALL {
                if let Some(rest) = a.strip_prefix(family.spelling().prefix) {
                    let claim = v2::header_claim(req, rest, family.spelling());
                    return Some(claim.map(|c| c.map(|date_line| Detail { family, date_line })));
                }
            }
        }
        let ps = req.params();
        for family in Family::ALL {
            if let Some(id) = ps.iter().find(|p| p.name == family.spelling().id_param) {
                let claim = v2::query_claim(&ps, id, family.spelling());
                return Some(claim.map(|c| c.map(|date_line| Detail { family, date_line })));
            }
        }
        None
    }

    fn expected(req: &Request, claim: &Claim<Detail>, secret: &str) -> Result<String, Denied> {
        let sts = string_to_sign(req, claim.form, &claim.detail);
        Ok(v2::signature(claim.detail.family.spelling(), secret, &sts))
    }
}

/// The string OBS (or AWS V2) signs for this request.
pub fn string_to_sign(req: &Request, form: Form, d: &Detail) -> String {
    let prefix = d.family.spelling().header_prefix;
    v2::string_to_sign(
        req,
        &d.date_line,
        prefix,
        &resource(req, form, prefix),
        false,
    )
}

/// The path as sent, under `/<bucket>` or the custom domain's `/<host>`, and the
/// sub-resources.
pub fn resource(req: &Request, form: Form, prefix: &str) -> String {
    let mut r = match (req.style, req.bucket) {
        (Style::PathStyle, _) => req.raw_path.to_string(),
        (Style::VirtualHost, Some(b)) => format!("/{b}{}", req.raw_path),
        _ => format!("/{}{}", req.hostname(), req.raw_path),
    };
    v2::push_sub_resources(&mut r, '?', req.params(), |p| {
        let n = p.name.to_ascii_lowercase();
        SUB_RESOURCES.contains(&n.as_str()) || (form == Form::Query && n.starts_with(prefix))
    });
    r
}

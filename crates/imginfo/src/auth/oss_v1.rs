//! Alibaba OSS signature V1: `Authorization: OSS <id>:<base64 HMAC-SHA1>` and presigned
//! URLs (`OSSAccessKeyId`, `Expires`, `Signature`), as OSS documents it and ali-oss
//! computes it. The string to sign is
//! `VERB\nContent-MD5\nContent-Type\nDate\n` + the `x-oss-*` headers (`name:value\n`,
//! sorted) + the canonical resource `/<bucket>/<key>` with the sub-resources
//! (`x-oss-process`, `versionId`, `response-*`, …) sorted after `?`. The bucket is in
//! the resource whatever the addressing (custom domains too) and the key is not
//! percent-encoded. The Date line is `x-oss-date` when sent (ali-oss sends only that),
//! else `Date`; a presigned URL puts `Expires` there.

use super::canon;
use super::v2::{self, DateLine, Spelling};
use super::{Claim, Denied, Request, Scheme, Vendor};

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

const SPELLING: Spelling = Spelling {
    prefix: "OSS ",
    header_prefix: "x-oss-",
    mac: canon::hmac_sha1,
    id_param: "OSSAccessKeyId",
    expires_param: "Expires",
    signature_param: "Signature",
    date_line: DateLine::Used,
    bad_header: "The OSS Authorization header must be OSS <AccessKeyId>:<Signature>.",
    bad_query: "A signed OSS URL needs OSSAccessKeyId, Expires and Signature.",
    bad_expires: "Expires must be a Unix time in seconds.",
};

impl Scheme for OssV1 {
    /// The Date line of the string to sign.
    type Detail = String;
    const NAME: &'static str = "oss-v1";
    const VENDOR: Vendor = Vendor::Oss;

    fn parse(req: &Request) -> Option<Result<Claim<String>, Denied>> {
        v2::parse(req, &SPELLING)
    }

    fn expected(req: &Request, claim: &Claim<String>, secret: &str) -> Result<String, Denied> {
        let sts = string_to_sign(req, &claim.detail);
        Ok(v2::signature(&SPELLING, secret, &sts))
    }
}

/// The string OSS V1 signs for this request.
pub fn string_to_sign(req: &Request, date_line: &str) -> String {
    v2::string_to_sign(
        req,
        date_line,
        SPELLING.header_prefix,
        &resource(req),
        false,
    )
}

/// `/<bucket>/<key>` (no bucket configured: `/<key>`) and the sub-resources.
pub fn resource(req: &Request) -> String {
    let mut r = match req.bucket {
        Some(b) => format!("/{b}/{}", req.key),
        None => format!("/{}", req.key),
    };
    v2::push_sub_resources(&mut r, '?', req.params(), |p| {
        SUB_RESOURCES.contains(&p.name.as_str())
    });
    r
}

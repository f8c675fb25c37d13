//! AWS Signature Version 4, as S3 (and so R2) documents it and boto3 and the AWS SDKs
//! compute it: `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…,
//! Signature=…` with `x-amz-date`, or a presigned URL (`X-Amz-Algorithm`,
//! `X-Amz-Credential`, `X-Amz-Date`, `X-Amz-Expires`, `X-Amz-SignedHeaders`,
//! `X-Amz-Signature`). The canonical URI is the path as S3 reads it: each segment
//! decoded once and re-encoded (RFC 3986), so an encoded `/` stays `%2F`; every query
//! parameter but the signature is signed; `host` must be signed; the payload hash is
//! `x-amz-content-sha256` (presigned: `UNSIGNED-PAYLOAD`).

use super::canon;
use super::v4::{self, Flavor, Layout};
use super::{Claim, Denied, Form, Request, Scheme, Vendor};

pub use super::v4::Detail;

pub struct AwsV4;

pub const FLAVOR: Flavor = Flavor {
    algorithm: "AWS4-HMAC-SHA256",
    key_prefix: "AWS4",
    terminator: "aws4_request",
    service: "s3",
};

/// The SHA-256 of an empty payload (a header-signed GET without `x-amz-content-sha256`).
const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// How AWS spells its claims: `host` must be signed; without `x-amz-date`, an HTTP
/// `Date` stands for the date-time.
const LAYOUT: Layout = Layout {
    flavor: FLAVOR,
    param_prefix: "X-Amz-",
    date_header: "x-amz-date",
    date_fallback: iso_of_http_date,
    host_signed: true,
    operation_param: None,
    bad_header: "The Authorization header must be AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=….",
    bad_query: "A presigned URL needs X-Amz-Algorithm=AWS4-HMAC-SHA256, X-Amz-Credential, X-Amz-Date, X-Amz-Expires, X-Amz-SignedHeaders and X-Amz-Signature.",
    bad_expires: "X-Amz-Expires must be a number of seconds up to 604800.",
};

impl Scheme for AwsV4 {
    type Detail = Detail;
    const NAME: &'static str = "aws-v4";
    const VENDOR: Vendor = Vendor::Aws;

    fn parse(req: &Request) -> Option<Result<Claim<Detail>, Denied>> {
        LAYOUT.parse(req)
    }

    fn expected(req: &Request, claim: &Claim<Detail>, secret: &str) -> Result<String, Denied> {
        let d = &claim.detail;
        let headers = v4::signed_headers(req, &d.signed)?;
        let payload = match (req.header("x-amz-content-sha256"), claim.form) {
            (Some(h), _) => h.to_string(),
            (None, Form::Query) => req
                .param("X-Amz-Content-Sha256")
                .unwrap_or_else(|| "UNSIGNED-PAYLOAD".into()),
            (None, Form::Header) => EMPTY_SHA256.to_string(),
        };
        let cr = v4::canonical_request(
            req.method,
            &canonical_uri(req.raw_path),
            &v4::canonical_query(req, "X-Amz-Signature"),
            &headers,
            &d.signed.join(";"),
            &payload,
        );
        Ok(v4::signature(secret, &FLAVOR, &d.scope, &d.datetime, &cr))
    }
}

/// Each path segment decoded once and encoded again: S3's canonical URI for the path
/// the client sent.
pub fn canonical_uri(raw_path: &str) -> String {
    let path = if raw_path.is_empty() { "/" } else { raw_path };
    path.split('/')
        .map(|seg| canon::uri_encode(&canon::decode_bytes(seg), false))
        .collect::<Vec<_>>()
        .join("/")
}

/// An HTTP `Date` as the `yyyymmddThhmmssZ` SigV4 signs when no `x-amz-date` is sent.
fn iso_of_http_date(d: &str) -> Option<String> {
    let t = canon::http_date(d)?;
    let st = std::time::UNIX_EPOCH
        .checked_add(std::time::Duration::from_secs(u64::try_from(t).ok()?))?;
    let s = httpdate::fmt_http_date(st);
    // "Sun, 06 Nov 1994 08:49:37 GMT"
    let parts: Vec<&str> = s.split(' ').collect();
    let [_, day, mon, year, hms, _] = parts.as_slice() else {
        return None;
    };
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let m = MONTHS.iter().position(|x| x == mon)? + 1;
    Some(format!("{year}{m:02}{day}T{}Z", hms.replace(':', "")))
}

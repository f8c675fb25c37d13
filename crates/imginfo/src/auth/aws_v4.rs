//! AWS Signature Version 4, as S3 (and so R2) documents it and boto3 and the AWS SDKs
//! compute it: `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…,
//! Signature=…` with `x-amz-date`, or a presigned URL (`X-Amz-Algorithm`,
//! `X-Amz-Credential`, `X-Amz-Date`, `X-Amz-Expires`, `X-Amz-SignedHeaders`,
//! `X-Amz-Signature`). The canonical URI is the path as S3 reads it: each segment
//! decoded once and re-encoded (RFC 3986), so an encoded `/` stays `%2F`; every query
//! parameter but the signature is signed; `host` must be signed; the payload hash is
//! `x-amz-content-sha256` (presigned: `UNSIGNED-PAYLOAD`).

use super::canon;
use super::v4::{self, Flavor, Scope};
use super::{Claim, Denied, Form, Request, Scheme, Validity, Vendor};

pub struct AwsV4;

pub const FLAVOR: Flavor = Flavor {
    algorithm: "AWS4-HMAC-SHA256",
    key_prefix: "AWS4",
    terminator: "aws4_request",
    service: "s3",
};

/// The SHA-256 of an empty payload (a header-signed GET without `x-amz-content-sha256`).
const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

#[derive(Debug, Clone)]
pub struct Detail {
    pub scope: Scope,
    pub datetime: String,
    pub signed: Vec<String>,
}

impl Scheme for AwsV4 {
    type Detail = Detail;
    const NAME: &'static str = "aws-v4";
    const VENDOR: Vendor = Vendor::Aws;

    fn parse(req: &Request) -> Option<Result<Claim<Detail>, Denied>> {
        if let Some(rest) = req
            .header("authorization")
            .and_then(|a| a.strip_prefix(FLAVOR.algorithm))
        {
            return Some(header_claim(req, rest));
        }
        let ps = req.params();
        if !ps
            .iter()
            .any(|p| p.name == "X-Amz-Algorithm" || p.name == "X-Amz-Credential")
        {
            return None;
        }
        Some(query_claim(req))
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

fn require_host(signed: &[String]) -> Result<(), Denied> {
    if signed.iter().any(|h| h == "host") {
        Ok(())
    } else {
        Err(Denied::MissingHeader)
    }
}

fn header_claim(req: &Request, rest: &str) -> Result<Claim<Detail>, Denied> {
    const BAD: Denied = Denied::Malformed(
        "The Authorization header must be AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=….",
    );
    if !rest.starts_with(' ') {
        return Err(BAD);
    }
    let fields = v4::header_fields(rest);
    let get = |n: &str| fields.iter().find(|(k, _)| *k == n).map(|(_, v)| *v);
    let (Some(cred), Some(list), Some(sig)) =
        (get("Credential"), get("SignedHeaders"), get("Signature"))
    else {
        return Err(BAD);
    };
    let (id, scope) = v4::credential(cred, &FLAVOR)?;
    let signed = v4::header_list(list)?;
    require_host(&signed)?;
    v4::signed_headers(req, &signed)?;
    let datetime = match (req.header("x-amz-date"), req.header("date")) {
        (Some(d), _) => d.to_string(),
        (None, Some(d)) => iso_of_http_date(d).ok_or(Denied::MissingDate)?,
        (None, None) => return Err(Denied::MissingDate),
    };
    let t = v4::check_date(&datetime, &scope)?;
    Ok(Claim {
        form: Form::Header,
        access_key_id: id,
        signature: sig.to_string(),
        validity: Validity::Dated(t),
        consumed: Vec::new(),
        truncate_at: None,
        detail: Detail {
            scope,
            datetime,
            signed,
        },
    })
}

fn query_claim(req: &Request) -> Result<Claim<Detail>, Denied> {
    const BAD: Denied = Denied::Malformed(
        "A presigned URL needs X-Amz-Algorithm=AWS4-HMAC-SHA256, X-Amz-Credential, X-Amz-Date, X-Amz-Expires, X-Amz-SignedHeaders and X-Amz-Signature.",
    );
    let get = |n: &str| req.param(n);
    let (Some(alg), Some(cred), Some(datetime), Some(expires), Some(list), Some(sig)) = (
        get("X-Amz-Algorithm"),
        get("X-Amz-Credential"),
        get("X-Amz-Date"),
        get("X-Amz-Expires"),
        get("X-Amz-SignedHeaders"),
        get("X-Amz-Signature"),
    ) else {
        return Err(BAD);
    };
    if alg != FLAVOR.algorithm {
        return Err(BAD);
    }
    let (id, scope) = v4::credential(&cred, &FLAVOR)?;
    let signed = v4::header_list(&list)?;
    require_host(&signed)?;
    v4::signed_headers(req, &signed)?;
    let from = v4::check_date(&datetime, &scope)?;
    let secs = canon::seconds(&expires)
        .filter(|s| *s <= super::MAX_V4_EXPIRES_SECS)
        .ok_or(Denied::Malformed(
            "X-Amz-Expires must be a number of seconds up to 604800.",
        ))?;
    let consumed = req
        .params()
        .into_iter()
        .filter(|p| p.name.to_ascii_lowercase().starts_with("x-amz-"))
        .map(|p| p.name)
        .collect();
    Ok(Claim {
        form: Form::Query,
        access_key_id: id,
        signature: sig,
        validity: Validity::Window {
            from: Some(from),
            until: from.saturating_add(secs),
        },
        consumed,
        truncate_at: None,
        detail: Detail {
            scope,
            datetime,
            signed,
        },
    })
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

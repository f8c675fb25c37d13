//! Alibaba OSS signature V4 (`OSS4-HMAC-SHA256`), as OSS documents it and ali-oss
//! computes it: `Authorization: OSS4-HMAC-SHA256 Credential=<id>/<date>/<region>/oss/
//! aliyun_v4_request,AdditionalHeaders=…,Signature=…` with `x-oss-date`, or a presigned
//! URL (`x-oss-signature-version`, `x-oss-credential`, `x-oss-date`, `x-oss-expires`,
//! `x-oss-signature`, optional `x-oss-additional-headers`). The canonical URI is
//! `/<bucket>/<key>` encoded (RFC 3986, `/` kept) even on a custom domain; every query
//! parameter but the signature is signed (a name without `=` stays bare); the signed
//! headers are `Content-Type`, `Content-MD5`, every `x-oss-*` and the additional ones;
//! the key chain starts from `aliyun_v4` + secret.

use super::canon;
use super::v4::{self, Flavor, Scope};
use super::{Claim, Denied, Request, Scheme, Vendor};

pub struct OssV4;

pub const FLAVOR: Flavor = Flavor {
    algorithm: "OSS4-HMAC-SHA256",
    key_prefix: "aliyun_v4",
    terminator: "aliyun_v4_request",
    service: "oss",
};

#[derive(Debug, Clone)]
pub struct Detail {
    pub scope: Scope,
    pub datetime: String,
    /// The additional signed headers (lower-case, sorted).
    pub additional: Vec<String>,
}

impl Scheme for OssV4 {
    type Detail = Detail;
    const NAME: &'static str = "oss-v4";
    const VENDOR: Vendor = Vendor::Oss;

    fn parse(req: &Request) -> Option<Result<Claim<Detail>, Denied>> {
        if let Some(rest) = req
            .header("authorization")
            .and_then(|a| a.strip_prefix(FLAVOR.algorithm))
        {
            return Some(header_claim(req, rest));
        }
        let v = req.param("x-oss-signature-version")?;
        Some(query_claim(req, &v))
    }

    fn expected(req: &Request, claim: &Claim<Detail>, secret: &str) -> Result<String, Denied> {
        let d = &claim.detail;
        let mut headers: Vec<(String, String)> = req
            .headers
            .iter()
            .filter(|(k, _)| {
                k == "content-type"
                    || k == "content-md5"
                    || k.starts_with("x-oss-")
                    || d.additional.contains(k)
            })
            .map(|(k, v)| (k.clone(), v.trim().to_string()))
            .collect();
        if d.additional.iter().any(|h| h == "host") && !headers.iter().any(|(k, _)| k == "host") {
            headers.push(("host".into(), req.host().to_string()));
        }
        crate::sort::sort(&mut headers);
        let payload = req
            .header("x-oss-content-sha256")
            .unwrap_or("UNSIGNED-PAYLOAD");
        let cr = v4::canonical_request(
            req.method,
            &canonical_uri(req),
            &canonical_query(req),
            &headers,
            &d.additional.join(";"),
            payload,
        );
        Ok(v4::signature(secret, &FLAVOR, &d.scope, &d.datetime, &cr))
    }
}

/// `/<bucket>/<key>`, encoded with `/` kept.
pub fn canonical_uri(req: &Request) -> String {
    let path = match req.bucket {
        Some(b) => format!("/{b}/{}", req.key),
        None => format!("/{}", req.key),
    };
    canon::uri_encode(path.as_bytes(), true)
}

/// Every parameter but `x-oss-signature`, encoded, sorted by name; a parameter sent
/// without `=` is signed bare.
pub fn canonical_query(req: &Request) -> String {
    let mut pairs: Vec<(Vec<u8>, Option<Vec<u8>>)> = req
        .params()
        .into_iter()
        .filter(|p| p.name != "x-oss-signature")
        .map(|p| {
            (
                canon::decode_bytes(p.raw_name),
                p.raw_value.map(canon::decode_bytes),
            )
        })
        .collect();
    crate::sort::sort(&mut pairs);
    pairs
        .iter()
        .map(|(k, v)| {
            let k = canon::uri_encode(k, false);
            match v {
                Some(v) => format!("{k}={}", canon::uri_encode(v, false)),
                None => k,
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Additional headers: lower-case, deduplicated, sorted, without the ones always signed.
fn additional(list: Option<&str>, req: &Request) -> Result<Vec<String>, Denied> {
    let Some(list) = list.filter(|l| !l.is_empty()) else {
        return Ok(Vec::new());
    };
    let mut names: Vec<String> = v4::header_list(&list.to_ascii_lowercase())?
        .into_iter()
        .filter(|n| n != "content-type" && n != "content-md5" && !n.starts_with("x-oss-"))
        .collect();
    crate::sort::sort(&mut names);
    names.dedup();
    for n in &names {
        if n != "host" && req.header(n).is_none() {
            return Err(Denied::MissingHeader);
        }
    }
    Ok(names)
}

/// OSS's refusal of an `Authorization` header without its fields.
const BAD_HEADER: &str =
    "The Authorization header must be OSS4-HMAC-SHA256 Credential=…,[AdditionalHeaders=…,]Signature=….";

fn header_claim(req: &Request, rest: &str) -> Result<Claim<Detail>, Denied> {
    let fields = v4::header_fields(rest, BAD_HEADER)?;
    let (Some(cred), Some(sig)) = (fields.get("Credential"), fields.get("Signature")) else {
        return Err(Denied::Malformed(BAD_HEADER));
    };
    let (id, scope) = v4::credential(cred, &FLAVOR)?;
    let additional = additional(fields.get("AdditionalHeaders"), req)?;
    let datetime = req.header("x-oss-date").ok_or(Denied::MissingDate)?;
    let t = v4::check_date(datetime, &scope)?;
    let detail = Detail {
        scope,
        datetime: datetime.to_string(),
        additional,
    };
    Ok(Claim::dated(id, sig.to_string(), t, detail))
}

fn query_claim(req: &Request, version: &str) -> Result<Claim<Detail>, Denied> {
    const BAD: Denied = Denied::Malformed(
        "A V4 signed URL needs x-oss-signature-version=OSS4-HMAC-SHA256, x-oss-credential, x-oss-date, x-oss-expires and x-oss-signature.",
    );
    let get = |n: &str| req.param(n);
    let (Some(cred), Some(datetime), Some(expires), Some(sig)) = (
        get("x-oss-credential"),
        get("x-oss-date"),
        get("x-oss-expires"),
        get("x-oss-signature"),
    ) else {
        return Err(BAD);
    };
    if version != FLAVOR.algorithm {
        return Err(BAD);
    }
    let (id, scope) = v4::credential(&cred, &FLAVOR)?;
    let additional = additional(get("x-oss-additional-headers").as_deref(), req)?;
    let validity = v4::presigned_window(
        &datetime,
        &scope,
        &expires,
        "x-oss-expires must be a number of seconds up to 604800.",
    )?;
    let consumed = [
        "x-oss-signature-version",
        "x-oss-credential",
        "x-oss-date",
        "x-oss-expires",
        "x-oss-signature",
        "x-oss-additional-headers",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let detail = Detail {
        scope,
        datetime,
        additional,
    };
    Ok(Claim::presigned(id, sig, validity, consumed, detail))
}

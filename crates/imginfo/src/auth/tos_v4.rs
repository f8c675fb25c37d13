//! Volcengine TOS V4 (`TOS4-HMAC-SHA256`), as TOS documents it and @volcengine/tos-sdk
//! computes it: `Authorization: TOS4-HMAC-SHA256 Credential=<id>/<date>/<region>/tos/
//! request, SignedHeaders=…, Signature=…` with an ISO `x-tos-date` (or `Date`), or a
//! presigned URL (`X-Tos-Algorithm`, `X-Tos-Credential`, `X-Tos-Date`, `X-Tos-Expires`,
//! `X-Tos-SignedHeaders`, `X-Tos-Signature`, `X-Tos-Content-Sha256`). SigV4's layout
//! with TOS's differences: the key chain starts from the bare secret, the scope ends in
//! `request`, and the canonical URI is the whole path decoded and re-encoded with `/`
//! kept (the SDK sends a key's `/` as `%2F` but signs it as `/`).

use super::canon;
use super::v4::{self, Flavor, Scope};
use super::{Claim, Denied, Form, Request, Scheme, Validity, Vendor};

pub struct TosV4;

pub const FLAVOR: Flavor = Flavor {
    algorithm: "TOS4-HMAC-SHA256",
    key_prefix: "",
    terminator: "request",
    service: "tos",
};

#[derive(Debug, Clone)]
pub struct Detail {
    pub scope: Scope,
    pub datetime: String,
    pub signed: Vec<String>,
}

impl Scheme for TosV4 {
    type Detail = Detail;
    const NAME: &'static str = "tos-v4";
    const VENDOR: Vendor = Vendor::Tos;

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
            .any(|p| p.name == "X-Tos-Algorithm" || p.name == "X-Tos-Credential")
        {
            return None;
        }
        Some(query_claim(req))
    }

    fn expected(req: &Request, claim: &Claim<Detail>, secret: &str) -> Result<String, Denied> {
        let d = &claim.detail;
        let headers = v4::signed_headers(req, &d.signed)?;
        let payload = req
            .header("x-tos-content-sha256")
            .map(str::to_string)
            .or_else(|| req.param("X-Tos-Content-Sha256"))
            .unwrap_or_else(|| "UNSIGNED-PAYLOAD".into());
        let uri = canon::uri_encode(&canon::decode_bytes(req.raw_path), true);
        let cr = v4::canonical_request(
            req.method,
            if uri.is_empty() { "/" } else { &uri },
            &canonical_query(req),
            &headers,
            &d.signed.join(";"),
            &payload,
        );
        Ok(v4::signature(secret, &FLAVOR, &d.scope, &d.datetime, &cr))
    }
}

/// Every parameter but `X-Tos-Signature`, sorted by name, `name=value` encoded.
fn canonical_query(req: &Request) -> String {
    let mut pairs: Vec<(Vec<u8>, Vec<u8>)> = req
        .params()
        .into_iter()
        .filter(|p| p.name != "X-Tos-Signature")
        .map(|p| {
            (
                canon::decode_bytes(p.raw_name),
                canon::decode_bytes(p.raw_value.unwrap_or("")),
            )
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                canon::uri_encode(k, false),
                canon::uri_encode(v, false)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// The request time: `x-tos-date`, else an ISO or HTTP `Date`.
fn request_datetime(req: &Request) -> Option<String> {
    if let Some(d) = req.header("x-tos-date") {
        return Some(d.to_string());
    }
    let d = req.header("date")?;
    if canon::iso_basic(d).is_some() {
        return Some(d.to_string());
    }
    None
}

fn header_claim(req: &Request, rest: &str) -> Result<Claim<Detail>, Denied> {
    const BAD: Denied = Denied::Malformed(
        "The Authorization header must be TOS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=….",
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
    v4::signed_headers(req, &signed)?;
    let datetime = request_datetime(req).ok_or(Denied::MissingDate)?;
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
        "A presigned URL needs X-Tos-Algorithm=TOS4-HMAC-SHA256, X-Tos-Credential, X-Tos-Date, X-Tos-Expires, X-Tos-SignedHeaders and X-Tos-Signature.",
    );
    let get = |n: &str| req.param(n);
    let (Some(alg), Some(cred), Some(datetime), Some(expires), Some(list), Some(sig)) = (
        get("X-Tos-Algorithm"),
        get("X-Tos-Credential"),
        get("X-Tos-Date"),
        get("X-Tos-Expires"),
        get("X-Tos-SignedHeaders"),
        get("X-Tos-Signature"),
    ) else {
        return Err(BAD);
    };
    if alg != FLAVOR.algorithm {
        return Err(BAD);
    }
    let (id, scope) = v4::credential(&cred, &FLAVOR)?;
    let signed = v4::header_list(&list)?;
    v4::signed_headers(req, &signed)?;
    let from = v4::check_date(&datetime, &scope)?;
    let secs = canon::seconds(&expires)
        .filter(|s| *s <= super::MAX_V4_EXPIRES_SECS)
        .ok_or(Denied::Malformed(
            "X-Tos-Expires must be a number of seconds up to 604800.",
        ))?;
    let consumed = req
        .params()
        .into_iter()
        .filter(|p| p.name.to_ascii_lowercase().starts_with("x-tos-") && p.name != "x-tos-process")
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

//! Volcengine TOS V4 (`TOS4-HMAC-SHA256`), as TOS documents it and @volcengine/tos-sdk
//! computes it: `Authorization: TOS4-HMAC-SHA256 Credential=<id>/<date>/<region>/tos/
//! request, SignedHeaders=…, Signature=…` with an ISO `x-tos-date` (or `Date`), or a
//! presigned URL (`X-Tos-Algorithm`, `X-Tos-Credential`, `X-Tos-Date`, `X-Tos-Expires`,
//! `X-Tos-SignedHeaders`, `X-Tos-Signature`, `X-Tos-Content-Sha256`). SigV4's layout
//! with TOS's differences: the key chain starts from the bare secret, the scope ends in
//! `request`, and the canonical URI is the whole path decoded and re-encoded with `/`
//! kept (the SDK sends a key's `/` as `%2F` but signs it as `/`).

use super::canon;
use super::v4::{self, Flavor, Layout};
use super::{Claim, Denied, Request, Scheme, Vendor};

pub use super::v4::Detail;

pub struct TosV4;

pub const FLAVOR: Flavor = Flavor {
    algorithm: "TOS4-HMAC-SHA256",
    key_prefix: "",
    terminator: "request",
    service: "tos",
};

/// How TOS spells its claims: `host` need not be signed; without `x-tos-date`, a `Date`
/// header counts only in the ISO form; `x-tos-process` is the operation's.
const LAYOUT: Layout = Layout {
    flavor: FLAVOR,
    param_prefix: "X-Tos-",
    date_header: "x-tos-date",
    date_fallback: iso_date,
    host_signed: false,
    operation_param: Some("x-tos-process"),
    bad_header: "The Authorization header must be TOS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=….",
    bad_query: "A presigned URL needs X-Tos-Algorithm=TOS4-HMAC-SHA256, X-Tos-Credential, X-Tos-Date, X-Tos-Expires, X-Tos-SignedHeaders and X-Tos-Signature.",
    bad_expires: "X-Tos-Expires must be a number of seconds up to 604800.",
};

impl Scheme for TosV4 {
    type Detail = Detail;
    const NAME: &'static str = "tos-v4";
    const VENDOR: Vendor = Vendor::Tos;

    fn parse(req: &Request) -> Option<Result<Claim<Detail>, Denied>> {
        LAYOUT.parse(req)
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
    crate::sort::sort(&mut pairs);
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

/// A `Date` header as the request time: only an ISO date-time (`yyyymmddThhmmssZ`).
fn iso_date(d: &str) -> Option<String> {
    canon::iso_basic(d).map(|_| d.to_string())
}

//! Tencent COS (XML API) request signatures, as COS documents them and
//! cos-nodejs-sdk-v5 computes them: `q-sign-algorithm=sha1&q-ak=<id>&q-sign-time=<a>;<b>
//! &q-key-time=<a>;<b>&q-header-list=…&q-url-param-list=…&q-signature=<hex>`, in the
//! `Authorization` header or as query parameters. SignKey = hex HMAC-SHA1(secret,
//! KeyTime); the HTTP string is `method\npath\nparams\nheaders\n` (method lower-case, the
//! path decoded, listed parameters and headers as `name=value` with both encoded,
//! sorted); the signature is hex HMAC-SHA1(SignKey, `sha1\nSignTime\nsha1(http)\n`). Only
//! the listed parameters and headers are signed, and each listed one must be present.

use super::canon;
use super::{Claim, Denied, Form, Request, Scheme, Validity, Vendor};

pub struct Cos;

#[derive(Debug, Clone)]
pub struct Detail {
    pub sign_time: String,
    pub key_time: String,
    pub header_list: Vec<String>,
    pub param_list: Vec<String>,
}

const PREFIX: &str = "q-sign-algorithm=";

/// The pairs COS's signature is made of.
const FIELDS: [&str; 7] = [
    "q-sign-algorithm",
    "q-ak",
    "q-sign-time",
    "q-key-time",
    "q-header-list",
    "q-url-param-list",
    "q-signature",
];

impl Scheme for Cos {
    type Detail = Detail;
    const NAME: &'static str = "cos";
    const VENDOR: Vendor = Vendor::Cos;

    fn parse(req: &Request) -> Option<Result<Claim<Detail>, Denied>> {
        if let Some(a) = req
            .header("authorization")
            .map(str::trim)
            .filter(|a| a.starts_with(PREFIX))
        {
            // The header form is the same pairs, unencoded.
            let fields: Vec<(String, String)> = a
                .split('&')
                .filter_map(|f| f.split_once('='))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            return Some(claim(Form::Header, &fields));
        }
        let ps = req.params();
        if !ps.iter().any(|p| p.name == "q-sign-algorithm") {
            return None;
        }
        let fields: Vec<(String, String)> = ps
            .into_iter()
            .filter(|p| FIELDS.contains(&p.name.as_str()))
            .map(|p| (p.name, p.value.unwrap_or_default()))
            .collect();
        Some(claim(Form::Query, &fields))
    }

    fn expected(req: &Request, claim: &Claim<Detail>, secret: &str) -> Result<String, Denied> {
        // A listed parameter or header the request does not carry: not what was signed.
        let http = http_string(req, &claim.detail).ok_or(Denied::SignatureMismatch)?;
        let sts = format!(
            "sha1\n{}\n{}\n",
            claim.detail.sign_time,
            canon::sha1_hex(http.as_bytes())
        );
        let sign_key = canon::hex(&canon::hmac_sha1(
            secret.as_bytes(),
            claim.detail.key_time.as_bytes(),
        ));
        Ok(canon::hex(&canon::hmac_sha1(
            sign_key.as_bytes(),
            sts.as_bytes(),
        )))
    }
}

/// `a;b` → (a, b), both Unix seconds, a ≤ b.
fn window(s: &str) -> Option<(i64, i64)> {
    let (a, b) = s.split_once(';')?;
    let (a, b) = (canon::seconds(a)?, canon::seconds(b)?);
    (a <= b).then_some((a, b))
}

fn list(s: &str) -> Vec<String> {
    s.split(';')
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        .collect()
}

fn claim(form: Form, fields: &[(String, String)]) -> Result<Claim<Detail>, Denied> {
    const BAD: Denied = Denied::Malformed(
        "A COS signature needs q-sign-algorithm=sha1, q-ak, q-sign-time, q-key-time, q-header-list, q-url-param-list and q-signature.",
    );
    let get = |n: &str| fields.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
    let (
        Some(alg),
        Some(ak),
        Some(sign_time),
        Some(key_time),
        Some(headers),
        Some(params),
        Some(sig),
    ) = (
        get("q-sign-algorithm"),
        get("q-ak"),
        get("q-sign-time"),
        get("q-key-time"),
        get("q-header-list"),
        get("q-url-param-list"),
        get("q-signature"),
    )
    else {
        return Err(BAD);
    };
    if alg != "sha1" || ak.is_empty() {
        return Err(BAD);
    }
    let (from, until) = window(sign_time).ok_or(BAD)?;
    let (_, key_until) = window(key_time).ok_or(BAD)?;
    let consumed = match form {
        Form::Header => Vec::new(),
        Form::Query => FIELDS.iter().map(|s| s.to_string()).collect(),
    };
    Ok(Claim {
        form,
        access_key_id: ak.to_string(),
        signature: sig.to_string(),
        validity: Validity::Window {
            from: Some(from),
            until: until.min(key_until),
        },
        consumed,
        truncate_at: None,
        detail: Detail {
            sign_time: sign_time.to_string(),
            key_time: key_time.to_string(),
            header_list: list(headers),
            param_list: list(params),
        },
    })
}

/// `method\npath\nparams\nheaders\n`, or `None` when a listed parameter or header is
/// not in the request.
pub fn http_string(req: &Request, d: &Detail) -> Option<String> {
    let enc = |s: &str| canon::uri_encode(s.as_bytes(), false);
    let ps = req.params();
    let mut params = Vec::with_capacity(d.param_list.len());
    for name in &d.param_list {
        let p = ps
            .iter()
            .find(|p| enc(&p.name).to_ascii_lowercase() == *name)?;
        params.push((
            p.name.to_ascii_lowercase(),
            name.clone(),
            enc(p.value.as_deref().unwrap_or("")),
        ));
    }
    crate::sort::sort(&mut params);
    let mut headers = Vec::with_capacity(d.header_list.len());
    for name in &d.header_list {
        let v = if name == "host" {
            req.host()
        } else {
            req.header(name)?
        };
        headers.push((name.clone(), enc(v)));
    }
    crate::sort::sort(&mut headers);
    let join = |v: Vec<(String, String)>| {
        v.into_iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&")
    };
    let path = String::from_utf8_lossy(&canon::decode_bytes(req.raw_path)).into_owned();
    Some(format!(
        "{}\n{}\n{}\n{}\n",
        req.method.to_ascii_lowercase(),
        if path.is_empty() { "/".into() } else { path },
        join(params.into_iter().map(|(_, k, v)| (k, v)).collect()),
        join(headers),
    ))
}

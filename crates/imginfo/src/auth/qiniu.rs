//! Qiniu private download URLs, as Qiniu documents them and its Node.js SDK
//! (`privateDownloadUrl`) makes them: `<url>?e=<deadline>&token=<id>:<sign>` (or
//! `&e=` when the URL already has a query), where sign is the URL-safe base64
//! HMAC-SHA1 of the whole URL up to and including `e=<deadline>`: scheme, host, path and
//! any query before it. `token` must follow `e` directly; parameters after `token` are
//! ignored, as Qiniu ignores them (and never reach the operation).

use super::canon;
use super::{Claim, Denied, Form, Request, Scheme, Validity, Vendor};

pub struct Qiniu;

impl Scheme for Qiniu {
    /// The signed URL: everything up to and including `e=<deadline>`.
    type Detail = String;
    const NAME: &'static str = "qiniu";
    const VENDOR: Vendor = Vendor::Qiniu;

    fn parse(req: &Request) -> Option<Result<Claim<String>, Denied>> {
        let ps = req.params();
        let t = ps.iter().position(|p| p.name == "token")?;
        if !ps.iter().any(|p| p.name == "e") {
            return None;
        }
        const BAD: Denied =
            Denied::Malformed("A private URL ends in e=<deadline>&token=<AccessKey>:<sign>.");
        let Some(e) = t
            .checked_sub(1)
            .and_then(|i| ps.get(i))
            .filter(|p| p.name == "e")
        else {
            return Some(Err(BAD));
        };
        let Some(token) = ps.get(t).and_then(|p| p.value.clone()) else {
            return Some(Err(BAD));
        };
        let Some((id, sig)) = token
            .split_once(':')
            .filter(|(i, s)| !i.is_empty() && !s.is_empty())
        else {
            return Some(Err(BAD));
        };
        let Some(until) = e.value.as_deref().and_then(canon::seconds) else {
            return Some(Err(BAD));
        };
        let signed = format!(
            "{}://{}{}?{}",
            req.scheme,
            req.authority,
            req.raw_path,
            req.raw_query.get(..e.end).unwrap_or("")
        );
        // The operation is what comes before `e`: the signed part. Everything from `e`
        // on (the token, and whatever follows it) is cut off.
        let e_start = e
            .end
            .saturating_sub(e.raw_name.len() + e.raw_value.map_or(0, |v| v.len() + 1));
        Some(Ok(Claim {
            form: Form::Query,
            access_key_id: id.to_string(),
            signature: sig.to_string(),
            validity: Validity::Window { from: None, until },
            consumed: vec!["e".into(), "token".into()],
            truncate_at: Some(e_start),
            detail: signed,
        }))
    }

    fn expected(_req: &Request, claim: &Claim<String>, secret: &str) -> Result<String, Denied> {
        Ok(canon::b64_url(&canon::hmac_sha1(
            secret.as_bytes(),
            claim.detail.as_bytes(),
        )))
    }
}

//! Access control for private buckets: every vendor's request signature, verified the
//! way that vendor documents it and its official SDK computes it, against a list of
//! access keys from configuration. Pure: a request's method, URL parts, headers and the
//! time come in; the key that signed it, or the vendor's own error, comes out.
//!
//! One module per scheme, each behind the [`Scheme`] trait: it reads its credentials
//! from the request (`parse`) and computes the signature a secret would give
//! (`expected`). Everything the schemes share (looking up the key, expiry, the 15-minute
//! clock-skew rule, the constant-time comparison, the key's prefixes) happens once, in
//! [`authorize`], so no scheme can skip it and nothing vendor-specific leaks into the
//! request path: the glue sees an [`Verified`] key or a [`Denied`] reason.
//!
//! | scheme | header form | query form |
//! |---|---|---|
//! | [`oss_v1`] Alibaba OSS V1 | `OSS <id>:<sig>` | `OSSAccessKeyId`, `Expires`, `Signature` |
//! | [`oss_v4`] Alibaba OSS V4 | `OSS4-HMAC-SHA256 …` | `x-oss-signature-version`, `x-oss-credential`, … |
//! | [`obs_v2`] Huawei OBS, AWS V2 | `OBS <id>:<sig>`, `AWS <id>:<sig>` | `AccessKeyId` / `AWSAccessKeyId`, `Expires`, `Signature` |
//! | [`aws_v4`] AWS SigV4 (R2, S3) | `AWS4-HMAC-SHA256 …` | `X-Amz-*` |
//! | [`tos_v4`] Volcengine TOS | `TOS4-HMAC-SHA256 …` | `X-Tos-*` |
//! | [`cos`] Tencent COS | `q-sign-algorithm=sha1&…` | the same pairs in the query |
//! | [`qiniu`] Qiniu private URLs | — | `e=<deadline>&token=<id>:<sig>` |
//! | [`qingstor`] QingStor | `QS <id>:<sig>` | `access_key_id`, `expires`, `signature` |

pub mod aws_v4;
pub mod canon;
pub mod cos;
pub mod obs_v2;
pub mod oss_v1;
pub mod oss_v4;
pub mod qingstor;
pub mod qiniu;
pub mod tos_v4;
mod v2;
mod v4;

use crate::request::Dialect;
use std::fmt;

/// How far a header form's date may be from the Worker's clock, both ways: the window
/// every vendor documents (S3, OSS, OBS, TOS, QingStor: 15 minutes).
pub const MAX_SKEW_SECS: i64 = 15 * 60;

/// The longest validity a SigV4-style presigned URL may claim (AWS, OSS V4 and TOS all
/// cap `X-…-Expires` at 7 days).
pub const MAX_V4_EXPIRES_SECS: i64 = 7 * 24 * 3600;

/// Longest `ACCESS_KEYS` list accepted: a configuration typo (a huge JSON) must not turn
/// every request into a long scan.
pub const MAX_KEYS: usize = 1000;

/// One access key from `ACCESS_KEYS`.
#[derive(Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessKey {
    pub id: String,
    pub secret: String,
    /// Object-key prefixes this key may read; `None` for the whole bucket.
    #[serde(default)]
    pub prefixes: Option<Vec<String>>,
}

impl fmt::Debug for AccessKey {
    // The secret never reaches a log, not even through `{:?}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessKey")
            .field("id", &self.id)
            .field("secret", &"<redacted>")
            .field("prefixes", &self.prefixes)
            .finish()
    }
}

impl AccessKey {
    /// Whether this key may read `key`.
    pub fn covers(&self, key: &str) -> bool {
        match &self.prefixes {
            None => true,
            Some(ps) => ps.iter().any(|p| key.starts_with(p.as_str())),
        }
    }
}

/// Parses `ACCESS_KEYS` (a JSON list of `{"id", "secret", "prefixes"?}`). The error names
/// what is wrong without quoting the text (it holds secrets).
pub fn parse_keys(json: &str) -> Result<Vec<AccessKey>, String> {
    let keys: Vec<AccessKey> = serde_json::from_str(json).map_err(|e| {
        format!(
            "ACCESS_KEYS is not a JSON list of {{id, secret, prefixes?}} (line {}, column {})",
            e.line(),
            e.column()
        )
    })?;
    if keys.len() > MAX_KEYS {
        return Err(format!("ACCESS_KEYS lists more than {MAX_KEYS} keys"));
    }
    for (i, k) in keys.iter().enumerate() {
        if k.id.is_empty() || k.secret.is_empty() {
            return Err(format!("ACCESS_KEYS entry {i} has an empty id or secret"));
        }
        if k.id.chars().any(|c| c.is_control() || c == ':' || c == '/') {
            return Err(format!(
                "ACCESS_KEYS entry {i}: an id may not hold ':', '/' or control characters"
            ));
        }
        if keys[..i].iter().any(|o| o.id == k.id) {
            return Err(format!("ACCESS_KEYS entry {i} repeats an id"));
        }
    }
    Ok(keys)
}

/// How the request named its bucket (the canonical resources of OBS, AWS V2 and QingStor
/// depend on it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Style {
    /// `/<key>` on a domain bound to the bucket, or no bucket name configured.
    #[default]
    CustomDomain,
    /// `/<bucket>/<key>`.
    PathStyle,
    /// `<bucket>.<domain>/<key>`.
    VirtualHost,
}

/// What a scheme may read of a request. Header names are lower-case.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub method: &'a str,
    /// `http` or `https`, as the client used it (Qiniu signs the whole URL).
    pub scheme: &'a str,
    /// The URL's authority (`host[:port]`, default port left out).
    pub authority: &'a str,
    /// The path as received, still percent-encoded, with its leading `/`.
    pub raw_path: &'a str,
    /// The query as received, without `?` (empty when none).
    pub raw_query: &'a str,
    pub headers: &'a [(String, String)],
    /// The configured bucket name (`BUCKET_NAME`).
    pub bucket: Option<&'a str>,
    pub style: Style,
    /// The object key, decoded once, the bucket taken off.
    pub key: &'a str,
    /// Seconds since the Unix epoch.
    pub now: i64,
}

impl<'a> Request<'a> {
    /// The first value of a header (names are lower-case).
    pub fn header(&self, name: &str) -> Option<&'a str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The `Host` the client signed: the header, else the URL's authority.
    pub fn host(&self) -> &'a str {
        self.header("host").unwrap_or(self.authority)
    }

    /// The host name without its port.
    pub fn hostname(&self) -> &'a str {
        canon::strip_port(self.host())
    }

    /// The query, split into pairs (decoded once, raw spellings kept).
    pub fn params(&self) -> Vec<canon::Pair<'a>> {
        canon::pairs(self.raw_query)
    }

    /// The decoded value of the first query parameter named `name` (exact spelling).
    pub fn param(&self, name: &str) -> Option<String> {
        canon::pairs(self.raw_query)
            .into_iter()
            .find(|p| p.name == name)
            .map(|p| p.value.unwrap_or_default())
    }
}

/// Where a scheme carries its signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// The `Authorization` header.
    Header,
    /// Query parameters (a presigned or private URL).
    Query,
}

/// When a signature is valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validity {
    /// A header form: the request's own date, which must be within [`MAX_SKEW_SECS`].
    Dated(i64),
    /// A URL valid from `from` (if given; a clock-skew allowance applies) through
    /// `until` (inclusive).
    Window { from: Option<i64>, until: i64 },
}

/// What a scheme read from a request: who claims to sign, the signature, when it is
/// valid, which query parameters are the scheme's own, and scheme-private details `P`.
#[derive(Debug, Clone)]
pub struct Claim<P> {
    pub form: Form,
    pub access_key_id: String,
    /// The signature as presented, compared with [`Scheme::expected`] in constant time.
    pub signature: String,
    pub validity: Validity,
    /// Names (as spelled in the query) of the parameters that carry the signature; they
    /// are removed before the query becomes an operation.
    pub consumed: Vec<String>,
    /// A byte offset in the raw query from which nothing reaches the operation (Qiniu:
    /// the start of `e=`).
    pub truncate_at: Option<usize>,
    pub detail: P,
}

impl<P> Claim<P> {
    /// A header-form claim: valid at its request date `t`, nothing in the query its own.
    pub fn dated(access_key_id: String, signature: String, t: i64, detail: P) -> Self {
        Claim {
            form: Form::Header,
            access_key_id,
            signature,
            validity: Validity::Dated(t),
            consumed: Vec::new(),
            truncate_at: None,
            detail,
        }
    }

    /// The same claim with its scheme-private details turned by `f`.
    pub fn map<Q>(self, f: impl FnOnce(P) -> Q) -> Claim<Q> {
        Claim {
            form: self.form,
            access_key_id: self.access_key_id,
            signature: self.signature,
            validity: self.validity,
            consumed: self.consumed,
            truncate_at: self.truncate_at,
            detail: f(self.detail),
        }
    }

    /// A presigned URL's claim: valid in `validity`, carried by the `consumed` parameters.
    pub fn presigned(
        access_key_id: String,
        signature: String,
        validity: Validity,
        consumed: Vec<String>,
        detail: P,
    ) -> Self {
        Claim {
            form: Form::Query,
            access_key_id,
            signature,
            validity,
            consumed,
            truncate_at: None,
            detail,
        }
    }
}

/// One vendor signature scheme.
pub trait Scheme {
    /// Scheme-private parts of a claim (signed header list, scope, …).
    type Detail;
    /// Short name for logs and documentation.
    const NAME: &'static str;
    /// The vendor whose SDKs sign this way.
    const VENDOR: Vendor;
    /// This scheme's credentials in `req`: `None` when the request does not carry them,
    /// an error when it does but they are malformed.
    fn parse(req: &Request) -> Option<Result<Claim<Self::Detail>, Denied>>;
    /// The signature the holder of `secret` computes for `req`, in the presented form
    /// (hex, base64, …); an error when the request lacks what the claim says it signed.
    fn expected(req: &Request, claim: &Claim<Self::Detail>, secret: &str)
        -> Result<String, Denied>;
}

/// The vendor behind a scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vendor {
    Oss,
    Obs,
    Aws,
    Tos,
    Cos,
    Qiniu,
    QingStor,
}

impl Vendor {
    /// Who answers `?imageInfo` / `?exif` for a request this vendor's SDK signed (the two
    /// share the spelling; the signature tells them apart).
    pub fn image_info_dialect(self) -> Option<Dialect> {
        match self {
            Vendor::Cos => Some(Dialect::Cos),
            Vendor::Qiniu => Some(Dialect::Qiniu),
            _ => None,
        }
    }
}

/// A request whose signature checked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub access_key_id: String,
    pub scheme: &'static str,
    pub vendor: Vendor,
    pub form: Form,
    consumed: Vec<String>,
    truncate_at: Option<usize>,
}

impl Verified {
    /// The raw query without the signature's own parameters: what becomes the operation.
    pub fn operation_query(&self, raw_query: &str) -> String {
        let kept = match self.truncate_at {
            Some(at) => raw_query.get(..at).unwrap_or(""),
            None => raw_query,
        };
        kept.split('&')
            .filter(|p| !p.is_empty())
            .filter(|p| {
                let raw_name = p.split_once('=').map_or(*p, |(n, _)| n);
                let name = canon::decode_lossy(raw_name);
                !self.consumed.contains(&name)
            })
            .collect::<Vec<_>>()
            .join("&")
    }
}

/// Why a request is refused. Messages are fixed text: nothing from the request or the
/// configuration (ids, secrets, signatures) is ever echoed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denied {
    /// Signed mode and the request carries no signature.
    Anonymous,
    /// The access key id is not in `ACCESS_KEYS`.
    UnknownKey,
    /// The signature is not the one the key's secret gives.
    SignatureMismatch,
    /// A presigned URL past its expiry.
    Expired,
    /// A presigned URL whose start lies in the future (beyond the skew allowance).
    NotYetValid,
    /// A header form whose date is more than [`MAX_SKEW_SECS`] off.
    Skewed,
    /// A header form without a usable date.
    MissingDate,
    /// A header the signature names (or the scheme requires) is not in the request.
    MissingHeader,
    /// The credentials are there but malformed; says which part.
    Malformed(&'static str),
    /// The key may not read this object (outside its `prefixes`).
    OutsidePrefixes,
    /// A method other than GET, HEAD and OPTIONS.
    MethodNotAllowed,
}

impl Denied {
    /// The fixed, secret-free message of this refusal.
    pub fn message(self) -> &'static str {
        match self {
            Denied::Anonymous => "Access Denied: this bucket is private and the request is not signed.",
            Denied::UnknownKey => "The access key id you provided does not exist in our records.",
            Denied::SignatureMismatch => "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
            Denied::Expired => "Request has expired.",
            Denied::NotYetValid => "Request is not yet valid.",
            Denied::Skewed => "The difference between the request time and the current time is too large.",
            Denied::MissingDate => "Access Denied: a signed request needs a valid Date header.",
            Denied::MissingHeader => "Your request was missing a required header.",
            Denied::Malformed(what) => what,
            Denied::OutsidePrefixes => "Access Denied: the access key may not read this object.",
            Denied::MethodNotAllowed => "The specified method is not allowed against this resource.",
        }
    }

    /// HTTP status and error code in a dialect (each vendor's own codes).
    pub fn code(self, d: Dialect) -> (u16, &'static str) {
        match d {
            Dialect::QingStor => match self {
                Denied::UnknownKey => (401, "invalid_access_key_id"),
                Denied::SignatureMismatch => (401, "signature_not_matched"),
                Denied::Expired | Denied::NotYetValid | Denied::Skewed => (403, "request_expired"),
                Denied::Malformed(_) | Denied::MissingHeader => (400, "invalid_argument"),
                Denied::MethodNotAllowed => (405, "method_not_allowed"),
                Denied::Anonymous | Denied::MissingDate | Denied::OutsidePrefixes => {
                    (403, "permission_denied")
                }
            },
            Dialect::Qiniu => match self {
                Denied::MethodNotAllowed => (405, "method not allowed"),
                Denied::OutsidePrefixes => (403, "access denied"),
                Denied::Anonymous => (401, "download token not specified"),
                Denied::Expired | Denied::NotYetValid | Denied::Skewed => {
                    (401, "token out of date")
                }
                Denied::Malformed(_) | Denied::MissingHeader | Denied::MissingDate => {
                    (401, "bad token")
                }
                Denied::UnknownKey | Denied::SignatureMismatch => {
                    (401, "download token auth failed")
                }
            },
            Dialect::Native => match self {
                Denied::Anonymous | Denied::MissingDate | Denied::OutsidePrefixes => {
                    (403, "access_denied")
                }
                Denied::UnknownKey => (403, "invalid_access_key_id"),
                Denied::SignatureMismatch => (403, "signature_does_not_match"),
                Denied::Expired | Denied::NotYetValid => (403, "request_expired"),
                Denied::Skewed => (403, "request_time_too_skewed"),
                Denied::MissingHeader => (400, "missing_security_header"),
                Denied::Malformed(_) => (400, "invalid_signature"),
                Denied::MethodNotAllowed => (405, "method_not_allowed"),
            },
            // OSS, TOS, OBS, COS (and S3, whose codes they share).
            _ => match self {
                Denied::Anonymous
                | Denied::MissingDate
                | Denied::OutsidePrefixes
                | Denied::Expired
                | Denied::NotYetValid => (403, "AccessDenied"),
                Denied::UnknownKey => (403, "InvalidAccessKeyId"),
                Denied::SignatureMismatch => (403, "SignatureDoesNotMatch"),
                Denied::Skewed => (403, "RequestTimeTooSkewed"),
                Denied::MissingHeader => (400, "MissingSecurityHeader"),
                Denied::Malformed(_) => (400, "InvalidArgument"),
                Denied::MethodNotAllowed => (405, "MethodNotAllowed"),
            },
        }
    }

    /// OSS's `EC` (error-center code) for this refusal.
    pub fn oss_ec(self) -> &'static str {
        match self {
            Denied::UnknownKey => "0002-00000902",
            Denied::SignatureMismatch => "0002-00000040",
            Denied::Expired | Denied::NotYetValid => "0002-00000069",
            Denied::Skewed => "0002-00000501",
            Denied::MissingHeader | Denied::Malformed(_) => "0002-00000012",
            Denied::MethodNotAllowed => "0016-00000001",
            Denied::Anonymous | Denied::MissingDate | Denied::OutsidePrefixes => "0003-00000001",
        }
    }
}

impl fmt::Display for Denied {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

/// Runs one scheme: `None` when the request does not carry it.
fn run<S: Scheme>(req: &Request, keys: &[AccessKey]) -> Option<Result<Verified, Denied>> {
    let claim = match S::parse(req)? {
        Ok(c) => c,
        Err(d) => return Some(Err(d)),
    };
    Some(check::<S>(req, keys, &claim))
}

fn check<S: Scheme>(
    req: &Request,
    keys: &[AccessKey],
    claim: &Claim<S::Detail>,
) -> Result<Verified, Denied> {
    let key = keys
        .iter()
        .find(|k| k.id == claim.access_key_id)
        .ok_or(Denied::UnknownKey)?;
    match claim.validity {
        Validity::Dated(t) => {
            if t.saturating_sub(req.now).saturating_abs() > MAX_SKEW_SECS {
                return Err(Denied::Skewed);
            }
        }
        Validity::Window { from, until } => {
            if req.now > until {
                return Err(Denied::Expired);
            }
            if from.is_some_and(|f| f.saturating_sub(req.now) > MAX_SKEW_SECS) {
                return Err(Denied::NotYetValid);
            }
        }
    }
    let expected = S::expected(req, claim, &key.secret)?;
    // An empty signature never matches, whatever was computed (found by fuzzing: a COS
    // claim whose listed parameter was absent once compared "" with "").
    if expected.is_empty() || !canon::ct_eq(&expected, &claim.signature) {
        return Err(Denied::SignatureMismatch);
    }
    Ok(Verified {
        access_key_id: key.id.clone(),
        scheme: S::NAME,
        vendor: S::VENDOR,
        form: claim.form,
        consumed: claim.consumed.clone(),
        truncate_at: claim.truncate_at,
    })
}

/// Verifies the request's signature, whichever vendor's it is. Each scheme reads its own
/// `Authorization` header or, failing that, its own presigned query parameters.
/// `Denied::Anonymous` when the request carries no signature at all.
pub fn verify(req: &Request, keys: &[AccessKey]) -> Result<Verified, Denied> {
    None.or_else(|| run::<aws_v4::AwsV4>(req, keys))
        .or_else(|| run::<oss_v4::OssV4>(req, keys))
        .or_else(|| run::<tos_v4::TosV4>(req, keys))
        .or_else(|| run::<oss_v1::OssV1>(req, keys))
        .or_else(|| run::<obs_v2::ObsV2>(req, keys))
        .or_else(|| run::<qingstor::QingStor>(req, keys))
        .or_else(|| run::<cos::Cos>(req, keys))
        .or_else(|| run::<qiniu::Qiniu>(req, keys))
        .unwrap_or_else(|| match req.header("authorization") {
            // A header no scheme knows is a malformed signature, not anonymity.
            Some(a) if !a.trim().is_empty() => Err(Denied::Malformed(
                "The Authorization header is not in a supported signature format.",
            )),
            _ => Err(Denied::Anonymous),
        })
}

/// Verifies the signature and that the key may read `req.key`.
pub fn authorize(req: &Request, keys: &[AccessKey]) -> Result<Verified, Denied> {
    let v = verify(req, keys)?;
    let covered = keys
        .iter()
        .find(|k| k.id == v.access_key_id)
        .is_some_and(|k| k.covers(req.key));
    if covered {
        Ok(v)
    } else {
        Err(Denied::OutsidePrefixes)
    }
}

/// Whether a verified key may list keys under `prefix`: every key it would show must
/// be one the key may read, so the listed prefix must lie inside one of its prefixes.
pub fn may_list(keys: &[AccessKey], v: &Verified, prefix: &str) -> bool {
    keys.iter()
        .find(|k| k.id == v.access_key_id)
        .is_some_and(|k| k.covers(prefix))
}

/// The methods a Worker that never writes answers: GET, HEAD and (CORS) OPTIONS.
pub fn method_allowed(method: &str) -> Result<(), Denied> {
    match method {
        "GET" | "HEAD" | "OPTIONS" => Ok(()),
        _ => Err(Denied::MethodNotAllowed),
    }
}

#[cfg(test)]
mod tests;

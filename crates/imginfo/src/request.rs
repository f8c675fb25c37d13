//! Request grammar: URL path and query in, a typed [`Op`] out. Every vendor spelling of
//! "image info" is recognised here and nowhere else; nothing downstream sees the raw
//! query. Unknown or malformed processing parameters are errors in the caller's dialect,
//! never a silent fall-through to serving the object. Signature and SDK parameters
//! (OSS, TOS, OBS, COS, Qiniu, QingStor, S3) are recognised and ignored, so they never
//! make a request ambiguous or invalid.

use crate::error::Error;
use percent_encoding::percent_decode_str;

/// The vendor whose request and response shapes a caller speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Dialect {
    /// Alibaba OSS `?x-oss-process=image/info` and the bare `?image/info`.
    Oss,
    /// Volcengine TOS `?x-tos-process=image/info` (OSS's response shape, JSON errors).
    Tos,
    /// QingStor `?image&action=info`.
    QingStor,
    /// Huawei OBS image processing `?x-image-process=image/info`.
    ObsImg,
    /// Tencent COS (Cloud Infinite) `?imageInfo`, `?exif`.
    Cos,
    /// Qiniu `?imageInfo`, `?exif`.
    #[default]
    Qiniu,
    /// Our own typed JSON, `?info`.
    Native,
}

impl Dialect {
    /// Every dialect, for tests and documentation.
    pub const ALL: [Dialect; 7] = [
        Dialect::Oss,
        Dialect::Tos,
        Dialect::QingStor,
        Dialect::ObsImg,
        Dialect::Cos,
        Dialect::Qiniu,
        Dialect::Native,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Dialect::Oss => "oss",
            Dialect::Tos => "tos",
            Dialect::QingStor => "qingstor",
            Dialect::ObsImg => "obs",
            Dialect::Cos => "cos",
            Dialect::Qiniu => "qiniu",
            Dialect::Native => "native",
        }
    }

    /// The response header that carries the request id in this vendor's answers.
    pub fn request_id_header(self) -> &'static str {
        match self {
            Dialect::Oss => "x-oss-request-id",
            Dialect::Tos => "x-tos-request-id",
            Dialect::QingStor => "x-qs-request-id",
            Dialect::ObsImg => "x-obs-request-id",
            Dialect::Cos => "x-cos-request-id",
            Dialect::Qiniu => "X-Reqid",
            Dialect::Native => "x-request-id",
        }
    }

    /// Whether this dialect has an `?exif` route (COS and Qiniu).
    pub fn has_exif_route(self) -> bool {
        matches!(self, Dialect::Cos | Dialect::Qiniu)
    }
}

/// What a request asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// The object itself (GET) or its metadata (HEAD).
    Object,
    /// Image info in a vendor dialect.
    Info(Dialect),
    /// EXIF only (COS and Qiniu `?exif`).
    Exif(Dialect),
    /// Average colour: OSS/TOS/OBS `image/average-hue`, COS/Qiniu `?imageAve`, native
    /// `?info&hue` (the info answer with an `averageColor` member).
    Hue(Dialect),
}

/// A parsed request: the object key (decoded once), the action, and the object version
/// a caller pinned with `versionId`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Op {
    pub key: String,
    pub action: Action,
    pub version_id: Option<String>,
}

/// A request that cannot be served, with the dialect its error must be written in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    pub dialect: Dialect,
    pub error: Error,
}

/// What the request's headers and the configuration contribute to parsing.
#[derive(Debug, Clone, Default)]
pub struct Hints {
    /// The `Authorization` request header, if any.
    pub authorization: Option<String>,
    /// Who answers `?imageInfo` / `?exif` when nothing in the request tells COS from
    /// Qiniu (configuration; Qiniu by default).
    pub image_info_default: Dialect,
}

/// One `name[=value]` query pair, both percent-decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    pub name: String,
    pub value: Option<String>,
}

/// Splits a raw query into decoded pairs. `+` stays a plus: no vendor SDK form-encodes.
pub fn params(query: &str) -> Vec<Param> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (n, v) = match p.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (p, None),
            };
            Param {
                name: decode(n),
                value: v.map(decode),
            }
        })
        .collect()
}

fn decode(s: &str) -> String {
    percent_decode_str(s).decode_utf8_lossy().into_owned()
}

/// Longest object key accepted, in bytes (S3's, OSS's and OBS's limit).
pub const MAX_KEY_BYTES: usize = 1024;

/// Decodes the URL path into an object key: leading `/` removed, percent-decoding
/// applied exactly once. A key that could mean another path once it reaches an origin
/// is refused: empty, `.` or `..` segments, NUL and other control characters,
/// backslashes, and keys over [`MAX_KEY_BYTES`]. (`GET /` names no key and is not one.)
pub fn key_from_path(path: &str) -> Result<String, Error> {
    let raw = path.strip_prefix('/').unwrap_or(path);
    let key = percent_decode_str(raw)
        .decode_utf8()
        .map(|k| k.into_owned())
        .map_err(|_| Error::BadRequest("the object key is not valid UTF-8".into()))?;
    check_key(&key)?;
    Ok(key)
}

/// The key rules of [`key_from_path`].
pub fn check_key(key: &str) -> Result<(), Error> {
    if key.is_empty() {
        return Ok(());
    }
    if key.len() > MAX_KEY_BYTES {
        return Err(bad(&format!(
            "the object key is longer than {MAX_KEY_BYTES} bytes"
        )));
    }
    if key.chars().any(char::is_control) {
        return Err(bad("the object key holds a control character"));
    }
    if key.contains('\\') {
        return Err(bad("the object key holds a backslash"));
    }
    if key
        .split('/')
        .any(|s| s.is_empty() || s == "." || s == "..")
    {
        return Err(bad(
            "the object key has an empty, \".\" or \"..\" path segment",
        ));
    }
    Ok(())
}

/// How a request named its bucket: the three addressing styles the vendors' SDKs use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Addressing {
    /// `/<key>` on a domain bound to the bucket (CNAME / custom-domain mode), or no
    /// bucket name configured.
    CustomDomain,
    /// `/<bucket>/<key>`: the bucket is the first path segment.
    PathStyle,
    /// `<bucket>.<domain>` in `Host`, `/<key>` in the path.
    VirtualHost,
}

/// Removes the configured bucket name from a request's addressing, returning the style
/// and the raw (still percent-encoded) path that names the key.
///
/// The rule, in order: with no bucket configured the path is the key's. A `Host` whose
/// first label is the bucket name (`<bucket>.example.com`, port ignored, any case) is
/// virtual-host style and the path is left alone. Otherwise a path that is `/<bucket>`
/// or starts with `/<bucket>/` is path style and loses that segment. Anything else is
/// custom-domain style.
///
/// The one ambiguity: in custom-domain style a key that itself starts with
/// `<bucket>/` is read as path style (the segment is stripped). Such a key is reached
/// path style (`/<bucket>/<bucket>/…`) or virtual-host style, or by leaving the bucket
/// name unconfigured. The segment is compared before percent-decoding: bucket names are
/// DNS labels and no SDK encodes them.
pub fn strip_bucket<'a>(host: &str, path: &'a str, bucket: Option<&str>) -> (Addressing, &'a str) {
    let Some(bucket) = bucket.filter(|b| !b.is_empty()) else {
        return (Addressing::CustomDomain, path);
    };
    let hostname = host.rsplit_once(':').map_or(host, |(h, port)| {
        if port.bytes().all(|b| b.is_ascii_digit()) {
            h
        } else {
            host
        }
    });
    let label = hostname.split('.').next().unwrap_or("");
    if hostname.len() > label.len() && label.eq_ignore_ascii_case(bucket) {
        return (Addressing::VirtualHost, path);
    }
    let rest = path.strip_prefix('/').and_then(|p| p.strip_prefix(bucket));
    match rest {
        Some("") => (Addressing::PathStyle, "/"),
        Some(r) if r.starts_with('/') => (Addressing::PathStyle, r),
        _ => (Addressing::CustomDomain, path),
    }
}

/// Query parameters that sign or tune a request for some vendor's SDK and never ask for
/// processing. Matched case-insensitively against the whole name.
const SIGNATURE_PARAMS: &[&str] = &[
    // Alibaba OSS v1 / S3 v2 presigned URLs.
    "ossaccesskeyid",
    "awsaccesskeyid",
    "accesskeyid",
    "expires",
    "signature",
    "security-token",
    // QingStor presigned URLs.
    "access_key_id",
    // Qiniu private download URLs.
    "e",
    "token",
    // COS presigned URLs.
    "q-ak",
    "sign",
    // Versioning, shared by all.
    "versionid",
];

/// Prefixes of signature/SDK parameter names (case-insensitive).
const SIGNATURE_PREFIXES: &[&str] = &[
    // S3 v4 (also OBS, R2), TOS and OSS v4 presigned URLs.
    "x-amz-",
    "x-tos-",
    "x-oss-",
    "x-obs-",
    // COS signatures: q-sign-algorithm, q-sign-time, q-key-time, q-header-list, …
    "q-",
    // Response header overrides: response-content-type, response-cache-control, …
    "response-",
];

/// The processing parameters that are not signatures even though they share a prefix.
const PROCESS_PARAMS: &[&str] = &["x-oss-process", "x-tos-process"];

/// True for a parameter that only signs or tunes the request.
pub fn is_signature_param(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    if PROCESS_PARAMS.contains(&n.as_str()) {
        return false;
    }
    SIGNATURE_PARAMS.contains(&n.as_str()) || SIGNATURE_PREFIXES.iter().any(|p| n.starts_with(p))
}

/// Qiniu/COS processing commands (their "fop" names) other than the two we answer:
/// a request naming one of these asks for processing this service does not do.
const FOP_NAMES: &[&str] = &[
    "imageView2",
    "imageMogr2",
    "imageAve",
    "imageslim",
    "watermark",
    "qrcode",
    "avinfo",
];

/// Of those, the ones that also stand alone without arguments (`imageAve` alone is
/// answered; with arguments it is refused like the others).
const BARE_FOPS: &[&str] = &["imageslim", "avinfo"];

/// Picks COS or Qiniu for the shared `?imageInfo` / `?exif` spellings.
fn cos_or_qiniu(ps: &[Param], hints: &Hints) -> Dialect {
    let cos_auth = hints
        .authorization
        .as_deref()
        .is_some_and(|a| a.trim_start().starts_with("q-sign-algorithm="));
    if cos_auth
        || ps
            .iter()
            .any(|p| p.name.eq_ignore_ascii_case("q-sign-algorithm"))
    {
        return Dialect::Cos;
    }
    let has = |n: &str| ps.iter().any(|p| p.name == n);
    if has("e") && has("token") {
        return Dialect::Qiniu;
    }
    match hints.image_info_default {
        Dialect::Cos => Dialect::Cos,
        _ => Dialect::Qiniu,
    }
}

/// Parses a request URL's path and query into an operation.
pub fn parse(path: &str, query: Option<&str>, hints: &Hints) -> Result<Op, Rejected> {
    let ps = params(query.unwrap_or(""));
    let mut found: Option<(Dialect, Result<Action, Error>)> = None;
    let mut version_id = None;
    // `hue` qualifies `info` (native); it is not a processing parameter by itself.
    let mut hue: Option<bool> = None;
    for p in &ps {
        let v = p.value.as_deref();
        let this = match p.name.as_str() {
            n if n.eq_ignore_ascii_case("versionId") => {
                version_id = v.filter(|s| !s.is_empty()).map(str::to_string);
                None
            }
            "x-oss-process" => Some((Dialect::Oss, process(Dialect::Oss, "x-oss-process", v))),
            "x-tos-process" => Some((Dialect::Tos, process(Dialect::Tos, "x-tos-process", v))),
            "x-image-process" => Some((
                Dialect::ObsImg,
                process(Dialect::ObsImg, "x-image-process", v),
            )),
            n if n.starts_with("image/") && v.is_none() => {
                Some((Dialect::Oss, process(Dialect::Oss, "image", Some(n))))
            }
            "image" if v.unwrap_or("").is_empty() => {
                let action = ps
                    .iter()
                    .find(|q| q.name == "action")
                    .and_then(|q| q.value.as_deref());
                Some((Dialect::QingStor, qingstor_action(action)))
            }
            "hue" => {
                hue = Some(v.is_none_or(str::is_empty));
                None
            }
            "imageAve" => {
                let d = cos_or_qiniu(&ps, hints);
                let r = match v {
                    Some(s) if !s.is_empty() => Err(bad("imageAve takes no value")),
                    _ => Ok(Action::Hue(d)),
                };
                Some((d, r))
            }
            "imageInfo" | "exif" => {
                let d = cos_or_qiniu(&ps, hints);
                let r = match v {
                    Some(s) if !s.is_empty() => Err(bad(&format!("{} takes no value", p.name))),
                    _ if p.name == "exif" => Ok(Action::Exif(d)),
                    _ => Ok(Action::Info(d)),
                };
                Some((d, r))
            }
            n if is_fop(n) => {
                let d = cos_or_qiniu(&ps, hints);
                Some((
                    d,
                    Err(bad(&format!(
                        "unsupported processing \"{n}\": only imageInfo, exif and imageAve are supported"
                    ))),
                ))
            }
            "info" => Some((
                Dialect::Native,
                match v {
                    Some(s) if !s.is_empty() => Err(bad("info takes no value")),
                    _ => Ok(Action::Info(Dialect::Native)),
                },
            )),
            _ => None,
        };
        if let Some((d, r)) = this {
            if let Some((first, _)) = &found {
                return Err(Rejected {
                    dialect: *first,
                    error: bad("more than one processing parameter"),
                });
            }
            found = Some((d, r));
        }
    }
    let (dialect, action) = match (found, hue) {
        (None, Some(_)) => (
            Dialect::Native,
            Err(bad("hue is a member of ?info: ask for ?info&hue")),
        ),
        (None, None) => (Dialect::Native, Ok(Action::Object)),
        (Some((Dialect::Native, Ok(Action::Info(_)))), Some(false)) => {
            (Dialect::Native, Err(bad("hue takes no value")))
        }
        (Some((Dialect::Native, Ok(Action::Info(_)))), Some(true)) => {
            (Dialect::Native, Ok(Action::Hue(Dialect::Native)))
        }
        (Some((d, r)), _) => (d, r),
    };
    let action = action.map_err(|error| Rejected { dialect, error })?;
    let key = key_from_path(path).map_err(|error| Rejected { dialect, error })?;
    if action != Action::Object && key.is_empty() {
        return Err(Rejected {
            dialect,
            error: bad("no object key in the path"),
        });
    }
    Ok(Op {
        key,
        action,
        version_id,
    })
}

fn bad(msg: &str) -> Error {
    Error::BadRequest(msg.to_string())
}

/// A Qiniu/COS processing command: `imageView2/…`, `imageMogr2/…`, `watermark/…`, or a
/// pipe of them, or `exif/…`, `imageInfo/…` with arguments we do not take.
fn is_fop(name: &str) -> bool {
    let head = name.split(['/', '|']).next().unwrap_or("");
    let is_ours_with_args = (head == "imageInfo" || head == "exif") && name.len() > head.len();
    let has_args = name.len() > head.len();
    is_ours_with_args || (FOP_NAMES.contains(&head) && (has_args || BARE_FOPS.contains(&head)))
}

/// OSS-style process strings (OSS, TOS, OBS): `image/info` and `image/average-hue`. A
/// chain such as `image/resize,w_100/info` asks for processing this service does not do.
fn process(d: Dialect, param: &str, v: Option<&str>) -> Result<Action, Error> {
    let v = match v {
        Some(v) if !v.is_empty() => v,
        _ => return Err(bad(&format!("{param} needs a value"))),
    };
    match v.trim_end_matches('/') {
        "image/info" => Ok(Action::Info(d)),
        "image/average-hue" => Ok(Action::Hue(d)),
        other if other.starts_with("image/") => Err(Error::BadRequest(format!(
            "unsupported image process \"{other}\": only image/info and image/average-hue are supported"
        ))),
        other => Err(Error::BadRequest(format!(
            "unsupported process \"{other}\""
        ))),
    }
}

/// QingStor's `action` grammar is `operation:k_v[,k_v][|operation…]`: only a lone
/// `info` is answered here.
fn qingstor_action(action: Option<&str>) -> Result<Action, Error> {
    match action {
        Some("info") => Ok(Action::Info(Dialect::QingStor)),
        Some(a) if a.split('|').count() > 1 => Err(bad(&format!(
            "unsupported image action \"{a}\": info cannot be combined"
        ))),
        Some(a) => Err(bad(&format!(
            "unsupported image action \"{a}\": only info is supported"
        ))),
        None => Err(bad("image needs an action parameter")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(path: &str, q: &str) -> Result<Op, Rejected> {
        parse(path, Some(q), &Hints::default())
    }
    fn action(q: &str) -> Action {
        p("/k.jpg", q)
            .map(|o| o.action)
            .unwrap_or_else(|r| panic!("{q}: {r:?}"))
    }
    fn rejected(q: &str) -> Dialect {
        match p("/k.jpg", q) {
            Err(r) => {
                assert!(matches!(r.error, Error::BadRequest(_)), "{q}: {r:?}");
                r.dialect
            }
            Ok(op) => panic!("{q}: accepted as {op:?}"),
        }
    }

    #[test]
    fn oss_spellings() {
        for q in [
            "image/info",
            "x-oss-process=image/info",
            "x-oss-process=image%2Finfo",
            "v=1&image/info",
        ] {
            let op = p("/a/b%20c+d.jpg", q).unwrap();
            assert_eq!(op.key, "a/b c+d.jpg");
            assert_eq!(op.action, Action::Info(Dialect::Oss), "{q}");
        }
        assert_eq!(
            parse("/k.jpg", None, &Hints::default()).unwrap().action,
            Action::Object
        );
        assert_eq!(action("v=3"), Action::Object);
    }

    #[test]
    fn every_dialect_spelling() {
        assert_eq!(
            action("x-tos-process=image/info"),
            Action::Info(Dialect::Tos)
        );
        assert_eq!(
            action("x-image-process=image/info"),
            Action::Info(Dialect::ObsImg)
        );
        assert_eq!(action("image&action=info"), Action::Info(Dialect::QingStor));
        assert_eq!(action("action=info&image"), Action::Info(Dialect::QingStor));
        assert_eq!(action("imageInfo"), Action::Info(Dialect::Qiniu));
        assert_eq!(action("exif"), Action::Exif(Dialect::Qiniu));
        assert_eq!(action("info"), Action::Info(Dialect::Native));
        assert_eq!(
            action("action=info"),
            Action::Object,
            "action alone is not QingStor processing"
        );
    }

    #[test]
    fn cos_or_qiniu_selection() {
        let cos_default = Hints {
            authorization: None,
            image_info_default: Dialect::Cos,
        };
        let op = |q: &str, h: &Hints| parse("/k.jpg", Some(q), h).unwrap().action;
        assert_eq!(op("imageInfo", &cos_default), Action::Info(Dialect::Cos));
        assert_eq!(
            op("e=1700000000&token=ak:sig&imageInfo", &cos_default),
            Action::Info(Dialect::Qiniu)
        );
        assert_eq!(
            op("q-sign-algorithm=sha1&q-ak=AK&q-sign-time=1;2&q-key-time=1;2&q-header-list=&q-url-param-list=&q-signature=ab&exif", &Hints::default()),
            Action::Exif(Dialect::Cos)
        );
        let cos_auth = Hints {
            authorization: Some("q-sign-algorithm=sha1&q-ak=AK&q-signature=x".into()),
            image_info_default: Dialect::Qiniu,
        };
        assert_eq!(op("imageInfo", &cos_auth), Action::Info(Dialect::Cos));
        assert_eq!(op("exif", &Hints::default()), Action::Exif(Dialect::Qiniu));
    }

    #[test]
    fn signature_params_are_ignored() {
        for q in [
            "OSSAccessKeyId=a&Expires=1&Signature=s&x-oss-process=image/info",
            "x-oss-process=image/info&x-oss-signature-version=OSS4-HMAC-SHA256&x-oss-credential=c&x-oss-date=d&x-oss-expires=60&x-oss-signature=s",
            "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=c&X-Amz-Signature=s&x-image-process=image/info",
            "X-Tos-Algorithm=TOS4-HMAC-SHA256&X-Tos-Signature=s&x-tos-process=image/info",
            "AccessKeyId=a&Expires=1&Signature=s&x-image-process=image/info",
            "access_key_id=a&expires=1&signature=s&image&action=info",
            "AWSAccessKeyId=a&Expires=1&Signature=s&image/info",
            "versionId=v1&response-content-type=text/plain&info",
        ] {
            assert!(p("/k.jpg", q).is_ok(), "{q}");
        }
        for q in [
            "X-Amz-Signature=s",
            "e=1&token=t",
            "q-sign-algorithm=sha1&q-signature=s",
            "versionId=abc",
        ] {
            assert_eq!(action(q), Action::Object, "{q}");
        }
        assert_eq!(
            p("/k.jpg", "versionId=abc&info")
                .unwrap()
                .version_id
                .as_deref(),
            Some("abc")
        );
    }

    #[test]
    fn rejects_unknown_processing_in_its_dialect() {
        for q in [
            "x-oss-process=image/resize,w_1/info",
            "x-oss-process=image/resize,w_100",
            "x-oss-process",
            "x-oss-process=",
            "x-oss-process=video/snapshot",
            "image/resize,w_1",
            "image/info&x-oss-process=image/info",
        ] {
            assert_eq!(rejected(q), Dialect::Oss, "{q}");
        }
        assert_eq!(rejected("x-tos-process=image/resize,w_1"), Dialect::Tos);
        assert_eq!(
            rejected("x-image-process=image/resize,w_1/info"),
            Dialect::ObsImg
        );
        assert_eq!(rejected("x-image-process=style/thumb"), Dialect::ObsImg);
        for q in [
            "image",
            "image&action=resize:w_300",
            "image&action=resize:w_300|info",
            "image&action=",
        ] {
            assert_eq!(rejected(q), Dialect::QingStor, "{q}");
        }
        for q in [
            "imageView2/1/w/100",
            "imageMogr2/thumbnail/100x",
            "imageInfo=1",
            "exif/version/v2",
            "imageInfo|imageMogr2/rotate/90",
            "watermark/1/image/aHR0",
        ] {
            assert_eq!(rejected(q), Dialect::Qiniu, "{q}");
        }
        assert_eq!(rejected("info=1"), Dialect::Native);
        assert_eq!(rejected("info&imageInfo"), Dialect::Native);
        assert_eq!(p("/", "image/info").unwrap_err().dialect, Dialect::Oss);
        assert_eq!(p("/%FF", "exif").unwrap_err().dialect, Dialect::Qiniu);
        assert!(parse("/%FF", None, &Hints::default()).is_err());
    }

    #[test]
    fn average_hue_spellings() {
        assert_eq!(
            action("x-oss-process=image/average-hue"),
            Action::Hue(Dialect::Oss)
        );
        assert_eq!(action("image/average-hue"), Action::Hue(Dialect::Oss));
        assert_eq!(
            action("x-oss-process=image/average-hue/"),
            Action::Hue(Dialect::Oss)
        );
        assert_eq!(
            action("x-tos-process=image/average-hue"),
            Action::Hue(Dialect::Tos)
        );
        assert_eq!(
            action("x-image-process=image/average-hue"),
            Action::Hue(Dialect::ObsImg)
        );
        assert_eq!(action("imageAve"), Action::Hue(Dialect::Qiniu));
        assert_eq!(
            action("q-sign-algorithm=sha1&q-signature=s&imageAve"),
            Action::Hue(Dialect::Cos)
        );
        assert_eq!(action("info&hue"), Action::Hue(Dialect::Native));
        assert_eq!(action("hue&info"), Action::Hue(Dialect::Native));
        assert_eq!(action("info&hue="), Action::Hue(Dialect::Native));
        // hue is native only: another dialect ignores it like any unknown parameter.
        assert_eq!(
            action("x-oss-process=image/info&hue"),
            Action::Info(Dialect::Oss)
        );
        for q in ["hue", "info&hue=1"] {
            assert_eq!(rejected(q), Dialect::Native, "{q}");
        }
        for q in ["imageAve=1", "imageAve/x", "imageAve|imageInfo"] {
            assert_eq!(rejected(q), Dialect::Qiniu, "{q}");
        }
        for q in [
            "x-oss-process=image/average-hue/info",
            "x-oss-process=image/resize,w_1/average-hue",
            "x-oss-process=image/average-hue,x_1",
        ] {
            assert_eq!(rejected(q), Dialect::Oss, "{q}");
        }
        assert_eq!(rejected("imageAve&imageInfo"), Dialect::Qiniu);
    }

    #[test]
    fn keys_that_could_escape_are_refused() {
        for path in [
            "/a/../b.jpg",
            "/a/%2E%2E/b.jpg",
            "/..",
            "/./a.jpg",
            "/a//b.jpg",
            "/a%2F%2Fb.jpg",
            "//a.jpg",
            "/a/",
            "/a%00.jpg",
            "/a%0A.jpg",
            "/a%7F.jpg",
            "/a%C2%85.jpg",
            "/a%5Cb.jpg",
            "/a\\b.jpg",
        ] {
            assert!(
                matches!(key_from_path(path), Err(Error::BadRequest(_))),
                "{path}"
            );
            assert!(
                parse(path, Some("info"), &Hints::default()).is_err(),
                "{path}"
            );
            assert!(parse(path, None, &Hints::default()).is_err(), "{path}");
        }
        let long = format!("/{}", "k".repeat(MAX_KEY_BYTES + 1));
        assert!(key_from_path(&long).is_err());
        let max = format!("/{}", "k".repeat(MAX_KEY_BYTES));
        assert_eq!(key_from_path(&max).unwrap().len(), MAX_KEY_BYTES);
        // Decoded once: "%252E%252E" is the key "%2E%2E", a name, not "..".
        assert_eq!(key_from_path("/a/%252E%252E/b").unwrap(), "a/%2E%2E/b");
        for ok in [
            "/",
            "",
            "/a.jpg",
            "/a/b c/图.jpg",
            "/.hidden",
            "/a..b/...",
            "/a%2Fb.jpg",
        ] {
            assert!(key_from_path(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn dialect_names_and_headers_are_distinct() {
        let mut names: Vec<_> = Dialect::ALL.iter().map(|d| d.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Dialect::ALL.len());
        assert_eq!(Dialect::QingStor.request_id_header(), "x-qs-request-id");
        assert_eq!(Dialect::Qiniu.request_id_header(), "X-Reqid");
    }

    #[test]
    fn bucket_is_stripped_from_path_and_host() {
        let b = Some("bkt");
        let s = |host: &str, path: &'static str| strip_bucket(host, path, b);
        assert_eq!(
            s("img.example.com", "/a/b.jpg"),
            (Addressing::CustomDomain, "/a/b.jpg")
        );
        assert_eq!(
            s("localhost:8787", "/bkt/a/b.jpg"),
            (Addressing::PathStyle, "/a/b.jpg")
        );
        assert_eq!(
            s("127.0.0.1", "/bkt/a%2Fb.jpg"),
            (Addressing::PathStyle, "/a%2Fb.jpg")
        );
        assert_eq!(s("localhost", "/bkt"), (Addressing::PathStyle, "/"));
        assert_eq!(s("localhost", "/bkt/"), (Addressing::PathStyle, "/"));
        // A longer first segment is not the bucket.
        assert_eq!(
            s("localhost", "/bkt2/a.jpg"),
            (Addressing::CustomDomain, "/bkt2/a.jpg")
        );
        assert_eq!(s("localhost", "/bktx"), (Addressing::CustomDomain, "/bktx"));
        // Virtual host: the path is the key's, even when it starts with the bucket name.
        assert_eq!(
            s("bkt.localhost:9000", "/bkt/a.jpg"),
            (Addressing::VirtualHost, "/bkt/a.jpg")
        );
        assert_eq!(
            s("BKT.oss-cn-hangzhou.aliyuncs.com", "/a.jpg"),
            (Addressing::VirtualHost, "/a.jpg")
        );
        // A host that is only the bucket name is not virtual-host style.
        assert_eq!(s("bkt", "/bkt/a.jpg"), (Addressing::PathStyle, "/a.jpg"));
        assert_eq!(s("bkt:80", "/a.jpg"), (Addressing::CustomDomain, "/a.jpg"));
        assert_eq!(
            s("bktx.localhost", "/a.jpg"),
            (Addressing::CustomDomain, "/a.jpg")
        );
        // No bucket configured: nothing is stripped.
        assert_eq!(
            strip_bucket("bkt.localhost", "/bkt/a.jpg", None),
            (Addressing::CustomDomain, "/bkt/a.jpg")
        );
        assert_eq!(
            strip_bucket("x", "/bkt/a.jpg", Some("")),
            (Addressing::CustomDomain, "/bkt/a.jpg")
        );
    }

    /// What each vendor SDK sends (recorded with a logging server), parsed.
    #[test]
    fn vendor_sdk_requests_parse() {
        let key = "dir/a b+c/图片.jpg";
        let h = Hints::default();
        let cases: &[(&str, &str, Action)] = &[
            // ali-oss (`/` kept, `+` as %2B, process encoded), V1 presigned.
            ("/dir/a%20b%2Bc/%E5%9B%BE%E7%89%87.jpg", "OSSAccessKeyId=AK&Expires=1795906929&Signature=5boGAWRGWzEJ%2FdEtGw2cWTS20Io%3D&x-oss-process=image%2Finfo", Action::Info(Dialect::Oss)),
            // TOS and QingStor encode `/` as %2F.
            ("/dir%2Fa%20b%2Bc%2F%E5%9B%BE%E7%89%87.jpg", "x-tos-process=image%2Finfo", Action::Info(Dialect::Tos)),
            ("/dir%2Fa%20b%2Bc%2F%E5%9B%BE%E7%89%87.jpg", "x-tos-process=image%2Finfo&X-Tos-Algorithm=TOS4-HMAC-SHA256&X-Tos-Content-Sha256=UNSIGNED-PAYLOAD&X-Tos-Credential=AK%2F20261128%2Fcn-beijing%2Ftos%2Frequest&X-Tos-Date=20261128T223426Z&X-Tos-Expires=1800&X-Tos-SignedHeaders=host&X-Tos-Signature=abc", Action::Info(Dialect::Tos)),
            ("/dir%2Fa%20b%2Bc%2F%E5%9B%BE%E7%89%87.jpg", "image&action=info", Action::Info(Dialect::QingStor)),
            // OBS (AWS V2 presigned, parameters in its order, not encoded).
            ("/dir/a%20b%2Bc/%E5%9B%BE%E7%89%87.jpg", "AWSAccessKeyId=AK&Expires=1795905505&x-image-process=image/info&Signature=S9fs0MmZOwCWi4AGigfpxdfO0wI%3D", Action::Info(Dialect::ObsImg)),
            ("/dir/a%20b%2Bc/%E5%9B%BE%E7%89%87.jpg", "AccessKeyId=AK&Expires=1795905505&x-image-process=image/info&Signature=S9fs", Action::Info(Dialect::ObsImg)),
            // COS sends `imageInfo=`; its presigned URL carries q-sign-* in the query.
            ("/dir/a%20b%2Bc/%E5%9B%BE%E7%89%87.jpg", "q-sign-algorithm=sha1&q-ak=AK&q-sign-time=1795905264;1795906164&q-key-time=1795905264;1795906164&q-header-list=host&q-url-param-list=imageinfo&q-signature=ec82&imageInfo=", Action::Info(Dialect::Cos)),
            // Qiniu keeps `+` unencoded in the path: a plus, never a space.
            ("/dir/a%20b+c/%E5%9B%BE%E7%89%87.jpg", "imageInfo&e=2000000000&token=AK:Hrmv_yu2xNxLydbm7oYgIPLPAow=", Action::Info(Dialect::Qiniu)),
            // The S3 SDK adds `x-id=GetObject`; with an appended process it is still info.
            ("/dir/a%20b%2Bc/%E5%9B%BE%E7%89%87.jpg", "x-id=GetObject", Action::Object),
            ("/dir/a%20b%2Bc/%E5%9B%BE%E7%89%87.jpg", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Content-Sha256=UNSIGNED-PAYLOAD&X-Amz-Credential=AK%2F20261128%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261128T223426Z&X-Amz-Expires=600&X-Amz-Signature=1e23&X-Amz-SignedHeaders=host&x-id=GetObject&x-image-process=image/info", Action::Info(Dialect::ObsImg)),
        ];
        for (path, q, want) in cases {
            let op = parse(path, Some(q), &h).unwrap_or_else(|r| panic!("{path}?{q}: {r:?}"));
            assert_eq!(op.key, key, "{path}?{q}");
            assert_eq!(&op.action, want, "{path}?{q}");
        }
        // COS signing in the Authorization header, plain `imageInfo=` query.
        let cos = Hints {
            authorization: Some("q-sign-algorithm=sha1&q-ak=AK&q-sign-time=1;2".into()),
            ..Hints::default()
        };
        assert_eq!(
            parse("/a.jpg", Some("imageInfo="), &cos).unwrap().action,
            Action::Info(Dialect::Cos)
        );
        // The configured default decides an anonymous `?imageInfo`.
        let cos_default = Hints {
            image_info_default: Dialect::Cos,
            ..Hints::default()
        };
        assert_eq!(
            parse("/a.jpg", Some("imageInfo"), &cos_default)
                .unwrap()
                .action,
            Action::Info(Dialect::Cos)
        );
        assert_eq!(
            parse("/a.jpg", Some("imageInfo&e=1&token=t"), &cos_default)
                .unwrap()
                .action,
            Action::Info(Dialect::Qiniu)
        );
    }
}

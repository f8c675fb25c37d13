//! The vendor an object request speaks, read from how it is signed, and what follows
//! from it on the object routes (`HEAD`, plain `GET` and their errors): the request-id
//! header, the `x-<vendor>-` header family that carries version id, storage class and
//! user metadata, and the error body shape.
//!
//! Each vendor's SDK reads its own family and nothing else: the OBS SDK, once it has
//! signed AWS V2, reads `x-amz-version-id` and `x-amz-request-id` (OBS itself answers an
//! AWS-signed request with `x-amz-*` and an OBS-signed one with `x-obs-*`); oss2 turns a
//! `HEAD` 404 into `NoSuchKey` only when `x-oss-err` carries the error XML; TOS treats an
//! error without `x-tos-request-id` as a network failure and retries it. Anonymous
//! requests get OBS's family, as the Worker always answered. Info answers keep their
//! dialect's shape (`render/`); only their request-id header gains the signer's.

use crate::object::{obs_headers, ObjectMeta};
use crate::render::{json_string, xml_escape, Ctx, Rendered};
use crate::request::{params, Dialect};
use base64::Engine;

/// The header family an object answer is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Huawei OBS (`OBS <ak>:<sig>`), and anonymous requests.
    Obs,
    /// AWS S3 (`AWS4-HMAC-SHA256`, AWS V2 `AWS <ak>:<sig>`, `X-Amz-*` presigned URLs):
    /// boto3 / the AWS SDKs, and the OBS SDK in path-style or custom-domain mode.
    S3,
    /// Alibaba OSS (`OSS <ak>:<sig>`, `OSS4-HMAC-SHA256`, `OSSAccessKeyId`).
    Oss,
    /// Volcengine TOS (`TOS4-HMAC-SHA256`, `X-Tos-*`).
    Tos,
    /// QingStor (`QS <ak>:<sig>`, `access_key_id`).
    QingStor,
    /// Tencent COS (`q-sign-algorithm=…` in `Authorization` or the query).
    Cos,
    /// Qiniu (`QBox`/`Qiniu` tokens, private URLs with `e` and `token`).
    Qiniu,
}

/// `Authorization` prefixes, most specific first.
const AUTH_PREFIXES: &[(&str, Family)] = &[
    ("AWS4-HMAC-SHA256", Family::S3),
    ("AWS ", Family::S3),
    ("OBS ", Family::Obs),
    ("OSS4-HMAC-SHA256", Family::Oss),
    ("OSS ", Family::Oss),
    ("TOS4-HMAC-SHA256", Family::Tos),
    ("QS ", Family::QingStor),
    ("q-sign-algorithm=", Family::Cos),
    ("QBox ", Family::Qiniu),
    ("Qiniu ", Family::Qiniu),
];

/// Presigned-URL parameters (lower-cased) that name their signer.
const QUERY_SIGNERS: &[(&str, Family)] = &[
    ("x-amz-algorithm", Family::S3),
    ("x-amz-credential", Family::S3),
    ("awsaccesskeyid", Family::S3),
    // OBS's own V2 presigned URLs (AWS-signed ones use AWSAccessKeyId).
    ("accesskeyid", Family::Obs),
    ("ossaccesskeyid", Family::Oss),
    ("x-oss-signature-version", Family::Oss),
    ("x-oss-credential", Family::Oss),
    ("x-tos-algorithm", Family::Tos),
    ("x-tos-credential", Family::Tos),
    ("access_key_id", Family::QingStor),
    ("q-sign-algorithm", Family::Cos),
];

impl Family {
    /// Every family, for tests and documentation.
    pub const ALL: [Family; 7] = [
        Family::Obs,
        Family::S3,
        Family::Oss,
        Family::Tos,
        Family::QingStor,
        Family::Cos,
        Family::Qiniu,
    ];

    /// The family of an anonymous request.
    pub const ANONYMOUS: Family = Family::Obs;

    /// The signer of a request, from its `Authorization` header or its query; `None`
    /// for an anonymous request. Credentials are never checked here.
    pub fn detect(authorization: Option<&str>, query: Option<&str>) -> Option<Family> {
        if let Some(a) = authorization.map(str::trim_start) {
            if let Some((_, f)) = AUTH_PREFIXES.iter().find(|(p, _)| a.starts_with(p)) {
                return Some(*f);
            }
        }
        let ps = params(query.unwrap_or(""));
        let names: Vec<String> = ps.iter().map(|p| p.name.to_ascii_lowercase()).collect();
        for (n, f) in QUERY_SIGNERS {
            if names.iter().any(|x| x == n) {
                return Some(*f);
            }
        }
        let has = |n: &str| names.iter().any(|x| x == n);
        if has("e") && has("token") {
            return Some(Family::Qiniu);
        }
        None
    }

    /// The dialect whose error codes and shape this family's errors use.
    pub fn dialect(self) -> Dialect {
        match self {
            Family::Obs | Family::S3 => Dialect::ObsImg,
            Family::Oss => Dialect::Oss,
            Family::Tos => Dialect::Tos,
            Family::QingStor => Dialect::QingStor,
            Family::Cos => Dialect::Cos,
            Family::Qiniu => Dialect::Qiniu,
        }
    }

    /// The prefix of this vendor's own headers.
    pub fn prefix(self) -> &'static str {
        match self {
            Family::Obs => "x-obs-",
            Family::S3 => "x-amz-",
            Family::Oss => "x-oss-",
            Family::Tos => "x-tos-",
            Family::QingStor => "x-qs-",
            Family::Cos => "x-cos-",
            Family::Qiniu => "x-qn-",
        }
    }

    /// The header that carries the request id.
    pub fn request_id_header(self) -> &'static str {
        match self {
            Family::Obs => "x-obs-request-id",
            Family::S3 => "x-amz-request-id",
            Family::Oss => "x-oss-request-id",
            Family::Tos => "x-tos-request-id",
            Family::QingStor => "x-qs-request-id",
            Family::Cos => "x-cos-request-id",
            Family::Qiniu => "X-Reqid",
        }
    }

    /// The second request-id header (`x-amz-id-2` style), where the vendor sends one.
    pub fn id2_header(self) -> Option<&'static str> {
        match self {
            Family::Obs => Some("x-obs-id-2"),
            Family::S3 => Some("x-amz-id-2"),
            Family::Tos => Some("x-tos-id-2"),
            _ => None,
        }
    }

    /// The request-id headers of an answer (request id, and the `id-2` header).
    pub fn request_id_headers(self, request_id: &str) -> Vec<(String, String)> {
        let mut h = vec![(self.request_id_header().to_string(), request_id.to_string())];
        if let Some(n) = self.id2_header() {
            let short = request_id.get(..8).unwrap_or(request_id);
            h.push((
                n.to_string(),
                format!("32AAAQAAEAABAAAQAAEAABAAAQAAEAAB{short}"),
            ));
        }
        h
    }

    /// The `Server` header this vendor's answers carry, where known.
    pub fn server(self) -> Option<&'static str> {
        match self {
            Family::Obs => Some("OBS"),
            Family::S3 => Some("AmazonS3"),
            Family::Oss => Some("AliyunOSS"),
            Family::Cos => Some("tencent-cos"),
            _ => None,
        }
    }

    /// This vendor's name for an OBS storage class (`WARM`, `COLD`, `DEEP_ARCHIVE`);
    /// `None` where it has none.
    pub fn storage_class(self, obs: &str) -> Option<&'static str> {
        let names: [&'static str; 3] = match self {
            Family::Obs => ["WARM", "COLD", "DEEP_ARCHIVE"],
            Family::S3 => ["STANDARD_IA", "GLACIER", "DEEP_ARCHIVE"],
            Family::Oss => ["IA", "Archive", "ColdArchive"],
            Family::Tos => ["IA", "ARCHIVE", "COLD_ARCHIVE"],
            Family::Cos => ["STANDARD_IA", "ARCHIVE", "DEEP_ARCHIVE"],
            Family::QingStor => ["STANDARD_IA", "", ""],
            Family::Qiniu => ["", "", ""],
        };
        let i = ["WARM", "COLD", "DEEP_ARCHIVE"]
            .iter()
            .position(|c| *c == obs)?;
        names.get(i).copied().filter(|n| !n.is_empty())
    }

    /// OBS object headers (`object::head_headers`) in this family: every `x-obs-` name
    /// moves to this vendor's prefix (`x-amz-version-id`, `x-oss-meta-*`, …), the
    /// storage class takes the vendor's name (or is left out where it has none), and
    /// Qiniu, which has no version ids, gets none.
    pub fn translate(self, obs: Vec<(String, String)>) -> Vec<(String, String)> {
        let p = Family::Obs.prefix();
        obs.into_iter()
            .filter_map(|(k, v)| {
                let Some(rest) = k.strip_prefix(p) else {
                    return Some((k, v));
                };
                if rest == "storage-class" {
                    let c = self.storage_class(&v)?;
                    return Some((format!("{}{rest}", self.prefix()), c.to_string()));
                }
                if self == Family::Qiniu && rest == "version-id" {
                    return None;
                }
                Some((format!("{}{rest}", self.prefix()), v))
            })
            .collect()
    }

    /// The metadata headers of an object answer in this family, without what the
    /// configuration adds ([`Family::translate`] of [`obs_headers`]).
    pub fn object_headers(self, m: &ObjectMeta) -> Vec<(String, String)> {
        self.translate(obs_headers(m))
    }

    /// An error of an object route in this vendor's shape: S3-style XML for OBS and S3
    /// (with `x-<vendor>-error-code`/`-message`, which the OBS SDK reads on bodiless
    /// `HEAD` answers), OSS XML (with `x-oss-ec`, and on `HEAD` `x-oss-err`: the base64
    /// of the XML, which oss2 needs to raise `NoSuchKey`), COS XML with `Resource`, TOS
    /// JSON, QingStor JSON (snake-case codes), Qiniu JSON. `code` is the S3 code. The
    /// glue adds the request-id headers and sends no body on `HEAD`.
    pub fn error(self, status: u16, code: &str, message: &str, ctx: &Ctx, head: bool) -> Rendered {
        let mut r = match self {
            Family::Obs | Family::S3 => {
                let body = format!(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{}</Code><Message>{}</Message><RequestId>{}</RequestId><HostId>{}</HostId><Key>{}</Key></Error>\n",
                    xml_escape(code),
                    xml_escape(message),
                    xml_escape(&ctx.request_id),
                    xml_escape(&ctx.host),
                    xml_escape(&ctx.key),
                );
                let mut r = Rendered::xml(status, body);
                let (c, m) = match self {
                    Family::S3 => ("x-amz-error-code", "x-amz-error-message"),
                    _ => ("x-obs-error-code", "x-obs-error-message"),
                };
                r.headers.push((c, header_safe(code)));
                r.headers.push((m, header_safe(message)));
                r
            }
            Family::Oss => {
                let ec = oss_ec(code);
                let ec_xml = ec.map(|e| format!("<EC>{e}</EC>")).unwrap_or_default();
                let body = format!(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>\n  <Code>{}</Code>\n  <Message>{}</Message>\n  <RequestId>{}</RequestId>\n  <HostId>{}</HostId>\n  {ec_xml}\n</Error>\n",
                    xml_escape(code),
                    xml_escape(message),
                    xml_escape(&ctx.request_id),
                    xml_escape(&ctx.host),
                );
                let err = base64::engine::general_purpose::STANDARD.encode(body.as_bytes());
                let mut r = Rendered::xml(status, body);
                if let Some(ec) = ec {
                    r.headers.push(("x-oss-ec", ec.to_string()));
                }
                if head {
                    r.headers.push(("x-oss-err", err));
                }
                r
            }
            Family::Cos => {
                let resource = if ctx.host.is_empty() {
                    format!("/{}", ctx.key)
                } else {
                    format!("{}/{}", ctx.host, ctx.key)
                };
                let body = format!(
                    "<?xml version='1.0' encoding='utf-8' ?>\n<Error>\n\t<Code>{}</Code>\n\t<Message>{}</Message>\n\t<Resource>{}</Resource>\n\t<RequestId>{}</RequestId>\n\t<TraceId>{}</TraceId>\n</Error>\n",
                    xml_escape(code),
                    xml_escape(message),
                    xml_escape(&resource),
                    xml_escape(&ctx.request_id),
                    xml_escape(&ctx.request_id),
                );
                Rendered::xml(status, body)
            }
            Family::Tos => Rendered::json(
                status,
                format!(
                    "{{\"Code\":{},\"Message\":{},\"RequestId\":{},\"HostId\":{}}}",
                    json_string(code),
                    json_string(message),
                    json_string(&ctx.request_id),
                    json_string(&ctx.host),
                )
                .into_bytes(),
            ),
            Family::QingStor => Rendered::json(
                status,
                format!(
                    "{{\"code\":{},\"message\":{},\"request_id\":{},\"url\":{}}}",
                    json_string(&qingstor_code(code)),
                    json_string(message),
                    json_string(&ctx.request_id),
                    json_string(crate::render::qingstor::DOC_URL),
                )
                .into_bytes(),
            ),
            Family::Qiniu => Rendered::json(
                status,
                format!("{{\"code\":{status},\"error\":{}}}", json_string(message)).into_bytes(),
            ),
        };
        if self == Family::Tos {
            crate::render::identity_encoding(&mut r.headers);
        } else {
            crate::render::no_transform(&mut r.headers);
        }
        r
    }
}

/// OSS's EC (error detail code) for the S3 codes the object routes use.
fn oss_ec(code: &str) -> Option<&'static str> {
    match code {
        "NoSuchKey" => Some("0026-00000001"),
        "AccessDenied" => Some("0003-00000001"),
        // Access control (`auth::Denied::oss_ec`).
        "SignatureDoesNotMatch" => Some("0002-00000040"),
        "InvalidAccessKeyId" => Some("0002-00000902"),
        "RequestTimeTooSkewed" => Some("0002-00000501"),
        _ => None,
    }
}

/// QingStor's snake-case code for an S3 code.
fn qingstor_code(code: &str) -> String {
    match code {
        "NoSuchKey" => "object_not_exists".into(),
        "AccessDenied" => "permission_denied".into(),
        "BadGateway" | "GatewayTimeout" | "InternalError" => "internal_error".into(),
        other => {
            let mut s = String::with_capacity(other.len() + 4);
            for (i, c) in other.chars().enumerate() {
                if c.is_ascii_uppercase() && i > 0 {
                    s.push('_');
                }
                s.push(c.to_ascii_lowercase());
            }
            s
        }
    }
}

/// A header value from free text: printable ASCII only (others become `?`).
fn header_safe(s: &str) -> String {
    s.chars()
        .map(|c| if (' '..='~').contains(&c) { c } else { '?' })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signers_are_recognised() {
        let a = |s: &str| Family::detect(Some(s), None);
        assert_eq!(
            a("AWS4-HMAC-SHA256 Credential=AK/2026/us-east-1/s3/aws4_request"),
            Some(Family::S3)
        );
        assert_eq!(a("AWS AK:fZ/deFPS7xYp7jEIN72PeY88KTQ="), Some(Family::S3));
        assert_eq!(a("OBS AK:abc="), Some(Family::Obs));
        assert_eq!(a("OSS AK:a+1QJBInARiD28PGmssVvKepMz4="), Some(Family::Oss));
        assert_eq!(
            a("OSS4-HMAC-SHA256 Credential=AK/20261128/"),
            Some(Family::Oss)
        );
        assert_eq!(
            a("TOS4-HMAC-SHA256 Credential=AK/20261128/cn-beijing"),
            Some(Family::Tos)
        );
        assert_eq!(a("QS AK:MRSWofWtCM8C"), Some(Family::QingStor));
        assert_eq!(a("q-sign-algorithm=sha1&q-ak=AK"), Some(Family::Cos));
        assert_eq!(a("Qiniu AK:sig"), Some(Family::Qiniu));
        assert_eq!(a("Bearer x"), None);
        let q = |s: &str| Family::detect(None, Some(s));
        assert_eq!(
            q("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=x"),
            Some(Family::S3)
        );
        assert_eq!(
            q("AWSAccessKeyId=AK&Expires=1&Signature=s"),
            Some(Family::S3)
        );
        assert_eq!(q("AccessKeyId=AK&Expires=1&Signature=s"), Some(Family::Obs));
        assert_eq!(
            q("OSSAccessKeyId=AK&Expires=1&Signature=s"),
            Some(Family::Oss)
        );
        assert_eq!(
            q("x-oss-signature-version=OSS4-HMAC-SHA256"),
            Some(Family::Oss)
        );
        assert_eq!(q("X-Tos-Algorithm=TOS4-HMAC-SHA256"), Some(Family::Tos));
        assert_eq!(
            q("access_key_id=AK&expires=1&signature=s"),
            Some(Family::QingStor)
        );
        assert_eq!(q("q-sign-algorithm=sha1"), Some(Family::Cos));
        assert_eq!(q("e=1&token=AK:sig"), Some(Family::Qiniu));
        assert_eq!(q("token=x"), None);
        assert_eq!(q("x-oss-process=image/info"), None);
        // The header wins over the query.
        assert_eq!(
            Family::detect(Some("OBS AK:s"), Some("X-Amz-Algorithm=x")),
            Some(Family::Obs)
        );
    }

    #[test]
    fn headers_move_to_the_family_prefix() {
        let m = ObjectMeta {
            etag: Some("abc".into()),
            version: Some("v1".into()),
            custom: vec![("owner".into(), "me".into())],
            storage_class: Some("InfrequentAccess".into()),
            ..Default::default()
        };
        let has =
            |h: &[(String, String)], k: &str, v: &str| h.iter().any(|(a, b)| a == k && b == v);
        let s3 = Family::S3.object_headers(&m);
        assert!(has(&s3, "ETag", "\"abc\""));
        assert!(has(&s3, "x-amz-version-id", "v1"));
        assert!(has(&s3, "x-amz-meta-owner", "me"));
        assert!(has(&s3, "x-amz-storage-class", "STANDARD_IA"));
        assert!(!s3.iter().any(|(k, _)| k.starts_with("x-obs-")));
        let obs = Family::Obs.object_headers(&m);
        assert!(has(&obs, "x-obs-version-id", "v1"));
        assert!(has(&obs, "x-obs-storage-class", "WARM"));
        assert!(has(
            &Family::Oss.object_headers(&m),
            "x-oss-meta-owner",
            "me"
        ));
        let qn = Family::Qiniu.object_headers(&m);
        assert!(!qn.iter().any(|(k, _)| k.contains("version-id")));
        // The standard class is left out, as S3 and OBS do.
        let std = ObjectMeta {
            storage_class: Some("Standard".into()),
            ..m.clone()
        };
        for f in Family::ALL {
            assert!(
                !f.object_headers(&std)
                    .iter()
                    .any(|(k, _)| k.ends_with("storage-class")),
                "{f:?}"
            );
        }
    }

    fn ctx() -> Ctx {
        Ctx {
            request_id: "5A89E5416C8991E576FF67CD".into(),
            key: "a/b.jpg".into(),
            host: "img.example.com".into(),
            ..Ctx::default()
        }
    }

    #[test]
    fn errors_in_each_vendor_shape() {
        let c = ctx();
        let msg = "The specified key does not exist.";
        for f in Family::ALL {
            let r = f.error(404, "NoSuchKey", msg, &c, false);
            assert_eq!(r.status, 404);
            let body = String::from_utf8(r.body.clone()).unwrap();
            assert!(body.contains(msg), "{f:?}: {body}");
            assert!(
                r.headers
                    .iter()
                    .any(|(k, v)| *k == "Cache-Control" && v.contains("no-transform")),
                "{f:?}"
            );
            assert_eq!(
                r.headers.contains(&("Content-Encoding", "identity".into())),
                f == Family::Tos,
                "{f:?}"
            );
            match f {
                Family::Obs | Family::S3 | Family::Oss | Family::Cos => {
                    assert_eq!(r.content_type, "application/xml");
                    assert!(body.contains("<Code>NoSuchKey</Code>"), "{f:?}");
                    assert!(body.contains("<RequestId>5A89E5416C8991E576FF67CD</RequestId>"));
                }
                _ => {
                    assert_eq!(r.content_type, "application/json");
                    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
                    assert!(v.is_object());
                }
            }
        }
        let cos =
            String::from_utf8(Family::Cos.error(404, "NoSuchKey", msg, &c, false).body).unwrap();
        assert!(cos.contains("<Resource>img.example.com/a/b.jpg</Resource>"));
        let tos: serde_json::Value =
            serde_json::from_slice(&Family::Tos.error(404, "NoSuchKey", msg, &c, false).body)
                .unwrap();
        assert_eq!(tos["Code"], "NoSuchKey");
        assert_eq!(tos["RequestId"], "5A89E5416C8991E576FF67CD");
        let qs: serde_json::Value = serde_json::from_slice(
            &Family::QingStor
                .error(404, "NoSuchKey", msg, &c, false)
                .body,
        )
        .unwrap();
        assert_eq!(qs["code"], "object_not_exists");
        assert_eq!(qingstor_code("PreconditionFailed"), "precondition_failed");
        // OBS SDKs read the code from headers on a bodiless HEAD answer.
        let s3 = Family::S3.error(404, "NoSuchKey", msg, &c, true);
        assert!(s3
            .headers
            .contains(&("x-amz-error-code", "NoSuchKey".into())));
        let obs = Family::Obs.error(404, "NoSuchKey", msg, &c, true);
        assert!(obs
            .headers
            .contains(&("x-obs-error-code", "NoSuchKey".into())));
    }

    #[test]
    fn oss_head_errors_carry_the_xml_in_x_oss_err() {
        let c = ctx();
        let get = Family::Oss.error(
            404,
            "NoSuchKey",
            "The specified key does not exist.",
            &c,
            false,
        );
        assert!(!get.headers.iter().any(|(k, _)| *k == "x-oss-err"));
        let head = Family::Oss.error(
            404,
            "NoSuchKey",
            "The specified key does not exist.",
            &c,
            true,
        );
        let err = head
            .headers
            .iter()
            .find(|(k, _)| *k == "x-oss-err")
            .map(|(_, v)| v)
            .unwrap();
        let xml = base64::engine::general_purpose::STANDARD
            .decode(err)
            .unwrap();
        assert_eq!(xml, head.body);
        assert!(String::from_utf8(xml)
            .unwrap()
            .contains("<Code>NoSuchKey</Code>"));
        assert!(head.headers.contains(&("x-oss-ec", "0026-00000001".into())));
    }

    #[test]
    fn request_id_headers() {
        let h = Family::S3.request_id_headers("5A89E5416C8991E576FF67CD");
        assert_eq!(
            h[0],
            ("x-amz-request-id".into(), "5A89E5416C8991E576FF67CD".into())
        );
        assert_eq!(h[1].0, "x-amz-id-2");
        assert_eq!(Family::Qiniu.request_id_headers("x").len(), 1);
        let mut names: Vec<_> = Family::ALL.iter().map(|f| f.request_id_header()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Family::ALL.len());
    }
}

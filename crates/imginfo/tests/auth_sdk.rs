//! Signatures made by the vendors' official npm SDKs (recorded by
//! `scripts/auth-vectors.mjs` into `tests/fixtures/auth/sdk-vectors.json`: ali-oss V1
//! and V4, esdk-obs-nodejs OBS and AWS V2, @aws-sdk/client-s3 and its presigner,
//! @volcengine/tos-sdk, cos-nodejs-sdk-v5, qiniu, qingstor-sdk; header and query forms),
//! verified by the core. For each: the right key passes; another secret, an unknown id,
//! another object, a changed operation, a time past expiry and a skewed clock are each
//! refused with the right reason; and the signature's own parameters never reach the
//! operation.

use imginfo::auth::{self, AccessKey, Denied, Form, Request, Style};
use imginfo::request::{self, Hints};
use serde_json::Value;

const FIXTURE: &str = include_str!("fixtures/auth/sdk-vectors.json");

struct Vector {
    sdk: String,
    scheme: String,
    form: Form,
    style: Style,
    method: String,
    scheme_: String,
    authority: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    now: i64,
}

struct Fixture {
    id: String,
    secret: String,
    bucket: String,
    key: String,
    vectors: Vec<Vector>,
}

fn fixture() -> Fixture {
    let v: Value = serde_json::from_str(FIXTURE).expect("fixture is JSON");
    let s = |x: &Value, k: &str| x[k].as_str().unwrap_or_else(|| panic!("{k}")).to_string();
    let vectors = v["vectors"]
        .as_array()
        .expect("vectors")
        .iter()
        .map(|x| Vector {
            sdk: s(x, "sdk"),
            scheme: s(x, "scheme"),
            form: match x["form"].as_str() {
                Some("header") => Form::Header,
                _ => Form::Query,
            },
            style: match x["style"].as_str() {
                Some("path") => Style::PathStyle,
                Some("vhost") => Style::VirtualHost,
                _ => Style::CustomDomain,
            },
            method: s(x, "method"),
            scheme_: s(x, "scheme_"),
            authority: s(x, "authority"),
            path: s(x, "path"),
            query: s(x, "query"),
            headers: x["headers"]
                .as_object()
                .expect("headers")
                .iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v.as_str().unwrap_or("").to_string()))
                .collect(),
            now: x["now"].as_i64().expect("now"),
        })
        .collect();
    Fixture {
        id: s(&v, "id"),
        secret: s(&v, "secret"),
        bucket: s(&v, "bucket"),
        key: s(&v, "key"),
        vectors,
    }
}

/// The object key the path names once the bucket (path style) is taken off.
fn key_of(v: &Vector, bucket: &str) -> String {
    let path = match v.style {
        Style::PathStyle => v
            .path
            .strip_prefix(&format!("/{bucket}"))
            .unwrap_or(&v.path)
            .to_string(),
        _ => v.path.clone(),
    };
    request::key_from_path(&path).expect("key decodes")
}

fn req<'a>(
    v: &'a Vector,
    f: &'a Fixture,
    key: &'a str,
    path: &'a str,
    query: &'a str,
    now: i64,
) -> Request<'a> {
    Request {
        method: &v.method,
        scheme: &v.scheme_,
        authority: &v.authority,
        raw_path: path,
        raw_query: query,
        headers: &v.headers,
        bucket: Some(&f.bucket),
        style: v.style,
        key,
        now,
    }
}

fn keys(f: &Fixture) -> Vec<AccessKey> {
    vec![AccessKey {
        id: f.id.clone(),
        secret: f.secret.clone(),
        prefixes: None,
    }]
}

#[test]
fn every_sdk_signature_verifies() {
    let f = fixture();
    assert!(
        f.vectors.len() >= 20,
        "the fixture covers every SDK and form"
    );
    let mut schemes: Vec<(String, Form)> = Vec::new();
    for v in &f.vectors {
        let key = key_of(v, &f.bucket);
        assert_eq!(key, f.key, "{} {}", v.sdk, v.path);
        let r = req(v, &f, &key, &v.path, &v.query, v.now + 1);
        let ok = auth::authorize(&r, &keys(&f))
            .unwrap_or_else(|e| panic!("{} {} {:?}: {e:?}", v.sdk, v.scheme, v.form));
        assert_eq!(ok.access_key_id, f.id);
        let want = if v.scheme == "aws-v2" {
            "obs-v2"
        } else {
            v.scheme.as_str()
        };
        assert_eq!(ok.scheme, want, "{}", v.sdk);
        assert_eq!(ok.form, v.form, "{} {}", v.sdk, v.scheme);
        schemes.push((v.scheme.clone(), v.form));
    }
    for s in [
        "oss-v1", "oss-v4", "obs-v2", "aws-v2", "aws-v4", "tos-v4", "cos", "qingstor",
    ] {
        for form in [Form::Header, Form::Query] {
            assert!(schemes.contains(&(s.to_string(), form)), "{s} {form:?}");
        }
    }
    assert!(schemes.contains(&("qiniu".to_string(), Form::Query)));
}

#[test]
fn another_secret_or_key_id_is_refused() {
    let f = fixture();
    for v in &f.vectors {
        let key = key_of(v, &f.bucket);
        let r = req(v, &f, &key, &v.path, &v.query, v.now + 1);
        let mut wrong = keys(&f);
        wrong[0].secret.push('x');
        assert_eq!(
            auth::verify(&r, &wrong),
            Err(Denied::SignatureMismatch),
            "{} {}",
            v.sdk,
            v.scheme
        );
        let mut other = keys(&f);
        other[0].id = "AKSOMEONEELSE".into();
        assert_eq!(
            auth::verify(&r, &other),
            Err(Denied::UnknownKey),
            "{}",
            v.sdk
        );
    }
}

#[test]
fn another_object_is_refused() {
    let f = fixture();
    for v in &f.vectors {
        let path = v.path.replace(".jpg", ".png");
        let key = key_of(v, &f.bucket).replace(".jpg", ".png");
        let r = req(v, &f, &key, &path, &v.query, v.now + 1);
        assert_eq!(
            auth::verify(&r, &keys(&f)),
            Err(Denied::SignatureMismatch),
            "{} {} {:?}",
            v.sdk,
            v.scheme,
            v.form
        );
    }
}

#[test]
fn a_changed_operation_is_refused() {
    let f = fixture();
    let mut checked = 0;
    for v in &f.vectors {
        let query = if v.scheme == "qingstor" {
            // QingStor signs `?image` (the action is not a sub-resource): asking for
            // the object instead of its info breaks the signature.
            v.query.replace("image&action=info", "")
        } else if v.query.contains("info") || v.query.contains("Info") {
            v.query.replacen("nfo", "nfp", 1)
        } else if v.method == "GET" {
            // A plain GET turned into an info request.
            match v.scheme.as_str() {
                "oss-v1" | "oss-v4" => format!("x-oss-process=image%2Finfo&{}", v.query),
                "qiniu" => format!("imageInfo&{}", v.query),
                "aws-v4" => format!("{}&x-oss-process=image%2Finfo", v.query),
                _ => continue,
            }
        } else {
            continue;
        };
        let key = key_of(v, &f.bucket);
        let r = req(v, &f, &key, &v.path, &query, v.now + 1);
        assert_eq!(
            auth::verify(&r, &keys(&f)),
            Err(Denied::SignatureMismatch),
            "{} {} {:?}: {query}",
            v.sdk,
            v.scheme,
            v.form
        );
        checked += 1;
    }
    assert!(checked >= 18, "{checked}");
}

#[test]
fn expiry_and_clock_skew() {
    let f = fixture();
    for v in &f.vectors {
        let key = key_of(v, &f.bucket);
        let at = |now| auth::verify(&req(v, &f, &key, &v.path, &v.query, now), &keys(&f));
        match v.form {
            // The SDKs presign for an hour here (COS's header form: 15 minutes).
            Form::Query => {
                assert!(at(v.now + 3500).is_ok(), "{} {}", v.sdk, v.scheme);
                assert_eq!(at(v.now + 3700), Err(Denied::Expired), "{}", v.sdk);
            }
            Form::Header if v.scheme == "cos" => {
                assert_eq!(at(v.now + 901), Err(Denied::Expired));
                assert_eq!(at(v.now - 1000), Err(Denied::NotYetValid));
            }
            Form::Header => {
                assert!(at(v.now + 800).is_ok(), "{} {}", v.sdk, v.scheme);
                assert_eq!(at(v.now + 1000), Err(Denied::Skewed), "{}", v.sdk);
                assert_eq!(at(v.now - 1000), Err(Denied::Skewed), "{}", v.sdk);
            }
        }
    }
}

#[test]
fn a_key_outside_its_prefixes_is_refused() {
    let f = fixture();
    for v in &f.vectors {
        let key = key_of(v, &f.bucket);
        let r = req(v, &f, &key, &v.path, &v.query, v.now + 1);
        let mut ks = keys(&f);
        ks[0].prefixes = Some(vec!["photos/".into()]);
        assert_eq!(
            auth::authorize(&r, &ks),
            Err(Denied::OutsidePrefixes),
            "{}",
            v.sdk
        );
        ks[0].prefixes = Some(vec!["photos/".into(), "dir/".into()]);
        assert!(auth::authorize(&r, &ks).is_ok(), "{}", v.sdk);
    }
}

#[test]
fn signature_parameters_never_reach_the_operation() {
    let f = fixture();
    for v in &f.vectors {
        let key = key_of(v, &f.bucket);
        let r = req(v, &f, &key, &v.path, &v.query, v.now + 1);
        let ok = auth::verify(&r, &keys(&f)).expect("verifies");
        let op_query = ok.operation_query(&v.query);
        for p in imginfo::request::params(&op_query) {
            let n = p.name.to_ascii_lowercase();
            assert!(
                !(n.starts_with("x-amz-")
                    || (n.starts_with("x-tos-") && n != "x-tos-process")
                    || (n.starts_with("x-oss-") && n != "x-oss-process")
                    || n.starts_with("q-")
                    || [
                        "ossaccesskeyid",
                        "awsaccesskeyid",
                        "accesskeyid",
                        "expires",
                        "signature",
                        "access_key_id",
                        "e",
                        "token"
                    ]
                    .contains(&n.as_str())),
                "{} {}: {op_query}",
                v.sdk,
                v.scheme
            );
        }
        // What is left asks for the same thing.
        let hints = Hints {
            image_info_default: ok
                .vendor
                .image_info_dialect()
                .unwrap_or(request::Dialect::Qiniu),
            ..Hints::default()
        };
        let full = request::parse(
            "/k.jpg",
            Some(&v.query),
            &Hints {
                authorization: v
                    .headers
                    .iter()
                    .find(|(k, _)| k == "authorization")
                    .map(|(_, v)| v.clone()),
                ..Hints::default()
            },
        )
        .map(|o| o.action);
        let stripped = request::parse("/k.jpg", Some(&op_query), &hints).map(|o| o.action);
        assert_eq!(full, stripped, "{} {}: {op_query}", v.sdk, v.scheme);
    }
}

#[test]
fn qiniu_ignores_what_follows_the_token() {
    let f = fixture();
    let v = f
        .vectors
        .iter()
        .find(|v| v.scheme == "qiniu" && v.query.starts_with("imageInfo"))
        .expect("a Qiniu imageInfo URL");
    let key = key_of(v, &f.bucket);
    // An info-only URL with a parameter appended after the token: still info, and the
    // appended parameter never reaches the operation.
    let query = format!("{}&exif", v.query);
    let r = req(v, &f, &key, &v.path, &query, v.now + 1);
    let ok = auth::verify(&r, &keys(&f)).expect("Qiniu ignores what follows the token");
    assert_eq!(ok.operation_query(&query), "imageInfo");
    // `token` not directly after `e` is malformed.
    let query = v.query.replace("&token=", "&x=1&token=");
    let r = req(v, &f, &key, &v.path, &query, v.now + 1);
    assert!(matches!(
        auth::verify(&r, &keys(&f)),
        Err(Denied::Malformed(_))
    ));
}

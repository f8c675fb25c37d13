//! Every signature scheme's parser and verifier (`imginfo::auth`) on hostile requests.
//! The input is split at NUL bytes into method, raw path, raw query, host, an
//! addressing-style byte (`p`ath, `v`irtual host, else custom domain) and then any number
//! of `name:value` headers. The key list holds the SDK vectors' key, so the seeds (made by
//! `make_seeds.py` from `crates/imginfo/tests/fixtures/auth/sdk-vectors.json`: every
//! vendor's SDK, header and query forms) verify and every path is reached.
//! Invariants: nothing panics; verification is deterministic; a request that verifies
//! is refused under any other secret (the signature depends on the secret) and for another
//! object; the operation query is never longer than the query; a refusal's text never holds
//! the secret.
#![no_main]
use imginfo::auth::{self, AccessKey, Request, Style};
use libfuzzer_sys::fuzz_target;

const ID: &str = "AKTESTVECTORS00001";
const SECRET: &str = "test-secret/+=vectors-0001";
const BUCKET: &str = "imginfo-test";
/// Just after the SDK vectors were made, so they verify.
const NOW: i64 = 1_795_906_380;

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let mut parts = s.split('\0');
    let method = match parts.next().unwrap_or("") {
        "HEAD" => "HEAD",
        _ => "GET",
    };
    let path = parts.next().unwrap_or("");
    let query = parts.next().unwrap_or("");
    let host = parts.next().unwrap_or("");
    let style = match parts.next().and_then(|p| p.bytes().next()) {
        Some(b'p') => Style::PathStyle,
        Some(b'v') => Style::VirtualHost,
        _ => Style::CustomDomain,
    };
    let mut headers: Vec<(String, String)> = parts
        .filter_map(|h| h.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    if !headers.iter().any(|(k, _)| k == "host") {
        headers.push(("host".into(), host.to_string()));
    }
    let decoded = imginfo::request::key_from_path(path).unwrap_or_default();
    let key = match style {
        Style::PathStyle => decoded
            .strip_prefix(BUCKET)
            .and_then(|k| k.strip_prefix('/'))
            .unwrap_or(&decoded),
        _ => &decoded,
    };
    let req = Request {
        method,
        scheme: "http",
        authority: host,
        raw_path: path,
        raw_query: query,
        headers: &headers,
        bucket: Some(BUCKET),
        style,
        key,
        now: NOW,
    };
    let keys = [AccessKey {
        id: ID.into(),
        secret: SECRET.into(),
        prefixes: None,
    }];
    let first = auth::verify(&req, &keys);
    assert_eq!(first, auth::verify(&req, &keys), "deterministic");
    match &first {
        Ok(v) => {
            assert_eq!(v.access_key_id, ID);
            let other = [AccessKey {
                secret: format!("{SECRET}x"),
                ..keys[0].clone()
            }];
            assert!(
                auth::verify(&req, &other).is_err(),
                "verified under another secret"
            );
            let moved_path = format!("{path}x");
            let moved_key = format!("{key}x");
            let elsewhere = Request {
                raw_path: &moved_path,
                key: &moved_key,
                ..req
            };
            assert!(
                auth::verify(&elsewhere, &keys).is_err(),
                "verified for another object"
            );
            assert!(v.operation_query(query).len() <= query.len());
        }
        Err(d) => assert!(!d.message().contains(SECRET)),
    }
});

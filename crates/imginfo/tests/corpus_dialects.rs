//! Walks the shared corpus (`../shared/corpus` beside the repository, or
//! `IMGINFO_CORPUS`) through every dialect: each answer must parse as JSON (or XML for
//! the XML error dialects), carry each vendor's value types, agree with the truth
//! summary on width and height, and, for the native dialect, validate against
//! docs/native.schema.json. Skips with a message when the corpus is absent.

mod common;

use common::schema;
use imginfo::driver::{inspect_bytes, Budget};
use imginfo::render::{self, Ctx, Rendered};
use imginfo::request::Dialect;
use serde_json::Value;
use std::path::PathBuf;

fn corpus() -> Option<PathBuf> {
    let p = std::env::var_os("IMGINFO_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus")
        });
    p.join("truth/summary.json").is_file().then_some(p)
}

/// A minimal XML well-formedness check for the error bodies: declaration, one `Error`
/// element with a `Code` and a `Message`, tags balanced.
fn check_xml(body: &str) -> Result<(), String> {
    let rest = body.trim_start();
    let rest = rest.strip_prefix("<?xml").ok_or("no XML declaration")?;
    let rest = &rest[rest.find("?>").ok_or("unterminated declaration")? + 2..];
    let mut stack: Vec<&str> = Vec::new();
    let mut s = rest;
    while let Some(i) = s.find('<') {
        let j = s[i..].find('>').ok_or("unterminated tag")? + i;
        let tag = &s[i + 1..j];
        if let Some(name) = tag.strip_prefix('/') {
            if stack.pop() != Some(name) {
                return Err(format!("unbalanced </{name}>"));
            }
        } else {
            stack.push(tag);
        }
        s = &s[j + 1..];
    }
    if !stack.is_empty() {
        return Err(format!("unclosed {stack:?}"));
    }
    for need in ["<Error>", "<Code>", "<Message>", "<RequestId>"] {
        if !rest.contains(need) {
            return Err(format!("no {need}"));
        }
    }
    Ok(())
}

fn as_u64(v: &Value) -> Option<u64> {
    v.as_u64()
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
}

/// Checks one successful info answer's types; returns (width, height) as it prints them.
fn check_info(d: Dialect, v: &Value, schema: &Value) -> Result<(u64, u64), String> {
    let o = v.as_object().ok_or("not an object")?;
    let num = |k: &str| {
        o.get(k)
            .and_then(Value::as_u64)
            .ok_or(format!("{k} is not an integer"))
    };
    let string_num = |k: &str| {
        o.get(k)
            .and_then(Value::as_str)
            .and_then(|s| s.parse::<u64>().ok())
            .ok_or(format!("{k} is not a numeric string"))
    };
    match d {
        Dialect::Oss | Dialect::Tos => {
            for (k, m) in o {
                let ok = m.as_object().is_some_and(|mo| {
                    mo.len() == 1 && mo.get("value").is_some_and(Value::is_string)
                });
                if !ok {
                    return Err(format!("{k} is not {{\"value\":\"…\"}}"));
                }
            }
            let get = |k: &str| {
                o.get(k)
                    .and_then(|m| as_u64(&m["value"]))
                    .ok_or(format!("no {k}"))
            };
            Ok((get("ImageWidth")?, get("ImageHeight")?))
        }
        Dialect::QingStor => {
            if let Some(x) = o.get("orientation") {
                x.as_u64().ok_or("orientation is not an integer")?;
            }
            if let Some(x) = o.get("alpha") {
                x.as_bool().ok_or("alpha is not a bool")?;
            }
            o.get("type")
                .and_then(Value::as_str)
                .ok_or("type is not a string")?;
            Ok((num("width")?, num("height")?))
        }
        Dialect::ObsImg => {
            let f = o
                .get("format")
                .and_then(Value::as_str)
                .ok_or("format is not a string")?;
            if f != f.to_ascii_uppercase() {
                return Err(format!("format {f} is not upper-case"));
            }
            if o.contains_key("size") {
                num("size")?;
            }
            Ok((num("width")?, num("height")?))
        }
        Dialect::Cos => {
            if o.values().any(|x| !x.is_string()) {
                return Err("a COS imageInfo value is not a string".into());
            }
            Ok((string_num("width")?, string_num("height")?))
        }
        Dialect::Qiniu => {
            o.get("format")
                .and_then(Value::as_str)
                .ok_or("format is not a string")?;
            if o.contains_key("size") {
                num("size")?;
            }
            Ok((num("width")?, num("height")?))
        }
        Dialect::Native => {
            let errs = schema::errors(schema, v);
            if !errs.is_empty() {
                return Err(format!("schema: {}", errs.join("; ")));
            }
            Ok((num("width")?, num("height")?))
        }
    }
}

fn check_exif(d: Dialect, r: &Rendered) -> Result<(), String> {
    let v: Value = serde_json::from_slice(&r.body).map_err(|e| e.to_string())?;
    let o = v.as_object().ok_or("not an object")?;
    if r.status != 200 {
        return Ok(());
    }
    for (k, m) in o {
        let ok = match d {
            Dialect::Qiniu => m["val"].is_string() && m["type"].is_u64(),
            Dialect::Cos => (k == "error" && m.is_string()) || m["val"].is_string(),
            _ => true,
        };
        if !ok {
            return Err(format!("exif member {k} has the wrong shape: {m}"));
        }
    }
    Ok(())
}

fn check_error(r: &Rendered) -> Result<(), String> {
    if !(400..600).contains(&r.status) {
        return Err(format!("error status {}", r.status));
    }
    let body = String::from_utf8_lossy(&r.body);
    match r.content_type {
        "application/xml" => check_xml(&body),
        "application/json" => serde_json::from_str::<Value>(&body)
            .map(|_| ())
            .map_err(|e| e.to_string()),
        other => Err(format!("content type {other}")),
    }
}

#[test]
fn corpus_through_every_dialect() {
    let Some(root) = corpus() else {
        eprintln!("SKIPPED: corpus not found (set IMGINFO_CORPUS or place it at ../shared/corpus)");
        return;
    };
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("truth/summary.json")).unwrap())
            .unwrap();
    let schema = schema::native_schema();
    let ctx = Ctx {
        request_id: "corpus".into(),
        host: "corpus.invalid".into(),
        ..Ctx::default()
    };
    let (mut answered, mut refused, mut disagreements) = (0, 0, Vec::new());
    let mut failures = Vec::new();
    for (rel, truth) in summary.as_object().unwrap() {
        let data = std::fs::read(root.join("images").join(rel)).unwrap();
        let (r, _) = inspect_bytes(&data, Budget::default());
        let want = (truth["width"].as_u64(), truth["height"].as_u64());
        for d in Dialect::ALL {
            let ctx = Ctx {
                key: rel.clone(),
                ..ctx.clone()
            };
            match &r {
                Ok(info) => {
                    let out = render::info(d, info, &ctx);
                    let checked = serde_json::from_slice::<Value>(&out.body)
                        .map_err(|e| e.to_string())
                        .and_then(|v| check_info(d, &v, &schema));
                    match checked {
                        Ok((w, h)) => {
                            if let (Some(tw), Some(th)) = want {
                                if (w, h) != (tw, th) && d == Dialect::Native {
                                    disagreements.push(format!("{rel}: {w}x{h}, truth {tw}x{th}"));
                                }
                            }
                        }
                        Err(e) => failures.push(format!("{rel} [{}]: {e}", d.name())),
                    }
                    if out.content_type != "application/json" || out.status != 200 {
                        failures.push(format!(
                            "{rel} [{}]: {} {}",
                            d.name(),
                            out.status,
                            out.content_type
                        ));
                    }
                    if d.has_exif_route() {
                        if let Err(e) = check_exif(d, &render::exif(d, info, &ctx)) {
                            failures.push(format!("{rel} [{} exif]: {e}", d.name()));
                        }
                    }
                }
                Err(e) => {
                    if let Err(msg) = check_error(&render::error(d, e, &ctx)) {
                        failures.push(format!("{rel} [{} error]: {msg}", d.name()));
                    }
                    if d == Dialect::Native {
                        let v: Value =
                            serde_json::from_slice(&render::error(d, e, &ctx).body).unwrap();
                        let mut errs = Vec::new();
                        schema::validate(&schema, &schema["$defs"]["error"], &v, "#", &mut errs);
                        if !errs.is_empty() {
                            failures.push(format!("{rel} [native error]: {errs:?}"));
                        }
                    }
                }
            }
        }
        if r.is_ok() {
            answered += 1;
        } else {
            refused += 1;
        }
    }
    eprintln!(
        "corpus: {answered} answered, {refused} refused (formats without a probe yet, or malformed), {} width/height disagreements",
        disagreements.len()
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        disagreements.is_empty(),
        "width/height disagree with the truth:\n{}",
        disagreements.join("\n")
    );
    assert!(answered > 0, "no corpus file was answered");
}

//! A hand-written validator for the subset of JSON Schema (draft 2020-12) that
//! docs/native.schema.json uses. The `jsonschema` crate would pull in a regex engine,
//! URL handling and a dozen more crates for one test; this is ~150 lines.
//! [`check_keywords`] refuses a schema that uses a keyword this validator does not
//! implement, so nothing is silently ignored.

use serde_json::Value;

/// Keywords implemented by [`validate`] (plus annotations that do not validate).
const KEYWORDS: &[&str] = &[
    "$schema",
    "$id",
    "$defs",
    "$ref",
    "title",
    "description",
    "type",
    "enum",
    "const",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "minItems",
    "maxItems",
    "minimum",
    "maximum",
    "minLength",
    "anyOf",
];

/// Panics naming the first keyword of `schema` that the validator does not implement.
pub fn check_keywords(schema: &Value) {
    fn walk(s: &Value, path: &str) {
        let Some(o) = s.as_object() else { return };
        for (k, v) in o {
            assert!(
                KEYWORDS.contains(&k.as_str()),
                "unsupported schema keyword {k} at {path}"
            );
            match k.as_str() {
                "properties" | "$defs" => {
                    for (name, sub) in v.as_object().expect("object of schemas") {
                        walk(sub, &format!("{path}/{k}/{name}"));
                    }
                }
                "anyOf" => {
                    for (i, sub) in v.as_array().expect("array of schemas").iter().enumerate() {
                        walk(sub, &format!("{path}/anyOf/{i}"));
                    }
                }
                "items" | "additionalProperties" => walk(v, &format!("{path}/{k}")),
                _ => {}
            }
        }
    }
    walk(schema, "#");
}

fn type_ok(t: &str, v: &Value) -> bool {
    match t {
        "null" => v.is_null(),
        "boolean" => v.is_boolean(),
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "number" => v.is_number(),
        "integer" => v.is_i64() || v.is_u64() || v.as_f64().is_some_and(|f| f.fract() == 0.0),
        other => panic!("unknown type {other}"),
    }
}

fn resolve<'a>(root: &'a Value, r: &str) -> &'a Value {
    let path = r
        .strip_prefix("#/")
        .unwrap_or_else(|| panic!("only local refs: {r}"));
    path.split('/').fold(root, |s, p| {
        s.get(p).unwrap_or_else(|| panic!("dangling ref {r}"))
    })
}

/// Validates `v` against `schema`; returns the errors found, each with its JSON path.
pub fn validate(root: &Value, schema: &Value, v: &Value, path: &str, errs: &mut Vec<String>) {
    let Some(s) = schema.as_object() else { return };
    if let Some(r) = s.get("$ref").and_then(Value::as_str) {
        validate(root, resolve(root, r), v, path, errs);
    }
    if let Some(t) = s.get("type") {
        let ok = match t {
            Value::String(t) => type_ok(t, v),
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).any(|t| type_ok(t, v)),
            _ => false,
        };
        if !ok {
            errs.push(format!("{path}: {v} is not of type {t}"));
            return;
        }
    }
    if let Some(e) = s.get("enum").and_then(Value::as_array) {
        if !e.contains(v) {
            errs.push(format!("{path}: {v} not in {}", Value::Array(e.clone())));
        }
    }
    if let Some(c) = s.get("const") {
        if c != v {
            errs.push(format!("{path}: {v} is not {c}"));
        }
    }
    if let Some(n) = v.as_f64() {
        if let Some(min) = s.get("minimum").and_then(Value::as_f64) {
            if n < min {
                errs.push(format!("{path}: {n} < {min}"));
            }
        }
        if let Some(max) = s.get("maximum").and_then(Value::as_f64) {
            if n > max {
                errs.push(format!("{path}: {n} > {max}"));
            }
        }
    }
    if let (Some(str_), Some(min)) = (v.as_str(), s.get("minLength").and_then(Value::as_u64)) {
        if (str_.chars().count() as u64) < min {
            errs.push(format!("{path}: string shorter than {min}"));
        }
    }
    if let Some(o) = v.as_object() {
        let props = s.get("properties").and_then(Value::as_object);
        if let Some(req) = s.get("required").and_then(Value::as_array) {
            for r in req.iter().filter_map(Value::as_str) {
                if !o.contains_key(r) {
                    errs.push(format!("{path}: missing {r}"));
                }
            }
        }
        for (k, val) in o {
            let sub = format!("{path}/{k}");
            match props.and_then(|p| p.get(k)) {
                Some(ps) => validate(root, ps, val, &sub, errs),
                None => match s.get("additionalProperties") {
                    Some(Value::Bool(false)) => errs.push(format!("{path}: unexpected member {k}")),
                    Some(ap @ Value::Object(_)) => validate(root, ap, val, &sub, errs),
                    _ => {}
                },
            }
        }
    }
    if let Some(a) = v.as_array() {
        if let Some(items) = s.get("items") {
            for (i, x) in a.iter().enumerate() {
                validate(root, items, x, &format!("{path}/{i}"), errs);
            }
        }
        if let Some(min) = s.get("minItems").and_then(Value::as_u64) {
            if (a.len() as u64) < min {
                errs.push(format!("{path}: fewer than {min} items"));
            }
        }
        if let Some(max) = s.get("maxItems").and_then(Value::as_u64) {
            if (a.len() as u64) > max {
                errs.push(format!("{path}: more than {max} items"));
            }
        }
    }
    if let Some(any) = s.get("anyOf").and_then(Value::as_array) {
        let ok = any.iter().any(|sub| {
            let mut e = Vec::new();
            validate(root, sub, v, path, &mut e);
            e.is_empty()
        });
        if !ok {
            errs.push(format!("{path}: {v} matches none of anyOf"));
        }
    }
}

/// The schema file and a validation entry point.
pub fn native_schema() -> Value {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/native.schema.json");
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    let v: Value = serde_json::from_str(&text).expect("schema is JSON");
    check_keywords(&v);
    v
}

pub fn errors(schema: &Value, v: &Value) -> Vec<String> {
    let mut e = Vec::new();
    validate(schema, schema, v, "#", &mut e);
    e
}

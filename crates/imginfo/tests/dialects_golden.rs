//! Golden tests: every dialect's full answer (status, content type, vendor headers and
//! body, byte for byte) for fixtures built in code, compared with `tests/golden/*.txt`.
//! The two vendor seed examples are also checked against the vendors' documentation
//! text itself, independently of the golden files. `GOLDEN_BLESS=1` rewrites the golden
//! files (review the diff before committing).

mod common;
mod fixtures;

use common::compact;
use fixtures::*;
use imginfo::driver::{inspect_bytes, Budget};
use imginfo::error::Error;
use imginfo::render::{self, Rendered};
use imginfo::request::{self, Action, Dialect, Hints};
use imginfo::Info;
use std::path::PathBuf;

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// The whole answer as text: status and type, vendor headers, blank line, body.
fn show(r: &Rendered) -> String {
    let mut s = format!("{} {}\n", r.status, r.content_type);
    for (k, v) in &r.headers {
        s.push_str(&format!("{k}: {v}\n"));
    }
    s.push('\n');
    s.push_str(&String::from_utf8_lossy(&r.body));
    s.push('\n');
    s
}

/// Compares with (or, when blessing, writes) `tests/golden/<name>.txt`; returns the
/// names that differ.
fn check(name: &str, r: &Rendered, failures: &mut Vec<String>) {
    let path = golden_dir().join(format!("{name}.txt"));
    let got = show(r);
    if std::env::var_os("GOLDEN_BLESS").is_some() {
        std::fs::create_dir_all(golden_dir()).expect("golden dir");
        std::fs::write(&path, &got).expect("write golden");
        return;
    }
    match std::fs::read_to_string(&path) {
        Ok(want) if want == got => {}
        Ok(want) => failures.push(format!("{name}:\n--- want\n{want}--- got\n{got}")),
        Err(_) => failures.push(format!("{name}: missing golden file {}", path.display())),
    }
}

fn fixtures() -> Vec<(&'static str, Info)> {
    vec![
        ("seed001-oss-f", run(&seed_oss())),
        ("seed000-qingstor-myphoto", run(&seed_qingstor())),
        ("jpeg-gps", run(&jpeg_gps())),
        ("jpeg-no-exif", run(&jpeg_plain())),
        ("jpeg-gray-no-exif", run(&jpeg_gray())),
        ("png-exif", run(&png_exif())),
        ("apng-animated", run(&apng())),
        ("gif-animated", gif_info()),
        ("heic-irot", heic_info()),
    ]
}

#[test]
fn every_dialect_matches_its_golden_answers() {
    let ctx = ctx();
    let mut failures = Vec::new();
    for (name, info) in fixtures() {
        for d in Dialect::ALL {
            check(
                &format!("{name}.{}", d.name()),
                &render::info(d, &info, &ctx),
                &mut failures,
            );
            if d.has_exif_route() {
                check(
                    &format!("{name}.{}.exif", d.name()),
                    &render::exif(d, &info, &ctx),
                    &mut failures,
                );
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} golden answers differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The errors each dialect must write, produced the way the glue produces them.
fn errors() -> Vec<(&'static str, Error)> {
    let not_image = inspect_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", Budget::default()).0;
    let truncated = {
        let f = seed_oss();
        inspect_bytes(&f[..40], Budget::default()).0
    };
    vec![
        ("not-found", Error::NotFound),
        (
            "access-denied",
            Error::AccessDenied("the request is not signed".into()),
        ),
        (
            "not-an-image",
            not_image.expect_err("a PDF is not an image"),
        ),
        (
            "truncated",
            truncated.expect_err("40 bytes of JPEG are not enough"),
        ),
        ("no-exif", Error::NoExif),
        ("upstream", Error::Upstream("origin answered 500".into())),
        ("timeout", Error::Timeout("no answer in 10 s".into())),
        // Access control (private buckets): each vendor's own code and status.
        (
            "signature-mismatch",
            Error::Denied(imginfo::auth::Denied::SignatureMismatch),
        ),
        ("expired", Error::Denied(imginfo::auth::Denied::Expired)),
    ]
}

#[test]
fn every_dialect_matches_its_golden_errors() {
    let ctx = ctx();
    let mut failures = Vec::new();
    for d in Dialect::ALL {
        for (name, e) in errors() {
            check(
                &format!("error.{}.{name}", d.name()),
                &render::error(d, &e, &ctx),
                &mut failures,
            );
        }
    }
    // Request errors come out of the parser already in the caller's dialect.
    let bad = [
        ("x-oss-process=image/resize,w_1/info", Dialect::Oss),
        ("x-tos-process=image/crop,w_1", Dialect::Tos),
        ("image&action=resize:w_300|info", Dialect::QingStor),
        ("x-image-process=image/resize,w_1/info", Dialect::ObsImg),
        (
            "q-sign-algorithm=sha1&imageMogr2/thumbnail/100x",
            Dialect::Cos,
        ),
        ("imageView2/1/w/100", Dialect::Qiniu),
        ("info=yes", Dialect::Native),
    ];
    for (q, want) in bad {
        let r = request::parse("/photos/f.jpg", Some(q), &Hints::default()).expect_err(q);
        assert_eq!(r.dialect, want, "{q}");
        let out = render::error(r.dialect, &r.error, &ctx);
        assert_eq!(out.status, 400, "{q}");
        check(
            &format!("error.{}.bad-request", want.name()),
            &out,
            &mut failures,
        );
    }
    assert!(
        failures.is_empty(),
        "{} golden errors differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Seed 001, Alibaba OSS "获取信息" (query-the-exif-data-of-an-image), the example for
/// `f.jpg` with EXIF, verbatim. The current documentation says `FrameCount` is always
/// returned; this example predates it, so it is the one member we add.
const SEED_001_OSS: &str = r#"{
  "Compression": {"value": "6"},
  "DateTime": {"value": "2015:02:11 15:38:27"},
  "ExifTag": {"value": "2212"},
  "FileSize": {"value": "23471"},
  "Format": {"value": "jpg"},
  "GPSLatitude": {"value": "0deg "},
  "GPSLatitudeRef": {"value": "North"},
  "GPSLongitude": {"value": "0deg "},
  "GPSLongitudeRef": {"value": "East"},
  "GPSMapDatum": {"value": "WGS-84"},
  "GPSTag": {"value": "4292"},
  "GPSVersionID": {"value": "2 2 0 0"},
  "ImageHeight": {"value": "333"},
  "ImageWidth": {"value": "424"},
  "JPEGInterchangeFormat": {"value": "4518"},
  "JPEGInterchangeFormatLength": {"value": "3232"},
  "Orientation": {"value": "7"},
  "ResolutionUnit": {"value": "2"},
  "Software": {"value": "Microsoft Windows Photo Viewer 6.1.7600.16385"},
  "XResolution": {"value": "96/1"},
  "YResolution": {"value": "96/1"}}"#;

/// Seed 000, QingStor "图片信息", the response example for `myphoto.jpg`, verbatim.
const SEED_000_QINGSTOR: &str = r#"{
    "width": 4032,
    "height": 3024,
    "orientation": 1,
    "alpha": false,
    "type": "jpeg",
    "space": "srgb",
    "make": "Apple",
    "model": "iPhone SE",
    "datetime": "2018:06:07 18:44:54",
    "exifversion": "Exif Version 2.21",
    "focallength": "83/20",
    "gpslatituderef": "N",
    "gpslatitude": "40/1 0/1 5588/100",
    "gpslongituderef": "E",
    "gpslongitude": "116/1 27/1 3094/100",
    "gpsaltituderef": "Sea level",
    "gpsaltitude": "7132/100"
}"#;

/// Seed 003, Huawei OBS "获取图片信息", the example, verbatim.
const SEED_003_OBS: &str = r#"{
     "format":"JPEG",
     "height":2000,
     "size":1046583,
     "width":2668
}"#;

#[test]
fn oss_reproduces_seed_001() {
    let info = run(&seed_oss());
    let got = render::info(Dialect::Oss, &info, &ctx());
    let want = compact(SEED_001_OSS).replace(
        r#""Format":{"value":"jpg"},"#,
        r#""Format":{"value":"jpg"},"FrameCount":{"value":"1"},"#,
    );
    assert_eq!(String::from_utf8_lossy(&got.body), want);
    assert_eq!((got.status, got.content_type), (200, "application/json"));
    // TOS speaks the same shape.
    assert_eq!(render::info(Dialect::Tos, &info, &ctx()).body, got.body);
}

#[test]
fn qingstor_reproduces_seed_000_field_for_field() {
    let info = run(&seed_qingstor());
    let got = render::info(Dialect::QingStor, &info, &ctx());
    assert_eq!(
        String::from_utf8_lossy(&got.body),
        compact(SEED_000_QINGSTOR)
    );
}

#[test]
fn obs_reproduces_seed_003_shape() {
    let info = run(&common::jpeg(2668, 2000, 3, None, 1_046_583));
    let got = render::info(Dialect::ObsImg, &info, &ctx());
    assert_eq!(String::from_utf8_lossy(&got.body), compact(SEED_003_OBS));
}

#[test]
fn documented_vendor_examples() {
    // Qiniu imageInfo: size, format, width, height, colorModel, orientation, in that order.
    let gps = run(&jpeg_gps());
    let q = String::from_utf8(render::info(Dialect::Qiniu, &gps, &ctx()).body).unwrap();
    assert_eq!(
        q,
        r#"{"size":4096,"format":"jpeg","width":5184,"height":3456,"colorModel":"ycbcr","orientation":"Right-top"}"#
    );
    // Qiniu exif: libexif display strings and TIFF types, as its documentation shows.
    let v: serde_json::Value =
        serde_json::from_slice(&render::exif(Dialect::Qiniu, &gps, &ctx()).body).unwrap();
    assert_eq!(
        v["ExposureTime"],
        serde_json::json!({"val": "1/50 sec.", "type": 5})
    );
    assert_eq!(
        v["ExposureBiasValue"],
        serde_json::json!({"val": "0.33 EV", "type": 10})
    );
    assert_eq!(
        v["ISOSpeedRatings"],
        serde_json::json!({"val": "3200", "type": 3})
    );
    assert_eq!(v["FNumber"]["val"], "f/5.6");
    assert_eq!(v["FocalLength"]["val"], "45.0 mm");
    assert_eq!(v["ResolutionUnit"]["val"], "Inch");
    assert_eq!(v["ColorSpace"]["val"], "sRGB");
    // COS imageInfo: string values in the documented order; md5 only when known.
    let plain = run(&jpeg_plain());
    let c = String::from_utf8(render::info(Dialect::Cos, &plain, &ctx()).body).unwrap();
    assert_eq!(
        c,
        r#"{"format":"jpeg","width":"400","height":"267","size":"21839","md5":"77a16fa70e2eba652fb42e8a639c52f2","frame_count":"1"}"#
    );
    let mut no_md5 = ctx();
    no_md5.object.md5_hex = None;
    let c = String::from_utf8(render::info(Dialect::Cos, &plain, &no_md5).body).unwrap();
    assert!(!c.contains("md5"), "{c}");
    // COS exif without EXIF.
    assert_eq!(
        render::exif(Dialect::Cos, &plain, &ctx()).body,
        br#"{"error":"no exif data"}"#
    );
}

#[test]
fn the_glue_path_from_query_to_answer() {
    // What the Worker does: parse, probe, render in the parsed dialect.
    let file = seed_qingstor();
    for (q, d) in [
        ("x-oss-process=image/info", Dialect::Oss),
        ("x-tos-process=image/info", Dialect::Tos),
        ("image&action=info", Dialect::QingStor),
        ("x-image-process=image/info", Dialect::ObsImg),
        ("imageInfo", Dialect::Qiniu),
        ("info", Dialect::Native),
    ] {
        let op = request::parse("/myphoto.jpg", Some(q), &Hints::default()).unwrap();
        assert_eq!(op.action, Action::Info(d));
        let r = render::info(d, &run(&file), &ctx());
        assert_eq!(r.status, 200);
        assert_eq!(r.content_type, "application/json");
        serde_json::from_slice::<serde_json::Value>(&r.body).unwrap_or_else(|e| panic!("{q}: {e}"));
    }
}

#[test]
fn native_answers_validate_against_the_schema() {
    let schema = common::schema::native_schema();
    for (name, info) in fixtures() {
        let v: serde_json::Value =
            serde_json::from_slice(&render::info(Dialect::Native, &info, &ctx()).body).unwrap();
        let errs = common::schema::errors(&schema, &v);
        assert!(errs.is_empty(), "{name}: {errs:?}");
        // The validator can fail: a wrong type, a missing member, an extra member.
        let mut bad = v.clone();
        bad["width"] = serde_json::json!("424");
        assert!(
            !common::schema::errors(&schema, &bad).is_empty(),
            "{name}: string width accepted"
        );
        let mut bad = v.clone();
        bad.as_object_mut().unwrap().remove("read");
        assert!(
            !common::schema::errors(&schema, &bad).is_empty(),
            "{name}: missing read accepted"
        );
        let mut bad = v.clone();
        bad["surprise"] = serde_json::json!(1);
        assert!(
            !common::schema::errors(&schema, &bad).is_empty(),
            "{name}: extra member accepted"
        );
        if v["exif"].is_object() {
            let mut bad = v.clone();
            bad["exif"]["ifd0"]["Bogus"] =
                serde_json::json!({"tag": 1, "type": "WORD", "value": 1, "display": ""});
            assert!(
                !common::schema::errors(&schema, &bad).is_empty(),
                "{name}: bad TIFF type accepted"
            );
        }
    }
    let e: serde_json::Value =
        serde_json::from_slice(&render::error(Dialect::Native, &Error::NotFound, &ctx()).body)
            .unwrap();
    let mut errs = Vec::new();
    common::schema::validate(&schema, &schema["$defs"]["error"], &e, "#", &mut errs);
    assert!(errs.is_empty(), "{errs:?}");
}

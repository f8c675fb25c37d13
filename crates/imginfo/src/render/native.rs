//! Our own dialect, `?info`: everything the core knows, typed, in one JSON object (see
//! docs/native.schema.json). Sizes and counts are numbers, absent facts are `null`;
//! `gps` is signed decimal degrees; `taken` is ISO 8601; `exif` is grouped by IFD with
//! each tag's Exif 2.3 name, its TIFF type, its raw value typed (numbers as numbers,
//! rationals as `[num, den]`, ASCII as strings, UNDEFINED as lower-case hex) and a
//! display string. Errors are `{"error":{"code","message"}}` with a fitting status.

use super::{Ctx, Obj, Rendered};
use crate::error::Error;
use crate::exif::{tags, Exif, Field, Ifd, Value};
use crate::hue::Hue;
use crate::model::{Info, Transform};
use crate::request::Dialect;
use serde_json::{json, Value as J};

pub fn info(info: &Info, ctx: &Ctx) -> Rendered {
    Rendered::json(200, members(info, ctx).to_vec())
}

/// `?info&hue`: the info answer plus `averageColor`: `{"rgb":"#28577d","method":…,
/// "bytes":…,"firstFrameOf":…}` — the method (`dc`, `full`, `thumbnail`), the bytes
/// read to answer, and, for an animation, its frame count (only the first frame is
/// averaged; `null` otherwise).
pub fn average_hue(hue: &Hue, ctx: &Ctx) -> Rendered {
    let mut o = members(&hue.info, ctx);
    let c = &hue.color;
    o.push(
        "averageColor",
        json!({
            "rgb": format!("#{}", c.hex()),
            "method": c.method.name(),
            "bytes": c.bytes,
            "firstFrameOf": c.first_of_frames,
        }),
    );
    Rendered::json(200, o.to_vec())
}

fn members(info: &Info, ctx: &Ctx) -> Obj {
    let h = &info.header;
    let (dw, dh) = info.display_size();
    let mut o = Obj::new();
    o.push("format", info.format().name());
    o.push("mime", info.format().mime());
    o.push("fileSize", opt(info.file_size));
    o.push("width", info.width());
    o.push("height", info.height());
    o.push("displayWidth", dw);
    o.push("displayHeight", dh);
    o.push("orientation", opt(info.orientation()));
    o.push("colorSpace", opt(h.color.map(|c| c.name())));
    o.push("bitDepth", opt(h.bit_depth));
    o.push("alpha", opt(h.alpha));
    o.push("frames", opt(h.frames));
    o.push("animated", opt(h.frames.map(|f| f > 1)));
    o.push("progressive", opt(h.progressive));
    o.push(
        "transforms",
        J::Array(h.transforms.iter().map(transform).collect()),
    );
    let exif = info.exif.as_ref();
    o.push("gps", exif.and_then(gps).unwrap_or(J::Null));
    o.push("taken", opt(exif.and_then(taken)));
    o.push("exif", exif.map(exif_groups).unwrap_or(J::Null));
    o.push("exifError", opt(info.exif_error.clone()));
    let m = &ctx.object;
    let source = if m.source.is_empty() {
        J::Null
    } else {
        J::from(m.source)
    };
    o.push(
        "object",
        json!({
            "etag": m.etag,
            "lastModified": m.last_modified,
            "version": m.version,
            "source": source,
        }),
    );
    let ms = if ctx.stats.ms.is_finite() {
        json!(ctx.stats.ms)
    } else {
        J::Null
    };
    o.push(
        "read",
        json!({ "ranges": ctx.stats.ranges, "bytes": ctx.stats.bytes, "ms": ms }),
    );
    o
}

fn opt<T: Into<J>>(v: Option<T>) -> J {
    v.map(Into::into).unwrap_or(J::Null)
}

fn transform(t: &Transform) -> J {
    match *t {
        Transform::Clap { width, height } => {
            json!({ "type": "clap", "width": width, "height": height })
        }
        Transform::Irot(a) => json!({ "type": "irot", "angle": a }),
        Transform::Imir(axis) => json!({ "type": "imir", "axis": axis }),
    }
}

/// Signed decimal degrees, present when both coordinates are, and in range.
fn gps(e: &Exif) -> Option<J> {
    let lat = e
        .gps_latitude()
        .filter(|v| v.is_finite() && v.abs() <= 90.0)?;
    let lon = e
        .gps_longitude()
        .filter(|v| v.is_finite() && v.abs() <= 180.0)?;
    let alt = e.gps_altitude().filter(|v| v.is_finite());
    Some(json!({ "lat": lat, "lon": lon, "alt": alt }))
}

/// `DateTimeOriginal` as ISO 8601, with `SubSecTimeOriginal` as a fraction and
/// `OffsetTimeOriginal` as the offset when they are well-formed.
fn taken(e: &Exif) -> Option<String> {
    let dt = e.datetime_original()?;
    let b = dt.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|s| s.iter().all(u8::is_ascii_digit));
    let shape_ok = b.len() == 19
        && digits(0..4)
        && digits(5..7)
        && digits(8..10)
        && digits(11..13)
        && digits(14..16)
        && digits(17..19)
        && b.get(4) == Some(&b':')
        && b.get(7) == Some(&b':')
        && b.get(10) == Some(&b' ')
        && b.get(13) == Some(&b':')
        && b.get(16) == Some(&b':');
    if !shape_ok {
        return None;
    }
    let num =
        |r: std::ops::Range<usize>| dt.get(r).and_then(|s| s.parse::<u32>().ok()).unwrap_or(0);
    let (mo, d, hh, mm, ss) = (num(5..7), num(8..10), num(11..13), num(14..16), num(17..19));
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    let mut s = format!(
        "{}-{}-{}T{}",
        dt.get(0..4)?,
        dt.get(5..7)?,
        dt.get(8..10)?,
        dt.get(11..19)?
    );
    if let Some(sub) = e.get(Ifd::Exif, 0x9291).and_then(|f| f.value.ascii()) {
        let sub = sub.trim();
        if !sub.is_empty() && sub.bytes().all(|c| c.is_ascii_digit()) {
            s.push('.');
            s.push_str(sub);
        }
    }
    if let Some(off) = e
        .get(Ifd::Exif, tags::OFFSET_TIME_ORIGINAL)
        .and_then(|f| f.value.ascii())
    {
        let ob = off.as_bytes();
        let well_formed = ob.len() == 6
            && matches!(ob.first(), Some(b'+' | b'-'))
            && ob.get(3) == Some(&b':')
            && [1, 2, 4, 5]
                .iter()
                .all(|&i| ob.get(i).is_some_and(u8::is_ascii_digit));
        if well_formed {
            s.push_str(off);
        }
    }
    Some(s)
}

/// TIFF type names (TIFF 6.0 §2).
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Byte(_) => "BYTE",
        Value::Ascii(_) => "ASCII",
        Value::Short(_) => "SHORT",
        Value::Long(_) => "LONG",
        Value::Rational(_) => "RATIONAL",
        Value::SByte(_) => "SBYTE",
        Value::Undefined(_) => "UNDEFINED",
        Value::SShort(_) => "SSHORT",
        Value::SLong(_) => "SLONG",
        Value::SRational(_) => "SRATIONAL",
        Value::Float(_) => "FLOAT",
        Value::Double(_) => "DOUBLE",
        Value::Unknown(..) => "UNKNOWN",
    }
}

/// One value, or an array when the field holds several.
fn one_or_many(mut items: Vec<J>) -> J {
    if items.len() == 1 {
        items.pop().unwrap_or(J::Null)
    } else {
        J::Array(items)
    }
}

fn float(x: f64) -> J {
    serde_json::Number::from_f64(x)
        .map(J::Number)
        .unwrap_or(J::Null)
}

/// The raw value, typed.
pub fn typed(v: &Value) -> J {
    fn nums<T: Copy + Into<J>>(v: &[T]) -> J {
        one_or_many(v.iter().map(|&x| x.into()).collect())
    }
    match v {
        Value::Byte(x) => nums(x),
        Value::Short(x) => nums(x),
        Value::Long(x) => nums(x),
        Value::SByte(x) => nums(x),
        Value::SShort(x) => nums(x),
        Value::SLong(x) => nums(x),
        Value::Ascii(s) => one_or_many(
            s.iter()
                .map(|s| J::from(s.trim_end_matches('\0')))
                .collect(),
        ),
        Value::Rational(r) => one_or_many(r.iter().map(|&(n, d)| json!([n, d])).collect()),
        Value::SRational(r) => one_or_many(r.iter().map(|&(n, d)| json!([n, d])).collect()),
        Value::Undefined(b) => J::from(b.iter().map(|x| format!("{x:02x}")).collect::<String>()),
        Value::Float(f) => one_or_many(f.iter().map(|&x| float(x as f64)).collect()),
        Value::Double(f) => one_or_many(f.iter().map(|&x| float(x)).collect()),
        Value::Unknown(..) => J::Null,
    }
}

/// kamadak-exif quotes ASCII values in its display string; the unquoted text reads better.
fn display(f: &Field) -> String {
    match &f.value {
        Value::Ascii(s) if s.len() == 1 => s
            .first()
            .map(|s| s.trim_end_matches('\0').to_string())
            .unwrap_or_default(),
        _ => f.display.clone(),
    }
}

fn entry(f: &Field) -> J {
    json!({ "tag": f.tag, "type": type_name(&f.value), "value": typed(&f.value), "display": display(f) })
}

/// `{ "exif": …, "gps": …, "ifd0": {name: entry}, "ifd1": …, "interop": … }` (keys
/// sorted, as everywhere inside nested objects), IFDs without fields left out, each
/// name once per IFD (the first occurrence).
fn exif_groups(e: &Exif) -> J {
    let mut groups = serde_json::Map::new();
    for ifd in [Ifd::Ifd0, Ifd::Exif, Ifd::Gps, Ifd::Interop, Ifd::Ifd1] {
        let mut g = serde_json::Map::new();
        for f in e.fields.iter().filter(|f| f.ifd == ifd) {
            g.entry(f.name.clone()).or_insert_with(|| entry(f));
        }
        if !g.is_empty() {
            groups.insert(ifd.name().to_string(), J::Object(g));
        }
    }
    J::Object(groups)
}

/// Our error code and HTTP status for a core error.
pub fn code(e: &Error) -> (u16, &'static str) {
    match e {
        Error::BadRequest(_) => (400, "bad_request"),
        Error::NotFound => (404, "not_found"),
        Error::Unsupported(_) => (415, "unsupported_format"),
        Error::Truncated { .. } => (422, "truncated"),
        Error::Invalid { .. } => (422, "invalid_image"),
        Error::Budget { .. } => (422, "read_budget_exceeded"),
        Error::NoExif => (404, "no_exif"),
        Error::TooLarge(_) => (422, "image_too_large"),
        Error::NoDecoder(_) => (415, "no_decoder"),
        Error::AccessDenied(_) => (403, "access_denied"),
        Error::Upstream(_) => (502, "upstream_error"),
        Error::Timeout(_) => (504, "upstream_timeout"),
        Error::Changed => (503, "object_changed"),
        Error::Denied(d) => d.code(Dialect::Native),
    }
}

pub fn error(e: &Error, _ctx: &Ctx) -> Rendered {
    let (status, code) = code(e);
    let mut o = Obj::new();
    o.push(
        "error",
        json!({ "code": code, "message": super::message(e) }),
    );
    Rendered::json(status, o.to_vec())
}

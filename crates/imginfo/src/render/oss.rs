//! Alibaba OSS `image/info` (also Volcengine TOS `x-tos-process=image/info`): one JSON
//! object, keys sorted as OSS sorts them, every member `{"value":"<string>"}`:
//! `FileSize`, `Format`, `FrameCount`, `ImageHeight`, `ImageWidth`, and every EXIF tag
//! under its exiv2 name with its raw exiv2 value (`ResolutionUnit`, `XResolution`,
//! `YResolution` among them when the image carries them), GPS coordinates and their
//! references pretty-printed as OSS does (`30deg 17' 30.620" `, `North`). OSS errors
//! are XML `<Error>` with `Code`, `Message`, `RequestId`, `HostId`, `EC`; TOS errors are
//! JSON with `Code`, `Message`, `RequestId`, `HostId`.

use super::{exiv2, flat_fields, write_json, write_object, xml_escape, Ctx, Obj, Rendered};
use crate::error::Error;
use crate::exif::{tags, Field, Ifd, Value};
use crate::hue::Hue;
use crate::model::{Format, Info};
use crate::request::Dialect;
use std::collections::BTreeMap;

/// OSS's format names.
pub fn format_name(f: Format) -> &'static str {
    match f {
        Format::Jpeg => "jpg",
        other => other.name(),
    }
}

/// The exiv2-named, raw-valued EXIF members OSS prints (pointers included, maker note
/// left out), as (name, value) pairs. Shared with OBS, which borrows this member style.
pub fn exif_members(info: &Info) -> Vec<(String, String)> {
    let Some(exif) = &info.exif else {
        return Vec::new();
    };
    flat_fields(exif, |f| {
        (f.tag != exiv2::MAKER_NOTE || f.ifd != Ifd::Exif).then(|| exiv2::name(f))
    })
    .into_iter()
    .map(|(n, f)| (n, value(f)))
    .collect()
}

pub fn info(info: &Info, _ctx: &Ctx) -> Rendered {
    // Inserted one by one (the last of a repeated name wins, as with `collect`), which
    // spares the Worker `BTreeMap::from_iter`'s own copy of the sort (crate::sort).
    let mut m: BTreeMap<String, String> = BTreeMap::new();
    for (k, v) in exif_members(info) {
        m.insert(k, v);
    }
    if let Some(size) = info.file_size {
        m.insert("FileSize".into(), size.to_string());
    }
    m.insert("Format".into(), format_name(info.format()).into());
    if let Some(frames) = info.header.frames {
        m.insert("FrameCount".into(), frames.to_string());
    }
    m.insert("ImageHeight".into(), info.height().to_string());
    m.insert("ImageWidth".into(), info.width().to_string());
    // `{"<name>":{"value":"<text>"},…}` written straight into the body.
    let body = write_object(m.iter(), |out, v| {
        out.extend_from_slice(b"{\"value\":");
        write_json(out, v);
        out.push(b'}');
    });
    Rendered::json(200, body)
}

/// OSS prints GPS coordinates with exiv2's pretty-printer and spells the references
/// out; everything else is the raw value.
fn value(f: &Field) -> String {
    if f.ifd == Ifd::Gps {
        match (f.tag, &f.value) {
            (tags::GPS_LATITUDE | tags::GPS_LONGITUDE | 0x0014 | 0x0016, Value::Rational(r)) => {
                return exiv2::degrees(r);
            }
            (tags::GPS_LATITUDE_REF | 0x0013, v) => {
                return compass(v.ascii(), [("N", "North"), ("S", "South")]);
            }
            (tags::GPS_LONGITUDE_REF | 0x0015, v) => {
                return compass(v.ascii(), [("E", "East"), ("W", "West")]);
            }
            _ => {}
        }
    }
    exiv2::raw(&f.value)
}

fn compass(v: Option<&str>, names: [(&str, &str); 2]) -> String {
    let v = v.unwrap_or("");
    names
        .iter()
        .find(|(k, _)| *k == v)
        .map(|(_, n)| n.to_string())
        .unwrap_or_else(|| v.to_string())
}

/// OSS's CRC-64/ECMA-182 header for a body (`x-oss-hash-crc64ecma`).
pub const CRC64_HEADER: &str = "x-oss-hash-crc64ecma";
/// TOS's CRC-64/ECMA-182 header for a body.
pub const TOS_CRC64_HEADER: &str = "x-tos-hash-crc64ecma";

/// `image/average-hue` (OSS and TOS): `{"RGB":"0xbbcd7f"}`, lower-case hex. OSS's
/// newer pages describe the answer as a bare `0xbbcd7f`, the older ones as this JSON
/// object; client code written against the live service (Java `JSONObject
/// .getString("RGB")`, Go `json.Unmarshal` into `{RGB string}`, JavaScript
/// `JSON.parse(body).RGB.replace('0x', '#')`) parses the object, so the object it is.
pub fn average_hue(hue: &Hue, _ctx: &Ctx) -> Rendered {
    let mut o = Obj::new();
    o.push("RGB", format!("0x{}", hue.color.hex()));
    Rendered::json(200, o.to_vec())
}

/// OSS error code, HTTP status and EC for a core error.
pub fn code(e: &Error) -> (u16, &'static str, &'static str) {
    match e {
        Error::BadRequest(_) => (400, "InvalidArgument", "0041-00000001"),
        Error::NotFound => (404, "NoSuchKey", "0026-00000001"),
        Error::Unsupported(_)
        | Error::Truncated { .. }
        | Error::Invalid { .. }
        | Error::Budget { .. } => (400, "BadRequest", "0040-00000005"),
        Error::NoExif => (400, "BadRequest", "0040-00000004"),
        Error::TooLarge(_) => (400, "ImageTooLarge", "0040-00000005"),
        Error::NoDecoder(_) => (400, "BadRequest", "0040-00000005"),
        Error::AccessDenied(_) => (403, "AccessDenied", "0003-00000001"),
        Error::Upstream(_) => (502, "BadGateway", "0002-00000001"),
        Error::Timeout(_) => (504, "GatewayTimeout", "0002-00000002"),
        Error::Changed => (503, "ServiceUnavailable", "0002-00000003"),
        Error::Denied(d) => {
            let (status, code) = d.code(Dialect::Oss);
            (status, code, d.oss_ec())
        }
    }
}

/// The message OSS prints for a code (its own wording where known).
fn message(e: &Error) -> String {
    match e {
        Error::NotFound => "The specified key does not exist.".to_string(),
        Error::NoExif => "Image has no exif info.".to_string(),
        other => super::message(other),
    }
}

pub fn error(e: &Error, ctx: &Ctx) -> Rendered {
    let (status, code, ec) = code(e);
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>\n  <Code>{code}</Code>\n  <Message>{}</Message>\n  <RequestId>{}</RequestId>\n  <HostId>{}</HostId>\n  <EC>{ec}</EC>\n</Error>\n",
        xml_escape(&message(e)),
        xml_escape(&ctx.request_id),
        xml_escape(&ctx.host),
    );
    Rendered::xml(status, body).with_header("x-oss-ec", ec)
}

/// TOS errors: the OSS codes and statuses, as JSON.
pub fn tos_error(e: &Error, ctx: &Ctx) -> Rendered {
    let (status, code, _) = code(e);
    let mut o = Obj::new();
    o.push("Code", code);
    o.push("Message", message(e));
    o.push("RequestId", ctx.request_id.as_str());
    o.push("HostId", ctx.host.as_str());
    Rendered::json(status, o.to_vec())
}

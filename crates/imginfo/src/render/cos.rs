//! Tencent COS (Cloud Infinite) `?imageInfo` and `?exif`. `imageInfo` is
//! `{"format":"jpeg","width":"960","height":"540","size":"158421","md5":"…","frame_count":"1"}`
//! with every value a string; `md5` only when the store already knows the object's MD5
//! (never computed by reading the object). `exif` maps each tag to `{"val":"<raw>"}`
//! (exiv2 raw values, `ColorSpace` spelled out as COS does); an image without EXIF
//! answers `{"error":"no exif data"}`. Errors are COS's XML `<Error>` with `Code`,
//! `Message`, `Resource`, `RequestId`, `TraceId`.

use super::{exiv2, flat_fields, xml_escape, Ctx, Obj, Rendered};
use crate::error::Error;
use crate::exif::{Field, Ifd, Value};
use crate::hue::Hue;
use crate::model::Info;
use crate::request::Dialect;

/// COS's CRC-64/ECMA-182 header for a body.
pub const CRC64_HEADER: &str = "x-cos-hash-crc64ecma";

pub fn info(info: &Info, ctx: &Ctx) -> Rendered {
    let mut o = Obj::new();
    o.push("format", info.format().name());
    o.push("width", info.width().to_string());
    o.push("height", info.height().to_string());
    o.push_opt("size", info.file_size.map(|s| s.to_string()));
    o.push_opt(
        "md5",
        ctx.object
            .md5_hex
            .as_deref()
            .filter(|m| is_md5_hex(m))
            .map(str::to_ascii_lowercase),
    );
    o.push_opt("frame_count", info.header.frames.map(|f| f.to_string()));
    Rendered::json(200, o.to_vec())
}

fn is_md5_hex(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// COS prints values raw, except `ColorSpace`, which it names.
fn value(f: &Field) -> String {
    if f.ifd == Ifd::Exif && f.tag == 0xa001 {
        if let Some(v) = f.value.first_uint() {
            match v {
                1 => return "sRGB".into(),
                2 => return "Adobe RGB".into(),
                0xffff => return "Uncalibrated".into(),
                _ => {}
            }
        }
    }
    match &f.value {
        Value::Unknown(..) => String::new(),
        v => exiv2::raw(v),
    }
}

pub fn exif(info: &Info, _ctx: &Ctx) -> Rendered {
    let fields = match &info.exif {
        Some(e) => flat_fields(e, |f| {
            let maker_note = f.ifd == Ifd::Exif && f.tag == exiv2::MAKER_NOTE;
            let keep = !(exiv2::is_pointer(f) || maker_note);
            keep.then(|| exiv2::name(f))
        }),
        None => Vec::new(),
    };
    if fields.is_empty() {
        let mut o = Obj::new();
        o.push("error", "no exif data");
        return Rendered::json(200, o.to_vec());
    }
    let mut fields = fields;
    crate::sort::sort_by(&mut fields, |a, b| a.0.cmp(&b.0));
    let mut o = Obj::new();
    for (name, f) in fields {
        o.push(name, serde_json::json!({ "val": value(f) }));
    }
    Rendered::json(200, o.to_vec())
}

/// `?imageAve`: `{"RGB":"0x736246"}` (COS's example; its `"RGB": "…"` spacing is
/// pretty-printing, the body here is compact like every other answer).
pub fn average_hue(hue: &Hue, _ctx: &Ctx) -> Rendered {
    let mut o = Obj::new();
    o.push("RGB", format!("0x{}", hue.color.hex()));
    Rendered::json(200, o.to_vec())
}

/// COS error code and HTTP status for a core error.
pub fn code(e: &Error) -> (u16, &'static str) {
    match e {
        Error::BadRequest(_) => (400, "InvalidArgument"),
        Error::NotFound => (404, "NoSuchKey"),
        Error::Unsupported(_)
        | Error::Truncated { .. }
        | Error::Invalid { .. }
        | Error::Budget { .. } => (400, "InvalidImageFormat"),
        Error::NoExif | Error::TooLarge(_) => (400, "InvalidArgument"),
        Error::NoDecoder(_) => (400, "InvalidImageFormat"),
        Error::AccessDenied(_) => (403, "AccessDenied"),
        Error::Upstream(_) => (502, "InternalError"),
        Error::Timeout(_) => (504, "InternalError"),
        Error::Changed => (503, "ServiceUnavailable"),
        Error::Denied(d) => d.code(Dialect::Cos),
    }
}

pub fn error(e: &Error, ctx: &Ctx) -> Rendered {
    let (status, code) = code(e);
    let message = match e {
        Error::NotFound => "The specified key does not exist.".to_string(),
        other => super::message(other),
    };
    let resource = if ctx.host.is_empty() {
        format!("/{}", ctx.key)
    } else {
        format!("{}/{}", ctx.host, ctx.key)
    };
    let body = format!(
        "<?xml version='1.0' encoding='utf-8' ?>\n<Error>\n\t<Code>{code}</Code>\n\t<Message>{}</Message>\n\t<Resource>{}</Resource>\n\t<RequestId>{}</RequestId>\n\t<TraceId>{}</TraceId>\n</Error>\n",
        xml_escape(&message),
        xml_escape(&resource),
        xml_escape(&ctx.request_id),
        xml_escape(&ctx.request_id),
    );
    Rendered::xml(status, body)
}

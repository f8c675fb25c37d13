//! Huawei OBS image processing `?x-image-process=image/info`:
//! `{"format":"JPEG","height":2000,"size":1046583,"width":2668}` (integers, upper-case
//! format), then, when the image has EXIF, one member per tag. OBS documents that EXIF is
//! returned but shows no example, so the EXIF members borrow OSS's style
//! (`"Orientation":{"value":"7"}`, exiv2 names and raw values). Errors are OBS's XML
//! `<Error>` with `Code`, `Message`, `RequestId`, `HostId`, `Key`.

use super::{oss, xml_escape, Ctx, Obj, Rendered};
use crate::error::Error;
use crate::hue::Hue;
use crate::model::{Format, Info};
use crate::request::Dialect;

/// OBS's upper-case format names.
pub fn format_name(f: Format) -> &'static str {
    match f {
        Format::Jpeg => "JPEG",
        Format::Png => "PNG",
        Format::Gif => "GIF",
        Format::Bmp => "BMP",
        Format::Webp => "WEBP",
        Format::Tiff => "TIFF",
        Format::Heic => "HEIC",
        Format::Avif => "AVIF",
    }
}

pub fn info(info: &Info, _ctx: &Ctx) -> Rendered {
    let mut o = Obj::new();
    o.push("format", format_name(info.format()));
    o.push("height", info.height());
    o.push_opt("size", info.file_size);
    o.push("width", info.width());
    let mut exif = oss::exif_members(info);
    crate::sort::sort(&mut exif);
    for (k, v) in exif {
        o.push(k, serde_json::json!({ "value": v }));
    }
    Rendered::json(200, o.to_vec())
}

/// `image/average-hue`: `{"RGB":"#28577D"}`, upper-case hex after `#`, as OBS's
/// documentation shows.
pub fn average_hue(hue: &Hue, _ctx: &Ctx) -> Rendered {
    let mut o = Obj::new();
    o.push("RGB", format!("#{}", hue.color.hex().to_ascii_uppercase()));
    Rendered::json(200, o.to_vec())
}

/// OBS error code and HTTP status for a core error.
pub fn code(e: &Error) -> (u16, &'static str) {
    match e {
        Error::BadRequest(_) => (400, "InvalidArgument"),
        Error::NotFound => (404, "NoSuchKey"),
        Error::Unsupported(_)
        | Error::Truncated { .. }
        | Error::Invalid { .. }
        | Error::Budget { .. } => (400, "InvalidArgument"),
        Error::NoExif | Error::TooLarge(_) | Error::NoDecoder(_) => (400, "InvalidArgument"),
        Error::AccessDenied(_) => (403, "AccessDenied"),
        Error::Upstream(_) => (502, "InternalError"),
        Error::Timeout(_) => (504, "InternalError"),
        Error::Changed => (503, "ServiceUnavailable"),
        Error::Denied(d) => d.code(Dialect::ObsImg),
    }
}

pub fn error(e: &Error, ctx: &Ctx) -> Rendered {
    let (status, code) = code(e);
    let message = match e {
        Error::NotFound => "The specified key does not exist.".to_string(),
        Error::AccessDenied(_) => "Access Denied".to_string(),
        other => super::message(other),
    };
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Error><Code>{code}</Code><Message>{}</Message><RequestId>{}</RequestId><HostId>{}</HostId><Key>{}</Key></Error>",
        xml_escape(&message),
        xml_escape(&ctx.request_id),
        xml_escape(&ctx.host),
        xml_escape(&ctx.key),
    );
    Rendered::xml(status, body)
}

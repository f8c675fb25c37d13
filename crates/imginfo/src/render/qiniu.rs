//! Qiniu `?imageInfo` and `?exif`. `imageInfo` is
//! `{"size":214513,"format":"jpeg","width":640,"height":427,"colorModel":"ycbcr","orientation":"Top-left"}`
//! plus `frameNumber` for animations; `exif` maps each tag to
//! `{"val":"<libexif display string>","type":<TIFF field type>}`. Both carry
//! `Cache-Control: no-store`. Errors are `{"code":<int>,"error":"<message>"}`.

use super::{flat_fields, libexif, Ctx, Obj, Rendered};
use crate::error::Error;
use crate::exif::tags;
use crate::hue::Hue;
use crate::model::{ColorSpace, Format, Info};
use crate::request::Dialect;

/// Qiniu's `Cache-Control` on processing answers.
pub const CACHE_CONTROL: &str = "no-store";

/// Qiniu's colour model names (Go `image/color` model names, which its image service
/// reports): `ycbcr`, `gray`, `gray16`, `cmyk`, `palette`, `rgba`, `nrgba`, `rgba64`,
/// `nrgba64`.
fn color_model(info: &Info) -> Option<&'static str> {
    let alpha = info.header.alpha == Some(true);
    let sixteen = info.header.bit_depth.is_some_and(|d| d > 8);
    Some(match info.header.color? {
        ColorSpace::Ycbcr if alpha => "nycbcra",
        ColorSpace::Ycbcr => "ycbcr",
        ColorSpace::Gray if alpha && sixteen => "nrgba64",
        ColorSpace::Gray if alpha => "nrgba",
        ColorSpace::Gray if sixteen => "gray16",
        ColorSpace::Gray => "gray",
        ColorSpace::Cmyk | ColorSpace::Ycck => "cmyk",
        ColorSpace::Palette => "palette",
        ColorSpace::Srgb | ColorSpace::Lab => match (alpha, sixteen) {
            (true, true) => "nrgba64",
            (true, false) => "nrgba",
            (false, true) => "rgba64",
            (false, false) => "rgba",
        },
    })
}

pub fn info(info: &Info, _ctx: &Ctx) -> Rendered {
    let mut o = Obj::new();
    o.push_opt("size", info.file_size);
    o.push("format", info.format().name());
    o.push("width", info.width());
    o.push("height", info.height());
    o.push_opt("colorModel", color_model(info));
    if let Some(f) = info
        .exif
        .as_ref()
        .and_then(|e| e.get(crate::exif::Ifd::Ifd0, tags::ORIENTATION))
    {
        o.push("orientation", libexif::display(f));
    }
    let frames = info.header.frames;
    if info.format() == Format::Gif || frames.is_some_and(|n| n > 1) {
        o.push_opt("frameNumber", frames);
    }
    Rendered::json(200, o.to_vec()).with_header("Cache-Control", CACHE_CONTROL)
}

pub fn exif(info: &Info, ctx: &Ctx) -> Rendered {
    let Some(exif) = &info.exif else {
        return error(&Error::NoExif, ctx);
    };
    let mut fields = flat_fields(exif, libexif::name);
    if fields.is_empty() {
        return error(&Error::NoExif, ctx);
    }
    crate::sort::sort_by(&mut fields, |a, b| a.0.cmp(&b.0));
    let mut o = Obj::new();
    for (name, f) in fields {
        o.push(
            name,
            serde_json::json!({ "val": libexif::display(f), "type": f.value.type_code() }),
        );
    }
    Rendered::json(200, o.to_vec()).with_header("Cache-Control", CACHE_CONTROL)
}

/// `?imageAve`: `{"RGB":"0xd1b181"}`, with Qiniu's `Cache-Control`.
pub fn average_hue(hue: &Hue, _ctx: &Ctx) -> Rendered {
    let mut o = Obj::new();
    o.push("RGB", format!("0x{}", hue.color.hex()));
    Rendered::json(200, o.to_vec()).with_header("Cache-Control", CACHE_CONTROL)
}

/// Qiniu HTTP status (also the body's `code`) and message for a core error.
pub fn code(e: &Error) -> (u16, String) {
    match e {
        Error::BadRequest(m) => (400, m.clone()),
        Error::NotFound => (404, "Document not found".into()),
        Error::Unsupported(_) => (400, "unsupported image format".into()),
        Error::Truncated { .. } | Error::Invalid { .. } | Error::Budget { .. } => {
            (400, format!("bad image: {e}"))
        }
        Error::NoExif => (400, "no exif data".into()),
        Error::TooLarge(m) => (400, format!("image too large: {m}")),
        Error::NoDecoder(_) => (400, "unsupported image format".into()),
        Error::AccessDenied(_) => (403, "access denied".into()),
        Error::Upstream(_) => (502, "bad gateway".into()),
        Error::Timeout(_) => (504, "timeout".into()),
        Error::Changed => (503, "service unavailable".into()),
        Error::Denied(d) => {
            let (status, message) = d.code(Dialect::Qiniu);
            (status, message.into())
        }
    }
}

pub fn error(e: &Error, _ctx: &Ctx) -> Rendered {
    let (status, message) = code(e);
    let mut o = Obj::new();
    o.push("code", status);
    o.push("error", message);
    Rendered::json(status, o.to_vec()).with_header("Cache-Control", CACHE_CONTROL)
}

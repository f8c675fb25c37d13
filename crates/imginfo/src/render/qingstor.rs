//! QingStor `?image&action=info`: typed JSON in the documented member order —
//! `width`, `height` (integers), `orientation` (integer), `alpha` (bool), `type`,
//! `space`, then the EXIF members QingStor lists: `make`, `model`, `datetime`,
//! `exifversion` (libexif's `Exif Version 2.21`), `focallength` (raw `83/20`),
//! `gpslatituderef`, `gpslatitude` (raw `40/1 0/1 5588/100`), `gpslongituderef`,
//! `gpslongitude`, `gpsaltituderef` (libexif's `Sea level`), `gpsaltitude` (raw).
//! Errors are QingStor's JSON `{"code","message","request_id","url"}`.

use super::{exiv2, libexif, Ctx, Obj, Rendered};
use crate::error::Error;
use crate::exif::{tags, Exif, Ifd};
use crate::model::{ColorSpace, Info};
use crate::request::Dialect;

/// Where QingStor's error `url` points: its documentation of the image info API.
pub const DOC_URL: &str =
    "https://docsv3.qingcloud.com/storage/object-storage/api/object/image_process/info/";

/// QingStor's colour space names (libvips interpretation nicknames, which QingStor
/// prints: `srgb`, `b-w`, `cmyk`, `lab`, `rgb16`, `grey16`).
fn space(c: ColorSpace, depth: Option<u8>) -> &'static str {
    let sixteen = depth.is_some_and(|d| d > 8);
    match c {
        ColorSpace::Srgb | ColorSpace::Ycbcr | ColorSpace::Palette if sixteen => "rgb16",
        ColorSpace::Srgb | ColorSpace::Ycbcr | ColorSpace::Palette => "srgb",
        ColorSpace::Gray if sixteen => "grey16",
        ColorSpace::Gray => "b-w",
        ColorSpace::Cmyk | ColorSpace::Ycck => "cmyk",
        ColorSpace::Lab => "lab",
    }
}

fn ascii(e: &Exif, ifd: Ifd, tag: u16) -> Option<String> {
    e.get(ifd, tag)
        .and_then(|f| f.value.ascii())
        .map(str::to_string)
}

fn raw(e: &Exif, ifd: Ifd, tag: u16) -> Option<String> {
    e.get(ifd, tag).map(|f| exiv2::raw(&f.value))
}

fn shown(e: &Exif, ifd: Ifd, tag: u16) -> Option<String> {
    e.get(ifd, tag).map(libexif::display)
}

pub fn info(info: &Info, _ctx: &Ctx) -> Rendered {
    let mut o = Obj::new();
    o.push("width", info.width());
    o.push("height", info.height());
    o.push_opt("orientation", info.orientation());
    o.push_opt("alpha", info.header.alpha);
    o.push("type", info.format().name());
    o.push_opt(
        "space",
        info.header.color.map(|c| space(c, info.header.bit_depth)),
    );
    if let Some(e) = &info.exif {
        o.push_opt("make", ascii(e, Ifd::Ifd0, tags::MAKE));
        o.push_opt("model", ascii(e, Ifd::Ifd0, tags::MODEL));
        o.push_opt("datetime", ascii(e, Ifd::Ifd0, tags::DATETIME));
        o.push_opt("exifversion", shown(e, Ifd::Exif, tags::EXIF_VERSION));
        o.push_opt("focallength", raw(e, Ifd::Exif, tags::FOCAL_LENGTH));
        o.push_opt("gpslatituderef", ascii(e, Ifd::Gps, tags::GPS_LATITUDE_REF));
        o.push_opt("gpslatitude", raw(e, Ifd::Gps, tags::GPS_LATITUDE));
        o.push_opt(
            "gpslongituderef",
            ascii(e, Ifd::Gps, tags::GPS_LONGITUDE_REF),
        );
        o.push_opt("gpslongitude", raw(e, Ifd::Gps, tags::GPS_LONGITUDE));
        o.push_opt("gpsaltituderef", shown(e, Ifd::Gps, tags::GPS_ALTITUDE_REF));
        o.push_opt("gpsaltitude", raw(e, Ifd::Gps, tags::GPS_ALTITUDE));
    }
    Rendered::json(200, o.to_vec())
}

/// QingStor error code and HTTP status for a core error.
pub fn code(e: &Error) -> (u16, &'static str) {
    match e {
        Error::BadRequest(_) => (400, "invalid_argument"),
        Error::NotFound => (404, "object_not_exists"),
        Error::Unsupported(_)
        | Error::Truncated { .. }
        | Error::Invalid { .. }
        | Error::Budget { .. } => (400, "invalid_argument"),
        Error::NoExif | Error::TooLarge(_) | Error::NoDecoder(_) => (400, "invalid_argument"),
        Error::AccessDenied(_) => (403, "permission_denied"),
        Error::Upstream(_) => (502, "internal_error"),
        Error::Timeout(_) => (504, "internal_error"),
        Error::Changed => (503, "service_unavailable"),
        Error::Denied(d) => d.code(Dialect::QingStor),
    }
}

pub fn error(e: &Error, ctx: &Ctx) -> Rendered {
    let (status, code) = code(e);
    let message = match e {
        Error::NotFound => "The object you are accessing does not exist.".to_string(),
        other => super::message(other),
    };
    let mut o = Obj::new();
    o.push("code", code);
    o.push("message", message);
    o.push("request_id", ctx.request_id.as_str());
    o.push("url", DOC_URL);
    Rendered::json(status, o.to_vec())
}

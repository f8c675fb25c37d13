//! Stopgap serialization of an [`Info`] in the native (`?info`) JSON shape, the
//! members the inspector page reads, until `imginfo::render::native` lands on main;
//! then this file is replaced by a call to that renderer.

use imginfo::exif::{Exif, Ifd};
use imginfo::{Error, Info};
use serde_json::{json, Map, Value as J};

/// What the local parse cost.
pub struct Read {
    pub ranges: u32,
    pub bytes: u64,
    pub ms: f64,
}

pub fn info(info: &Info, read: &Read) -> String {
    let h = &info.header;
    let (dw, dh) = info.display_size();
    let exif = info.exif.as_ref();
    json!({
        "format": info.format().name(),
        "mime": info.format().mime(),
        "fileSize": info.file_size,
        "width": info.width(),
        "height": info.height(),
        "displayWidth": dw,
        "displayHeight": dh,
        "orientation": info.orientation(),
        "colorSpace": h.color.map(|c| c.name()),
        "bitDepth": h.bit_depth,
        "alpha": h.alpha,
        "frames": h.frames,
        "animated": h.frames.map(|f| f > 1),
        "progressive": h.progressive,
        "gps": exif.and_then(gps),
        "taken": J::Null,
        "exif": exif.map(groups),
        "exifError": info.exif_error,
        "object": { "etag": J::Null, "lastModified": J::Null, "version": J::Null, "source": J::Null },
        "read": { "ranges": read.ranges, "bytes": read.bytes, "ms": read.ms },
    })
    .to_string()
}

fn gps(e: &Exif) -> Option<J> {
    let lat = e
        .gps_latitude()
        .filter(|v| v.is_finite() && v.abs() <= 90.0)?;
    let lon = e
        .gps_longitude()
        .filter(|v| v.is_finite() && v.abs() <= 180.0)?;
    Some(json!({ "lat": lat, "lon": lon, "alt": e.gps_altitude().filter(|v| v.is_finite()) }))
}

fn groups(e: &Exif) -> J {
    let mut out = Map::new();
    for ifd in [Ifd::Ifd0, Ifd::Exif, Ifd::Gps, Ifd::Interop, Ifd::Ifd1] {
        let mut g = Map::new();
        for f in e.fields.iter().filter(|f| f.ifd == ifd) {
            g.entry(f.name.clone()).or_insert_with(|| {
                json!({ "tag": f.tag, "value": serde_json::to_value(&f.value).unwrap_or(J::Null), "display": f.display })
            });
        }
        if !g.is_empty() {
            out.insert(ifd.name().to_string(), J::Object(g));
        }
    }
    J::Object(out)
}

pub fn error(e: &Error) -> String {
    let code = match e {
        Error::NotFound => "not_found",
        Error::Unsupported(_) => "unsupported_format",
        Error::Truncated { .. } => "truncated",
        Error::Invalid { .. } => "invalid_image",
        Error::Budget { .. } => "read_budget_exceeded",
        _ => "error",
    };
    json!({ "error": { "code": code, "message": e.to_string() } }).to_string()
}

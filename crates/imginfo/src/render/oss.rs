//! Alibaba OSS `image/info` (also Volcengine TOS): a JSON object, keys sorted as OSS
//! sorts them, every member `{"value":"<string>"}`; EXIF values printed as OSS prints
//! them (exiv2-style names and raw values; GPS coordinates as `30deg 17' 30.620" `).
//! Errors are OSS's XML with `Code`, `Message`, `RequestId`, `HostId` and `EC`.

use super::{xml_escape, Ctx, Rendered};
use crate::error::Error;
use crate::exif::{tags, Field, Ifd, Value};
use crate::model::{Format, Info};
use std::collections::BTreeMap;

/// OSS's format names.
pub fn format_name(f: Format) -> &'static str {
    match f {
        Format::Jpeg => "jpg",
        other => other.name(),
    }
}

pub fn info(info: &Info, _ctx: &Ctx) -> Rendered {
    let mut m: BTreeMap<String, String> = BTreeMap::new();
    if let Some(exif) = &info.exif {
        // IFD0 and sub-IFDs first; thumbnail (IFD1) tags only where no primary one exists.
        for pass in [false, true] {
            for f in exif.fields.iter().filter(|f| (f.ifd == Ifd::Ifd1) == pass) {
                m.entry(tag_name(f)).or_insert_with(|| value(f));
            }
        }
    }
    if let Some(size) = info.file_size {
        m.insert("FileSize".into(), size.to_string());
    }
    m.insert("Format".into(), format_name(info.format()).into());
    m.insert("ImageHeight".into(), info.height().to_string());
    m.insert("ImageWidth".into(), info.width().to_string());
    let body: serde_json::Map<String, serde_json::Value> = m
        .into_iter()
        .map(|(k, v)| (k, serde_json::json!({ "value": v })))
        .collect();
    Rendered {
        status: 200,
        content_type: "application/json",
        headers: Vec::new(),
        body: serde_json::to_vec(&body).unwrap_or_default(),
    }
}

/// exiv2 key names where they differ from the Exif 2.3 names kamadak-exif uses.
fn tag_name(f: &Field) -> String {
    match (f.ifd, f.tag) {
        (_, tags::EXIF_IFD_POINTER) => "ExifTag".into(),
        (_, tags::GPS_IFD_POINTER) => "GPSTag".into(),
        (_, tags::INTEROP_IFD_POINTER) => "InteroperabilityTag".into(),
        (Ifd::Exif, 0x8827) => "ISOSpeedRatings".into(),
        _ => f.name.clone(),
    }
}

fn join<T: ToString>(v: &[T]) -> String {
    v.iter()
        .map(|x| x.to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

fn value(f: &Field) -> String {
    if f.ifd == Ifd::Gps {
        match (f.tag, &f.value) {
            (tags::GPS_LATITUDE | tags::GPS_LONGITUDE | 0x0014 | 0x0016, Value::Rational(r)) => {
                return degrees(r);
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
    match &f.value {
        Value::Byte(v) => join(v),
        Value::Ascii(v) => v
            .first()
            .map(|s| s.trim_end_matches('\0').to_string())
            .unwrap_or_default(),
        Value::Short(v) => join(v),
        Value::Long(v) => join(v),
        Value::Rational(v) => v
            .iter()
            .map(|(n, d)| format!("{n}/{d}"))
            .collect::<Vec<_>>()
            .join(" "),
        Value::SByte(v) => join(v),
        Value::Undefined(v) => join(v),
        Value::SShort(v) => join(v),
        Value::SLong(v) => join(v),
        Value::SRational(v) => v
            .iter()
            .map(|(n, d)| format!("{n}/{d}"))
            .collect::<Vec<_>>()
            .join(" "),
        Value::Float(v) => join(v),
        Value::Double(v) => join(v),
        Value::Unknown(..) => String::new(),
    }
}

fn compass(v: Option<&str>, names: [(&str, &str); 2]) -> String {
    let v = v.unwrap_or("");
    names
        .iter()
        .find(|(k, _)| *k == v)
        .map(|(_, n)| n.to_string())
        .unwrap_or_else(|| v.to_string())
}

/// exiv2's `printDegrees`: trailing zero parts dropped, each part printed with no
/// decimals when whole, else 7/5/3 decimals, each followed by its unit and a space.
fn degrees(r: &[(u32, u32)]) -> String {
    if r.len() != 3 {
        return r
            .iter()
            .map(|(n, d)| format!("{n}/{d}"))
            .collect::<Vec<_>>()
            .join(" ");
    }
    const UNIT: [&str; 3] = ["deg", "'", "\""];
    const PREC: [usize; 3] = [7, 5, 3];
    let mut last = 0;
    for i in (1..3).rev() {
        if r.get(i).is_some_and(|p| p.0 != 0) {
            last = i;
            break;
        }
    }
    let mut out = String::new();
    for (i, &(n, d)) in r.iter().enumerate().take(last + 1) {
        if d == 0 {
            return format!(
                "({})",
                r.iter()
                    .map(|(n, d)| format!("{n}/{d}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            );
        }
        let p = if n % d == 0 { 0 } else { PREC[i] };
        out.push_str(&format!("{:.*}{} ", p, n as f64 / d as f64, UNIT[i]));
    }
    out
}

/// OSS error code, HTTP status and EC for a core error.
fn code(e: &Error) -> (u16, &'static str, &'static str) {
    match e {
        Error::BadRequest(_) => (400, "InvalidArgument", "0041-00000001"),
        Error::NotFound => (404, "NoSuchKey", "0026-00000001"),
        Error::Unsupported(_) | Error::Truncated { .. } | Error::Invalid { .. } => {
            (400, "BadRequest", "0040-00000005")
        }
        Error::Budget { .. } => (400, "BadRequest", "0040-00000005"),
        Error::NoExif => (400, "BadRequest", "0040-00000005"),
        Error::AccessDenied(_) => (403, "AccessDenied", "0003-00000001"),
        Error::Upstream(_) => (502, "BadGateway", "0002-00000001"),
        Error::Timeout(_) => (504, "GatewayTimeout", "0002-00000002"),
        Error::Changed => (503, "ServiceUnavailable", "0002-00000003"),
    }
}

pub fn error(e: &Error, ctx: &Ctx) -> Rendered {
    let (status, code, ec) = code(e);
    let message = match e {
        Error::NotFound => "The specified key does not exist.".to_string(),
        other => other.to_string(),
    };
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>\n  <Code>{code}</Code>\n  <Message>{}</Message>\n  <RequestId>{}</RequestId>\n  <HostId>{}</HostId>\n  <EC>{ec}</EC>\n</Error>\n",
        xml_escape(&message),
        xml_escape(&ctx.request_id),
        xml_escape(&ctx.host),
    );
    Rendered {
        status,
        content_type: "application/xml",
        headers: Vec::new(),
        body: body.into_bytes(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exiv2_degrees() {
        assert_eq!(
            degrees(&[(30, 1), (17, 1), (30620, 1000)]),
            "30deg 17' 30.620\" "
        );
        assert_eq!(degrees(&[(0, 1), (0, 1), (0, 1)]), "0deg ");
        assert_eq!(degrees(&[(40, 1), (30, 1), (0, 1)]), "40deg 30' ");
    }
}

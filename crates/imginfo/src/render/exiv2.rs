//! EXIF names and raw values as exiv2 prints them (`Exif.*.<Name>` short names,
//! `Value::toString()`), the spelling OSS, TOS, OBS and COS use: rationals as `96/1`,
//! enumerations as numbers, BYTE and UNDEFINED as space-separated decimals, IFD
//! pointers as the tags `ExifTag` / `GPSTag` / `InteroperabilityTag` with their offsets.

use crate::exif::{tags, Field, Ifd, Value};

/// exiv2's name for a field: the Exif 2.3 name kamadak-exif gives, except where exiv2
/// keeps an older or its own name. Unknown tags keep kamadak's `Tag0x1234`.
pub fn name(f: &Field) -> String {
    match (f.ifd, f.tag) {
        (_, tags::EXIF_IFD_POINTER) => "ExifTag".into(),
        (_, tags::GPS_IFD_POINTER) => "GPSTag".into(),
        (_, tags::INTEROP_IFD_POINTER) => "InteroperabilityTag".into(),
        (Ifd::Exif, 0x8827) => "ISOSpeedRatings".into(),
        _ => f.name.clone(),
    }
}

/// True for the three IFD pointer tags (their value is an offset, not image data).
pub fn is_pointer(f: &Field) -> bool {
    matches!(
        f.tag,
        tags::EXIF_IFD_POINTER | tags::GPS_IFD_POINTER | tags::INTEROP_IFD_POINTER
    ) && matches!(f.ifd, Ifd::Ifd0 | Ifd::Exif | Ifd::Ifd1)
}

/// True for tags kamadak-exif does not know (named `Tag0x…`).
pub fn is_unknown(f: &Field) -> bool {
    f.name.starts_with("Tag0x")
}

/// The maker note: a vendor-private blob, left out of the flat dialects (see
/// docs/dialects.md).
pub const MAKER_NOTE: u16 = 0x927c;

/// Space-separated values, written into one string (no string per value: UNDEFINED
/// blobs of tens of KiB are printed byte by byte).
fn join<T: std::fmt::Display>(v: &[T]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(v.len() * 4);
    for (i, x) in v.iter().enumerate() {
        if i > 0 {
            s.push(' ');
        }
        let _ = write!(s, "{x}");
    }
    s
}

/// [`join`] for bytes, digit by digit (the same text, without `core::fmt` per byte).
fn join_bytes(v: &[u8]) -> String {
    crate::exif::decimal_bytes(v, " ")
}

/// Rationals as exiv2 prints them: `n/d`, space-separated.
fn fractions<T: std::fmt::Display>(v: &[(T, T)]) -> String {
    v.iter()
        .map(|(n, d)| format!("{n}/{d}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The value as exiv2's `toString()` prints it.
pub fn raw(v: &Value) -> String {
    match v {
        Value::Byte(v) => join_bytes(v),
        Value::Ascii(v) => v
            .first()
            .map(|s| s.trim_end_matches('\0').to_string())
            .unwrap_or_default(),
        Value::Short(v) => join(v),
        Value::Long(v) => join(v),
        Value::Rational(v) => fractions(v),
        Value::SByte(v) => join(v),
        Value::Undefined(v) => join_bytes(v),
        Value::SShort(v) => join(v),
        Value::SLong(v) => join(v),
        Value::SRational(v) => fractions(v),
        Value::Float(v) => join(v),
        Value::Double(v) => join(v),
        Value::Unknown(..) => String::new(),
    }
}

/// exiv2's `printDegrees` (GPS coordinates): trailing zero parts dropped, each part
/// printed with no decimals when whole, else 7/5/3 decimals, each followed by its unit
/// and a space: `30deg 17' 30.620" `. A zero denominator prints the raw value in
/// parentheses, as exiv2 does.
pub fn degrees(r: &[(u32, u32)]) -> String {
    let raw = || fractions(r);
    if r.len() != 3 {
        return raw();
    }
    if r.iter().any(|&(_, d)| d == 0) {
        return format!("({})", raw());
    }
    const UNIT: [&str; 3] = ["deg", "'", "\""];
    const PREC: [usize; 3] = [7, 5, 3];
    let last = (1..3)
        .rev()
        .find(|&i| r.get(i).is_some_and(|p| p.0 != 0))
        .unwrap_or(0);
    let mut out = String::new();
    for (i, &(n, d)) in r.iter().enumerate().take(last + 1) {
        let p = if n % d == 0 {
            0
        } else {
            PREC.get(i).copied().unwrap_or(3)
        };
        out.push_str(&format!(
            "{:.*}{} ",
            p,
            n as f64 / d as f64,
            UNIT.get(i).copied().unwrap_or("")
        ));
    }
    out
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
        assert_eq!(degrees(&[(40, 1), (0, 0), (0, 1)]), "(40/1 0/0 0/1)");
    }

    #[test]
    fn raw_values() {
        assert_eq!(raw(&Value::Undefined(b"0221".to_vec())), "48 50 50 49");
        assert_eq!(raw(&Value::Byte(vec![2, 2, 0, 0])), "2 2 0 0");
        assert_eq!(raw(&Value::Rational(vec![(96, 1)])), "96/1");
        assert_eq!(raw(&Value::SRational(vec![(-1, 3)])), "-1/3");
        assert_eq!(raw(&Value::Ascii(vec!["WGS-84".into()])), "WGS-84");
        assert_eq!(raw(&Value::Short(vec![8, 8, 8])), "8 8 8");
    }

    #[test]
    fn byte_digits_match_display() {
        let all: Vec<u8> = (0..=255).collect();
        let want = all
            .iter()
            .map(|b| b.to_string())
            .collect::<Vec<_>>()
            .join(" ");
        assert_eq!(raw(&Value::Byte(all.clone())), want);
        assert_eq!(raw(&Value::Undefined(all)), want);
        assert_eq!(raw(&Value::Undefined(Vec::new())), "");
        assert_eq!(raw(&Value::SLong(vec![-7, 0, 7])), "-7 0 7");
    }
}

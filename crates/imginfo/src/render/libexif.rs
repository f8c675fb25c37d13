//! EXIF display strings as libexif's `exif_entry_get_value()` prints them (C locale),
//! the spelling Qiniu's `?exif` and QingStor's `exifversion` / `gpsaltituderef` use:
//! `1/50 sec.`, `f/5.6`, `45.0 mm`, `Top-left`, `Inch`, `sRGB`, `Exif Version 2.21`,
//! `Sea level`. A port of the tag-specific cases and the generic per-type formatting;
//! printf's `%.Nf` is Rust's `{:.N}`.

use crate::exif::{Field, Ifd, Value};

/// libexif's name for a field: the Exif 2.3 name, except `ISOSpeedRatings`; `None` for
/// what libexif does not list as an entry (IFD pointers, tags it does not know).
pub fn name(f: &Field) -> Option<String> {
    if super::exiv2::is_pointer(f) || super::exiv2::is_unknown(f) {
        return None;
    }
    Some(match (f.ifd, f.tag) {
        (Ifd::Exif, 0x8827) => "ISOSpeedRatings".into(),
        _ => f.name.clone(),
    })
}

/// Exif versions libexif names (`versions[]` in exif-entry.c).
const VERSIONS: [(&[u8; 4], &str); 9] = [
    (b"0110", "1.1"),
    (b"0120", "1.2"),
    (b"0200", "2.0"),
    (b"0210", "2.1"),
    (b"0220", "2.2"),
    (b"0221", "2.21"),
    (b"0230", "2.3"),
    (b"0231", "2.31"),
    (b"0232", "2.32"),
];

/// `list[]`: SHORT enumerations indexed from 0; `""` marks a reserved value.
fn indexed(tag: u16) -> Option<&'static [&'static str]> {
    Some(match tag {
        0x011c => &["Chunky format", "Planar format"],
        0xa217 => &[
            "",
            "Not defined",
            "One-chip color area sensor",
            "Two-chip color area sensor",
            "Three-chip color area sensor",
            "Color sequential area sensor",
            "",
            "Trilinear sensor",
            "Color sequential linear sensor",
        ],
        0x0112 => &[
            "",
            "Top-left",
            "Top-right",
            "Bottom-right",
            "Bottom-left",
            "Left-top",
            "Right-top",
            "Right-bottom",
            "Left-bottom",
        ],
        0x0213 => &["", "Centered", "Co-sited"],
        0x0106 => &[
            "Reversed mono",
            "Normal mono",
            "RGB",
            "Palette",
            "",
            "CMYK",
            "YCbCr",
            "",
            "CieLAB",
        ],
        0xa401 => &["Normal process", "Custom process"],
        0xa402 => &["Auto exposure", "Manual exposure", "Auto bracket"],
        0xa403 => &["Auto white balance", "Manual white balance"],
        0xa406 => &["Standard", "Landscape", "Portrait", "Night scene"],
        0xa407 => &[
            "Normal",
            "Low gain up",
            "High gain up",
            "Low gain down",
            "High gain down",
        ],
        0xa409 => &["Normal", "Low saturation", "High saturation"],
        0xa408 | 0xa40a => &["Normal", "Soft", "Hard"],
        _ => return None,
    })
}

/// `list2[]`: SHORT enumerations by value; libexif prints the longest name.
fn valued(tag: u16) -> Option<&'static [(u16, &'static str)]> {
    Some(match tag {
        0x9207 => &[
            (0, "Unknown"),
            (1, "Average"),
            (2, "Center-weighted average"),
            (3, "Spot"),
            (4, "Multi spot"),
            (5, "Pattern"),
            (6, "Partial"),
            (255, "Other"),
        ],
        0x0103 => &[
            (1, "Uncompressed"),
            (5, "LZW compression"),
            (6, "JPEG compression"),
            (7, "JPEG compression"),
            (8, "Deflate/ZIP compression"),
            (32773, "PackBits compression"),
        ],
        0x9208 => &[
            (0, "Unknown"),
            (1, "Daylight"),
            (2, "Fluorescent"),
            (3, "Tungsten incandescent light"),
            (4, "Flash"),
            (9, "Fine weather"),
            (10, "Cloudy weather"),
            (11, "Shade"),
            (12, "Daylight fluorescent"),
            (13, "Day white fluorescent"),
            (14, "Cool white fluorescent"),
            (15, "White fluorescent"),
            (17, "Standard light A"),
            (18, "Standard light B"),
            (19, "Standard light C"),
            (20, "D55"),
            (21, "D65"),
            (22, "D75"),
            (24, "ISO studio tungsten"),
            (255, "Other"),
        ],
        0xa210 | 0x0128 => &[(2, "Inch"), (3, "Centimeter")],
        0x8822 => &[
            (0, "Not defined"),
            (1, "Manual"),
            (2, "Normal program"),
            (3, "Aperture priority"),
            (4, "Shutter priority"),
            (5, "Creative program (biased toward depth of field)"),
            (6, "Creative program (biased toward fast shutter speed)"),
            (7, "Portrait mode (for closeup photos with the background out of focus)"),
            (8, "Landscape mode (for landscape photos with the background in focus)"),
        ],
        0x8830 => &[
            (0, "Unknown"),
            (1, "Standard output sensitivity (SOS)"),
            (2, "Recommended exposure index (REI)"),
            (3, "ISO speed"),
            (4, "Standard output sensitivity (SOS) and recommended exposure index (REI)"),
            (5, "Standard output sensitivity (SOS) and ISO speed"),
            (6, "Recommended exposure index (REI) and ISO speed"),
            (7, "Standard output sensitivity (SOS) and recommended exposure index (REI) and ISO speed"),
        ],
        0x9209 => &[
            (0x0000, "Flash did not fire"),
            (0x0001, "Flash fired"),
            (0x0005, "Strobe return light not detected"),
            (0x0007, "Strobe return light detected"),
            (0x0008, "Flash did not fire"),
            (0x0009, "Flash fired, compulsory flash mode"),
            (0x000d, "Flash fired, compulsory flash mode, return light not detected"),
            (0x000f, "Flash fired, compulsory flash mode, return light detected"),
            (0x0010, "Flash did not fire, compulsory flash mode"),
            (0x0018, "Flash did not fire, auto mode"),
            (0x0019, "Flash fired, auto mode"),
            (0x001d, "Flash fired, auto mode, return light not detected"),
            (0x001f, "Flash fired, auto mode, return light detected"),
            (0x0020, "No flash function"),
            (0x0041, "Flash fired, red-eye reduction mode"),
            (0x0045, "Flash fired, red-eye reduction mode, return light not detected"),
            (0x0047, "Flash fired, red-eye reduction mode, return light detected"),
            (0x0049, "Flash fired, compulsory flash mode, red-eye reduction mode"),
            (0x004d, "Flash fired, compulsory flash mode, red-eye reduction mode, return light not detected"),
            (0x004f, "Flash fired, compulsory flash mode, red-eye reduction mode, return light detected"),
            (0x0058, "Flash did not fire, auto mode, red-eye reduction mode"),
            (0x0059, "Flash fired, auto mode, red-eye reduction mode"),
            (0x005d, "Flash fired, auto mode, return light not detected, red-eye reduction mode"),
            (0x005f, "Flash fired, auto mode, return light detected, red-eye reduction mode"),
        ],
        0xa40c => &[(0, "Unknown"), (1, "Macro"), (2, "Close view"), (3, "Distant view")],
        0xa001 => &[(1, "sRGB"), (2, "Adobe RGB"), (0xffff, "Uncalibrated")],
        0xa460 => &[
            (0, "Unknown"),
            (1, "Not a composite image"),
            (2, "General composite image"),
            (3, "Composite image captured while shooting"),
        ],
        _ => return None,
    })
}

fn unknown(v: impl std::fmt::Display) -> String {
    format!("Internal error (unknown value {v})")
}

/// One SHORT (libexif converts BYTE/LONG/SSHORT enumerations to SHORT on load).
fn short1(v: &Value) -> Option<u16> {
    let n = match v {
        Value::Short(x) if x.len() == 1 => x.first().map(|&s| s as u32),
        Value::Byte(x) if x.len() == 1 => x.first().map(|&s| s as u32),
        Value::Long(x) if x.len() == 1 => x.first().copied(),
        Value::SShort(x) if x.len() == 1 => x.first().map(|&s| s as u16 as u32),
        _ => None,
    }?;
    Some(n as u16)
}

fn rational1(v: &Value) -> Option<(u32, u32)> {
    match v {
        Value::Rational(x) if x.len() == 1 => x.first().copied(),
        _ => None,
    }
}

fn srational1(v: &Value) -> Option<(i32, i32)> {
    match v {
        Value::SRational(x) if x.len() == 1 => x.first().copied(),
        _ => None,
    }
}

fn undefined(v: &Value, n: usize) -> Option<&[u8]> {
    match v {
        Value::Undefined(x) if x.len() == n => Some(x.as_slice()),
        _ => None,
    }
}

/// libexif's display string for a field.
pub fn display(f: &Field) -> String {
    special(f).unwrap_or_else(|| generic(&f.value))
}

fn special(f: &Field) -> Option<String> {
    let v = &f.value;
    if f.ifd == Ifd::Gps {
        return match f.tag {
            0x0000 => match v {
                Value::Byte(b) if b.len() == 4 => Some(
                    b.iter()
                        .map(|x| x.to_string())
                        .collect::<Vec<_>>()
                        .join("."),
                ),
                _ => None,
            },
            0x0005 => short_byte(v).map(|b| match b {
                0 => "Sea level".to_string(),
                1 => "Sea level reference".to_string(),
                b => unknown(b),
            }),
            0x0007 => match v {
                Value::Rational(r) if r.len() == 3 && r.iter().all(|&(_, d)| d != 0) => {
                    let (h, m, s) = (r.first()?, r.get(1)?, r.get(2)?);
                    Some(format!(
                        "{:02}:{:02}:{:05.2}",
                        h.0 / h.1,
                        m.0 / m.1,
                        s.0 as f64 / s.1 as f64
                    ))
                }
                _ => None,
            },
            _ => None,
        };
    }
    if f.ifd == Ifd::Interop && f.tag == 0x0002 {
        if let Value::Undefined(b) = v {
            return Some(c_string(b));
        }
    }
    match f.tag {
        0x9286 => Some(user_comment(v)),
        0x9000 => undefined(v, 4).map(|d| {
            VERSIONS
                .iter()
                .find(|(k, _)| k.as_slice() == d)
                .map(|(_, n)| format!("Exif Version {n}"))
                .unwrap_or_else(|| "Unknown Exif Version".into())
        }),
        0xa000 => undefined(v, 4).map(|d| match d {
            b"0100" => "FlashPix Version 1.0".into(),
            b"0101" => "FlashPix Version 1.01".into(),
            _ => "Unknown FlashPix Version".into(),
        }),
        0x8298 => match v {
            Value::Ascii(parts) => {
                let real = |s: &str| !s.trim_matches(' ').is_empty();
                let p = parts
                    .first()
                    .filter(|s| real(s))
                    .map(String::as_str)
                    .unwrap_or("[None]");
                let e = parts
                    .get(1)
                    .filter(|s| real(s))
                    .map(String::as_str)
                    .unwrap_or("[None]");
                Some(format!("{p} (Photographer) - {e} (Editor)"))
            }
            _ => None,
        },
        0x829d => nonzero_rational(v).map(|d| format!("f/{d:.1}")),
        0x9202 | 0x9205 => nonzero_rational(v)
            .filter(|_| rational1(v).is_some_and(|(n, _)| n != 0x8000_0000))
            .map(|d| format!("{d:.2} EV (f/{:.1})", 2f64.powf(d / 2.0))),
        0x920a => nonzero_rational(v).map(|d| format!("{d:.1} mm")),
        0x9206 => nonzero_rational(v).map(|d| format!("{d:.1} m")),
        0x829a => nonzero_rational(v).map(|d| {
            if d < 1.0 && d != 0.0 {
                format!("1/{:.0} sec.", 1.0 / d)
            } else {
                format!("{d:.0} sec.")
            }
        }),
        0x9201 => nonzero_srational(v).map(|d| {
            let t = 1.0 / 2f64.powf(d);
            let tail = if t < 1.0 && t != 0.0 {
                format!(" (1/{:.0} sec.)", 1.0 / t)
            } else {
                format!(" ({t:.0} sec.)")
            };
            format!("{d:.2} EV{tail}")
        }),
        0x9203 => nonzero_srational(v).map(|d| {
            let cd = 1.0 / (std::f64::consts::PI * 0.3048 * 0.3048) * 2f64.powf(d);
            format!("{d:.2} EV ({cd:.2} cd/m^2)")
        }),
        0x9204 => nonzero_srational(v).map(|d| format!("{d:.2} EV")),
        0xa300 => undefined(v, 1).and_then(|d| d.first()).map(|&b| {
            if b == 3 {
                "DSC".into()
            } else {
                unknown(b)
            }
        }),
        0xa301 => undefined(v, 1).and_then(|d| d.first()).map(|&b| {
            if b == 1 {
                "Directly photographed".into()
            } else {
                unknown(b)
            }
        }),
        0x9101 => undefined(v, 4).map(|d| {
            d.iter()
                .map(|c| match c {
                    0 => "-",
                    1 => "Y",
                    2 => "Cb",
                    3 => "Cr",
                    4 => "R",
                    5 => "G",
                    6 => "B",
                    _ => "Reserved",
                })
                .collect::<Vec<_>>()
                .join(" ")
        }),
        0x0212 => match v {
            Value::Short(s) if s.len() == 2 => Some(match (s.first()?, s.get(1)?) {
                (2, 1) => "YCbCr4:2:2".into(),
                (2, 2) => "YCbCr4:2:0".into(),
                (a, b) => format!("{a}, {b}"),
            }),
            _ => None,
        },
        0x9214 => match v {
            Value::Short(s) => Some(match s.as_slice() {
                [x, y] => format!("(x,y) = ({x},{y})"),
                [x, y, d] => format!("Within distance {d} of (x,y) = ({x},{y})"),
                [x, y, w, h] => {
                    format!("Within rectangle (width {w}, height {h}) around (x,y) = ({x},{y})")
                }
                other => format!(
                    "Unexpected number of components ({}, expected 2, 3, or 4).",
                    other.len()
                ),
            }),
            _ => None,
        },
        tag => {
            if let Some(names) = valued(tag) {
                let s = short1(v)?;
                return Some(match names.iter().find(|(k, _)| *k == s) {
                    Some((_, n)) => n.to_string(),
                    None => unknown(s),
                });
            }
            if let Some(names) = indexed(tag) {
                let s = short1(v)?;
                return Some(match names.get(s as usize) {
                    None => s.to_string(),
                    Some(&"") => format!("Unknown value {s}"),
                    Some(n) => n.to_string(),
                });
            }
            None
        }
    }
}

fn short_byte(v: &Value) -> Option<u8> {
    match v {
        Value::Byte(b) if b.len() == 1 => b.first().copied(),
        _ => None,
    }
}

fn nonzero_rational(v: &Value) -> Option<f64> {
    rational1(v)
        .filter(|&(_, d)| d != 0)
        .map(|(n, d)| n as f64 / d as f64)
}

fn nonzero_srational(v: &Value) -> Option<f64> {
    srational1(v)
        .filter(|&(_, d)| d != 0)
        .map(|(n, d)| n as f64 / d as f64)
}

/// Bytes up to the first NUL, as text.
fn c_string(b: &[u8]) -> String {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    String::from_utf8_lossy(b.get(..end).unwrap_or(&[])).into_owned()
}

fn user_comment(v: &Value) -> String {
    let d: &[u8] = match v {
        Value::Undefined(d) => d,
        Value::Ascii(s) => return s.first().cloned().unwrap_or_default(),
        other => return generic(other),
    };
    match d.get(..8) {
        Some(b"ASCII\0\0\0") => return c_string(d.get(8..).unwrap_or(&[])),
        Some(b"UNICODE\0") => return "Unsupported UNICODE string".into(),
        Some(b"JIS\0\0\0\0\0") => return "Unsupported JIS string".into(),
        _ => {}
    }
    let Some(start) = d.iter().position(|&c| c != 0 && c != b' ') else {
        return String::new();
    };
    d.iter()
        .skip(start)
        .map(|&c| {
            if (0x20..0x7f).contains(&c) {
                c as char
            } else {
                '.'
            }
        })
        .collect()
}

/// `exif_entry_format_value`: formatting by type alone.
pub fn generic(v: &Value) -> String {
    fn list<T>(v: &[T], f: impl Fn(&T) -> String) -> String {
        v.iter().map(f).collect::<Vec<_>>().join(", ")
    }
    fn decimals(den: u64) -> usize {
        // (int)(log10(den) - 0.08 + 1.0): 2 decimals for denominators 13..120.
        let x = (den as f64).log10() - 0.08 + 1.0;
        if x < 0.0 {
            0
        } else {
            x as usize
        }
    }
    match v {
        Value::Undefined(d) => format!("{} bytes undefined data", d.len()),
        Value::Byte(b) => list(b, |x| format!("0x{x:02x}")),
        Value::SByte(b) => list(b, |x| format!("0x{:02x}", *x as u8)),
        Value::Short(s) => list(s, |x| x.to_string()),
        Value::SShort(s) => list(s, |x| x.to_string()),
        Value::Long(s) => list(s, |x| x.to_string()),
        Value::SLong(s) => list(s, |x| x.to_string()),
        Value::Ascii(s) => s.first().cloned().unwrap_or_default(),
        Value::Rational(r) => list(r, |&(n, d)| {
            if d == 0 {
                format!("{n}/{d}")
            } else {
                format!("{:2.*}", decimals(d as u64), n as f64 / d as f64)
            }
        }),
        Value::SRational(r) => list(r, |&(n, d)| {
            if d == 0 || d == i32::MIN {
                format!("{n}/{d}")
            } else {
                format!(
                    "{:2.*}",
                    decimals(d.unsigned_abs() as u64),
                    n as f64 / d as f64
                )
            }
        }),
        Value::Float(f) => format!("{} bytes unsupported data type", f.len().saturating_mul(4)),
        Value::Double(f) => format!("{} bytes unsupported data type", f.len().saturating_mul(8)),
        Value::Unknown(..) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(ifd: Ifd, tag: u16, value: Value) -> Field {
        Field {
            ifd,
            tag,
            name: String::new(),
            value,
            display: String::new(),
        }
    }
    fn show(ifd: Ifd, tag: u16, value: Value) -> String {
        display(&field(ifd, tag, value))
    }

    #[test]
    fn libexif_strings() {
        assert_eq!(
            show(Ifd::Exif, 0x829a, Value::Rational(vec![(1, 50)])),
            "1/50 sec."
        );
        assert_eq!(
            show(Ifd::Exif, 0x829a, Value::Rational(vec![(2, 1)])),
            "2 sec."
        );
        assert_eq!(
            show(Ifd::Exif, 0x829d, Value::Rational(vec![(56, 10)])),
            "f/5.6"
        );
        assert_eq!(
            show(Ifd::Exif, 0x920a, Value::Rational(vec![(45, 1)])),
            "45.0 mm"
        );
        assert_eq!(show(Ifd::Ifd0, 0x0112, Value::Short(vec![1])), "Top-left");
        assert_eq!(show(Ifd::Ifd0, 0x0112, Value::Short(vec![9])), "9");
        assert_eq!(show(Ifd::Ifd0, 0x0128, Value::Short(vec![2])), "Inch");
        assert_eq!(show(Ifd::Exif, 0xa001, Value::Short(vec![1])), "sRGB");
        assert_eq!(
            show(Ifd::Exif, 0xa001, Value::Short(vec![7])),
            "Internal error (unknown value 7)"
        );
        assert_eq!(
            show(Ifd::Exif, 0x9000, Value::Undefined(b"0221".to_vec())),
            "Exif Version 2.21"
        );
        assert_eq!(
            show(Ifd::Exif, 0x9000, Value::Undefined(b"0999".to_vec())),
            "Unknown Exif Version"
        );
        assert_eq!(
            show(Ifd::Exif, 0x9204, Value::SRational(vec![(1, 3)])),
            "0.33 EV"
        );
        assert_eq!(
            show(Ifd::Exif, 0x9101, Value::Undefined(vec![1, 2, 3, 0])),
            "Y Cb Cr -"
        );
        assert_eq!(
            show(Ifd::Exif, 0x9209, Value::Short(vec![16])),
            "Flash did not fire, compulsory flash mode"
        );
        assert_eq!(show(Ifd::Gps, 0x0005, Value::Byte(vec![0])), "Sea level");
        assert_eq!(
            show(Ifd::Gps, 0x0000, Value::Byte(vec![2, 2, 0, 0])),
            "2.2.0.0"
        );
        assert_eq!(
            show(
                Ifd::Gps,
                0x0002,
                Value::Rational(vec![(40, 1), (0, 1), (5588, 100)])
            ),
            "40,  0, 55.88"
        );
        assert_eq!(
            show(
                Ifd::Gps,
                0x0007,
                Value::Rational(vec![(8, 1), (5, 1), (3, 1)])
            ),
            "08:05:03.00"
        );
        assert_eq!(
            show(
                Ifd::Exif,
                0x9286,
                Value::Undefined(b"ASCII\0\0\0hello".to_vec())
            ),
            "hello"
        );
        assert_eq!(
            show(Ifd::Exif, 0x927c, Value::Undefined(vec![0; 12])),
            "12 bytes undefined data"
        );
        assert_eq!(
            show(Ifd::Ifd0, 0x8298, Value::Ascii(vec!["Me".into()])),
            "Me (Photographer) - [None] (Editor)"
        );
        assert_eq!(
            show(Ifd::Ifd0, 0x011a, Value::Rational(vec![(72, 1)])),
            "72"
        );
        assert_eq!(
            show(Ifd::Exif, 0x9202, Value::Rational(vec![(5, 1)])),
            "5.00 EV (f/5.7)"
        );
    }
}

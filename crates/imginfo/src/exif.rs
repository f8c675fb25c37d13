//! EXIF: a TIFF-structured block parsed by kamadak-exif into a neutral, owned tag list
//! (IFD, tag number, Exif 2.3 name, typed raw value, display string) that every
//! renderer reads. kamadak-exif bounds its own walk (IFD loops, offsets past the end);
//! the block size is bounded here before anything is copied.

use serde::Serialize;

/// Largest EXIF block we copy and parse. JPEG caps an APP1 at 64 KiB; HEIF Exif items
/// with maker notes and a thumbnail reach a few hundred KiB. Anything bigger is hostile
/// or not worth the CPU at the edge.
pub const MAX_EXIF_BYTES: u64 = 2 * 1024 * 1024;

/// Bytes of field values copied out of one block, per byte of the block. Each value of
/// an honest block has bytes of its own (or sits inline in its entry), so their sum stays
/// under the block's size; but any number of entries may point at one shared region, and
/// each parsed field owns a copy: 2000 fields sharing a 40 KB value in a 64 KiB APP1 cost
/// 80 MB of values, more of display strings, and seconds of CPU. Fields past this budget
/// are dropped (the ones before it are kept, as for other damage).
pub const VALUE_BYTES_PER_BLOCK_BYTE: usize = 1;

/// Largest value given a display string of its own. kamadak-exif prints an UNDEFINED or
/// BYTE value as hex, two characters a byte: a 2 MB maker note would be a 4 MB string
/// (8 MB while it grows) that nobody reads. Bigger values are shown by their size.
pub const MAX_DISPLAY_VALUE_BYTES: usize = 64 * 1024;

/// Which IFD a tag came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Ifd {
    Ifd0,
    Exif,
    Gps,
    Interop,
    Ifd1,
}

impl Ifd {
    pub fn name(self) -> &'static str {
        match self {
            Ifd::Ifd0 => "ifd0",
            Ifd::Exif => "exif",
            Ifd::Gps => "gps",
            Ifd::Interop => "interop",
            Ifd::Ifd1 => "ifd1",
        }
    }
}

/// A raw TIFF field value, typed as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Value {
    Byte(Vec<u8>),
    Ascii(Vec<String>),
    Short(Vec<u16>),
    Long(Vec<u32>),
    Rational(Vec<(u32, u32)>),
    SByte(Vec<i8>),
    Undefined(Vec<u8>),
    SShort(Vec<i16>),
    SLong(Vec<i32>),
    SRational(Vec<(i32, i32)>),
    Float(Vec<f32>),
    Double(Vec<f64>),
    /// A type code kamadak-exif does not know: (type, count).
    Unknown(u16, u32),
}

impl Value {
    /// The TIFF field type code (1 BYTE … 12 DOUBLE).
    pub fn type_code(&self) -> u16 {
        match self {
            Value::Byte(_) => 1,
            Value::Ascii(_) => 2,
            Value::Short(_) => 3,
            Value::Long(_) => 4,
            Value::Rational(_) => 5,
            Value::SByte(_) => 6,
            Value::Undefined(_) => 7,
            Value::SShort(_) => 8,
            Value::SLong(_) => 9,
            Value::SRational(_) => 10,
            Value::Float(_) => 11,
            Value::Double(_) => 12,
            Value::Unknown(t, _) => *t,
        }
    }

    /// First value as an unsigned integer, for BYTE/SHORT/LONG.
    pub fn first_uint(&self) -> Option<u32> {
        match self {
            Value::Byte(v) => v.first().map(|&x| x as u32),
            Value::Short(v) => v.first().map(|&x| x as u32),
            Value::Long(v) => v.first().copied(),
            _ => None,
        }
    }

    /// The i-th value as f64, for numeric types (rationals divided out).
    pub fn f64_at(&self, i: usize) -> Option<f64> {
        match self {
            Value::Byte(v) => v.get(i).map(|&x| x as f64),
            Value::Short(v) => v.get(i).map(|&x| x as f64),
            Value::Long(v) => v.get(i).map(|&x| x as f64),
            Value::SByte(v) => v.get(i).map(|&x| x as f64),
            Value::SShort(v) => v.get(i).map(|&x| x as f64),
            Value::SLong(v) => v.get(i).map(|&x| x as f64),
            Value::Float(v) => v.get(i).map(|&x| x as f64),
            Value::Double(v) => v.get(i).copied(),
            Value::Rational(v) => v
                .get(i)
                .and_then(|&(n, d)| (d != 0).then(|| n as f64 / d as f64)),
            Value::SRational(v) => v
                .get(i)
                .and_then(|&(n, d)| (d != 0).then(|| n as f64 / d as f64)),
            _ => None,
        }
    }

    /// Number of values held (bytes for BYTE/UNDEFINED, strings for ASCII).
    pub fn len(&self) -> usize {
        match self {
            Value::Byte(v) | Value::Undefined(v) => v.len(),
            Value::Ascii(v) => v.len(),
            Value::Short(v) => v.len(),
            Value::Long(v) => v.len(),
            Value::Rational(v) => v.len(),
            Value::SByte(v) => v.len(),
            Value::SShort(v) => v.len(),
            Value::SLong(v) => v.len(),
            Value::SRational(v) => v.len(),
            Value::Float(v) => v.len(),
            Value::Double(v) => v.len(),
            Value::Unknown(_, n) => *n as usize,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// First ASCII string, trimmed of trailing NULs and spaces.
    pub fn ascii(&self) -> Option<&str> {
        match self {
            Value::Ascii(v) => v.first().map(|s| s.trim_end_matches(['\0', ' '])),
            _ => None,
        }
    }
}

/// One EXIF field.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Field {
    pub ifd: Ifd,
    pub tag: u16,
    /// Exif 2.3 / TIFF 6 name (kamadak-exif's), or `Tag0x1234` when unknown.
    pub name: String,
    pub value: Value,
    /// Human display string with units (kamadak-exif's rendering).
    pub display: String,
}

/// A parsed EXIF block.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Exif {
    pub little_endian: bool,
    pub fields: Vec<Field>,
}

impl Exif {
    /// Parses a TIFF-structured block (a leading `Exif\0\0` is skipped).
    pub fn parse(block: &[u8]) -> Result<Exif, String> {
        if block.len() as u64 > MAX_EXIF_BYTES {
            return Err(format!(
                "EXIF block of {} bytes exceeds the limit",
                block.len()
            ));
        }
        let mut data = block.strip_prefix(b"Exif\0\0").unwrap_or(block).to_vec();
        // A valid byte order mark with a damaged 42 is still read (exiftool warns and
        // goes on): the container already said this block is EXIF.
        let magic: Option<[u8; 2]> = match data.get(..2) {
            Some(b"MM") => Some([0, 42]),
            Some(b"II") => Some([42, 0]),
            _ => None,
        };
        if let (Some(m), Some(at)) = (magic, data.get_mut(2..4)) {
            at.copy_from_slice(&m);
        }
        // Keep what parses: a bad IFD1 link or a child IFD pointer of the wrong type
        // (both common in camera files) must not cost the IFD0/Exif/GPS fields.
        let mut reader = exif::Reader::new();
        reader.continue_on_error(true);
        let pointers = pointer_fields(&data);
        let budget = data.len().saturating_mul(VALUE_BYTES_PER_BLOCK_BYTE);
        let parsed = match reader.read_raw(data) {
            Ok(e) => e,
            Err(exif::Error::PartialResult(p)) => p.into_inner().0,
            Err(e) => return Err(e.to_string()),
        };
        // kamadak-exif parses each value when its field is first visited: stop visiting
        // once the values copied so far exceed the budget.
        let mut spent = 0usize;
        let mut fields = Vec::new();
        for f in parsed.fields() {
            let bytes = value_bytes(&f.value);
            spent = spent.saturating_add(bytes);
            if spent > budget {
                break;
            }
            let display = if bytes > MAX_DISPLAY_VALUE_BYTES {
                format!("({bytes} bytes)")
            } else {
                display(f, &parsed)
            };
            fields.push(Field {
                ifd: ifd_of(f),
                tag: f.tag.number(),
                name: tag_name(f.tag),
                value: convert(&f.value),
                display,
            });
        }
        fields.extend(pointers);
        Ok(Exif {
            little_endian: parsed.little_endian(),
            fields,
        })
    }

    /// First field with this tag number in this IFD.
    pub fn get(&self, ifd: Ifd, tag: u16) -> Option<&Field> {
        self.fields.iter().find(|f| f.ifd == ifd && f.tag == tag)
    }

    pub fn orientation(&self) -> Option<u16> {
        self.get(Ifd::Ifd0, tags::ORIENTATION)
            .and_then(|f| f.value.first_uint())
            .and_then(|v| u16::try_from(v).ok())
    }
    /// An ASCII field as stored (trailing NULs dropped, spaces kept, as exiftool prints
    /// it: `"    :  :     :  :  "` is an unset date, not a shorter string); `None` when
    /// absent or empty (an empty Make is no Make).
    pub fn text(&self, ifd: Ifd, tag: u16) -> Option<&str> {
        match &self.get(ifd, tag)?.value {
            Value::Ascii(v) => v
                .first()
                .map(|s| s.trim_end_matches('\0'))
                .filter(|s| !s.is_empty()),
            _ => None,
        }
    }
    /// Make, without the space padding cameras write into fixed-size fields.
    pub fn make(&self) -> Option<&str> {
        self.text(Ifd::Ifd0, tags::MAKE)
            .map(str::trim_end)
            .filter(|s| !s.is_empty())
    }
    /// Model, without the space padding cameras write into fixed-size fields.
    pub fn model(&self) -> Option<&str> {
        self.text(Ifd::Ifd0, tags::MODEL)
            .map(str::trim_end)
            .filter(|s| !s.is_empty())
    }
    pub fn datetime_original(&self) -> Option<&str> {
        self.text(Ifd::Exif, tags::DATETIME_ORIGINAL)
    }

    /// Signed decimal degrees from a GPS coordinate and its reference.
    fn gps_coord(&self, tag: u16, ref_tag: u16, negative: char) -> Option<f64> {
        let v = &self.get(Ifd::Gps, tag)?.value;
        // Degrees, minutes, seconds; a part that is present but undefined (a 0/0
        // rational, as some Nikon firmware writes for the seconds) makes the whole
        // coordinate undefined, as exiftool reads it: we do not guess what it meant.
        let part = |i: usize| match v.f64_at(i) {
            Some(x) => Some(x),
            None if i >= v.len() => Some(0.0),
            None => None,
        };
        let d = v.f64_at(0)?;
        let m = part(1)?;
        let s = part(2)?;
        let mut deg = d + m / 60.0 + s / 3600.0;
        if !deg.is_finite() {
            return None;
        }
        let r = self
            .get(Ifd::Gps, ref_tag)
            .and_then(|f| f.value.ascii())
            .unwrap_or("");
        if r.starts_with(negative) {
            deg = -deg;
        }
        Some(deg)
    }
    pub fn gps_latitude(&self) -> Option<f64> {
        self.gps_coord(tags::GPS_LATITUDE, tags::GPS_LATITUDE_REF, 'S')
    }
    pub fn gps_longitude(&self) -> Option<f64> {
        self.gps_coord(tags::GPS_LONGITUDE, tags::GPS_LONGITUDE_REF, 'W')
    }
    /// Altitude in metres, negative below sea level (GPSAltitudeRef 1).
    pub fn gps_altitude(&self) -> Option<f64> {
        let a = self.get(Ifd::Gps, tags::GPS_ALTITUDE)?.value.f64_at(0)?;
        let below = self
            .get(Ifd::Gps, tags::GPS_ALTITUDE_REF)
            .and_then(|f| f.value.first_uint())
            == Some(1);
        Some(if below { -a } else { a })
    }
}

/// kamadak-exif's display string for a field. Where kamadak prints the value with its
/// generic `d_default` and no unit (tags it does not know, MakerNote, UserComment), an
/// UNDEFINED or BYTE value is printed here in one pass with the same text (`0x` and two
/// hex digits per byte; decimal bytes joined by `, `): through `core::fmt`, one
/// `write!` per byte, a 60 KiB maker note took most of a request's CPU.
fn display(f: &exif::Field, parsed: &exif::Exif) -> String {
    let generic = f.tag.description().is_none()
        || f.tag == exif::Tag::MakerNote
        || f.tag == exif::Tag::UserComment;
    match &f.value {
        exif::Value::Undefined(bytes, _) if generic => {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            let mut s = String::with_capacity(2 + 2 * bytes.len());
            s.push_str("0x");
            for &b in bytes {
                s.push(char::from(HEX[usize::from(b >> 4)]));
                s.push(char::from(HEX[usize::from(b & 0xf)]));
            }
            s
        }
        exif::Value::Byte(bytes) if generic => decimal_bytes(bytes, ", "),
        _ => f.display_value().with_unit(parsed).to_string(),
    }
}

/// Bytes as decimal numbers joined by `sep`, written digit by digit: the text `{}` per
/// byte would give, without `core::fmt` per byte (blobs of tens of KiB are printed).
pub(crate) fn decimal_bytes(bytes: &[u8], sep: &str) -> String {
    let mut s = String::with_capacity(bytes.len() * (3 + sep.len()));
    for (i, &b) in bytes.iter().enumerate() {
        if i > 0 {
            s.push_str(sep);
        }
        if b >= 100 {
            s.push(char::from(b'0' + b / 100));
        }
        if b >= 10 {
            s.push(char::from(b'0' + b / 10 % 10));
        }
        s.push(char::from(b'0' + b % 10));
    }
    s
}

/// Tag numbers the core and renderers use by name.
pub mod tags {
    pub const IMAGE_WIDTH: u16 = 0x0100;
    pub const IMAGE_LENGTH: u16 = 0x0101;
    pub const MAKE: u16 = 0x010f;
    pub const MODEL: u16 = 0x0110;
    pub const ORIENTATION: u16 = 0x0112;
    pub const X_RESOLUTION: u16 = 0x011a;
    pub const Y_RESOLUTION: u16 = 0x011b;
    pub const RESOLUTION_UNIT: u16 = 0x0128;
    pub const DATETIME: u16 = 0x0132;
    pub const EXIF_IFD_POINTER: u16 = 0x8769;
    pub const GPS_IFD_POINTER: u16 = 0x8825;
    pub const INTEROP_IFD_POINTER: u16 = 0xa005;
    pub const DATETIME_ORIGINAL: u16 = 0x9003;
    pub const OFFSET_TIME_ORIGINAL: u16 = 0x9011;
    pub const EXIF_VERSION: u16 = 0x9000;
    pub const FOCAL_LENGTH: u16 = 0x920a;
    pub const COLOR_SPACE: u16 = 0xa001;
    pub const GPS_VERSION_ID: u16 = 0x0000;
    pub const GPS_LATITUDE_REF: u16 = 0x0001;
    pub const GPS_LATITUDE: u16 = 0x0002;
    pub const GPS_LONGITUDE_REF: u16 = 0x0003;
    pub const GPS_LONGITUDE: u16 = 0x0004;
    pub const GPS_ALTITUDE_REF: u16 = 0x0005;
    pub const GPS_ALTITUDE: u16 = 0x0006;
}

/// Entries read per IFD when looking for pointers: a real IFD has a few hundred at most;
/// the count field is 16-bit, so this only bounds hostile blocks.
const MAX_POINTER_SCAN: usize = 1024;

/// kamadak-exif follows the IFD pointer tags (ExifIFDPointer, GPSInfoIFDPointer,
/// InteropIFDPointer) without keeping them as fields, but some dialects print them
/// (OSS's `ExifTag`, `GPSTag`). Reads them straight from IFD0 and the Exif IFD: bounded,
/// no recursion, anything malformed is skipped.
fn pointer_fields(tiff: &[u8]) -> Vec<Field> {
    let le = match tiff.get(..2) {
        Some(b"II") => true,
        Some(b"MM") => false,
        _ => return Vec::new(),
    };
    let u16_at = |at: usize| -> Option<u16> {
        let b = tiff.get(at..at.checked_add(2)?)?;
        let a = [*b.first()?, *b.get(1)?];
        Some(if le {
            u16::from_le_bytes(a)
        } else {
            u16::from_be_bytes(a)
        })
    };
    let u32_at = |at: usize| -> Option<u32> {
        let b = tiff.get(at..at.checked_add(4)?)?;
        let a = [*b.first()?, *b.get(1)?, *b.get(2)?, *b.get(3)?];
        Some(if le {
            u32::from_le_bytes(a)
        } else {
            u32::from_be_bytes(a)
        })
    };
    // (tag, offset) of the LONG/IFD pointer entries with one value in the IFD at `at`.
    let scan = |at: usize, wanted: &[u16]| -> Vec<(u16, u32)> {
        let Some(n) = u16_at(at) else {
            return Vec::new();
        };
        (0..(n as usize).min(MAX_POINTER_SCAN))
            .filter_map(|i| {
                let e = at.checked_add(2)?.checked_add(i.checked_mul(12)?)?;
                let tag = u16_at(e)?;
                let typ = u16_at(e + 2)?;
                let count = u32_at(e + 4)?;
                (wanted.contains(&tag) && matches!(typ, 4 | 13) && count == 1)
                    .then(|| u32_at(e + 8).map(|v| (tag, v)))
                    .flatten()
            })
            .collect()
    };
    let field = |ifd: Ifd, ctx: exif::Context, tag: u16, v: u32| Field {
        ifd,
        tag,
        name: tag_name(exif::Tag(ctx, tag)),
        value: Value::Long(vec![v]),
        display: v.to_string(),
    };
    let mut out = Vec::new();
    let Some(ifd0) = u32_at(4) else { return out };
    for (tag, v) in scan(
        ifd0 as usize,
        &[tags::EXIF_IFD_POINTER, tags::GPS_IFD_POINTER],
    ) {
        out.push(field(Ifd::Ifd0, exif::Context::Tiff, tag, v));
        if tag == tags::EXIF_IFD_POINTER {
            for (t, iv) in scan(v as usize, &[tags::INTEROP_IFD_POINTER]) {
                out.push(field(Ifd::Exif, exif::Context::Exif, t, iv));
            }
        }
    }
    out
}

fn ifd_of(f: &exif::Field) -> Ifd {
    if f.ifd_num == exif::In::THUMBNAIL {
        return Ifd::Ifd1;
    }
    match f.tag.context() {
        exif::Context::Exif => Ifd::Exif,
        exif::Context::Gps => Ifd::Gps,
        exif::Context::Interop => Ifd::Interop,
        _ => Ifd::Ifd0,
    }
}

fn tag_name(t: exif::Tag) -> String {
    match t.description() {
        // kamadak-exif prints a known tag by its Exif name, an unknown one as
        // `Tag(Context, n)`: give those a stable, JSON-friendly name instead.
        Some(_) => t.to_string(),
        None => format!("Tag0x{:04X}", t.number()),
    }
}

/// Bytes a parsed value holds (its count times its unit size).
fn value_bytes(v: &exif::Value) -> usize {
    use exif::Value as V;
    match v {
        V::Byte(x) | V::Undefined(x, _) => x.len(),
        V::SByte(x) => x.len(),
        V::Ascii(x) => x.iter().map(|s| s.len().saturating_add(1)).sum(),
        V::Short(x) => x.len().saturating_mul(2),
        V::SShort(x) => x.len().saturating_mul(2),
        V::Long(x) => x.len().saturating_mul(4),
        V::SLong(x) => x.len().saturating_mul(4),
        V::Float(x) => x.len().saturating_mul(4),
        V::Rational(x) => x.len().saturating_mul(8),
        V::SRational(x) => x.len().saturating_mul(8),
        V::Double(x) => x.len().saturating_mul(8),
        V::Unknown(..) => 0,
    }
}

fn convert(v: &exif::Value) -> Value {
    use exif::Value as V;
    match v {
        V::Byte(x) => Value::Byte(x.clone()),
        V::Ascii(x) => Value::Ascii(
            x.iter()
                .map(|s| String::from_utf8_lossy(s).into_owned())
                .collect(),
        ),
        V::Short(x) => Value::Short(x.clone()),
        V::Long(x) => Value::Long(x.clone()),
        V::Rational(x) => Value::Rational(x.iter().map(|r| (r.num, r.denom)).collect()),
        V::SByte(x) => Value::SByte(x.clone()),
        V::Undefined(x, _) => Value::Undefined(x.clone()),
        V::SShort(x) => Value::SShort(x.clone()),
        V::SLong(x) => Value::SLong(x.clone()),
        V::SRational(x) => Value::SRational(x.iter().map(|r| (r.num, r.denom)).collect()),
        V::Float(x) => Value::Float(x.clone()),
        V::Double(x) => Value::Double(x.clone()),
        V::Unknown(t, c, _) => Value::Unknown(*t, *c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A big-endian TIFF block: IFD0 of `n` UNDEFINED fields, each `len` bytes at one
    /// shared offset, after Orientation 6.
    fn shared_value(n: u16, len: u32) -> Vec<u8> {
        let value_at = 8 + 2 + 12 * (n as u32 + 1) + 4;
        let mut t = b"MM\0\x2a\0\0\0\x08".to_vec();
        t.extend((n + 1).to_be_bytes());
        t.extend([0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0]);
        for i in 0..n {
            t.extend((0xC000 + i).to_be_bytes());
            t.extend([0, 7]);
            t.extend(len.to_be_bytes());
            t.extend(value_at.to_be_bytes());
        }
        t.extend([0, 0, 0, 0]);
        t.resize(t.len() + len as usize, 0x41);
        t
    }

    /// 2000 fields sharing one 40 KB value in a 64 KiB block: the values copied stay
    /// within the budget (so do the time and memory), the fields before it are kept.
    #[test]
    fn fields_sharing_one_value_are_copied_within_a_budget() {
        let block = shared_value(2000, 40_000);
        assert!(block.len() < 65_536);
        let e = Exif::parse(&block).unwrap();
        assert_eq!(e.orientation(), Some(6));
        let copied: usize = e
            .fields
            .iter()
            .map(|f| match &f.value {
                Value::Undefined(v) => v.len(),
                _ => 0,
            })
            .sum();
        assert!(
            copied <= block.len() * VALUE_BYTES_PER_BLOCK_BYTE,
            "{copied}"
        );
        assert_eq!(e.fields.iter().filter(|f| f.tag >= 0xC000).count(), 1);
        // An honest block keeps every field; a value over MAX_DISPLAY_VALUE_BYTES is
        // displayed by its size.
        let honest = shared_value(1, 40_000);
        assert_eq!(Exif::parse(&honest).unwrap().fields.len(), 2);
        let big = Exif::parse(&shared_value(1, 100_000)).unwrap();
        assert_eq!(
            big.get(Ifd::Ifd0, 0xC000).map(|f| f.display.as_str()),
            Some("(100000 bytes)")
        );
    }

    /// A little-endian TIFF block: IFD0 with an unknown UNDEFINED tag, an unknown BYTE
    /// tag and the Exif pointer; the Exif IFD with MakerNote, UserComment and ExifVersion.
    fn block() -> Vec<u8> {
        fn entry(out: &mut Vec<u8>, tag: u16, typ: u16, count: u32, value: u32) {
            out.extend_from_slice(&tag.to_le_bytes());
            out.extend_from_slice(&typ.to_le_bytes());
            out.extend_from_slice(&count.to_le_bytes());
            out.extend_from_slice(&value.to_le_bytes());
        }
        let undef: Vec<u8> = (0..300u32).map(|i| (i * 37 % 256) as u8).collect();
        let bytes: Vec<u8> = (0..50u32).map(|i| (i * 53 % 256) as u8).collect();
        let comment = b"ASCII\0\0\0a \"quoted\" note".to_vec();
        // Layout: header 8, IFD0 (3 entries) 8..50, Exif IFD (3 entries) 50..92, data.
        let (ifd0, exif_ifd, data) = (8u32, 50u32, 92u32);
        let (d_undef, d_bytes) = (data, data + 300);
        let (d_note, d_comment) = (d_bytes + 50, d_bytes + 50 + 300);
        let mut b = b"II*\0".to_vec();
        b.extend_from_slice(&ifd0.to_le_bytes());
        b.extend_from_slice(&3u16.to_le_bytes());
        entry(&mut b, 0x8769, 4, 1, exif_ifd);
        entry(&mut b, 0xc0f0, 7, 300, d_undef);
        entry(&mut b, 0xc0f1, 1, 50, d_bytes);
        b.extend_from_slice(&0u32.to_le_bytes());
        b.extend_from_slice(&3u16.to_le_bytes());
        entry(&mut b, 0x9000, 7, 4, u32::from_le_bytes(*b"0230"));
        entry(&mut b, 0x927c, 7, 300, d_note);
        entry(&mut b, 0x9286, 7, comment.len() as u32, d_comment);
        b.extend_from_slice(&0u32.to_le_bytes());
        assert_eq!(b.len() as u32, data);
        b.extend_from_slice(&undef);
        b.extend_from_slice(&bytes);
        b.extend_from_slice(&undef);
        b.extend_from_slice(&comment);
        b
    }

    #[test]
    fn display_matches_kamadak_for_every_field() {
        let b = block();
        let ours = Exif::parse(&b).expect("parses");
        let theirs = exif::Reader::new()
            .read_raw(b.clone())
            .expect("kamadak parses");
        let mut compared = 0;
        for f in theirs.fields() {
            let want = f.display_value().with_unit(&theirs).to_string();
            let got = ours
                .fields
                .iter()
                .find(|g| g.tag == f.tag.number() && g.ifd == ifd_of(f))
                .unwrap_or_else(|| panic!("field {} missing", f.tag));
            assert_eq!(got.display, want, "display of {}", f.tag);
            compared += 1;
        }
        // Two unknown tags, ExifVersion, MakerNote, UserComment (kamadak lists no pointer).
        assert_eq!(compared, 5);
        let note = ours.get(Ifd::Exif, 0x927c).expect("maker note");
        assert!(
            note.display.starts_with("0x00254a6f"),
            "{}",
            &note.display[..12]
        );
    }

    #[test]
    fn decimal_bytes_print_as_fmt_does() {
        let all: Vec<u8> = (0..=255).collect();
        for sep in [", ", " "] {
            let want = all
                .iter()
                .map(|b| b.to_string())
                .collect::<Vec<_>>()
                .join(sep);
            assert_eq!(decimal_bytes(&all, sep), want);
        }
        assert_eq!(decimal_bytes(&[], " "), "");
    }
}

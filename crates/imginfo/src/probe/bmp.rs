//! BMP (Windows and OS/2 bitmaps, `BM` magic): the 14-byte file header and the DIB
//! header that follows it, in every size in use: BITMAPCOREHEADER (12), OS/2 2.x (16 and
//! 64), BITMAPINFOHEADER (40), the V2/V3 info headers (52/56), V4 (108) and V5 (124).
//! Reports the stored size (a negative height means top-down rows; its magnitude is the
//! height), bit depth, palette versus RGB, and alpha from a bitfields alpha mask. BMPs
//! carry no EXIF. OS/2 bitmap arrays (`BA`) and icons are not BMP files and not handled.

use crate::bytes::{le16, le32, ByteMap, PResult};
use crate::error::Error;
use crate::model::{ColorSpace, Format, Header};

const F: &str = "bmp";
/// The file header before the DIB header.
const FILE_HEADER: u64 = 14;
/// File header, DIB header size and an INFO header up to and including the V3 alpha
/// mask (or the masks that follow a 40-byte header with BI_ALPHABITFIELDS): all we read.
const MAX_READ: u64 = 70;

/// BITMAPINFOHEADER compression values (MS-WMF 2.1.1.7).
const BI_BITFIELDS: u32 = 3;
const BI_JPEG: u32 = 4;
const BI_PNG: u32 = 5;
const BI_ALPHABITFIELDS: u32 = 6;
const BI_CMYK: u32 = 11;
const BI_CMYKRLE4: u32 = 13;

pub fn sniff(head: &[u8]) -> bool {
    head.starts_with(b"BM")
}

/// The DIB header kinds, told apart by their size field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dib {
    /// BITMAPCOREHEADER / OS/2 1.x: 16-bit unsigned width and height.
    Core,
    /// OS/2 2.x BITMAPINFOHEADER2 (16 or 64 bytes): INFO layout, OS/2 compression codes.
    Os2,
    /// BITMAPINFOHEADER and its V2/V3/V4/V5 extensions.
    Info,
}

pub fn probe(data: &ByteMap) -> PResult<Header> {
    let b = data.get(0, FILE_HEADER + 4, F, "DIB header size")?;
    let dib_size = le32(b, 14).unwrap_or(0);
    let dib = match dib_size {
        12 => Dib::Core,
        16 | 64 => Dib::Os2,
        40 | 52 | 56 | 108 | 124 => Dib::Info,
        n => return Err(Error::invalid(F, format!("unknown DIB header size {n}")).into()),
    };
    if dib == Dib::Core {
        let b = data.get(0, FILE_HEADER + 12, F, "BITMAPCOREHEADER")?;
        let width = le16(b, 18).unwrap_or(0) as u32;
        let height = le16(b, 20).unwrap_or(0) as u32;
        let bpp = le16(b, 24).unwrap_or(0);
        if !matches!(bpp, 1 | 4 | 8 | 24) {
            return Err(Error::invalid(F, format!("core header bit count {bpp}")).into());
        }
        return finish(width, height, Some(bpp), false, false);
    }
    // Width, height, planes and bit count sit at the same place in all other headers;
    // the compression field exists from 20 header bytes on (absent in a 16-byte OS/2).
    let head_len = if dib_size == 16 {
        FILE_HEADER + 16
    } else {
        FILE_HEADER + 20
    };
    let b = data.get(0, head_len, F, "info header")?;
    let width = le32(b, 18).unwrap_or(0) as i32;
    let height = le32(b, 22).unwrap_or(0) as i32;
    let bpp = le16(b, 28).unwrap_or(0);
    let compression = if dib_size == 16 {
        0
    } else {
        le32(b, 30).unwrap_or(0)
    };
    // Never invent: a negative width has no meaning (only the height's sign does), and
    // reading it as unsigned (4294967169 for -127) would report a size nobody stored.
    if width <= 0 {
        return Err(Error::invalid(F, format!("width {width}")).into());
    }
    // i32::MIN has no positive counterpart; zero is no size.
    let height_abs = match height.checked_abs() {
        Some(h) if h > 0 => h as u32,
        _ => return Err(Error::invalid(F, format!("height {height}")).into()),
    };
    let embedded = dib == Dib::Info && matches!(compression, BI_JPEG | BI_PNG);
    if embedded {
        // The pixel data is a whole JPEG or PNG stream; the header's size still holds,
        // the bit count is 0 by definition and the colour model lies inside the stream.
        let mut h = Header::new(Format::Bmp, width as u32, height_abs);
        h.frames = Some(1);
        return Ok(h);
    }
    if !matches!(bpp, 1 | 2 | 4 | 8 | 16 | 24 | 32) {
        return Err(Error::invalid(F, format!("bit count {bpp}")).into());
    }
    if dib == Dib::Info && compression > BI_CMYKRLE4 {
        return Err(Error::invalid(F, format!("compression {compression}")).into());
    }
    let cmyk = dib == Dib::Info && (BI_CMYK..=BI_CMYKRLE4).contains(&compression);
    let alpha = dib == Dib::Info && has_alpha_mask(data, dib_size, compression, bpp)?;
    finish(width as u32, height_abs, Some(bpp), alpha, cmyk)
}

/// True when bitfields declare a non-zero alpha mask: inside V3+ headers, or after a
/// 40/52-byte header with BI_ALPHABITFIELDS. Windows ignores a mask with other
/// compressions (a 32-bit BI_RGB pixel's top byte is unused), so we do too.
fn has_alpha_mask(data: &ByteMap, dib_size: u32, compression: u32, bpp: u16) -> PResult<bool> {
    let with_masks = matches!(compression, BI_BITFIELDS | BI_ALPHABITFIELDS);
    if !with_masks || !matches!(bpp, 16 | 32) {
        return Ok(false);
    }
    if dib_size < 56 && compression != BI_ALPHABITFIELDS {
        return Ok(false);
    }
    let b = data.get(0, MAX_READ, F, "alpha mask")?;
    Ok(le32(b, 66).unwrap_or(0) != 0)
}

fn finish(width: u32, height: u32, bpp: Option<u16>, alpha: bool, cmyk: bool) -> PResult<Header> {
    if width == 0 || height == 0 {
        return Err(Error::invalid(F, format!("declares {width}x{height}")).into());
    }
    let mut h = Header::new(Format::Bmp, width, height);
    h.bit_depth = bpp.and_then(|b| u8::try_from(b).ok());
    h.color = Some(match bpp {
        _ if cmyk => ColorSpace::Cmyk,
        Some(1..=8) => ColorSpace::Palette,
        _ => ColorSpace::Srgb,
    });
    h.alpha = Some(alpha);
    h.frames = Some(1);
    Ok(h)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::testutil::{check_prefixes, run};

    /// A BMP with an INFO-family header of `dib_size` bytes and the given fields, then
    /// `masks` (R, G, B, A) right after the 40 bytes, then a few pixel bytes.
    fn info(dib_size: u32, w: i32, h: i32, bpp: u16, comp: u32, masks: [u32; 4]) -> Vec<u8> {
        let mut f = b"BM".to_vec();
        f.extend_from_slice(&0u32.to_le_bytes()); // file size (unused)
        f.extend_from_slice(&0u32.to_le_bytes());
        f.extend_from_slice(&(14 + dib_size + 16).to_le_bytes());
        f.extend_from_slice(&dib_size.to_le_bytes());
        f.extend_from_slice(&w.to_le_bytes());
        f.extend_from_slice(&h.to_le_bytes());
        f.extend_from_slice(&1u16.to_le_bytes());
        f.extend_from_slice(&bpp.to_le_bytes());
        f.extend_from_slice(&comp.to_le_bytes());
        f.extend_from_slice(&[0u8; 20]);
        for m in masks {
            f.extend_from_slice(&m.to_le_bytes());
        }
        f.resize(14 + dib_size as usize + 32, 0);
        f
    }

    fn core(w: u16, h: u16, bpp: u16) -> Vec<u8> {
        let mut f = b"BM".to_vec();
        f.extend_from_slice(&[0u8; 8]);
        f.extend_from_slice(&26u32.to_le_bytes());
        f.extend_from_slice(&12u32.to_le_bytes());
        for v in [w, h, 1, bpp] {
            f.extend_from_slice(&v.to_le_bytes());
        }
        f.extend_from_slice(&[0u8; 16]);
        f
    }

    #[test]
    fn info_header_top_down_palette() {
        let f = info(40, 127, -64, 8, 0, [0; 4]);
        let i = run(&f).unwrap();
        assert_eq!((i.width(), i.height()), (127, 64));
        assert_eq!(i.header.color, Some(ColorSpace::Palette));
        assert_eq!(i.header.bit_depth, Some(8));
        assert_eq!(i.header.alpha, Some(false));
        check_prefixes(&f, f.len(), 1, &i);
    }

    #[test]
    fn core_and_os2_headers() {
        let f = core(435, 353, 1);
        let i = run(&f).unwrap();
        assert_eq!(
            (i.width(), i.height(), i.header.bit_depth),
            (435, 353, Some(1))
        );
        check_prefixes(&f, f.len(), 1, &i);
        for size in [16, 64] {
            let f = info(size, 82, 112, 4, 0, [0; 4]);
            let i = run(&f).unwrap();
            assert_eq!((i.width(), i.height()), (82, 112), "OS/2 {size}");
            check_prefixes(&f, f.len(), 1, &i);
        }
    }

    #[test]
    fn alpha_from_bitfields_masks() {
        // Red, green, blue and alpha masks, for 6×6 32-bit files.
        const MASKS: [u32; 4] = [0xff0000, 0xff00, 0xff, 0xff000000];
        let alpha = |size, comp| {
            run(&info(size, 6, 6, 32, comp, MASKS))
                .unwrap()
                .header
                .alpha
        };
        // V3 (56) with an alpha mask and BI_BITFIELDS: alpha.
        let f = info(56, 6, 6, 32, BI_BITFIELDS, MASKS);
        let i = run(&f).unwrap();
        assert_eq!(i.header.alpha, Some(true));
        assert_eq!(i.header.color, Some(ColorSpace::Srgb));
        check_prefixes(&f, f.len(), 1, &i);
        // V2 (52) has no alpha mask field; the bytes at 66 are not one.
        assert_eq!(alpha(52, BI_BITFIELDS), Some(false));
        // A 40-byte header with BI_BITFIELDS has three masks; with BI_ALPHABITFIELDS four.
        assert_eq!(alpha(40, BI_BITFIELDS), Some(false));
        assert_eq!(alpha(40, BI_ALPHABITFIELDS), Some(true));
        // BI_RGB ignores the V4 alpha mask.
        assert_eq!(alpha(108, 0), Some(false));
    }

    #[test]
    fn embedded_jpeg_reports_header_size() {
        let f = info(124, 127, 64, 0, BI_JPEG, [0; 4]);
        let i = run(&f).unwrap();
        assert_eq!((i.width(), i.height()), (127, 64));
        assert_eq!((i.header.bit_depth, i.header.color), (None, None));
    }

    #[test]
    fn hostile_headers_are_errors() {
        for (what, f) in [
            ("negative width", info(40, -127, 64, 1, 0, [0; 4])),
            ("zero width", info(40, 0, 64, 1, 0, [0; 4])),
            ("zero height", info(40, 5, 0, 1, 0, [0; 4])),
            ("i32::MIN height", info(40, 5, i32::MIN, 1, 0, [0; 4])),
            ("bad bit count", info(40, 127, 64, 30000, 0, [0; 4])),
            ("bad header size", info(66, 127, 64, 1, 0, [0; 4])),
            ("bad compression", info(40, 127, 64, 8, 99, [0; 4])),
            ("core zero", core(0, 5, 8)),
            ("core bit count", core(5, 5, 32)),
            (
                "truncated",
                b"BM\0\0\0\0\0\0\0\0\0\0\0\0\x28\0\0\0\x05".to_vec(),
            ),
        ] {
            assert!(run(&f).is_err(), "{what}");
        }
    }
}

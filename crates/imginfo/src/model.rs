//! The vendor-neutral answer: what an image is, as every dialect renderer sees it.
//! Probes fill a [`Header`]; the driver adds the object's size and the parsed EXIF.

use crate::exif::Exif;
use serde::Serialize;

/// The container format, as sniffed from magic bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Jpeg,
    Png,
    Gif,
    Bmp,
    Webp,
    Tiff,
    Heic,
    Avif,
}

impl Format {
    /// Lower-case canonical name (`jpeg`, `png`, …).
    pub fn name(self) -> &'static str {
        match self {
            Format::Jpeg => "jpeg",
            Format::Png => "png",
            Format::Gif => "gif",
            Format::Bmp => "bmp",
            Format::Webp => "webp",
            Format::Tiff => "tiff",
            Format::Heic => "heic",
            Format::Avif => "avif",
        }
    }
    pub fn mime(self) -> &'static str {
        match self {
            Format::Jpeg => "image/jpeg",
            Format::Png => "image/png",
            Format::Gif => "image/gif",
            Format::Bmp => "image/bmp",
            Format::Webp => "image/webp",
            Format::Tiff => "image/tiff",
            Format::Heic => "image/heic",
            Format::Avif => "image/avif",
        }
    }
}

/// Colour model of the stored pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ColorSpace {
    /// RGB (or YCbCr-coded RGB, as in JPEG with 3 components / HEIF nclx).
    Srgb,
    Gray,
    Cmyk,
    Ycck,
    /// JPEG 3-component YCbCr (JFIF): reported as such where a vendor tells it apart.
    Ycbcr,
    Lab,
    /// Indexed colour (PNG palette, GIF, BMP ≤ 8 bit).
    Palette,
}

impl ColorSpace {
    pub fn name(self) -> &'static str {
        match self {
            ColorSpace::Srgb => "srgb",
            ColorSpace::Gray => "gray",
            ColorSpace::Cmyk => "cmyk",
            ColorSpace::Ycck => "ycck",
            ColorSpace::Ycbcr => "ycbcr",
            ColorSpace::Lab => "lab",
            ColorSpace::Palette => "palette",
        }
    }
}

/// A HEIF/AVIF transformative item property, in `ipma` order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Transform {
    /// Clean aperture: the displayed size after cropping.
    Clap { width: u32, height: u32 },
    /// Anticlockwise rotation in degrees (0, 90, 180, 270).
    Irot(u16),
    /// Mirror axis (0 vertical axis, 1 horizontal axis).
    Imir(u8),
}

/// Where the EXIF (TIFF-structured) block sits and how it is wrapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExifLoc {
    pub range: crate::Range,
    pub kind: ExifKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExifKind {
    /// The range is a TIFF header and IFDs (possibly after an `Exif\0\0` prefix).
    Tiff,
    /// HEIF `Exif` item: a 4-byte big-endian offset to the TIFF header comes first.
    HeifItem,
    /// PNG `tEXt`/`iTXt` "Raw profile type exif/APP1": hex text after a header.
    PngRawProfile,
    /// The same text zlib-compressed, in a `zTXt` or a compressed `iTXt`.
    PngRawProfileZlib,
    /// The whole object is a TIFF file whose IFDs the probe has read; gaps are zeroed.
    TiffFile,
    /// An EXIF block the probe found but cannot hand over as one range (a HEIF `Exif`
    /// item split into non-contiguous extents, or one `iloc` cannot place): reported as
    /// `exif_error` with this reason; the header answer stands.
    Unreadable(&'static str),
}

/// What a format probe finds in the header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub format: Format,
    pub width: u32,
    pub height: u32,
    pub color: Option<ColorSpace>,
    pub bit_depth: Option<u8>,
    pub alpha: Option<bool>,
    /// Number of frames (animation) or pages; `None` when not counted.
    pub frames: Option<u32>,
    pub progressive: Option<bool>,
    pub transforms: Vec<Transform>,
    pub exif: Option<ExifLoc>,
}

impl Header {
    pub fn new(format: Format, width: u32, height: u32) -> Self {
        Header {
            format,
            width,
            height,
            color: None,
            bit_depth: None,
            alpha: None,
            frames: None,
            progressive: None,
            transforms: Vec::new(),
            exif: None,
        }
    }
}

/// The full answer for one object.
#[derive(Debug, Clone, PartialEq)]
pub struct Info {
    pub header: Header,
    /// Object size in bytes, when the source told us.
    pub file_size: Option<u64>,
    /// Parsed EXIF, when present and readable.
    pub exif: Option<Exif>,
    /// Why an EXIF block that is present could not be parsed (the rest still answers).
    pub exif_error: Option<String>,
}

impl Info {
    pub fn format(&self) -> Format {
        self.header.format
    }
    pub fn width(&self) -> u32 {
        self.header.width
    }
    pub fn height(&self) -> u32 {
        self.header.height
    }
    /// EXIF Orientation (1–8) when present and valid.
    pub fn orientation(&self) -> Option<u16> {
        self.exif
            .as_ref()
            .and_then(|e| e.orientation())
            .filter(|o| (1..=8).contains(o))
    }
    /// The size a viewer shows: HEIF transforms in order for HEIF/AVIF, else EXIF
    /// Orientation 5–8 swaps width and height.
    pub fn display_size(&self) -> (u32, u32) {
        let (mut w, mut h) = (self.header.width, self.header.height);
        if matches!(self.header.format, Format::Heic | Format::Avif) {
            for t in &self.header.transforms {
                match *t {
                    Transform::Clap { width, height } if width > 0 && height > 0 => {
                        w = width;
                        h = height;
                    }
                    Transform::Irot(90) | Transform::Irot(270) => std::mem::swap(&mut w, &mut h),
                    _ => {}
                }
            }
            return (w, h);
        }
        if matches!(self.orientation(), Some(5..=8)) {
            std::mem::swap(&mut w, &mut h);
        }
        (w, h)
    }
}

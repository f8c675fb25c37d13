//! BMP, WebP and TIFF average colour (`method: "full"`) from the whole file in memory.
//!
//! Their decoders cannot be fed in pieces: `image`'s BMP decoder and `image-webp` want a
//! `BufRead + Seek` and fill a whole frame (WebP's VP8/VP8L decoders hold the frame
//! internally anyway); `tiff` seeks to each strip or tile. So the job reads the file
//! (at most the byte budget, in one read after the header window) and then decodes:
//!
//! * BMP: `image::codecs::bmp::BmpDecoder`, the whole frame (an uncompressed BMP's frame
//!   is about its file size; RLE ones are bounded by [`MAX_FRAME_BYTES`]).
//! * WebP: `image_webp::WebPDecoder`, the whole frame (the first one of an animation,
//!   as `image` decodes it), bounded by [`MAX_FRAME_BYTES`].
//! * TIFF: `tiff`, one strip or tile at a time, summed as it goes, each bounded by
//!   [`MAX_FRAME_BYTES`]; the colour types the `image` crate decodes (grey 1/8/16-bit,
//!   grey+alpha, RGB(A) 8/16-bit and float, CMYK 8/16-bit converted with `image`'s
//!   formula), others are `NoDecoder` as in `image`. The first page only. Compression:
//!   none, PackBits, LZW, Deflate, CCITT G3/G4; JPEG-in-TIFF is `NoDecoder`.

#[cfg(any(feature = "hue-bmp", feature = "hue-webp", feature = "hue-tiff"))]
use super::MAX_FRAME_BYTES;
use super::{Job, Sum, Want};
use crate::error::Error;
use crate::model::Format;
#[cfg(any(feature = "hue-bmp", feature = "hue-webp", feature = "hue-tiff"))]
use std::io::Cursor;

pub struct WholeFile {
    format: Format,
    total: u64,
    buf: Vec<u8>,
}

impl WholeFile {
    pub fn new(format: Format, total: u64) -> Self {
        WholeFile {
            format,
            total,
            buf: Vec::new(),
        }
    }
}

impl Job for WholeFile {
    fn start(&self) -> Want {
        Want::Bytes {
            offset: 0,
            min: self.total.max(1),
        }
    }

    fn feed(&mut self, offset: u64, data: &[u8], end: bool) -> Result<Want, Error> {
        let name = self.format.name();
        if offset != self.buf.len() as u64 {
            return Err(Error::invalid(name, "bytes fed out of order"));
        }
        self.buf.extend_from_slice(data);
        let have = self.buf.len() as u64;
        if have < self.total && !end {
            return Ok(Want::Bytes {
                offset: have,
                min: self.total - have,
            });
        }
        let sum = decode(self.format, &self.buf)?;
        Ok(Want::Done(sum))
    }
}

/// Decodes a whole file of a buffered format, when this build includes its codec.
fn decode(format: Format, data: &[u8]) -> Result<Sum, Error> {
    match format {
        #[cfg(feature = "hue-bmp")]
        Format::Bmp => return bmp(data),
        #[cfg(feature = "hue-webp")]
        Format::Webp => return webp(data),
        #[cfg(feature = "hue-tiff")]
        Format::Tiff => return tiff(data),
        _ => {}
    }
    let _ = data;
    Err(super::not_built(format))
}

#[cfg(any(feature = "hue-bmp", feature = "hue-webp"))]
fn frame_cap(what: &str, bytes: u64) -> Result<usize, Error> {
    if bytes > MAX_FRAME_BYTES {
        return Err(Error::TooLarge(format!(
            "a decoded {what} frame of {bytes} bytes exceeds the memory limit of {MAX_FRAME_BYTES}"
        )));
    }
    usize::try_from(bytes).map_err(|_| Error::TooLarge(format!("{what} frame size")))
}

#[cfg(feature = "hue-bmp")]
fn bmp(data: &[u8]) -> Result<Sum, Error> {
    use image::ImageDecoder;
    let dec = image::codecs::bmp::BmpDecoder::new(Cursor::new(data))
        .map_err(|e| Error::invalid("bmp", e.to_string()))?;
    let color = dec.color_type();
    let n = frame_cap("BMP", dec.total_bytes())?;
    let mut frame = vec![0u8; n];
    dec.read_image(&mut frame)
        .map_err(|e| Error::invalid("bmp", e.to_string()))?;
    use image::ColorType as C;
    let (channels, wide) = match color {
        C::L8 => (1, false),
        C::La8 => (2, false),
        C::Rgb8 => (3, false),
        C::Rgba8 => (4, false),
        C::L16 => (1, true),
        C::La16 => (2, true),
        C::Rgb16 => (3, true),
        C::Rgba16 => (4, true),
        other => return Err(Error::NoDecoder(format!("colour type {other:?}"))),
    };
    Ok(sum_frame(channels, wide, &frame))
}

#[cfg(any(feature = "hue-bmp", feature = "hue-webp"))]
/// Sums a frame of `channels` interleaved samples (grey, grey+alpha, RGB, RGBA),
/// 16-bit ones native-endian as `image` hands them out.
fn sum_frame(channels: usize, wide: bool, frame: &[u8]) -> Sum {
    let mut sum = Sum::new(if wide { 65535.0 } else { 255.0 });
    let bps = if wide { 2 } else { 1 };
    let s = |p: &[u8], i: usize| -> f64 {
        if wide {
            f64::from(u16::from_ne_bytes([
                p.get(2 * i).copied().unwrap_or(0),
                p.get(2 * i + 1).copied().unwrap_or(0),
            ]))
        } else {
            f64::from(p.get(i).copied().unwrap_or(0))
        }
    };
    let (mut r, mut g, mut b, mut n) = (0f64, 0f64, 0f64, 0f64);
    for p in frame.chunks_exact(channels * bps) {
        if channels >= 3 {
            r += s(p, 0);
            g += s(p, 1);
            b += s(p, 2);
        } else {
            let y = s(p, 0);
            r += y;
            g += y;
            b += y;
        }
        n += 1.0;
    }
    sum.add_totals(r, g, b, n);
    sum
}

#[cfg(feature = "hue-webp")]
fn webp(data: &[u8]) -> Result<Sum, Error> {
    let mut dec = image_webp::WebPDecoder::new(Cursor::new(data))
        .map_err(|e| Error::invalid("webp", e.to_string()))?;
    let size = dec
        .output_buffer_size()
        .ok_or_else(|| Error::TooLarge("WebP frame size overflows".into()))?;
    let n = frame_cap("WebP", size as u64)?;
    dec.set_memory_limit(MAX_FRAME_BYTES as usize);
    let mut frame = vec![0u8; n];
    dec.read_image(&mut frame)
        .map_err(|e| Error::invalid("webp", e.to_string()))?;
    let channels = if dec.has_alpha() { 4 } else { 3 };
    Ok(sum_frame(channels, false, &frame))
}

#[cfg(feature = "hue-tiff")]
fn tiff(data: &[u8]) -> Result<Sum, Error> {
    use ::tiff::decoder::{Decoder, DecodingResult, Limits};
    use ::tiff::tags::{PlanarConfiguration, Tag};
    use ::tiff::ColorType as T;
    let bad = |e: ::tiff::TiffError| match e {
        ::tiff::TiffError::LimitsExceeded => Error::TooLarge(format!(
            "a TIFF strip or tile exceeds {MAX_FRAME_BYTES} bytes"
        )),
        ::tiff::TiffError::UnsupportedError(u) => Error::NoDecoder(format!("TIFF: {u}")),
        other => Error::invalid("tiff", other.to_string()),
    };
    let mut limits = Limits::default();
    limits.decoding_buffer_size = MAX_FRAME_BYTES as usize;
    limits.intermediate_buffer_size = MAX_FRAME_BYTES as usize;
    let mut dec = Decoder::new(Cursor::new(data))
        .map_err(bad)?
        .with_limits(limits);
    // JPEG inside TIFF would need a second JPEG decoder (zune-jpeg, ~100 KB of WASM);
    // refused by name so tests (where `image` enables it) and the Worker agree.
    let compression = dec
        .find_tag_unsigned::<u16>(Tag::Compression)
        .map_err(bad)?;
    if matches!(compression, Some(6 | 7)) {
        return Err(Error::NoDecoder("JPEG-compressed TIFF".into()));
    }
    let color = dec.colortype().map_err(bad)?;
    let planar = dec
        .find_tag_unsigned::<u16>(Tag::PlanarConfiguration)
        .map_err(bad)?
        .is_some_and(|p| p == PlanarConfiguration::Planar.to_u16());
    // (samples per pixel, samples that are colour, CMYK, 1-bit)
    let (spp, kind) = match color {
        T::Gray(1) => (1, Kind::Bilevel),
        T::Gray(8 | 16) => (1, Kind::Gray),
        T::GrayA(8 | 16) => (2, Kind::Gray),
        T::RGB(8 | 16 | 32) => (3, Kind::Rgb),
        T::RGBA(8 | 16 | 32) => (4, Kind::Rgb),
        T::CMYK(8 | 16) if !planar => (4, Kind::Cmyk),
        other => {
            return Err(Error::NoDecoder(format!(
                "TIFF colour type {other:?}{}",
                if planar { " (planar)" } else { "" }
            )))
        }
    };
    let chunks = match dec.get_chunk_type() {
        ::tiff::decoder::ChunkType::Strip => dec.strip_count().map_err(bad)?,
        ::tiff::decoder::ChunkType::Tile => dec.tile_count().map_err(bad)?,
    };
    let planes = if planar { spp as u32 } else { 1 };
    let per_plane = (chunks / planes.max(1)).max(1);
    let mut sum: Option<Sum> = None;
    for i in 0..chunks {
        let (w, h) = dec.chunk_data_dimensions(i);
        let plane = (i / per_plane) as usize;
        let res = dec.read_chunk(i).map_err(bad)?;
        let (w, h) = (w as usize, h as usize);
        let shape = Shape {
            kind,
            planar,
            plane,
            step: if planar { 1 } else { spp },
        };
        match &res {
            DecodingResult::U8(v) if kind == Kind::Bilevel => {
                let row = w.div_ceil(8);
                let bit = |i: usize| {
                    let (y, x) = (i / w.max(1), i % w.max(1));
                    let on = v
                        .get(y * row + x / 8)
                        .is_some_and(|b| b & (0x80 >> (x % 8)) != 0);
                    if on {
                        255.0
                    } else {
                        0.0
                    }
                };
                let s = sum.get_or_insert_with(|| Sum::new(255.0));
                add_samples(s, shape, 255.0, w * h, bit);
            }
            DecodingResult::U8(v) => {
                let s = sum.get_or_insert_with(|| Sum::new(255.0));
                add_samples(s, shape, 255.0, v.len(), |i| {
                    f64::from(v.get(i).copied().unwrap_or(0))
                });
            }
            DecodingResult::U16(v) => {
                let s = sum.get_or_insert_with(|| Sum::new(65535.0));
                add_samples(s, shape, 65535.0, v.len(), |i| {
                    f64::from(v.get(i).copied().unwrap_or(0))
                });
            }
            DecodingResult::F32(v) => {
                let s = sum.get_or_insert_with(|| Sum::new(1.0));
                add_samples(s, shape, 1.0, v.len(), |i| {
                    f64::from(v.get(i).copied().unwrap_or(0.0)).clamp(0.0, 1.0)
                });
            }
            _ => return Err(Error::NoDecoder("TIFF sample format".into())),
        }
    }
    sum.ok_or_else(|| Error::invalid("tiff", "no strips or tiles"))
}

#[cfg(feature = "hue-tiff")]
/// How a TIFF chunk's samples map to pixels.
#[derive(Clone, Copy)]
struct Shape {
    kind: Kind,
    planar: bool,
    /// The sample plane of this chunk (planar files), else 0.
    plane: usize,
    /// Samples per pixel in this chunk.
    step: usize,
}

#[cfg(feature = "hue-tiff")]
/// Adds `n` samples (`get(i)` for `i < n`, indices checked by the caller's closure).
fn add_samples(s: &mut Sum, sh: Shape, max: f64, n: usize, get: impl Fn(usize) -> f64) {
    let (mut r, mut g, mut b, mut k) = (0f64, 0f64, 0f64, 0f64);
    let step = sh.step.max(1);
    let mut i = 0;
    while i + step <= n {
        match (sh.kind, sh.planar) {
            (Kind::Cmyk, _) => {
                let [cr, cg, cb] = cmyk([get(i), get(i + 1), get(i + 2), get(i + 3)], max);
                r += cr;
                g += cg;
                b += cb;
                k += 1.0;
            }
            (Kind::Rgb, false) => {
                r += get(i);
                g += get(i + 1);
                b += get(i + 2);
                k += 1.0;
            }
            (Kind::Rgb, true) => match sh.plane {
                0 => {
                    r += get(i);
                    k += 1.0;
                }
                1 => g += get(i),
                2 => b += get(i),
                _ => {}
            },
            (Kind::Gray | Kind::Bilevel, _) => {
                if sh.plane == 0 {
                    let y = get(i);
                    r += y;
                    g += y;
                    b += y;
                    k += 1.0;
                }
            }
        }
        i += step;
    }
    s.add_totals(r, g, b, k);
}

#[cfg(feature = "hue-tiff")]
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Bilevel,
    Gray,
    Rgb,
    Cmyk,
}

#[cfg(feature = "hue-tiff")]
/// `image`'s TIFF CMYK → RGB: `(max − c) × (1 − k/max)`, truncated to an integer.
fn cmyk(p: [f64; 4], max: f64) -> [f64; 3] {
    let kf = 1.0 - p[3] / max;
    let ch = |c: f64| ((max - c) * kf).floor();
    [ch(p[0]), ch(p[1]), ch(p[2])]
}

//! HEIC/AVIF average colour from the EXIF thumbnail (`method: "thumbnail"`).
//!
//! HEIF and AVIF images are HEVC and AV1 bitstreams; decoding them needs libde265 /
//! dav1d-class C codecs that a Worker does not carry (no pure-Rust HEVC decoder exists,
//! and `rav1d`/`dav1d` are far past the bundle budget). Many cameras and phones store a
//! small JPEG thumbnail in the EXIF block's IFD1 (`JPEGInterchangeFormat`, relative to
//! the TIFF header): its average, by the [`jpeg`](super::jpeg) DC path, stands for the
//! image's. The EXIF block is already held from the header phase, so this costs no read.
//! Without such a thumbnail the answer is `NoDecoder` (the vendor's "unsupported"
//! error): never an invented colour.

use super::{jpeg::DcJob, run_job_on, Sum};
use crate::bytes::{be32, ByteMap};
use crate::error::Error;
use crate::exif::Ifd;
use crate::model::{ExifKind, Info};

/// IFD1 `JPEGInterchangeFormat` and `JPEGInterchangeFormatLength`.
const THUMB_OFFSET: u16 = 0x0201;
const THUMB_LENGTH: u16 = 0x0202;
/// EXIF thumbnails are at most ~64 KiB (they live in a JPEG APP1 segment); a longer one
/// is not a thumbnail.
pub const MAX_THUMBNAIL: u64 = 1024 * 1024;

pub fn average(info: &Info, map: &ByteMap) -> Result<Sum, Error> {
    let name = info.format().name().to_ascii_uppercase();
    let none = || {
        Error::NoDecoder(format!(
            "{name} pixels need an HEVC/AV1 decoder, and the file has no EXIF thumbnail"
        ))
    };
    let exif = info.exif.as_ref().ok_or_else(none)?;
    let uint = |tag| {
        exif.get(Ifd::Ifd1, tag)
            .and_then(|f| f.value.first_uint())
            .map(u64::from)
    };
    let (Some(off), Some(len)) = (uint(THUMB_OFFSET), uint(THUMB_LENGTH)) else {
        return Err(none());
    };
    if len == 0 || len > MAX_THUMBNAIL {
        return Err(none());
    }
    let loc = info.header.exif.ok_or_else(none)?;
    let tiff_start = match loc.kind {
        ExifKind::HeifItem => {
            let skip = map
                .peek(loc.range.offset, 4)
                .and_then(|b| be32(b, 0))
                .ok_or_else(none)?;
            loc.range.offset + 4 + u64::from(skip)
        }
        ExifKind::Tiff => match map.peek(loc.range.offset, 6) {
            Some(b"Exif\0\0") => loc.range.offset + 6,
            _ => loc.range.offset,
        },
        _ => return Err(none()),
    };
    let at = tiff_start.checked_add(off).ok_or_else(none)?;
    let data = map.peek(at, len).ok_or_else(none)?;
    if !data.starts_with(&[0xFF, 0xD8]) {
        return Err(none());
    }
    let mut job = DcJob::any();
    run_job_on(&mut job, data, data.len())
}

//! Format probes: sniff the magic bytes, dispatch to one module per format, then fetch
//! and parse the EXIF block the probe located. Every probe is a pure function of the
//! bytes held so far; it answers [`Step::Need`] with the exact range it wants next.

use crate::bytes::{ByteMap, Halt, PResult, Range};
use crate::error::Error;
use crate::exif::{Exif, MAX_EXIF_BYTES};
use crate::model::{ExifKind, Header, Info};

pub mod bmp;
pub mod gif;
pub mod isobmff;
pub mod jpeg;
pub mod png;
pub mod tiff;
pub mod webp;

/// What a probe answers: the result, or the byte range it needs next.
#[derive(Debug, Clone, PartialEq)]
pub enum Step<T> {
    Done(T),
    Need(Range),
}

/// Bytes needed to tell every supported format apart by its magic.
pub const SNIFF_LEN: u64 = 16;

/// Probes the object: header first, then the EXIF block it points at.
pub fn probe(data: &ByteMap) -> Result<Step<Info>, Error> {
    match probe_inner(data) {
        Ok(info) => Ok(Step::Done(info)),
        Err(Halt::Need(r)) => Ok(Step::Need(r)),
        Err(Halt::Fail(e)) => Err(e),
    }
}

fn probe_inner(data: &ByteMap) -> PResult<Info> {
    let header = probe_header(data)?;
    let (exif, exif_error) = match header.exif {
        None => (None, None),
        Some(loc) => match exif_block(data, loc.range, loc.kind)? {
            Ok(block) => match Exif::parse(&block) {
                Ok(e) => (Some(e), None),
                Err(msg) => (None, Some(msg)),
            },
            Err(msg) => (None, Some(msg)),
        },
    };
    Ok(Info {
        header,
        file_size: data.total(),
        exif,
        exif_error,
    })
}

/// Sniffs the format and runs its header probe.
pub fn probe_header(data: &ByteMap) -> PResult<Header> {
    let head = data.upto(0, SNIFF_LEN)?;
    if head.is_empty() {
        return Err(Error::Unsupported("an empty object".into()).into());
    }
    if head.len() < SNIFF_LEN as usize && !data.at_end(head.len() as u64) {
        data.get(0, SNIFF_LEN, "image", "magic bytes")?;
    }
    if jpeg::sniff(head) {
        return jpeg::probe(data);
    }
    if png::sniff(head) {
        return png::probe(data);
    }
    if isobmff::sniff(head) {
        return isobmff::probe(data);
    }
    if webp::sniff(head) {
        return webp::probe(data);
    }
    if gif::sniff(head) {
        return gif::probe(data);
    }
    if bmp::sniff(head) {
        return bmp::probe(data);
    }
    if tiff::sniff(head) {
        return tiff::probe(data);
    }
    Err(Error::Unsupported(describe(head)).into())
}

/// Names what the first bytes look like, for "not an image" errors.
pub fn describe(head: &[u8]) -> String {
    let known: &[(&[u8], &str)] = &[
        (b"%PDF", "a PDF document"),
        (b"PK\x03\x04", "a ZIP archive"),
        (b"\x1f\x8b", "gzip data"),
        (b"<?xml", "an XML document"),
        (b"<svg", "an SVG document (vector images are not supported)"),
        (b"<!DOCTYPE", "an HTML document"),
        (b"<html", "an HTML document"),
        (b"{", "JSON or text"),
        (b"ID3", "an MP3 file"),
        (b"OggS", "an Ogg file"),
        (b"\x1aE\xdf\xa3", "a Matroska/WebM file"),
    ];
    for (magic, what) in known {
        if head.starts_with(magic) {
            return format!("found {what}");
        }
    }
    let shown: String = head
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ");
    format!("found unrecognised leading bytes [{shown}]")
}

/// Gets the EXIF block bytes (or asks for them). The outer error is "need bytes"; the
/// inner one a block that is present but unusable, which leaves the header answer intact.
fn exif_block(data: &ByteMap, range: Range, kind: ExifKind) -> PResult<Result<Vec<u8>, String>> {
    if let ExifKind::Unreadable(why) = kind {
        return Ok(Err(why.into()));
    }
    if kind == ExifKind::TiffFile {
        // The TIFF probe has made sure every IFD and value it points at is held; the
        // block is rebuilt from them (bounded there), whatever their offsets in the file.
        return Ok(tiff::exif_block(data));
    }
    if range.len > MAX_EXIF_BYTES {
        return Ok(Err(format!(
            "EXIF block of {} bytes exceeds the limit",
            range.len
        )));
    }
    let block = match data.get(range.offset, range.len, "exif", "EXIF block") {
        Ok(b) => b,
        // An EXIF block cut off by the end of the object: report it, keep the header.
        Err(Halt::Fail(e)) => return Ok(Err(e.to_string())),
        Err(need) => return Err(need),
    };
    Ok(match kind {
        ExifKind::Tiff | ExifKind::TiffFile => Ok(block.to_vec()),
        ExifKind::HeifItem => {
            // ISO/IEC 23008-12 A.2.1: a 32-bit offset from after this field to the TIFF header.
            let skip = crate::bytes::be32(block, 0).map(|s| s as usize);
            match skip.and_then(|s| block.get(4usize.checked_add(s)?..)) {
                Some(b) => Ok(b.to_vec()),
                None => Err("HEIF Exif item offset points outside the item".into()),
            }
        }
        ExifKind::PngRawProfile => png::decode_raw_profile(block),
        ExifKind::PngRawProfileZlib => png::decode_raw_profile_zlib(block),
        ExifKind::Unreadable(why) => Err(why.into()),
    })
}

#[cfg(test)]
pub(crate) mod testutil {
    use super::*;

    /// A PNG chunk: length, type, data and a CRC-32 computed independently of the
    /// probe's own (crc32fast).
    pub fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut c = (data.len() as u32).to_be_bytes().to_vec();
        c.extend_from_slice(kind);
        c.extend_from_slice(data);
        let mut crc_in = kind.to_vec();
        crc_in.extend_from_slice(data);
        c.extend_from_slice(&crc32fast::hash(&crc_in).to_be_bytes());
        c
    }

    /// Runs the probe on every prefix of `file` (up to `limit` bytes, every `stride`),
    /// with the object size unknown: each prefix must answer Need or the full answer.
    pub fn check_prefixes(file: &[u8], limit: usize, stride: usize, expect: &Info) {
        let limit = limit.min(file.len());
        let mut n = 0;
        while n <= limit {
            let map = ByteMap::from_prefix(&file[..n], None);
            match probe(&map) {
                Ok(Step::Need(r)) => {
                    assert!(r.len > 0, "prefix {n}: empty need");
                    assert!(
                        map.peek(r.offset, r.len).is_none(),
                        "prefix {n}: needs held bytes"
                    );
                }
                Ok(Step::Done(mut info)) => {
                    info.file_size = expect.file_size;
                    assert_eq!(&info, expect, "prefix {n}");
                }
                Err(e) => panic!("prefix {n}: error {e}"),
            }
            n += stride.max(1);
        }
    }

    /// Runs the probe from the first `held` bytes of `file`, its size known: it must ask
    /// for one range that reaches the end of the file, and answer once it holds it.
    /// Returns that range and the answer.
    pub fn rest_in_one_read(file: &[u8], held: usize) -> (Range, Info) {
        let mut map = ByteMap::from_prefix(&file[..held], Some(file.len() as u64));
        let need = match probe(&map) {
            Ok(Step::Need(r)) => r,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            need.end(),
            file.len() as u64,
            "the rest of the file in one range: {need:?}"
        );
        map.insert(need.offset, file[need.offset as usize..].to_vec());
        match probe(&map) {
            Ok(Step::Done(i)) => (need, i),
            other => panic!("{other:?}"),
        }
    }

    /// Runs the probe the way the driver does, from the full file.
    pub fn run(file: &[u8]) -> Result<Info, Error> {
        let mut map = ByteMap::new();
        map.set_total(file.len() as u64);
        for _ in 0..64 {
            match probe(&map)? {
                Step::Done(i) => return Ok(i),
                Step::Need(r) => {
                    let s = r.offset as usize;
                    let e = (r.end() as usize).min(file.len());
                    assert!(s < e, "need past the end: {r:?}");
                    map.insert(r.offset, file[s..e].to_vec());
                }
            }
        }
        panic!("probe did not finish in 64 steps");
    }
}

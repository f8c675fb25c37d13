//! JPEG (ITU T.81 / JFIF / Exif): walks marker segments to the first SOFn, skipping
//! segment bodies by asking for the next marker instead of reading through them, and
//! notes the first APP1 `Exif` segment and Adobe APP14's colour transform on the way.
//! Where a skipped segment says more of its series follow (ICC chunk i of n, FLIR record
//! i of n, extended-XMP offset and length, or a segment split at the 64 KiB limit), the
//! next header is asked for together with the bytes the series can take: one read
//! crosses 400 KiB of ICC instead of one round trip per segment.

use crate::bytes::{be16, be32, ByteMap, Halt, PResult, Range};
use crate::error::Error;
use crate::model::{ColorSpace, ExifKind, ExifLoc, Format, Header};

const F: &str = "jpeg";

/// Marker segments walked before giving up. Real files have tens (a big ICC profile
/// spans ~7 APP2s, FLIR and depth-map files a few dozen); thousands means a hostile file.
pub const MAX_SEGMENTS: usize = 4096;
/// Fill or junk bytes tolerated between two segments (libjpeg warns and skips them).
pub const MAX_JUNK: u64 = 4096;
/// Largest marker segment on disk: the marker, then a 16-bit length that counts itself.
pub const MAX_SEGMENT: u64 = 2 + 0xFFFF;
/// A skipped segment at least this long is taken as one of a series that a writer split
/// at the 64 KiB segment limit (HP "HPSC", Scalado APP4, Photoshop APP13 …): the next
/// segment header is asked for together with one more maximal segment behind it.
pub const SERIES_MIN_LEN: u64 = 65_000;
/// Most bytes asked for beyond the next segment header on the strength of a series
/// count (255 ICC chunks would claim 16 MiB): past it, one more read is cheaper than
/// trusting the count.
pub const MAX_SERIES_AHEAD: u64 = 1024 * 1024;
/// Bytes of an Adobe extended-XMP segment body before its payload: the namespace (35),
/// the GUID (32), the full length and the offset (4 each).
const XMP_EXT_HEADER: u64 = 35 + 32 + 8;
const XMP_EXT_NS: &[u8] = b"http://ns.adobe.com/xmp/extension/\0";

pub fn sniff(head: &[u8]) -> bool {
    head.starts_with(&[0xFF, 0xD8, 0xFF])
}

pub fn probe(data: &ByteMap) -> PResult<Header> {
    let mut pos: u64 = 2;
    let mut exif: Option<Range> = None;
    let mut adobe_transform: Option<u8> = None;
    // Bytes of further segments expected behind `pos` (a series the last segment
    // belongs to): asked for with the next header, so one read crosses the series.
    let mut ahead: u64 = 0;
    for _ in 0..MAX_SEGMENTS {
        let (ex, ah) = (exif, ahead);
        let need = move |h: Halt| merge_need(data, ex, widen(data, h, ah));
        let marker_at = match find_marker(data, pos) {
            Ok(p) => p,
            Err(h) => return Err(need(h)),
        };
        let m = match data.get(marker_at, 2, F, "marker") {
            Ok(b) => b.get(1).copied().unwrap_or(0),
            Err(h) => return Err(need(h)),
        };
        // Standalone markers carry no length.
        if m == 0x01 || (0xD0..=0xD7).contains(&m) {
            pos = marker_at + 2;
            continue;
        }
        match m {
            0xD8 => return Err(Error::invalid(F, "second SOI before any frame header").into()),
            0xD9 => return Err(Error::invalid(F, "end of image before any frame header").into()),
            0xDA => return Err(Error::invalid(F, "scan data before any frame header").into()),
            _ => {}
        }
        let seg_len = match data.get(marker_at + 2, 2, F, "segment length") {
            Ok(b) => be16(b, 0).unwrap_or(0) as u64,
            Err(h) => return Err(need(h)),
        };
        if seg_len < 2 {
            return Err(
                Error::invalid(F, format!("segment FF{m:02X} has length {seg_len}")).into(),
            );
        }
        let body = marker_at + 4;
        let body_len = seg_len - 2;
        if is_sof(m) {
            let sof = match data.get(body, 6, F, "frame header") {
                Ok(b) => b,
                Err(h) => return Err(need(h)),
            };
            let precision = sof.first().copied().unwrap_or(0);
            let height = be16(sof, 1).unwrap_or(0);
            let width = be16(sof, 3).unwrap_or(0);
            let comps = sof.get(5).copied().unwrap_or(0);
            if width == 0 || height == 0 {
                // Height 0 defers to a DNL marker after the first scan (T.81 B.2.5):
                // reading it means reading the whole scan, so we refuse rather than guess.
                return Err(Error::invalid(
                    F,
                    format!(
                        "frame header declares {width}x{height} (zero size; DNL not supported)"
                    ),
                )
                .into());
            }
            let mut h = Header::new(Format::Jpeg, width as u32, height as u32);
            h.bit_depth = Some(precision);
            h.progressive = Some(matches!(m, 0xC2 | 0xC6 | 0xCA | 0xCE));
            h.color = Some(match (comps, adobe_transform) {
                (1, _) => ColorSpace::Gray,
                (3, Some(0)) => ColorSpace::Srgb,
                (3, _) => ColorSpace::Ycbcr,
                (4, Some(2)) => ColorSpace::Ycck,
                (4, _) => ColorSpace::Cmyk,
                _ => {
                    return Err(Error::invalid(F, format!("{comps} colour components")).into());
                }
            });
            h.alpha = Some(false);
            h.frames = Some(1);
            h.exif = exif.map(|range| ExifLoc {
                range,
                kind: ExifKind::Tiff,
            });
            return Ok(h);
        }
        if m == 0xE1 && exif.is_none() && body_len >= 6 {
            match data.get(body, 6, F, "APP1 identifier") {
                Ok(id) if id == b"Exif\0\0" => exif = Some(Range::new(body + 6, body_len - 6)),
                Ok(_) => {}
                Err(h) => return Err(need(h)),
            }
        }
        if m == 0xEE && adobe_transform.is_none() && body_len >= 12 {
            match data.get(body, 12, F, "APP14 Adobe") {
                Ok(b) if b.starts_with(b"Adobe") => adobe_transform = b.get(11).copied(),
                Ok(_) => {}
                Err(h) => return Err(need(h)),
            }
        }
        ahead = series_ahead(data, body, body_len, m);
        pos = body + body_len;
    }
    Err(Error::invalid(
        F,
        format!("no frame header in the first {MAX_SEGMENTS} segments"),
    )
    .into())
}

/// Bytes of the segments that follow the one at `body` in the same series, from what
/// its header declares (ICC chunk i of n, FLIR record i of n, extended-XMP offset and
/// full length), else one maximal segment behind a near-maximal one; 0 otherwise. Only
/// held bytes are looked at: a guess is never worth a read of its own.
fn series_ahead(data: &ByteMap, body: u64, body_len: u64, m: u8) -> u64 {
    let id = data.peek(body, body_len.min(XMP_EXT_HEADER)).unwrap_or(&[]);
    let declared = if m == 0xE2 && id.starts_with(b"ICC_PROFILE\0") {
        // ICC.1 B.4: 1-based chunk number, then the chunk count.
        let (seq, count) = (id.get(12).copied(), id.get(13).copied());
        seq.zip(count)
            .map(|(s, n)| n.saturating_sub(s) as u64 * MAX_SEGMENT)
    } else if m == 0xE1 && id.starts_with(b"FLIR\0\x01") {
        // FLIR FFF records: 0-based index, then the last index.
        let (i, last) = (id.get(6).copied(), id.get(7).copied());
        i.zip(last)
            .map(|(i, l)| l.saturating_sub(i) as u64 * MAX_SEGMENT)
    } else if m == 0xE1 && id.starts_with(XMP_EXT_NS) {
        // XMP part 3, 1.1.3.1: the extension is split at most 65458 bytes a segment.
        let full = be32(id, 67).map(u64::from);
        let offset = be32(id, 71).map(u64::from);
        full.zip(offset).map(|(full, offset)| {
            let rest = full
                .saturating_sub(offset)
                .saturating_sub(body_len.saturating_sub(XMP_EXT_HEADER));
            let per = MAX_SEGMENT - 4 - XMP_EXT_HEADER;
            rest + rest.div_ceil(per) * (4 + XMP_EXT_HEADER)
        })
    } else {
        None
    };
    match declared {
        Some(d) => d.min(MAX_SERIES_AHEAD),
        None if body_len + 2 >= SERIES_MIN_LEN => MAX_SEGMENT,
        None => 0,
    }
}

/// Asks for `ahead` more bytes behind a needed segment header (clipped to the object).
fn widen(data: &ByteMap, h: Halt, ahead: u64) -> Halt {
    match h {
        Halt::Need(r) if ahead > 0 => {
            let mut end = r.end().saturating_add(ahead);
            if let Some(total) = data.total() {
                end = end.min(total).max(r.end());
            }
            Halt::Need(Range::new(r.offset, end - r.offset))
        }
        h => h,
    }
}

/// SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC).
fn is_sof(m: u8) -> bool {
    (0xC0..=0xCF).contains(&m) && !matches!(m, 0xC4 | 0xC8 | 0xCC)
}

/// Finds the next `FF xx` marker at or after `pos`, skipping fill bytes and a bounded
/// amount of junk (some encoders leave garbage between segments).
fn find_marker(data: &ByteMap, pos: u64) -> PResult<u64> {
    let mut p = pos;
    let limit = pos.saturating_add(MAX_JUNK);
    while p < limit {
        let b = data.get(p, 2, F, "marker")?;
        if b.first() == Some(&0xFF) && !matches!(b.get(1), Some(0xFF) | Some(0x00)) {
            return Ok(p);
        }
        p += 1;
    }
    Err(Error::invalid(
        F,
        format!("no marker within {MAX_JUNK} bytes of offset {pos}"),
    )
    .into())
}

/// When the walk needs bytes past an EXIF body that is not held yet, ask for both in
/// one contiguous range: one round trip instead of two.
fn merge_need(data: &ByteMap, exif: Option<Range>, h: Halt) -> Halt {
    match (h, exif) {
        (Halt::Need(need), Some(ex)) if data.peek(ex.offset, ex.len).is_none() => {
            let start = (ex.offset + data.contiguous_from(ex.offset)).min(need.offset);
            Halt::Need(Range::new(start, need.end().max(ex.end()) - start))
        }
        (h, _) => h,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::testutil::{check_prefixes, run};

    /// A minimal JPEG: SOI, APP1 Exif (Orientation 6, Make "Cam"), SOF0 640x480 x3, SOS.
    pub fn sample(app1_padding: usize) -> Vec<u8> {
        let mut tiff = vec![b'M', b'M', 0, 42, 0, 0, 0, 8, 0, 2];
        tiff.extend_from_slice(&[0x01, 0x0F, 0, 2, 0, 0, 0, 4]);
        tiff.extend_from_slice(b"Cam\0");
        tiff.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0]);
        tiff.extend_from_slice(&[0, 0, 0, 0]);
        tiff.extend(std::iter::repeat_n(0u8, app1_padding));
        let mut f = vec![0xFF, 0xD8];
        f.extend_from_slice(&[0xFF, 0xE1]);
        f.extend_from_slice(&((tiff.len() + 8) as u16).to_be_bytes());
        f.extend_from_slice(b"Exif\0\0");
        f.extend_from_slice(&tiff);
        f.extend_from_slice(&[0xFF, 0xC0, 0, 17, 8, 0x01, 0xE0, 0x02, 0x80, 3]);
        f.extend_from_slice(&[1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
        f.extend_from_slice(&[0xFF, 0xDA, 0, 2, 0xFF, 0xD9]);
        f
    }

    #[test]
    fn reads_size_colour_and_exif() {
        let info = run(&sample(0)).unwrap();
        assert_eq!((info.width(), info.height()), (640, 480));
        assert_eq!(info.header.color, Some(ColorSpace::Ycbcr));
        assert_eq!(info.orientation(), Some(6));
        assert_eq!(info.exif.as_ref().unwrap().make(), Some("Cam"));
        assert_eq!(info.display_size(), (480, 640));
    }

    #[test]
    fn every_prefix_needs_more_or_answers() {
        let f = sample(0);
        let expect = run(&f).unwrap();
        check_prefixes(&f, f.len(), 1, &expect);
    }

    #[test]
    fn sof_beyond_first_window_is_reached_with_one_more_read() {
        let f = sample(60_000);
        let map = ByteMap::from_prefix(&f[..4096], Some(f.len() as u64));
        // The walk needs the marker after APP1 and the EXIF body: one merged range.
        match crate::probe::probe(&map).unwrap() {
            crate::Step::Need(r) => {
                assert_eq!(r.offset, 4096);
                assert!(r.end() >= 2 + 4 + 8 + 30 + 60_000 + 4, "{r:?}");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(run(&f).unwrap().width(), 640);
    }

    /// SOI, `n` APP2 ICC chunks of `chunk` body bytes each, then SOF0 64x32.
    fn icc_series(n: u8, chunk: usize) -> Vec<u8> {
        let mut f = vec![0xFF, 0xD8];
        for i in 1..=n {
            f.extend_from_slice(&[0xFF, 0xE2]);
            f.extend_from_slice(&((chunk + 2) as u16).to_be_bytes());
            let mut body = b"ICC_PROFILE\0".to_vec();
            body.extend_from_slice(&[i, n]);
            body.resize(chunk, 0x55);
            f.extend_from_slice(&body);
        }
        f.extend_from_slice(&[0xFF, 0xC0, 0, 11, 8, 0, 32, 0, 64, 1, 1, 0x11, 0]);
        f.extend_from_slice(&[0xFF, 0xDA, 0, 2, 0xFF, 0xD9]);
        f
    }

    #[test]
    fn icc_series_is_crossed_in_one_read() {
        let f = icc_series(6, 65_000);
        let map = ByteMap::from_prefix(&f[..70_000], Some(f.len() as u64));
        // The second chunk's header says 4 more follow: one range reaches past them.
        match crate::probe::probe(&map).unwrap() {
            crate::Step::Need(r) => {
                assert_eq!(r.offset, 2 + 2 * 65_004);
                assert!(r.end() >= f.len() as u64 - 6, "{r:?} of {}", f.len());
            }
            other => panic!("{other:?}"),
        }
        let info = run(&f).unwrap();
        assert_eq!((info.width(), info.height()), (64, 32));
        check_prefixes(&f, f.len(), 997, &info);
    }

    #[test]
    fn near_maximal_segment_asks_for_one_more() {
        // Two 65000-byte APP4 bodies of unknown kind (as HP and Scalado write them).
        let mut f = vec![0xFF, 0xD8];
        for _ in 0..2 {
            f.extend_from_slice(&[0xFF, 0xE4]);
            f.extend_from_slice(&65_002u16.to_be_bytes());
            f.extend(std::iter::repeat_n(0u8, 65_000));
        }
        f.extend_from_slice(&[0xFF, 0xC0, 0, 11, 8, 0, 32, 0, 64, 1, 1, 0x11, 0]);
        let map = ByteMap::from_prefix(&f[..1000], Some(f.len() as u64));
        match crate::probe::probe(&map).unwrap() {
            crate::Step::Need(r) => {
                assert_eq!(r.offset, 65_006);
                assert_eq!(r.end(), f.len() as u64, "clipped to the object");
            }
            other => panic!("{other:?}"),
        }
        // A short segment adds nothing: the read-ahead of the driver is enough.
        let short = sample(100);
        let map = ByteMap::from_prefix(&short[..20], Some(short.len() as u64));
        match crate::probe::probe(&map).unwrap() {
            crate::Step::Need(r) => assert!(r.end() <= short.len() as u64),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn hostile_inputs_are_errors() {
        for bad in [
            &[0xFF, 0xD8, 0xFF, 0xD9][..],
            &[0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x01][..],
            &[0xFF, 0xD8, 0xFF, 0xC0, 0, 17, 8, 0, 0, 0, 0, 3][..],
            &[0xFF, 0xD8, 0xFF, 0xE0, 0xFF, 0xFF][..],
        ] {
            assert!(run(bad).is_err(), "{bad:?}");
        }
    }
}

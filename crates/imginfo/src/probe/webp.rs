//! WebP (RIFF container, Google's "WebP Container Specification" and RFC 9649): the
//! first chunk decides the layout. Simple lossy (`VP8 `: key frame header, 14-bit
//! sizes) and lossless (`VP8L`: 14-bit sizes + 1, alpha hint) files end there: they
//! cannot carry metadata. Extended files (`VP8X`: 24-bit canvas size + 1, feature flags)
//! are walked chunk by chunk, by declared sizes padded to even, when the flags announce
//! an animation (frames = `ANMF` chunks) or EXIF (the `EXIF` chunk, after the image data,
//! often at the end of the file; some writers prefix it with `Exif\0\0`, which
//! `Exif::parse` strips).
//!
//! Round trips: the chunk a walk cannot see is usually right after the image data. When
//! the rest of the RIFF from there is within [`MAX_WALK_BYTES`], the walk asks for all of
//! it in one read (for a still image that rest is EXIF and XMP; for an animation, the
//! frames still to count); otherwise it asks for the next chunk header alone. Animations
//! bigger than that are not counted (`frames: None`); their EXIF is looked for in the
//! last [`TAIL_WINDOW`] bytes, a candidate accepted only when the chunk chain from it
//! ends exactly at the end of the RIFF.

use crate::bytes::{le16, le32, ByteMap, Halt, PResult, Range};
use crate::error::Error;
use crate::model::{ColorSpace, ExifKind, ExifLoc, Format, Header};

const F: &str = "webp";
/// RIFF header (12) and the first chunk's header (8).
const FIRST_CHUNK_DATA: u64 = 20;
/// Bytes of the RIFF the chunk walk may ask for in one read: a still image's trailing
/// metadata fits easily; an animation up to this size gets a frame count with one more
/// read. Past it, counting frames would eat the request's byte budget (4 MiB).
pub const MAX_WALK_BYTES: u64 = 1024 * 1024;
/// Chunks walked before the file is called hostile: an animation has one per frame
/// plus a handful; real ones have at most a few thousand frames.
pub const MAX_CHUNKS: u32 = 65_536;
/// Tail searched for the EXIF chunk of an animation too big to walk: EXIF copied from
/// a camera JPEG fits in 64 KiB, and the XMP that may follow it in the rest.
pub const TAIL_WINDOW: u64 = 128 * 1024;
/// VP8X canvas: width × height must fit in 32 bits (container spec).
const MAX_CANVAS_PIXELS: u64 = u32::MAX as u64;

/// VP8X flag bits (container spec, "Extended File Format").
const FLAG_ALPHA: u8 = 0x10;
const FLAG_EXIF: u8 = 0x08;
const FLAG_ANIMATION: u8 = 0x02;

pub fn sniff(head: &[u8]) -> bool {
    head.starts_with(b"RIFF") && head.get(8..12) == Some(b"WEBP")
}

pub fn probe(data: &ByteMap) -> PResult<Header> {
    let b = data.get(0, FIRST_CHUNK_DATA, F, "RIFF header")?;
    let riff_size = le32(b, 4).unwrap_or(0) as u64;
    // "WEBP" plus one chunk header at least.
    if riff_size < 12 {
        return Err(Error::invalid(F, format!("RIFF size {riff_size}")).into());
    }
    let riff_end = 8 + riff_size;
    let kind: [u8; 4] = b
        .get(12..16)
        .and_then(|k| k.try_into().ok())
        .unwrap_or([0; 4]);
    let size = le32(b, 16).unwrap_or(0) as u64;
    let (needed, what) = match &kind {
        b"VP8 " => (10, "VP8 frame header"),
        b"VP8L" => (5, "VP8L header"),
        b"VP8X" => (10, "VP8X header"),
        _ => {
            let shown = String::from_utf8_lossy(&kind).escape_debug().to_string();
            return Err(
                Error::invalid(F, format!("first chunk is '{shown}', not VP8/VP8L/VP8X")).into(),
            );
        }
    };
    // VP8X is a fixed 10-byte chunk the walk steps over: its size must fit the RIFF.
    let vp8x_overruns = &kind == b"VP8X" && FIRST_CHUNK_DATA + size > riff_end;
    if size < needed || FIRST_CHUNK_DATA + needed > riff_end || vp8x_overruns {
        return Err(Error::invalid(F, format!("{what} chunk of {size} bytes")).into());
    }
    let d = data.get(FIRST_CHUNK_DATA, needed, F, what)?;
    match &kind {
        b"VP8 " => vp8(d),
        b"VP8L" => vp8l(d),
        _ => {
            let first_next = FIRST_CHUNK_DATA
                .saturating_add(size)
                .saturating_add(size & 1);
            vp8x(data, d, riff_end, first_next)
        }
    }
}

fn header(width: u32, height: u32, alpha: bool) -> Header {
    let mut h = Header::new(Format::Webp, width, height);
    h.color = Some(ColorSpace::Srgb);
    h.bit_depth = Some(8);
    h.alpha = Some(alpha);
    h.frames = Some(1);
    h
}

/// RFC 6386 9.1: a 3-byte frame tag (bit 0 clear on key frames), the start code
/// 9D 01 2A, then 14-bit width and height (the top 2 bits are a scaling hint).
fn vp8(d: &[u8]) -> PResult<Header> {
    let tag = d.first().copied().unwrap_or(1);
    if tag & 1 != 0 {
        return Err(Error::invalid(F, "VP8 data does not start with a key frame").into());
    }
    if d.get(3..6) != Some(&[0x9D, 0x01, 0x2A]) {
        return Err(Error::invalid(F, "VP8 key frame start code missing").into());
    }
    let w = (le16(d, 6).unwrap_or(0) & 0x3FFF) as u32;
    let h = (le16(d, 8).unwrap_or(0) & 0x3FFF) as u32;
    if w == 0 || h == 0 {
        return Err(Error::invalid(F, format!("VP8 frame is {w}x{h}")).into());
    }
    Ok(header(w, h, false))
}

/// WebP lossless bitstream spec 3.2: signature 0x2F, then 14 bits width - 1,
/// 14 bits height - 1, 1 bit alpha_is_used, 3 bits version (0).
fn vp8l(d: &[u8]) -> PResult<Header> {
    if d.first() != Some(&0x2F) {
        return Err(Error::invalid(F, "VP8L signature missing").into());
    }
    let bits = le32(d, 1).unwrap_or(0);
    if bits >> 29 != 0 {
        return Err(Error::invalid(F, format!("VP8L version {}", bits >> 29)).into());
    }
    let w = (bits & 0x3FFF) + 1;
    let h = ((bits >> 14) & 0x3FFF) + 1;
    Ok(header(w, h, (bits >> 28) & 1 == 1))
}

fn le24(b: &[u8], at: usize) -> u32 {
    let g = |i: usize| b.get(at + i).copied().unwrap_or(0) as u32;
    g(0) | g(1) << 8 | g(2) << 16
}

fn vp8x(data: &ByteMap, d: &[u8], riff_end: u64, first_next: u64) -> PResult<Header> {
    let flags = d.first().copied().unwrap_or(0);
    let w = le24(d, 4) + 1;
    let h = le24(d, 7) + 1;
    if (w as u64) * (h as u64) > MAX_CANVAS_PIXELS {
        return Err(
            Error::invalid(F, format!("VP8X canvas {w}x{h} exceeds 2^32 - 1 pixels")).into(),
        );
    }
    let mut hdr = header(w, h, flags & FLAG_ALPHA != 0);
    let animated = flags & FLAG_ANIMATION != 0;
    let want_exif = flags & FLAG_EXIF != 0;
    if !animated && !want_exif {
        return Ok(hdr);
    }
    // The end of what the walk can reach: the RIFF's declared end, or the object's.
    let stop = data.total().map_or(riff_end, |t| t.min(riff_end));
    // Whether frames are counted goes by the RIFF's declared size alone: by the object's,
    // a cut file would be counted or not depending on whether its size was known yet.
    let count = animated && riff_end.saturating_sub(first_next) <= MAX_WALK_BYTES;
    if animated {
        hdr.frames = None;
    }
    if animated && !count {
        // Too big to count frames: find EXIF in the tail instead of walking every frame.
        if want_exif {
            hdr.exif = exif_in_tail(data, first_next, riff_end, stop)?;
        }
        return Ok(hdr);
    }
    let walk = Walk {
        data,
        riff_end,
        stop,
    };
    let w = walk.run(first_next, count, want_exif)?;
    if count {
        match w.frames {
            Some(0) => return Err(Error::invalid(F, "animated file without ANMF frames").into()),
            n => hdr.frames = n,
        }
    }
    hdr.exif = w.exif.map(|range| ExifLoc {
        range,
        kind: ExifKind::Tiff,
    });
    Ok(hdr)
}

struct Walk<'a> {
    data: &'a ByteMap,
    riff_end: u64,
    /// `riff_end`, or the object's end when it is shorter.
    stop: u64,
}

struct Walked {
    /// ANMF chunks counted, `None` when the file ended before the RIFF did.
    frames: Option<u32>,
    exif: Option<Range>,
}

impl Walk<'_> {
    fn run(&self, mut pos: u64, count: bool, want_exif: bool) -> PResult<Walked> {
        let mut frames: u32 = 0;
        let mut exif: Option<Range> = None;
        for _ in 0..MAX_CHUNKS {
            // A chunk header needs 8 bytes; fewer left is the end (or padding).
            if pos.saturating_add(8) > self.riff_end {
                return Ok(Walked {
                    frames: Some(frames),
                    exif,
                });
            }
            let h = match self.data.get(pos, 8, F, "chunk header") {
                Ok(h) => h,
                Err(Halt::Need(r)) => return Err(Halt::Need(self.ask(r))),
                // The object ends before the RIFF does: keep what the header told.
                Err(Halt::Fail(Error::Truncated { .. })) => {
                    return Ok(Walked { frames: None, exif })
                }
                Err(e) => return Err(e),
            };
            let kind = h.get(0..4).unwrap_or(&[]);
            let size = le32(h, 4).unwrap_or(0) as u64;
            let body = pos + 8;
            let end = body.saturating_add(size);
            if end > self.riff_end {
                let shown = String::from_utf8_lossy(kind).escape_debug().to_string();
                return Err(Error::invalid(
                    F,
                    format!(
                        "chunk '{shown}' at {pos} declares {size} bytes, past the RIFF end {}",
                        self.riff_end
                    ),
                )
                .into());
            }
            match kind {
                b"ANMF" => frames += 1,
                b"EXIF" if exif.is_none() => {
                    exif = Some(Range::new(body, size));
                    if !count {
                        return Ok(Walked {
                            frames: Some(frames),
                            exif,
                        });
                    }
                }
                _ => {}
            }
            if !count && !want_exif {
                return Ok(Walked {
                    frames: Some(frames),
                    exif,
                });
            }
            pos = end + (size & 1);
        }
        Err(Error::invalid(F, format!("more than {MAX_CHUNKS} chunks")).into())
    }

    /// The range to ask for when the walk misses a chunk header at `r.offset`: the rest
    /// of the RIFF when it is small enough, else the header alone.
    fn ask(&self, r: Range) -> Range {
        let rest = self.stop.saturating_sub(r.offset);
        if rest <= MAX_WALK_BYTES && rest > r.len {
            Range::new(r.offset, rest)
        } else {
            r
        }
    }
}

/// Finds the `EXIF` chunk in the last bytes of the RIFF: a candidate at an even offset
/// counts only when the chain of chunk sizes from it lands exactly on the RIFF end.
fn exif_in_tail(data: &ByteMap, first: u64, riff_end: u64, stop: u64) -> PResult<Option<ExifLoc>> {
    if stop < riff_end {
        // The object is shorter than its RIFF: the chain cannot be checked.
        return Ok(None);
    }
    let start = stop.saturating_sub(TAIL_WINDOW).max(first);
    let start = start.saturating_add(start & 1);
    if start >= stop {
        return Ok(None);
    }
    let tail = data.get(start, stop - start, F, "file tail")?;
    // Chains are followed once: positions a failed chain went through fail for every
    // later candidate that reaches them. Else a tail of 16383 empty `EXIF` chunks ending
    // in a bad size costs 16383^2/2 steps (seconds of CPU); this way at most one per
    // even offset.
    let mut seen = vec![false; tail.len() / 2 + 1];
    let mut i = 0usize;
    while i + 8 <= tail.len() {
        if tail.get(i..i + 4) == Some(b"EXIF")
            && chain_ends_at(tail, i, riff_end - start, &mut seen)
        {
            let size = le32(tail, i + 4).unwrap_or(0) as u64;
            let range = Range::new(start + i as u64 + 8, size);
            return Ok(Some(ExifLoc {
                range,
                kind: ExifKind::Tiff,
            }));
        }
        i += 2;
    }
    Ok(None)
}

/// True when chunks from `at` follow each other (sizes padded to even) up to `end`.
/// Marks the chunk starts it passes in `seen` (indexed by offset / 2) and gives up at one
/// already seen: the chain from there was followed before, and failed.
fn chain_ends_at(tail: &[u8], at: usize, end: u64, seen: &mut [bool]) -> bool {
    let mut pos = at as u64;
    for _ in 0..MAX_CHUNKS {
        if pos == end {
            return true;
        }
        match usize::try_from(pos / 2).ok().and_then(|k| seen.get_mut(k)) {
            Some(true) => return false,
            Some(s) => *s = true,
            None => return false,
        }
        let Some(size) = usize::try_from(pos).ok().and_then(|p| le32(tail, p + 4)) else {
            return false;
        };
        let size = size as u64;
        pos = pos
            .saturating_add(8)
            .saturating_add(size)
            .saturating_add(size & 1);
        // The last chunk may lack its padding byte.
        if pos == end + 1 && size & 1 == 1 {
            return true;
        }
        if pos > end {
            return false;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::testutil::{check_prefixes, rest_in_one_read, run};

    fn chunk(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut c = kind.to_vec();
        c.extend_from_slice(&(body.len() as u32).to_le_bytes());
        c.extend_from_slice(body);
        if body.len() % 2 == 1 {
            c.push(0);
        }
        c
    }

    fn riff(chunks: &[Vec<u8>]) -> Vec<u8> {
        let body: Vec<u8> = chunks.concat();
        let mut f = b"RIFF".to_vec();
        f.extend_from_slice(&(body.len() as u32 + 4).to_le_bytes());
        f.extend_from_slice(b"WEBP");
        f.extend(body);
        f
    }

    fn vp8_body(w: u16, h: u16, len: usize) -> Vec<u8> {
        let mut b = vec![0x10, 0x02, 0x00, 0x9D, 0x01, 0x2A];
        b.extend_from_slice(&w.to_le_bytes());
        b.extend_from_slice(&h.to_le_bytes());
        b.resize(len.max(10), 0x42);
        b
    }

    fn vp8x_body(flags: u8, w: u32, h: u32) -> Vec<u8> {
        let mut b = vec![flags, 0, 0, 0];
        b.extend_from_slice(&(w - 1).to_le_bytes()[..3]);
        b.extend_from_slice(&(h - 1).to_le_bytes()[..3]);
        b
    }

    fn tiff_orientation(o: u8) -> Vec<u8> {
        let mut t = vec![b'I', b'I', 42, 0, 8, 0, 0, 0, 1, 0];
        t.extend_from_slice(&[0x12, 0x01, 3, 0, 1, 0, 0, 0, o, 0, 0, 0, 0, 0, 0, 0]);
        t
    }

    fn extended_with_exif(prefix: bool, image_len: usize) -> Vec<u8> {
        let mut ex = if prefix {
            b"Exif\0\0".to_vec()
        } else {
            Vec::new()
        };
        ex.extend(tiff_orientation(6));
        riff(&[
            chunk(b"VP8X", &vp8x_body(FLAG_EXIF | 0x20, 776, 909)),
            chunk(b"ICCP", &[1, 2, 3]),
            chunk(b"VP8 ", &vp8_body(776, 909, image_len)),
            chunk(b"EXIF", &ex),
            chunk(b"XMP ", b"<x:xmpmeta/>"),
        ])
    }

    #[test]
    fn simple_lossy_and_lossless() {
        let f = riff(&[chunk(b"VP8 ", &vp8_body(0x4000 | 100, 0xC000 | 60, 40))]);
        let i = run(&f).unwrap();
        assert_eq!(
            (i.width(), i.height(), i.header.alpha),
            (100, 60, Some(false))
        );
        check_prefixes(&f, f.len(), 1, &i);

        let bits: u32 = 15 | 31 << 14 | 1 << 28;
        let mut body = vec![0x2F];
        body.extend_from_slice(&bits.to_le_bytes());
        body.extend_from_slice(&[0; 9]);
        let f = riff(&[chunk(b"VP8L", &body)]);
        let i = run(&f).unwrap();
        assert_eq!(
            (i.width(), i.height(), i.header.alpha),
            (16, 32, Some(true))
        );
        check_prefixes(&f, f.len(), 1, &i);
    }

    #[test]
    fn extended_exif_with_and_without_prefix() {
        for prefix in [false, true] {
            let f = extended_with_exif(prefix, 300);
            let i = run(&f).unwrap();
            assert_eq!((i.width(), i.height()), (776, 909));
            assert_eq!(i.orientation(), Some(6), "prefix {prefix}");
            assert_eq!(i.display_size(), (909, 776));
            check_prefixes(&f, f.len(), 1, &i);
        }
    }

    #[test]
    fn far_exif_is_reached_with_one_read() {
        let f = extended_with_exif(true, 400_000);
        // The rest after the image data.
        let (need, i) = rest_in_one_read(&f, 68 * 1024);
        assert!(need.len < 200, "{need:?}");
        assert_eq!(i.orientation(), Some(6));
    }

    fn animation(frames: usize, frame_len: usize, exif: bool) -> Vec<u8> {
        let flags = FLAG_ANIMATION | FLAG_ALPHA | if exif { FLAG_EXIF } else { 0 };
        let mut chunks = vec![
            chunk(b"VP8X", &vp8x_body(flags, 320, 240)),
            chunk(b"ANIM", &[0; 6]),
        ];
        for _ in 0..frames {
            let mut body = vec![0u8; 16];
            body.extend(chunk(b"VP8 ", &vp8_body(320, 240, frame_len)));
            chunks.push(chunk(b"ANMF", &body));
        }
        if exif {
            chunks.push(chunk(b"EXIF", &tiff_orientation(3)));
        }
        riff(&chunks)
    }

    #[test]
    fn animation_frames_counted() {
        let f = animation(5, 101, true);
        let i = run(&f).unwrap();
        assert_eq!((i.header.frames, i.header.alpha), (Some(5), Some(true)));
        assert_eq!(i.orientation(), Some(3));
        check_prefixes(&f, f.len(), 1, &i);
        // A bigger one: from the first window, one more read of the rest.
        let f = animation(200, 2000, false);
        let (_, i) = rest_in_one_read(&f, 68 * 1024);
        assert_eq!(i.header.frames, Some(200));
    }

    #[test]
    fn huge_animation_is_not_counted_but_exif_is_found_in_the_tail() {
        let f = animation(600, 2000, true);
        assert!(f.len() as u64 > MAX_WALK_BYTES);
        let i = run(&f).unwrap();
        assert_eq!(i.header.frames, None);
        assert_eq!(i.orientation(), Some(3));
    }

    #[test]
    fn truncated_extended_file_keeps_the_canvas() {
        let f = extended_with_exif(false, 300);
        let i = run(&f[..30]).unwrap();
        assert_eq!((i.width(), i.height(), i.exif.is_none()), (776, 909, true));
    }

    #[test]
    fn hostile_inputs_are_errors() {
        let mut cases: Vec<(&str, Vec<u8>)> = vec![
            (
                "VP9X first chunk",
                riff(&[chunk(b"VP9X", &vp8x_body(0, 4, 4))]),
            ),
            ("VP7 first chunk", riff(&[chunk(b"VP7 ", &[0; 20])])),
            (
                "zero VP8 width",
                riff(&[chunk(b"VP8 ", &vp8_body(0, 5, 20))]),
            ),
            ("VP8 not a key frame", {
                let mut b = vp8_body(5, 5, 20);
                b[0] |= 1;
                riff(&[chunk(b"VP8 ", &b)])
            }),
            ("short VP8X", riff(&[chunk(b"VP8X", &[0; 4])])),
            (
                "canvas too big",
                riff(&[chunk(b"VP8X", &vp8x_body(0, 1 << 24, 1 << 24))]),
            ),
            (
                "tiny RIFF",
                b"RIFF\x04\0\0\0WEBPVP8X\x0a\0\0\0\0\0\0\0\0\0\0\0\0\0".to_vec(),
            ),
        ];
        // A chunk that claims more bytes than the RIFF holds.
        let mut lying = extended_with_exif(false, 300);
        let at = 12 + 18; // the ICCP chunk's size field is at 34
        lying[at + 4..at + 8].copy_from_slice(&0x7FFF_FFF0u32.to_le_bytes());
        cases.push(("lying chunk size", lying));
        // 10^5 empty chunks in an animation.
        let mut chunks = vec![chunk(b"VP8X", &vp8x_body(FLAG_ANIMATION, 8, 8))];
        chunks.extend(std::iter::repeat_n(chunk(b"JUNK", &[]), 100_000));
        cases.push(("10^5 chunks", riff(&chunks)));
        // An animation flag without frames.
        cases.push((
            "no frames",
            riff(&[chunk(b"VP8X", &vp8x_body(FLAG_ANIMATION, 8, 8))]),
        ));
        for (what, f) in cases {
            assert!(run(&f).is_err(), "{what}: {:?}", run(&f));
        }
    }

    /// Fuzz finding (`fuzz/` target `webp`): an animation whose RIFF claims 5.7 MB in a
    /// 99-byte object, then a chunk past the RIFF's end. Frames were counted (and the bad
    /// chunk an error) once the object's size was known, not counted while it was not:
    /// the answer depended on when the size was learnt. The RIFF's size decides now.
    #[test]
    fn a_cut_animation_is_judged_by_its_riff_size() {
        let mut f = riff(&[
            chunk(b"VP8X", &vp8x_body(FLAG_ANIMATION, 400, 300)),
            chunk(b"ANIM", &[0; 6]),
        ]);
        f.extend_from_slice(b",,,,");
        f.extend_from_slice(&741_092_396u32.to_le_bytes());
        f.resize(99, 0x2c);
        f[4..8].copy_from_slice(&5_712_897u32.to_le_bytes());
        let whole = run(&f).unwrap();
        assert_eq!((whole.width(), whole.header.frames), (400, None));
        let unknown = crate::probe::probe(&ByteMap::from_prefix(&f, None));
        match unknown {
            Ok(crate::Step::Done(mut i)) => {
                i.file_size = whole.file_size;
                assert_eq!(i, whole);
            }
            other => panic!("{other:?}"),
        }
        check_prefixes(&f, f.len(), 1, &whole);
    }
}

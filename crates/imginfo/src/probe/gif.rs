//! GIF (GIF87a / GIF89a): the logical screen descriptor gives the size (the canvas every
//! frame is drawn on: frames larger or smaller than it do not change it), the global
//! colour table the bit depth; a walk over the blocks that follow counts the frames
//! (image descriptors) and notes the first frame's transparency (Graphic Control
//! Extension). GIFs carry no EXIF.
//!
//! Round trips versus bytes: image data is a chain of sub-blocks of at most 255 bytes,
//! each behind a length byte, so counting frames means touching every ~256th byte up to
//! the trailer; no skip over a frame is possible. Asking for each length byte would
//! cost one read per sub-block. So once the walk needs bytes it does not hold, it asks
//! for the whole rest of the file (what the walk is going to need anyway, as the trailer
//! ends the file) when that rest is within [`MAX_WALK_BYTES`]; for a bigger file the
//! frames are not counted (`frames: None`) rather than paying megabytes or dozens of
//! reads for a count. The size, colour and first-frame transparency come from the first
//! read in practice; before the first image descriptor the walk asks for exact ranges.

use crate::bytes::{le16, ByteMap, Halt, PResult, Range};
use crate::error::Error;
use crate::model::{ColorSpace, Format, Header};

const F: &str = "gif";
/// Signature (6) and logical screen descriptor (7).
const SCREEN_END: u64 = 13;
/// Bytes after the global colour table that the frame walk may cover: GIFs up to about
/// a megabyte get a frame count with at most one more read; beyond, counting would eat
/// the request's byte budget (4 MiB by default) for a number few callers need.
pub const MAX_WALK_BYTES: u64 = 1024 * 1024;
/// Blocks (extensions and image descriptors) walked before the file is called hostile:
/// real animations have a few thousand frames of two or three blocks each.
pub const MAX_BLOCKS: u32 = 65_536;

pub fn sniff(head: &[u8]) -> bool {
    head.starts_with(b"GIF87a") || head.starts_with(b"GIF89a")
}

pub fn probe(data: &ByteMap) -> PResult<Header> {
    let b = data.get(0, 10, F, "logical screen size")?;
    let width = le16(b, 6).unwrap_or(0) as u32;
    let height = le16(b, 8).unwrap_or(0) as u32;
    if width == 0 || height == 0 {
        return Err(Error::invalid(F, format!("logical screen is {width}x{height}")).into());
    }
    let mut h = Header::new(Format::Gif, width, height);
    h.color = Some(ColorSpace::Palette);
    let packed = match data.get(10, 3, F, "logical screen descriptor") {
        Ok(b) => b.first().copied().unwrap_or(0),
        // A file cut inside the screen descriptor still told its size.
        Err(Halt::Fail(Error::Truncated { .. })) => return Ok(h),
        Err(e) => return Err(e),
    };
    let gct = table_len(packed);
    if gct > 0 {
        h.bit_depth = Some((packed & 7) + 1);
    }
    let walk_start = SCREEN_END + gct;
    let walk = Walk {
        data,
        start: walk_start,
    };
    match walk.run() {
        Ok(w) => {
            h.alpha = w.alpha;
            h.frames = w.frames;
            if h.bit_depth.is_none() {
                h.bit_depth = w.first_lct_bits;
            }
            Ok(h)
        }
        Err(e) => Err(e),
    }
}

/// Bytes of a colour table announced by a packed field (flag 0x80, size 2^(n+1)).
fn table_len(packed: u8) -> u64 {
    if packed & 0x80 == 0 {
        0
    } else {
        3 * (1u64 << ((packed & 7) + 1))
    }
}

struct Walk<'a> {
    data: &'a ByteMap,
    start: u64,
}

#[derive(Debug, Default)]
struct Walked {
    frames: Option<u32>,
    alpha: Option<bool>,
    first_lct_bits: Option<u8>,
}

/// Why the walk stopped early.
enum Stop {
    Halt(Halt),
    /// The file ends (or the walk window does) before the trailer.
    Short,
}

impl From<Halt> for Stop {
    fn from(h: Halt) -> Self {
        Stop::Halt(h)
    }
}

impl Walk<'_> {
    /// One past the last byte the walk may cover.
    fn window_end(&self) -> u64 {
        self.start.saturating_add(MAX_WALK_BYTES)
    }

    /// Whether frames are counted: not when the file is known to outgrow the window.
    fn counting(&self) -> bool {
        self.data.total().is_none_or(|t| t <= self.window_end())
    }

    /// Bytes `[at, at + len)`, or why not. When counting, a miss asks for the rest of
    /// the window (the rest of the file when its size is known): the walk needs every
    /// sub-block length up to the trailer. Otherwise it asks for exactly the miss.
    fn get(&self, at: u64, len: u64, what: &str) -> Result<&[u8], Stop> {
        let counting = self.counting();
        if counting && at.saturating_add(len) > self.window_end() {
            return Err(Stop::Short);
        }
        match self.data.get(at, len, F, what) {
            Ok(b) => Ok(b),
            Err(Halt::Need(r)) if counting => {
                let end = self.data.total().unwrap_or(u64::MAX).min(self.window_end());
                Err(Stop::Halt(Halt::Need(Range::new(
                    r.offset,
                    end.max(r.end()) - r.offset,
                ))))
            }
            Err(Halt::Fail(Error::Truncated { .. })) => Err(Stop::Short),
            Err(h) => Err(Stop::Halt(h)),
        }
    }

    fn run(&self) -> PResult<Walked> {
        let mut w = Walked::default();
        let mut frames: u32 = 0;
        let mut pos = self.start;
        let counting = self.counting();
        for _ in 0..MAX_BLOCKS {
            let intro = match self.get(pos, 1, "block introducer") {
                Ok(b) => b.first().copied().unwrap_or(0),
                Err(Stop::Short) => return Ok(self.short(w, frames, true)),
                Err(Stop::Halt(h)) => return Err(h),
            };
            let step = match intro {
                0x3B => {
                    w.frames = (frames > 0).then_some(frames);
                    return Ok(w);
                }
                0x21 => self.extension(pos, frames == 0, &mut w),
                0x2C => {
                    frames = frames.saturating_add(1);
                    if frames == 1 {
                        match self.first_image(pos, &mut w) {
                            Ok(()) if !counting => return Ok(w),
                            Ok(()) => {}
                            Err(Stop::Short) => return Ok(w),
                            Err(Stop::Halt(h)) => return Err(h),
                        }
                    }
                    self.image(pos)
                }
                b => {
                    if frames == 0 {
                        return Err(Error::invalid(
                            F,
                            format!("byte {b:#04x} at {pos} is not a block introducer"),
                        )
                        .into());
                    }
                    // Junk after whole frames: decoders stop here and show those.
                    w.frames = Some(frames);
                    return Ok(w);
                }
            };
            match step {
                Ok(next) => pos = next,
                Err(Stop::Short) => return Ok(self.short(w, frames, false)),
                Err(Stop::Halt(h)) => return Err(h),
            }
        }
        Err(Error::invalid(F, format!("more than {MAX_BLOCKS} blocks")).into())
    }

    /// The answer when the file (or the walk window) ends before the trailer: like junk,
    /// a file cut between blocks shows the whole frames it has; a cut inside a block or
    /// at the window's end leaves the count unknown.
    fn short(&self, mut w: Walked, frames: u32, at_boundary: bool) -> Walked {
        let file_ended = self.data.total().is_some_and(|t| t <= self.window_end());
        w.frames = (at_boundary && file_ended && frames > 0).then_some(frames);
        w
    }

    /// An extension block: label, then sub-blocks. Notes transparency in a Graphic
    /// Control Extension that precedes the first image.
    fn extension(&self, pos: u64, before_first: bool, w: &mut Walked) -> Result<u64, Stop> {
        let b = self.get(pos, 2, "extension label")?;
        if b.get(1) == Some(&0xF9) && before_first {
            let g = self.get(pos.saturating_add(2), 2, "graphic control extension")?;
            if g.first().copied().unwrap_or(0) >= 1 {
                w.alpha = Some(g.get(1).copied().unwrap_or(0) & 1 == 1);
            }
        }
        self.sub_blocks(pos.saturating_add(2))
    }

    /// What the first image descriptor tells: transparency is settled (no GCE means
    /// none), and its local colour table gives the depth when there is no global one.
    fn first_image(&self, pos: u64, w: &mut Walked) -> Result<(), Stop> {
        let d = self.get(pos, 10, "image descriptor")?;
        let packed = d.get(9).copied().unwrap_or(0);
        if w.alpha.is_none() {
            w.alpha = Some(false);
        }
        if packed & 0x80 != 0 {
            w.first_lct_bits = Some((packed & 7) + 1);
        }
        Ok(())
    }

    /// An image descriptor, its local colour table, then the LZW data sub-blocks.
    fn image(&self, pos: u64) -> Result<u64, Stop> {
        let d = self.get(pos, 10, "image descriptor")?;
        let packed = d.get(9).copied().unwrap_or(0);
        // LZW minimum code size byte, then the data sub-blocks.
        let lzw = pos.saturating_add(10 + table_len(packed));
        self.get(lzw, 1, "LZW code size")?;
        self.sub_blocks(lzw.saturating_add(1))
    }

    /// Skips a sub-block chain by its length bytes; returns the offset after the
    /// terminator. Each step advances at least one byte and needs it held, so the
    /// loop is bounded by the bytes held (and by the walk window when counting).
    fn sub_blocks(&self, mut at: u64) -> Result<u64, Stop> {
        loop {
            let len = self.get(at, 1, "sub-block length")?;
            let n = len.first().copied().unwrap_or(0) as u64;
            at = at.saturating_add(1);
            if n == 0 {
                return Ok(at);
            }
            at = at.saturating_add(n);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::testutil::{check_prefixes, rest_in_one_read, run};

    fn screen(w: u16, h: u16, gct_bits: Option<u8>) -> Vec<u8> {
        let mut f = b"GIF89a".to_vec();
        f.extend_from_slice(&w.to_le_bytes());
        f.extend_from_slice(&h.to_le_bytes());
        let packed = gct_bits.map(|b| 0x80 | (b - 1)).unwrap_or(0);
        f.extend_from_slice(&[packed, 0, 0]);
        if let Some(b) = gct_bits {
            f.extend(std::iter::repeat_n(0u8, 3 << b));
        }
        f
    }

    fn gce(f: &mut Vec<u8>, transparent: bool) {
        f.extend_from_slice(&[0x21, 0xF9, 4, transparent as u8, 10, 0, 0, 0]);
    }

    /// One frame with `data_len` bytes of (fake) LZW data in 255-byte sub-blocks.
    fn frame(f: &mut Vec<u8>, w: u16, h: u16, data_len: usize) {
        f.push(0x2C);
        f.extend_from_slice(&[0, 0, 0, 0]);
        f.extend_from_slice(&w.to_le_bytes());
        f.extend_from_slice(&h.to_le_bytes());
        f.push(0);
        f.push(8);
        let mut left = data_len;
        while left > 0 {
            let n = left.min(255);
            f.push(n as u8);
            f.extend(std::iter::repeat_n(0x55u8, n));
            left -= n;
        }
        f.push(0);
    }

    /// An animation: NETSCAPE loop extension, a comment, `n` frames with GCEs.
    fn anim(n: usize, data_len: usize) -> Vec<u8> {
        let mut f = screen(32, 24, Some(4));
        f.extend_from_slice(b"\x21\xFF\x0BNETSCAPE2.0\x03\x01\x00\x00\x00");
        f.extend_from_slice(b"\x21\xFE\x05hello\x00");
        for i in 0..n {
            gce(&mut f, i == 0);
            frame(&mut f, 40, 40, data_len);
        }
        f.push(0x3B);
        f
    }

    #[test]
    fn animation_counts_frames() {
        let f = anim(3, 600);
        let i = run(&f).unwrap();
        assert_eq!(
            (i.width(), i.height()),
            (32, 24),
            "logical screen, not the frame size"
        );
        assert_eq!(i.header.frames, Some(3));
        assert_eq!(i.header.alpha, Some(true));
        assert_eq!(i.header.bit_depth, Some(4));
        assert_eq!(i.header.color, Some(ColorSpace::Palette));
        check_prefixes(&f, f.len(), 1, &i);
    }

    #[test]
    fn static_gif_without_gct() {
        let mut f = screen(5, 7, None);
        frame(&mut f, 5, 7, 10);
        f.push(0x3B);
        let i = run(&f).unwrap();
        assert_eq!(
            (i.header.frames, i.header.alpha, i.header.bit_depth),
            (Some(1), Some(false), None)
        );
        check_prefixes(&f, f.len(), 1, &i);
    }

    #[test]
    fn walk_asks_for_the_rest_in_one_read() {
        let f = anim(40, 3000);
        // Hold the header and the first frame only; the size is known.
        let (_, i) = rest_in_one_read(&f, 4000);
        assert_eq!(i.header.frames, Some(40));
    }

    #[test]
    fn big_gif_is_not_counted() {
        let f = anim(2, MAX_WALK_BYTES as usize + 1000);
        let map = ByteMap::from_prefix(&f[..68 * 1024], Some(f.len() as u64));
        match crate::probe::probe(&map).unwrap() {
            crate::Step::Done(i) => {
                assert_eq!(i.header.frames, None);
                assert_eq!(i.header.alpha, Some(true));
                assert_eq!(i.width(), 32);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn truncated_files_keep_the_screen() {
        let f = anim(2, 600);
        // Cut between the two frames: one whole frame shows, as after junk.
        let cut = f.len() - 8 - 10 - 1 - 3 - 600 - 2;
        let i = run(&f[..cut]).unwrap();
        assert_eq!((i.width(), i.header.frames), (32, Some(1)));
        // Cut inside the second frame's data: the count is unknown.
        let i = run(&f[..cut + 100]).unwrap();
        assert_eq!(
            (i.width(), i.header.frames, i.header.alpha),
            (32, None, Some(true))
        );
        // Only the screen size: still an answer.
        let i = run(&f[..10]).unwrap();
        assert_eq!((i.width(), i.height(), i.header.bit_depth), (32, 24, None));
    }

    #[test]
    fn hostile_inputs_are_errors() {
        assert!(run(&screen(0, 32, Some(2))).is_err(), "zero width");
        assert!(run(&screen(32, 0, Some(2))).is_err(), "zero height");
        // 10^5 empty comment extensions before any image.
        let mut f = screen(8, 8, Some(1));
        for _ in 0..100_000 {
            f.extend_from_slice(&[0x21, 0xFE, 0]);
        }
        f.push(0x3B);
        match run(&f) {
            Err(Error::Invalid { what, .. }) => assert!(what.contains("blocks"), "{what}"),
            other => panic!("{other:?}"),
        }
        // Junk where the first block should be.
        let mut f = screen(8, 8, Some(1));
        f.push(0x99);
        assert!(run(&f).is_err());
    }
}

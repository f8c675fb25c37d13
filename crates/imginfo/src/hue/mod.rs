//! Average colour (`average-hue`, `imageAve`, `?info&hue`): the one request that needs
//! pixels, answered by reading as little of the object as the answer allows.
//!
//! **Definition.** The colour is the arithmetic mean, over every pixel of the stored
//! image (the first frame of an animation, drawn on its canvas as the `image` crate
//! decodes it), of each of R, G and B in the image's own channel values converted to
//! 8-bit sRGB-encoded values, rounded half up: grey is replicated, palettes are looked
//! up, 16-bit samples are divided by 257, CMYK and YCCK JPEGs and CMYK TIFFs are
//! converted the way the `image` crate converts them, alpha is ignored (a transparent
//! pixel counts with the colour it stores). No colour management (ICC, gamma) is
//! applied, as the vendors and the `image` crate apply none.
//!
//! **Methods** (one file each), chosen per file:
//! * [`jpeg`] — `dc`: the DC coefficient of each 8×8 block is the block's mean, so the
//!   image at 1/8 scale is read without any IDCT, from a hand-written DC-only Huffman
//!   decoder that streams the scan through a small window; a progressive JPEG is read
//!   only to the end of its DC scans.
//! * [`png`], [`gif`] — `full`: the `png` and `gif` codecs decode rows (PNG) or index
//!   runs (GIF) as the bytes arrive, summed as they go; no frame is held.
//! * [`buffered`] — `full`: BMP (`image`), WebP (`image-webp`) and TIFF (`tiff`) decode
//!   from the whole file in memory (their decoders need random access, or hold the
//!   frame anyway); their frame size is bounded by [`MAX_FRAME_BYTES`].
//! * [`thumbnail`] — `thumbnail`: HEIC/AVIF carry HEVC/AV1, which no Rust crate decodes
//!   in a Worker; the EXIF IFD1 JPEG thumbnail is averaged instead, when there is one.
//!
//! The header phase is the info route's own driver loop ([`driver::inspect_into`]); the
//! pixel phase goes on from the bytes it read. A pixel method is a [`Job`]: fed the
//! bytes from the offset it asked for, it answers the next offset it wants (and how
//! many bytes it needs at least) or its sum. [`average`] is the only loop that awaits
//! reads here: it serves a job first from what the header phase read, then from reads
//! that start small and double up to [`MAX_CHUNK`], so a streaming job never holds more
//! than one chunk and a small file costs one or two reads.

pub mod buffered;
#[cfg(feature = "hue-gif")]
pub mod gif;
pub mod jpeg;
#[cfg(feature = "hue-png")]
pub mod png;
pub mod thumbnail;

use crate::bytes::ByteMap;
use crate::driver::{self, Budget, Chunk, Source, Stats};
use crate::error::Error;
use crate::model::{Format, Info};

/// Default byte budget: Alibaba OSS processes source images up to 20 MB (Tencent COS
/// 32 MB); a bigger object is refused before any pixel is read.
pub const DEFAULT_MAX_BYTES: u64 = 20 * 1024 * 1024;
/// Default pixel budget: OSS and COS refuse images over 250 million pixels.
pub const DEFAULT_MAX_PIXELS: u64 = 250_000_000;
/// First read of the pixel phase. Small so that a progressive JPEG whose DC scan ends
/// just past the header window costs few extra bytes; later reads double.
pub const FIRST_CHUNK: u64 = 64 * 1024;
/// Largest read of the pixel phase: what a streaming job holds at most (plus a partial
/// MCU or row). 2 MiB keeps a 20 MB baseline JPEG to about 14 reads.
pub const MAX_CHUNK: u64 = 2 * 1024 * 1024;
/// Reads per request in the pixel phase: 20 MiB in doubling chunks needs 14.
pub const MAX_READS: u32 = 48;
/// Decoded frame bytes a whole-frame decoder ([`buffered`]) may allocate: with the file
/// itself (at most [`DEFAULT_MAX_BYTES`]) and the codec's own buffers this keeps the
/// Worker's peak memory under 64 MiB of its 128 MB isolate.
pub const MAX_FRAME_BYTES: u64 = 32 * 1024 * 1024;

/// Limits of one average-colour request (configurable in the Worker).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Object size above which the request is refused, and bytes it may read.
    pub max_bytes: u64,
    /// Pixels (width × height of the stored image) above which it is refused.
    pub max_pixels: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: DEFAULT_MAX_BYTES,
            max_pixels: DEFAULT_MAX_PIXELS,
        }
    }
}

/// How the colour was computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Every pixel decoded at full resolution.
    Full,
    /// JPEG DC coefficients: the image at 1/8 scale, without IDCT.
    Dc,
    /// The EXIF thumbnail (a small JPEG) stands in for an image we cannot decode.
    Thumbnail,
}

impl Method {
    pub fn name(self) -> &'static str {
        match self {
            Method::Full => "full",
            Method::Dc => "dc",
            Method::Thumbnail => "thumbnail",
        }
    }
}

/// The answer: the colour, how it was computed and what it cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AverageColor {
    pub rgb: [u8; 3],
    pub method: Method,
    /// Bytes of the object read to answer (header phase included).
    pub bytes: u64,
    /// The frame count when only the first of several frames was averaged.
    pub first_of_frames: Option<u32>,
}

impl AverageColor {
    /// `rrggbb`, lower case.
    pub fn hex(&self) -> String {
        let [r, g, b] = self.rgb;
        format!("{r:02x}{g:02x}{b:02x}")
    }
}

/// An average-colour answer with the header facts the renderers may also print.
#[derive(Debug, Clone, PartialEq)]
pub struct Hue {
    pub info: Info,
    pub color: AverageColor,
}

/// Running per-channel sums over weighted pixels, in units of `max` (255 for 8-bit
/// sources, 65535 for 16-bit ones, 1 for floats). `f64` sums of integer samples are
/// exact up to 2^53, far beyond 250 MP × 65535.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sum {
    rgb: [f64; 3],
    weight: f64,
    max: f64,
}

impl Sum {
    pub fn new(max: f64) -> Self {
        Sum {
            rgb: [0.0; 3],
            weight: 0.0,
            max,
        }
    }
    /// Adds one pixel.
    #[inline]
    pub fn add(&mut self, r: f64, g: f64, b: f64) {
        self.rgb[0] += r;
        self.rgb[1] += g;
        self.rgb[2] += b;
        self.weight += 1.0;
    }
    /// Adds a pixel standing for `w` pixels.
    #[inline]
    pub fn add_weighted(&mut self, r: f64, g: f64, b: f64, w: f64) {
        self.rgb[0] += r * w;
        self.rgb[1] += g * w;
        self.rgb[2] += b * w;
        self.weight += w;
    }
    /// Adds per-channel totals over `n` pixels.
    #[inline]
    pub fn add_totals(&mut self, r: f64, g: f64, b: f64, n: f64) {
        self.rgb[0] += r;
        self.rgb[1] += g;
        self.rgb[2] += b;
        self.weight += n;
    }
    /// Adds pixels counted elsewhere that are black (a GIF canvas outside its frame).
    pub fn add_black(&mut self, n: f64) {
        self.weight += n;
    }
    pub fn weight(&self) -> f64 {
        self.weight
    }
    /// The mean as 8-bit values, rounded half up; `None` without any pixel.
    pub fn rgb(&self) -> Option<[u8; 3]> {
        if self.weight <= 0.0 || self.max <= 0.0 {
            return None;
        }
        let ch = |s: f64| {
            let v = s / self.weight * 255.0 / self.max;
            (v + 0.5).floor().clamp(0.0, 255.0) as u8
        };
        Some([ch(self.rgb[0]), ch(self.rgb[1]), ch(self.rgb[2])])
    }
}

/// What a pixel job wants next.
#[derive(Debug, Clone, PartialEq)]
pub enum Want {
    /// The bytes from `offset` on (the job holds what it was fed before `offset`, or
    /// jumped); `min` of them are needed before it can make progress.
    Bytes {
        offset: u64,
        min: u64,
    },
    Done(Sum),
}

/// A pixel method: a state machine fed the object's bytes in order (with jumps).
pub trait Job {
    /// Where it starts.
    fn start(&self) -> Want;
    /// `data` are the object's bytes from `offset` (what the last [`Want`] asked for,
    /// possibly fewer); `end` is true when they reach the end of the object.
    fn feed(&mut self, offset: u64, data: &[u8], end: bool) -> Result<Want, Error>;
}

/// Computes the average colour: the header phase, the limits, then the pixel phase of
/// the method the format calls for. When the object changes between two reads (of
/// either phase), starts over once from the new version, as [`driver::inspect`] does.
pub async fn average<S: Source>(src: &mut S, limits: Limits) -> (Result<Hue, Error>, Stats) {
    driver::with_restarts(src, async |src, stats| run(src, limits, stats).await).await
}

async fn run<S: Source>(src: &mut S, limits: Limits, stats: &mut Stats) -> Result<Hue, Error> {
    let mut map = ByteMap::new();
    let budget = Budget {
        max_bytes: limits.max_bytes,
        ..Budget::default()
    };
    let info = match driver::inspect_into(src, budget, &mut map, stats).await {
        Ok(info) => info,
        // A header past the budget of an object over the budget: the object's size is
        // the reason, as the vendors word it.
        Err(Error::Budget { .. }) if map.total().is_some_and(|t| t > limits.max_bytes) => {
            return Err(Error::TooLarge(format!(
                "the object has {} bytes; the limit is {}",
                map.total().unwrap_or(0),
                limits.max_bytes
            )));
        }
        Err(e) => return Err(e),
    };
    check_limits(&info, &limits)?;
    let (job, method): (Box<dyn Job>, Method) = match info.format() {
        Format::Jpeg => (
            Box::new(jpeg::DcJob::new(info.width(), info.height())),
            Method::Dc,
        ),
        #[cfg(feature = "hue-png")]
        Format::Png => (Box::new(png::PngJob::new()), Method::Full),
        #[cfg(feature = "hue-gif")]
        Format::Gif => (Box::new(gif::GifJob::new()), Method::Full),
        #[cfg(not(all(feature = "hue-png", feature = "hue-gif")))]
        Format::Png | Format::Gif => return Err(not_built(info.format())),
        Format::Bmp | Format::Webp | Format::Tiff => {
            let total = map
                .total()
                .ok_or_else(|| Error::Upstream("object size unknown".into()))?;
            (
                Box::new(buffered::WholeFile::new(info.format(), total)),
                Method::Full,
            )
        }
        Format::Heic | Format::Avif => {
            let sum = thumbnail::average(&info, &map)?;
            return finish(info, sum, Method::Thumbnail, stats);
        }
    };
    let sum = pixels(src, &map, job, limits, stats).await?;
    finish(info, sum, method, stats)
}

/// A format whose codec this build leaves out (a cargo feature).
pub(crate) fn not_built(f: Format) -> Error {
    Error::NoDecoder(format!(
        "this build does not include the {} decoder",
        f.name().to_ascii_uppercase()
    ))
}

fn finish(info: Info, sum: Sum, method: Method, stats: &Stats) -> Result<Hue, Error> {
    let rgb = sum
        .rgb()
        .ok_or_else(|| Error::invalid(info.format().name(), "no pixels decoded"))?;
    let first_of_frames = info.header.frames.filter(|&n| n > 1);
    Ok(Hue {
        color: AverageColor {
            rgb,
            method,
            bytes: stats.bytes,
            first_of_frames,
        },
        info,
    })
}

/// Refuses, before any pixel is read, what the vendors refuse: objects over the byte
/// budget and images over the pixel budget.
pub fn check_limits(info: &Info, limits: &Limits) -> Result<(), Error> {
    if let Some(size) = info.file_size {
        if size > limits.max_bytes {
            return Err(Error::TooLarge(format!(
                "the object has {size} bytes; the limit is {}",
                limits.max_bytes
            )));
        }
    }
    let px = u64::from(info.width()).saturating_mul(u64::from(info.height()));
    if px > limits.max_pixels {
        return Err(Error::TooLarge(format!(
            "the image has {px} pixels ({}x{}); the limit is {}",
            info.width(),
            info.height(),
            limits.max_pixels
        )));
    }
    Ok(())
}

/// The pixel phase: feeds a job what the header phase holds, then reads.
async fn pixels<S: Source>(
    src: &mut S,
    map: &ByteMap,
    mut job: Box<dyn Job>,
    limits: Limits,
    stats: &mut Stats,
) -> Result<Sum, Error> {
    let total = map.total();
    let mut want = job.start();
    let mut chunk = FIRST_CHUNK;
    let mut reads: u32 = 0;
    // The last offset fed, so a job that asks again for where it was just fed without
    // taking anything cannot loop.
    let mut last_fed: Option<u64> = None;
    loop {
        let (offset, min) = match want {
            Want::Done(sum) => return Ok(sum),
            Want::Bytes { offset, min } => (offset, min.max(1)),
        };
        if total.is_some_and(|t| offset >= t) {
            // Asked past the end: the job must finish or call the file truncated.
            want = job.feed(offset, &[], true)?;
            if let Want::Bytes { .. } = want {
                return Err(Error::truncated("image", "pixel data ends early"));
            }
            continue;
        }
        let held = map.contiguous_from(offset);
        if held > 0 && last_fed != Some(offset) {
            let data = map.peek(offset, held).unwrap_or(&[]);
            let end = total.is_some_and(|t| offset + held >= t);
            last_fed = Some(offset);
            want = job.feed(offset, data, end)?;
            continue;
        }
        if last_fed == Some(offset) && held > 0 && min <= held {
            return Err(Error::invalid("image", "pixel decoder made no progress"));
        }
        if reads >= MAX_READS {
            return Err(Error::TooLarge(format!(
                "more than {MAX_READS} reads for the pixel data"
            )));
        }
        let mut len = min.max(chunk);
        if let Some(t) = total {
            len = len.min(t - offset);
        }
        // Bytes the header phase already read (a PNG or WebP EXIF chunk at the end)
        // are served from the map, not read again.
        if let Some(next) = map.next_held_after(offset) {
            len = len.min(next - offset);
        }
        let left = limits.max_bytes.saturating_sub(stats.bytes);
        if min > left {
            return Err(Error::TooLarge(format!(
                "the pixel data needs more than the byte budget of {}",
                limits.max_bytes
            )));
        }
        len = len.min(left);
        let read = src.read(offset, len).await;
        if matches!(read, Err(Error::Changed)) {
            // A refused conditional read was a round trip all the same.
            stats.reads += 1;
        }
        let Chunk { bytes, total: t2 } = read?;
        reads += 1;
        stats.reads += 1;
        stats.bytes += bytes.len() as u64;
        chunk = (chunk * 2).min(MAX_CHUNK);
        let end = match total.or(t2) {
            Some(t) => offset + bytes.len() as u64 >= t,
            None => (bytes.len() as u64) < len,
        };
        if bytes.is_empty() && !end {
            return Err(Error::Upstream("empty read inside the object".into()));
        }
        last_fed = Some(offset);
        want = job.feed(offset, &bytes, end)?;
    }
}

/// Runs the average over an in-memory file through the real driver (tests, benchmarks).
pub fn average_bytes(data: &[u8], limits: Limits) -> (Result<Hue, Error>, Stats) {
    driver::block_on(average(&mut driver::MemSource { data }, limits))
}

/// Runs a job over a whole in-memory buffer (an EXIF thumbnail), in `step`-byte feeds.
pub fn run_job_on(job: &mut dyn Job, data: &[u8], step: usize) -> Result<Sum, Error> {
    let mut want = job.start();
    for _ in 0..1_000_000 {
        match want {
            Want::Done(s) => return Ok(s),
            Want::Bytes { offset, .. } => {
                let total = data.len() as u64;
                if offset >= total {
                    want = job.feed(offset, &[], true)?;
                    if let Want::Bytes { .. } = want {
                        return Err(Error::truncated("image", "pixel data ends early"));
                    }
                    continue;
                }
                let s = offset as usize;
                let e = s.saturating_add(step.max(1)).min(data.len());
                want = job.feed(offset, data.get(s..e).unwrap_or(&[]), e == data.len())?;
            }
        }
    }
    Err(Error::invalid("image", "pixel decoder made no progress"))
}

/// A job's own byte window: the bytes it was fed from `start` on, of which the first
/// `pos` are consumed. Feeding at the window's end appends (after dropping what was
/// consumed); feeding elsewhere (a jump) replaces it.
#[derive(Debug, Default)]
pub struct Window {
    start: u64,
    buf: Vec<u8>,
    pos: usize,
    /// The object ends at the window's end.
    pub end: bool,
}

impl Window {
    pub fn new(start: u64) -> Self {
        Window {
            start,
            ..Window::default()
        }
    }
    /// Object offset one past the last held byte.
    pub fn end_offset(&self) -> u64 {
        self.start + self.buf.len() as u64
    }
    /// Object offset of buffer index `i`.
    pub fn offset_of(&self, i: usize) -> u64 {
        self.start + i as u64
    }
    /// Object offset of the next unconsumed byte.
    pub fn offset(&self) -> u64 {
        self.start + self.pos as u64
    }
    pub fn push(&mut self, offset: u64, data: &[u8], end: bool) {
        if offset == self.end_offset() {
            self.buf.drain(..self.pos.min(self.buf.len()));
            self.start += self.pos as u64;
            self.pos = 0;
        } else {
            self.buf.clear();
            self.start = offset;
            self.pos = 0;
        }
        self.buf.extend_from_slice(data);
        self.end = end;
    }
    /// The unconsumed bytes.
    pub fn rest(&self) -> &[u8] {
        self.buf.get(self.pos..).unwrap_or(&[])
    }
    pub fn buf(&self) -> &[u8] {
        &self.buf
    }
    pub fn pos(&self) -> usize {
        self.pos
    }
    pub fn set_pos(&mut self, pos: usize) {
        self.pos = pos.min(self.buf.len());
    }
    pub fn consume(&mut self, n: usize) {
        self.pos = self.pos.saturating_add(n).min(self.buf.len());
    }
    /// Moves to `offset`: inside the window, or (ahead of it) empties the window there.
    pub fn seek(&mut self, offset: u64) {
        if offset >= self.start && offset <= self.end_offset() {
            self.pos = (offset - self.start) as usize;
        } else {
            self.buf.clear();
            self.start = offset;
            self.pos = 0;
            self.end = false;
        }
    }
    /// What to ask for when `need` unconsumed bytes are wanted.
    pub fn want(&self, need: usize) -> Want {
        let have = self.rest().len();
        Want::Bytes {
            offset: self.end_offset(),
            min: need.saturating_sub(have).max(1) as u64,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A PNG of noise (it does not compress: the pixel phase reads past the header
    /// window) tinted by `tint`.
    #[cfg(feature = "hue-png")]
    fn noisy_png(tint: u8) -> Vec<u8> {
        let mut seed: u32 = 0x9e37_79b9;
        let img = image::RgbImage::from_fn(256, 256, |_, _| {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            let b = seed.to_le_bytes();
            image::Rgb([b[0] | tint, b[1], b[2] & !tint])
        });
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Png)
            .unwrap_or_else(|e| panic!("{e}"));
        out.into_inner()
    }

    #[cfg(feature = "hue-png")]
    #[test]
    fn a_change_in_the_pixel_phase_restarts_from_the_new_version() {
        use crate::driver::tests::Changing;
        let versions: Vec<Vec<u8>> = [0, 0xc0, 0x30, 0x0c, 0x03].map(noisy_png).into();
        assert!(versions[0].len() as u64 > crate::driver::FIRST_WINDOW + FIRST_CHUNK);
        let alone = |v: &[u8]| {
            average_bytes(v, Limits::default())
                .0
                .map(|h| h.color.rgb)
                .unwrap_or_else(|e| panic!("{e}"))
        };
        assert_ne!(alone(&versions[0]), alone(&versions[1]));
        // Replaced before the second read: the first pixel-phase read.
        let mut src = Changing::with(versions.clone(), |n| n == 2, true);
        let (r, stats) = driver::block_on(average(&mut src, Limits::default()));
        let hue = r.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            hue.color.rgb,
            alone(&versions[1]),
            "the new version's colour"
        );
        assert_eq!(hue.info.file_size, Some(versions[1].len() as u64));
        assert_eq!(stats.restarts, 1);
        // Replaced before every read after the first: Changed, after one restart.
        let mut src = Changing::with(versions, |n| n > 1, true);
        let (r, stats) = driver::block_on(average(&mut src, Limits::default()));
        assert!(matches!(r, Err(Error::Changed)), "{r:?}");
        assert_eq!((stats.reads, stats.restarts), (4, 1));
    }

    #[test]
    fn sums_round_half_up() {
        let mut s = Sum::new(255.0);
        s.add(1.0, 2.0, 255.0);
        s.add(2.0, 2.0, 254.0);
        assert_eq!(s.rgb(), Some([2, 2, 255]));
        let mut w = Sum::new(65535.0);
        w.add(65535.0, 0.0, 257.0 * 100.0);
        assert_eq!(w.rgb(), Some([255, 0, 100]));
        assert_eq!(Sum::new(255.0).rgb(), None);
    }

    #[test]
    fn window_appends_and_jumps() {
        let mut w = Window::new(0);
        w.push(0, &[1, 2, 3, 4], false);
        w.consume(3);
        w.push(4, &[5, 6], false);
        assert_eq!(w.rest(), &[4, 5, 6]);
        assert_eq!(w.offset(), 3);
        w.seek(100);
        assert_eq!(
            w.want(10),
            Want::Bytes {
                offset: 100,
                min: 10
            }
        );
        w.push(100, &[7], true);
        assert_eq!(w.rest(), &[7]);
        assert!(w.end);
    }
}

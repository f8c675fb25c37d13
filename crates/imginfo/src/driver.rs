//! The driver: the only loop that awaits reads. It reads a first window, runs the probe,
//! and reads exactly the range the probe asks for next (plus a little read-ahead),
//! within a byte and read budget, counting reads and bytes for `Server-Timing`.

use crate::bytes::{ByteMap, Range};
use crate::error::Error;
use crate::model::Info;
use crate::probe::{probe, Step};

/// Size of the first read. Chosen from the corpus (`truth/summary.json`, 242 valid
/// files): the prefix holding both the header and the EXIF block is ≤ 64 KiB for 91.7 %
/// of files (≤ 16 KiB for 78.5 %, ≤ 48 KiB for 90.5 %). A JPEG APP1 is at most 64 KiB,
/// so a window of 64 KiB plus the SOI/APP0 that precede it holds a maximal Exif segment
/// and the frame header behind it in one read. Bytes cost nothing extra on R2 (billed per
/// operation) and little on an origin; round trips cost latency. The files it misses
/// have EXIF at the end (HEIF, WebP, PNG after IDAT) or SOF behind hundreds of KiB of
/// ICC/XMP/FLIR segments, and take one targeted read more.
pub const FIRST_WINDOW: u64 = 64 * 1024 + 4 * 1024;

/// Read-ahead added after each range a probe asks for: a marker or chunk walk usually
/// wants the next few headers too (SOF after a skipped APP segment), so one read
/// carries them instead of one round trip each.
pub const READ_AHEAD: u64 = 16 * 1024;

/// Default byte budget per request (configurable): headers beyond a few MiB are not
/// worth reading at the edge, and this stops runaway reads on hostile files.
pub const DEFAULT_MAX_BYTES: u64 = 4 * 1024 * 1024;

/// Reads per request before giving up; real files need at most a handful.
pub const MAX_READS: u32 = 16;

/// Times a request starts over when the object changed between two of its reads (a
/// later read's ETag condition failed): once, from the new version, so an object
/// replaced mid-request still gets an answer (the new version's); a second change
/// within the same request is an object being rewritten faster than it can be read,
/// and the answer is `Error::Changed` (503), never bytes stitched from two versions.
pub const MAX_RESTARTS: u32 = 1;

/// Bytes read from a source, and the object's size when the source reports it.
#[derive(Debug, Clone, Default)]
pub struct Chunk {
    pub bytes: Vec<u8>,
    pub total: Option<u64>,
}

/// Anything the driver can read ranges from: R2, an origin, memory, a browser `File`.
#[allow(async_fn_in_trait)]
pub trait Source {
    /// Reads up to `len` bytes at `offset`; fewer only at the end of the object.
    /// A source that can change (R2, an origin) makes every read after its first
    /// conditional on the first read's version and answers `Error::Changed` when
    /// the condition fails.
    async fn read(&mut self, offset: u64, len: u64) -> Result<Chunk, Error>;

    /// Forgets the version the first read saw, so the next read is a fresh,
    /// unconditional first read of the object as it is now. Returns whether the
    /// source can start over; a source that cannot change (memory, a local file)
    /// keeps the default `false`.
    fn restart(&mut self) -> bool {
        false
    }
}

/// Limits on what one request may read.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    pub max_bytes: u64,
    pub max_reads: u32,
    pub first_window: u64,
    pub read_ahead: u64,
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            max_bytes: DEFAULT_MAX_BYTES,
            max_reads: MAX_READS,
            first_window: FIRST_WINDOW,
            read_ahead: READ_AHEAD,
        }
    }
}

/// What the reads cost (every attempt's reads, when the request started over).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    pub reads: u32,
    pub bytes: u64,
    /// Times the request started over because the object changed ([`MAX_RESTARTS`]).
    pub restarts: u32,
}

impl Stats {
    /// Adds one attempt's reads and bytes.
    pub fn add(&mut self, other: Stats) {
        self.reads = self.reads.saturating_add(other.reads);
        self.bytes = self.bytes.saturating_add(other.bytes);
        self.restarts = self.restarts.saturating_add(other.restarts);
    }
}

/// Runs `attempt` over `src` and, when it ends because the object changed between two
/// reads, starts over from the new version while restarts are left and the source can
/// start over (which makes its next read a fresh first read). `Stats` counts every
/// attempt's reads and the restarts. The one restart policy of every route that reads.
pub async fn with_restarts<S: Source, T>(
    src: &mut S,
    mut attempt: impl AsyncFnMut(&mut S, &mut Stats) -> Result<T, Error>,
) -> (Result<T, Error>, Stats) {
    let mut stats = Stats::default();
    loop {
        let mut one = Stats::default();
        let r = attempt(src, &mut one).await;
        stats.add(one);
        if matches!(r, Err(Error::Changed)) && stats.restarts < MAX_RESTARTS && src.restart() {
            stats.restarts += 1;
        } else {
            return (r, stats);
        }
    }
}

/// Reads and probes until the probe is done, fails, or the budget runs out. When the
/// object changes between two reads, starts over once from the new version (each
/// attempt with the whole budget; `Stats` counts both).
pub async fn inspect<S: Source>(src: &mut S, budget: Budget) -> (Result<Info, Error>, Stats) {
    with_restarts(src, async |src, stats| run(src, budget, stats).await).await
}

async fn run<S: Source>(src: &mut S, budget: Budget, stats: &mut Stats) -> Result<Info, Error> {
    inspect_into(src, budget, &mut ByteMap::new(), stats).await
}

/// The probe loop over a map the caller keeps: the average-colour route (`hue`) goes on
/// from the bytes the header phase read instead of reading them again.
pub async fn inspect_into<S: Source>(
    src: &mut S,
    budget: Budget,
    map: &mut ByteMap,
    stats: &mut Stats,
) -> Result<Info, Error> {
    let first = budget
        .first_window
        .min(budget.max_bytes)
        .max(crate::probe::SNIFF_LEN);
    read_into(src, map, Range::new(0, first), stats).await?;
    loop {
        match probe(map)? {
            Step::Done(info) => return Ok(info),
            Step::Need(need) => {
                if stats.reads >= budget.max_reads {
                    return Err(Error::Budget {
                        limit: budget.max_bytes,
                    });
                }
                let mut want = Range::new(need.offset, need.len.saturating_add(budget.read_ahead));
                if let Some(total) = map.total() {
                    want.len = want.len.min(total.saturating_sub(want.offset));
                }
                if want.len == 0 || map.peek(need.offset, need.len).is_some() {
                    // A probe asking for what it has, or for nothing, would loop forever.
                    return Err(Error::invalid(
                        "image",
                        "parser asked for bytes it already has",
                    ));
                }
                if stats.bytes.saturating_add(need.len) > budget.max_bytes {
                    return Err(Error::Budget {
                        limit: budget.max_bytes,
                    });
                }
                want.len = want.len.min(budget.max_bytes - stats.bytes);
                read_into(src, map, want, stats).await?;
            }
        }
    }
}

async fn read_into<S: Source>(
    src: &mut S,
    map: &mut ByteMap,
    r: Range,
    stats: &mut Stats,
) -> Result<(), Error> {
    let chunk = match src.read(r.offset, r.len).await {
        Ok(c) => c,
        Err(e) => {
            // A read refused because the object changed was a round trip (and, on R2,
            // an operation) all the same: it counts.
            if matches!(e, Error::Changed) {
                stats.reads += 1;
            }
            return Err(e);
        }
    };
    stats.reads += 1;
    stats.bytes += chunk.bytes.len() as u64;
    if let Some(t) = chunk.total {
        map.set_total(t);
    } else if (chunk.bytes.len() as u64) < r.len {
        // A short read without a size means the object ends here.
        map.set_total(r.offset + chunk.bytes.len() as u64);
    }
    map.insert(r.offset, chunk.bytes);
    Ok(())
}

/// An in-memory source, for tests, benchmarks and the browser build's fallback.
pub struct MemSource<'a> {
    pub data: &'a [u8],
}

impl Source for MemSource<'_> {
    async fn read(&mut self, offset: u64, len: u64) -> Result<Chunk, Error> {
        let total = self.data.len() as u64;
        let s = offset.min(total) as usize;
        let e = offset.saturating_add(len).min(total) as usize;
        Ok(Chunk {
            bytes: self.data.get(s..e).unwrap_or(&[]).to_vec(),
            total: Some(total),
        })
    }
}

/// Drives a future that never waits (a `MemSource`) to completion without a runtime.
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    let mut f = std::pin::pin!(f);
    loop {
        if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

/// Inspects an in-memory file through the real driver (tests, benchmarks).
pub fn inspect_bytes(data: &[u8], budget: Budget) -> (Result<Info, Error>, Stats) {
    block_on(inspect(&mut MemSource { data }, budget))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    use crate::probe::testutil::png_chunk as chunk;

    /// A `width`×2 PNG whose `eXIf` follows a 200 KB IDAT: the driver reads the first
    /// window, then the tail (two reads).
    fn png(width: u8) -> Vec<u8> {
        let mut f = b"\x89PNG\r\n\x1a\n".to_vec();
        f.extend(chunk(b"IHDR", &[0, 0, 0, width, 0, 0, 0, 2, 8, 6, 0, 0, 0]));
        f.extend(chunk(b"IDAT", &vec![0u8; 200_000]));
        let tiff = [
            b'I', b'I', 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0,
            0,
        ];
        f.extend(chunk(b"eXIf", &tiff));
        f.extend(chunk(b"IEND", &[]));
        f
    }

    /// An object that moves to its next version before each read for which
    /// `swap_before` (of the 1-based read number) is true. Reads after a first read are
    /// conditional on the version it saw, as R2's `onlyIf` and an origin's `If-Match`.
    pub(crate) struct Changing {
        pub versions: Vec<Vec<u8>>,
        current: usize,
        seen: Option<usize>,
        reads: usize,
        swap_before: fn(usize) -> bool,
        can_restart: bool,
    }

    impl Changing {
        /// Versions that are PNGs one pixel wider each.
        fn new(swap_before: fn(usize) -> bool, can_restart: bool) -> Self {
            Changing::with(
                (0..8).map(|i| png(3 + i)).collect(),
                swap_before,
                can_restart,
            )
        }

        pub fn with(
            versions: Vec<Vec<u8>>,
            swap_before: fn(usize) -> bool,
            can_restart: bool,
        ) -> Self {
            Changing {
                versions,
                current: 0,
                seen: None,
                reads: 0,
                swap_before,
                can_restart,
            }
        }
    }

    impl Source for Changing {
        async fn read(&mut self, offset: u64, len: u64) -> Result<Chunk, Error> {
            self.reads += 1;
            if (self.swap_before)(self.reads) {
                self.current = (self.current + 1).min(self.versions.len() - 1);
            }
            match self.seen {
                Some(v) if v != self.current => return Err(Error::Changed),
                Some(_) => {}
                None => self.seen = Some(self.current),
            }
            let data = &self.versions[self.current];
            MemSource { data }.read(offset, len).await
        }

        fn restart(&mut self) -> bool {
            self.seen = None;
            self.can_restart
        }
    }

    fn width(r: &Result<Info, Error>) -> u32 {
        r.as_ref().map(|i| i.width()).unwrap_or(0)
    }

    #[test]
    fn an_unchanged_object_is_read_once() {
        let mut src = Changing::new(|_| false, true);
        let (r, stats) = block_on(inspect(&mut src, Budget::default()));
        assert_eq!(width(&r), 3);
        assert_eq!((stats.reads, stats.restarts), (2, 0));
    }

    #[test]
    fn one_change_between_reads_restarts_from_the_new_version() {
        let mut src = Changing::new(|n| n == 2, true);
        let (r, stats) = block_on(inspect(&mut src, Budget::default()));
        // The answer is the new version's, whole: its width, its size.
        assert_eq!(width(&r), 4);
        let info = r.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(info.file_size, Some(src.versions[1].len() as u64));
        assert_eq!(info.orientation(), Some(6));
        // Two reads of the first attempt (the second refused), two of the restart.
        assert_eq!((stats.reads, stats.restarts), (4, 1));
        assert!(stats.bytes < 2 * src.versions[1].len() as u64);
    }

    #[test]
    fn a_change_during_the_restart_is_changed() {
        // Replaced before every read after the first: never two reads of one version.
        let mut src = Changing::new(|n| n > 1, true);
        let (r, stats) = block_on(inspect(&mut src, Budget::default()));
        assert!(matches!(r, Err(Error::Changed)), "{r:?}");
        assert_eq!((stats.reads, stats.restarts), (4, 1));
    }

    #[test]
    fn a_source_that_cannot_start_over_answers_changed() {
        let mut src = Changing::new(|n| n == 2, false);
        let (r, stats) = block_on(inspect(&mut src, Budget::default()));
        assert!(matches!(r, Err(Error::Changed)), "{r:?}");
        assert_eq!((stats.reads, stats.restarts), (2, 0));
    }

    #[test]
    fn each_attempt_has_the_whole_budget() {
        // Two reads per attempt within a budget of two reads: the restart is not
        // refused for the first attempt's reads.
        let budget = Budget {
            max_reads: 2,
            ..Budget::default()
        };
        let mut src = Changing::new(|n| n == 2, true);
        let (r, stats) = block_on(inspect(&mut src, budget));
        assert_eq!(width(&r), 4, "{r:?}");
        assert_eq!(stats.reads, 4);
    }
}

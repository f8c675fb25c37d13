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
    async fn read(&mut self, offset: u64, len: u64) -> Result<Chunk, Error>;
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

/// What the reads cost.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    pub reads: u32,
    pub bytes: u64,
}

/// Reads and probes until the probe is done, fails, or the budget runs out.
pub async fn inspect<S: Source>(src: &mut S, budget: Budget) -> (Result<Info, Error>, Stats) {
    let mut stats = Stats::default();
    let r = run(src, budget, &mut stats).await;
    (r, stats)
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
    let chunk = src.read(r.offset, r.len).await?;
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

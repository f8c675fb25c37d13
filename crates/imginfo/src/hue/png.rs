//! PNG average colour (`method: "full"`), row by row with the `png` crate as the bytes
//! arrive: no frame is held, only the codec's zlib window and two rows.
//!
//! `::png::Reader::next_row` is resumable: when its input runs dry it fails with
//! `UnexpectedEof` and can be called again once more bytes are there (the crate tests
//! this). So the reader reads from a [`Feed`] that this job fills with each read, and
//! a dry feed becomes a request for the next bytes. `Decoder::read_info` is not
//! resumable (it consumes the decoder), so the chunks before the first `IDAT` are
//! walked here first and handed over whole.
//!
//! Output is the crate's `EXPAND` transformation (palette and `tRNS` to RGB(A), low
//! bit depths to 8 bits), exactly what the `image` crate asks for; 16-bit samples are
//! summed as they are. Interlaced (Adam7) images need no de-interlacing: every pixel
//! is in exactly one pass, and a sum does not care about order. An APNG answers for its
//! default image (the `IDAT` one), which is what `image` decodes.

use super::{Job, Sum, Want, Window};
use crate::error::Error;
use std::cell::RefCell;
use std::io::{self, BufRead, Read, Seek};
use std::rc::Rc;

const F: &str = "png";
/// Chunks before the first `IDAT` walked before the file is called hostile.
pub const MAX_CHUNKS: u32 = 4096;
const SIGNATURE: usize = 8;

/// The reader's input: bytes this job pushes into `inbox`, taken over when the current
/// buffer is used up.
struct Feed {
    inbox: Rc<RefCell<Vec<u8>>>,
    buf: Vec<u8>,
    pos: usize,
}

impl Read for Feed {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let avail = self.fill_buf()?;
        let n = avail.len().min(out.len());
        out[..n].copy_from_slice(&avail[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for Feed {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.pos >= self.buf.len() {
            self.buf.clear();
            self.pos = 0;
            std::mem::swap(&mut self.buf, &mut *self.inbox.borrow_mut());
        }
        Ok(self.buf.get(self.pos..).unwrap_or(&[]))
    }
    fn consume(&mut self, n: usize) {
        self.pos = self.pos.saturating_add(n).min(self.buf.len());
    }
}

/// The `png` decoder never seeks (the bound is for future use); refuse if it does.
impl Seek for Feed {
    fn seek(&mut self, _: io::SeekFrom) -> io::Result<u64> {
        Err(io::Error::new(io::ErrorKind::Unsupported, "no seeking"))
    }
}

enum State {
    /// Walking chunk headers up to the first `IDAT`, keeping every byte.
    Head {
        win: Window,
        next_chunk: u64,
        chunks: u32,
    },
    Rows {
        reader: Box<::png::Reader<Feed>>,
        inbox: Rc<RefCell<Vec<u8>>>,
        next: u64,
    },
}

pub struct PngJob {
    state: State,
    sum: Option<Sum>,
}

impl Default for PngJob {
    fn default() -> Self {
        Self::new()
    }
}

impl PngJob {
    pub fn new() -> Self {
        PngJob {
            state: State::Head {
                win: Window::new(0),
                next_chunk: SIGNATURE as u64,
                chunks: 0,
            },
            sum: None,
        }
    }

    /// Walks chunk headers: `None` when the first `IDAT` header is held, else the
    /// offset the walk needs bytes up to.
    fn walk(win: &Window, next_chunk: &mut u64, chunks: &mut u32) -> Result<Option<u64>, Error> {
        loop {
            let at = *next_chunk as usize;
            let Some(h) = win.buf().get(at..at + 8) else {
                return Ok(Some((at + 8) as u64));
            };
            let len = u64::from(u32::from_be_bytes([h[0], h[1], h[2], h[3]]));
            if len > (1 << 31) - 1 {
                return Err(Error::invalid(F, "chunk length over 2^31-1"));
            }
            if &h[4..8] == b"IDAT" {
                return Ok(None);
            }
            if &h[4..8] == b"IEND" {
                return Err(Error::invalid(F, "no image data"));
            }
            *chunks += 1;
            if *chunks > MAX_CHUNKS {
                return Err(Error::invalid(F, "too many chunks before the image data"));
            }
            *next_chunk += 12 + len;
        }
    }

    fn rows(&mut self, end: bool) -> Result<Want, Error> {
        let State::Rows { reader, next, .. } = &mut self.state else {
            return Err(Error::invalid(F, "decoder state"));
        };
        let (color, depth) = reader.output_color_type();
        let channels = color.samples();
        let wide = depth == ::png::BitDepth::Sixteen;
        let sum = self
            .sum
            .get_or_insert_with(|| Sum::new(if wide { 65535.0 } else { 255.0 }));
        loop {
            match reader.next_row() {
                Ok(Some(row)) => add_row(sum, row.data(), channels, wide),
                Ok(None) => return Ok(Want::Done(*sum)),
                Err(::png::DecodingError::IoError(e))
                    if e.kind() == io::ErrorKind::UnexpectedEof =>
                {
                    if end {
                        return Err(Error::truncated(F, "the image data ends early"));
                    }
                    return Ok(Want::Bytes {
                        offset: *next,
                        min: 1,
                    });
                }
                Err(e) => return Err(Error::invalid(F, e.to_string())),
            }
        }
    }
}

/// Adds one row of `channels`-sample pixels (grey, grey+alpha, RGB, RGBA).
fn add_row(sum: &mut Sum, data: &[u8], channels: usize, wide: bool) {
    let bps = if wide { 2 } else { 1 };
    let px = channels * bps;
    if px == 0 {
        return;
    }
    let (mut r, mut g, mut b, mut n) = (0u64, 0u64, 0u64, 0u64);
    let sample = |p: &[u8], i: usize| -> u64 {
        if wide {
            u64::from(u16::from_be_bytes([
                p.get(2 * i).copied().unwrap_or(0),
                p.get(2 * i + 1).copied().unwrap_or(0),
            ]))
        } else {
            u64::from(p.get(i).copied().unwrap_or(0))
        }
    };
    for p in data.chunks_exact(px) {
        if channels >= 3 {
            r += sample(p, 0);
            g += sample(p, 1);
            b += sample(p, 2);
        } else {
            let y = sample(p, 0);
            r += y;
            g += y;
            b += y;
        }
        n += 1;
    }
    sum.add_totals(r as f64, g as f64, b as f64, n as f64);
}

impl Job for PngJob {
    fn start(&self) -> Want {
        Want::Bytes { offset: 0, min: 33 }
    }

    fn feed(&mut self, offset: u64, data: &[u8], end: bool) -> Result<Want, Error> {
        match &mut self.state {
            State::Head {
                win,
                next_chunk,
                chunks,
            } => {
                if offset != win.end_offset() {
                    return Err(Error::invalid(F, "bytes fed out of order"));
                }
                // Keep every byte from 0: the decoder reads the header chunks again.
                win.push(offset, data, end);
                if let Some(need_to) = Self::walk(win, next_chunk, chunks)? {
                    if end {
                        return Err(Error::truncated(F, "the file ends before the image data"));
                    }
                    let have = win.end_offset();
                    return Ok(Want::Bytes {
                        offset: have,
                        min: need_to.saturating_sub(have).max(1),
                    });
                }
                let next = win.end_offset();
                let inbox = Rc::new(RefCell::new(win.buf().to_vec()));
                let feed = Feed {
                    inbox: inbox.clone(),
                    buf: Vec::new(),
                    pos: 0,
                };
                let mut dec = ::png::Decoder::new(feed);
                dec.set_transformations(::png::Transformations::EXPAND);
                dec.set_ignore_text_chunk(true);
                dec.set_ignore_iccp_chunk(true);
                let reader = dec.read_info().map_err(|e| match e {
                    ::png::DecodingError::IoError(_) => {
                        Error::truncated(F, "the header chunks end early")
                    }
                    other => Error::invalid(F, other.to_string()),
                })?;
                self.state = State::Rows {
                    reader: Box::new(reader),
                    inbox,
                    next,
                };
                self.rows(end)
            }
            State::Rows { inbox, next, .. } => {
                if offset != *next {
                    return Err(Error::invalid(F, "bytes fed out of order"));
                }
                inbox.borrow_mut().extend_from_slice(data);
                *next += data.len() as u64;
                self.rows(end)
            }
        }
    }
}

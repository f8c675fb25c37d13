//! GIF average colour (`method: "full"`): the first frame, pushed through the `gif`
//! crate's `StreamingDecoder` as the bytes arrive; palette indices come out in runs of
//! at most [`SCRATCH`] bytes and are summed at once, so no frame is held.
//!
//! What is averaged is what the `image` crate decodes for the first frame: the logical
//! screen (the canvas), with the frame's pixels at their place (clipped to the canvas)
//! in their palette colours (a transparent index keeps its colour: alpha is ignored)
//! and every canvas pixel the frame does not cover black (`image` zeroes the canvas).
//! An index past the palette is black too, as in `image`. Interlaced frames need no
//! reordering for a sum; only rows falling off the canvas need their true position.

use super::{Job, Sum, Want};
use crate::error::Error;
use ::gif::streaming_decoder::{Block, Decoded, FrameDataType, OutputBuffer, StreamingDecoder};

const F: &str = "gif";
/// Palette indices decoded per step.
pub const SCRATCH: usize = 16 * 1024;

struct FrameState {
    left: u64,
    top: u64,
    width: u64,
    height: u64,
    interlaced: bool,
    palette: Vec<u8>,
    /// Indices seen so far (row-major in stream order).
    seen: u64,
}

pub struct GifJob {
    dec: StreamingDecoder,
    next: u64,
    global: Option<Vec<u8>>,
    frame: Option<FrameState>,
    scratch: Vec<u8>,
    sum: Sum,
}

impl Default for GifJob {
    fn default() -> Self {
        Self::new()
    }
}

impl GifJob {
    pub fn new() -> Self {
        GifJob {
            dec: StreamingDecoder::new(),
            next: 0,
            global: None,
            frame: None,
            scratch: vec![0; SCRATCH],
            sum: Sum::new(255.0),
        }
    }

    fn screen(&self) -> (u64, u64) {
        (u64::from(self.dec.width()), u64::from(self.dec.height()))
    }

    fn pixels(&mut self, n: usize) {
        let (sw, sh) = self.screen();
        let Some(f) = self.frame.as_mut() else {
            return;
        };
        let idx = self.scratch.get(..n).unwrap_or(&[]);
        let (mut r, mut g, mut b, mut k) = (0u64, 0u64, 0u64, 0u64);
        for &i in idx {
            let row = f.seen / f.width.max(1);
            let col = f.seen % f.width.max(1);
            f.seen += 1;
            let y = f.top + stream_row_to_row(row, f.height, f.interlaced);
            let x = f.left + col;
            if row >= f.height || x >= sw || y >= sh {
                continue;
            }
            let p = usize::from(i) * 3;
            if let Some(c) = f.palette.get(p..p + 3) {
                r += u64::from(c[0]);
                g += u64::from(c[1]);
                b += u64::from(c[2]);
            }
            k += 1;
        }
        self.sum.add_totals(r as f64, g as f64, b as f64, k as f64);
    }

    /// The sum once the frame is done: canvas pixels not covered count as black.
    fn done(&mut self) -> Sum {
        let (sw, sh) = self.screen();
        let mut s = self.sum;
        let covered = s.weight();
        s.add_black((sw * sh) as f64 - covered);
        s
    }
}

/// The image row of the `i`-th row in an interlaced frame's stream (GIF89a appendix E:
/// passes of every 8th row from 0, every 8th from 4, every 4th from 2, every 2nd from 1).
fn stream_row_to_row(i: u64, h: u64, interlaced: bool) -> u64 {
    if !interlaced {
        return i;
    }
    let mut i = i;
    for (start, step) in [(0u64, 8u64), (4, 8), (2, 4), (1, 2)] {
        let rows = h.saturating_sub(start).div_ceil(step);
        if i < rows {
            return start + i * step;
        }
        i -= rows;
    }
    h
}

impl Job for GifJob {
    fn start(&self) -> Want {
        Want::Bytes { offset: 0, min: 13 }
    }

    fn feed(&mut self, offset: u64, data: &[u8], end: bool) -> Result<Want, Error> {
        if offset != self.next {
            return Err(Error::invalid(F, "bytes fed out of order"));
        }
        self.next += data.len() as u64;
        let mut buf = data;
        while !buf.is_empty() {
            let (used, ev) = {
                let mut out = OutputBuffer::Slice(&mut self.scratch);
                self.dec
                    .update(buf, &mut out)
                    .map_err(|e| Error::invalid(F, e.to_string()))?
            };
            buf = buf.get(used..).unwrap_or(&[]);
            match ev {
                Decoded::GlobalPalette(p) => self.global = Some(p.to_vec()),
                Decoded::FrameMetadata(FrameDataType::Pixels) => {
                    let f = self.dec.current_frame();
                    let palette = f
                        .palette
                        .clone()
                        .or_else(|| self.global.clone())
                        .ok_or_else(|| Error::invalid(F, "no colour table for the first frame"))?;
                    self.frame = Some(FrameState {
                        left: u64::from(f.left),
                        top: u64::from(f.top),
                        width: u64::from(f.width),
                        height: u64::from(f.height),
                        interlaced: f.interlaced,
                        palette,
                        seen: 0,
                    });
                }
                Decoded::BytesDecoded(n) => self.pixels(n.get()),
                Decoded::DataEnd => return Ok(Want::Done(self.done())),
                Decoded::BlockStart(Block::Trailer) => {
                    return Err(Error::invalid(F, "no image in the file"));
                }
                _ => {}
            }
        }
        if end {
            return Err(Error::truncated(F, "the first frame ends early"));
        }
        Ok(Want::Bytes {
            offset: self.next,
            min: 1,
        })
    }
}

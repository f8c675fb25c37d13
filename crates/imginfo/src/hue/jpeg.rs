//! JPEG average colour from DC coefficients (`method: "dc"`).
//!
//! The DC coefficient of an 8×8 block is eight times the mean of its 64 samples
//! (ITU T.81 A.3.3: F(0,0) = ¼·C(0)²·Σf = Σf/8), so dequantised DC values are the image
//! at 1/8 scale: no IDCT, memory ∝ pixels/64. The 1/8-scale pixels are colour-converted
//! (YCbCr, YCCK and CMYK the way `zune-jpeg`, the `image` crate's JPEG decoder, does),
//! clamped, and averaged weighted by how many real pixels each stands for (edge blocks
//! are partial). The result is within a unit or two of a full decode's mean; the
//! difference comes from clamping, which a full decode does per pixel.
//!
//! **Why hand-written.** `jpeg-decoder` (with `Decoder::scale` → 1/8 IDCT) and
//! `zune-jpeg` need the whole file in memory and decode every AC coefficient into
//! blocks; none of them decodes DC only, none can stop after a progressive file's DC
//! scans, and none can be fed a byte stream in pieces. This decoder is a marker walk
//! plus a Huffman decoder that, for each block, keeps the DC difference and skips the
//! AC symbols; it works through a [`Window`] of at most one read, resumable at each MCU
//! (on running out of bytes mid-MCU it rewinds to the MCU's start and asks for more).
//!
//! * Baseline and extended sequential (SOF0/SOF1) need the whole entropy-coded scan(s);
//!   AC symbols are decoded only to be skipped.
//! * Progressive (SOF2): the DC-first scans (Ss = Se = 0, Ah = 0) are decoded, DC
//!   refinement scans met before they end too; AC scans in between are skipped by
//!   looking for the next marker. Reading stops at the end of the scan that completes
//!   every component's DC. Bits dropped by a point transform (Al > 0) still missing then
//!   are estimated at the middle of their range (unbiased over many blocks).
//! * Arithmetic coding (SOF9–SOF15), lossless (SOF3) and hierarchical files are not
//!   decoded (`NoDecoder`), like the `image` crate; so are 2-component frames.
//! * 12-bit samples are scaled to 8 bits.
//!
//! Untrusted input: every table index is checked, every count bounded, no panics.

use super::{Job, Sum, Want, Window};
use crate::error::Error;

const F: &str = "jpeg";
/// Marker segments and scans walked before the file is called hostile. Progressive
/// files have about ten scans; real files at most hundreds of segments.
pub const MAX_SEGMENTS: u32 = 8192;
/// Fill or junk bytes tolerated between segments (as the header probe does).
pub const MAX_JUNK: usize = 4096;
/// Components a frame may have (T.81 allows 255; colour JPEGs have 1, 3 or 4).
const MAX_COMPONENTS: usize = 4;
/// Sampling factors are 1–4 (T.81 B.2.2).
const MAX_SAMPLING: u8 = 4;

/// A Huffman table: a 9-bit lookup for short codes, canonical ranges for the rest.
#[derive(Clone)]
struct Huff {
    /// `(length << 8) | value` for codes of at most 9 bits, 0 otherwise.
    fast: Vec<u16>,
    /// For skipping AC coefficients: `(code + extra bits) << 8 | positions advanced`
    /// (0 for end of block) when code and extra bits fit in [`SKIP_BITS`]; 0 otherwise.
    skip: Vec<u16>,
    /// Largest code of each length (−1: none), T.81 F.2.2.3.
    maxcode: [i32; 18],
    /// Index into `values` of the first code of each length, minus that code.
    delta: [i32; 17],
    values: Vec<u8>,
}

const FAST_BITS: u32 = 9;
/// Lookup width of the AC skip table (2 KiB per table).
const SKIP_BITS: u32 = 10;

impl Huff {
    fn build(counts: &[u8; 16], values: &[u8]) -> Result<Huff, Error> {
        let total: usize = counts.iter().map(|&c| c as usize).sum();
        if total == 0 || total > 256 || values.len() < total {
            return Err(Error::invalid(F, "Huffman table has a bad symbol count"));
        }
        let mut fast = vec![0u16; 1 << FAST_BITS];
        let mut maxcode = [-1i32; 18];
        let mut delta = [0i32; 17];
        let mut code: i32 = 0;
        let mut k: usize = 0;
        for len in 1..=16usize {
            let n = counts.get(len - 1).copied().unwrap_or(0) as usize;
            if let Some(d) = delta.get_mut(len) {
                *d = k as i32 - code;
            }
            for _ in 0..n {
                if len as u32 <= FAST_BITS {
                    let shift = FAST_BITS - len as u32;
                    let first = (code as usize) << shift;
                    let v = values.get(k).copied().unwrap_or(0);
                    for e in fast.iter_mut().skip(first).take(1 << shift) {
                        *e = ((len as u16) << 8) | v as u16;
                    }
                }
                code += 1;
                k += 1;
            }
            if n > 0 {
                if let Some(m) = maxcode.get_mut(len) {
                    *m = code - 1;
                }
            }
            // Codes of this length must fit in `len` bits (T.81 C.2).
            if code > (1 << len) {
                return Err(Error::invalid(F, "Huffman table is oversubscribed"));
            }
            code <<= 1;
        }
        maxcode[17] = i32::MAX;
        // The skip table: every code ≤ SKIP_BITS long whose extra bits also fit.
        let mut skip = vec![0u16; 1 << SKIP_BITS];
        let mut code: u32 = 0;
        let mut k: usize = 0;
        for len in 1..=16u32 {
            for _ in 0..counts.get(len as usize - 1).copied().unwrap_or(0) {
                let rs = values.get(k).copied().unwrap_or(0);
                let (r, sz) = (u32::from(rs >> 4), u32::from(rs & 15));
                let total = len + sz;
                let adv = match (r, sz) {
                    (_, 0) if r != 15 => Some(0), // end of block
                    (15, 0) => Some(16),          // sixteen zeros
                    (_, 0) => None,
                    _ => Some(r + 1),
                };
                if let Some(adv) = adv.filter(|_| total <= SKIP_BITS) {
                    let shift = SKIP_BITS - total;
                    // Every value of the extra bits maps to the same entry.
                    let first = ((code << sz) as usize) << shift;
                    let n = 1usize << (shift + sz);
                    for e in skip.iter_mut().skip(first).take(n) {
                        *e = ((total as u16) << 8) | adv as u16;
                    }
                }
                code += 1;
                k += 1;
            }
            code <<= 1;
        }
        Ok(Huff {
            fast,
            skip,
            maxcode,
            delta,
            values: values.get(..total).unwrap_or(values).to_vec(),
        })
    }
}

/// Natural (row-major) position of each zigzag index (T.81 Figure A.6).
const ZIGZAG: [u8; 64] = [
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20,
    13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59,
    52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];

/// Quantisation (zigzag order) and Huffman tables, slots 0–3.
#[derive(Default)]
struct Tables {
    qt: [Option<[u16; 64]>; 4],
    dc: [Option<Huff>; 4],
    ac: [Option<Huff>; 4],
}

/// Mean sample values of the partial blocks on the right and bottom edges.
struct Edges {
    /// Per block row: the last block column's mean when it is partial (NaN: none).
    right: Vec<f32>,
    /// Per block column: the last block row's mean when it is partial.
    bottom: Vec<f32>,
}

/// What the scans leave for the result.
#[derive(Default)]
struct Store {
    /// DC coefficients (after point transform shift) per component, MCU-padded grid;
    /// allocated by the first scan that needs them.
    planes: Vec<Vec<i16>>,
    edges: Vec<Edges>,
    /// CMYK/YCCK products summed during the scan.
    direct: Option<Sum>,
}

impl Store {
    fn set_edge(&mut self, c: usize, comp: &Comp, x: usize, y: usize, m: f32) {
        let (rw, rh) = comp.real(x, y);
        let Some(e) = self.edges.get_mut(c) else {
            return;
        };
        let slot = if rw < 8 {
            e.right.get_mut(y)
        } else if rh < 8 {
            e.bottom.get_mut(x)
        } else {
            None
        };
        if let Some(s) = slot {
            *s = m;
        }
    }

    fn edge(&self, c: usize, comp: &Comp, x: usize, y: usize) -> Option<f32> {
        let (rw, rh) = comp.real(x, y);
        let e = self.edges.get(c)?;
        let v = if rw < 8 {
            e.right.get(y)
        } else if rh < 8 {
            e.bottom.get(x)
        } else {
            None
        };
        v.copied().filter(|v| !v.is_nan())
    }
}

/// Weights `a_w(u)` such that the mean of the first `w` samples of an 8-point IDCT row
/// is `Σ_u F(u)·a_w(u)` (the 2-D mean over `w × h` is the product of two): with
/// T.81's `f(x) = ½ Σ C(u) F(u) cos((2x+1)uπ/16)`, `a_w(u) = ½ C(u) · mean_x<w cos(…)`.
fn partial_weights(w: usize) -> [f32; 8] {
    let mut a = [0f32; 8];
    let w = w.clamp(1, 8);
    for (u, slot) in a.iter_mut().enumerate() {
        let c = if u == 0 {
            std::f32::consts::FRAC_1_SQRT_2
        } else {
            1.0
        };
        let mean: f32 = (0..w)
            .map(|x| ((2 * x + 1) as f32 * u as f32 * std::f32::consts::PI / 16.0).cos())
            .sum::<f32>()
            / w as f32;
        *slot = 0.5 * c * mean;
    }
    a
}

/// Mean over the top-left `w × h` samples of a block, from its dequantised
/// coefficients in zigzag order (exact before rounding and clamping).
fn region_mean(deq: &[f32; 64], w: usize, h: usize) -> f32 {
    let (aw, ah) = (partial_weights(w), partial_weights(h));
    let mut m = 0f32;
    for (k, &f) in deq.iter().enumerate() {
        if f == 0.0 {
            continue;
        }
        let n = usize::from(ZIGZAG.get(k).copied().unwrap_or(0));
        let (u, v) = (n % 8, n / 8);
        m += f * aw.get(u).copied().unwrap_or(0.0) * ah.get(v).copied().unwrap_or(0.0);
    }
    m
}

/// The level shift's scale: samples are centred on 128 (8-bit) or 2048 (12-bit).
fn precision_scale(f: &Frame) -> f32 {
    if f.precision == 12 {
        16.0
    } else {
        1.0
    }
}

/// Mean R, G, B of one CMYK or YCCK MCU (four full-resolution blocks, dequantised,
/// level-shifted). A whole block uses Parseval: the JPEG DCT is orthonormal, so the
/// mean of a product of two blocks is `Σ F·G / 64` over their coefficients, exactly
/// the mean of zune-jpeg's per-pixel `c·k/255` before rounding. A partial (edge) block
/// multiplies its region means instead.
fn direct_block(mcu: &[[f32; 64]; MAX_COMPONENTS], ycck: bool, rw: usize, rh: usize) -> [f64; 3] {
    let [c0, c1, c2, k] = mcu;
    let whole = rw == 8 && rh == 8;
    let dot = |a: &[f32; 64], b: &[f32; 64]| -> f32 {
        a.iter().zip(b.iter()).map(|(x, y)| x * y).sum::<f32>() / 64.0
    };
    let out = if !ycck {
        if whole {
            [dot(c0, k), dot(c1, k), dot(c2, k)].map(|v| v / 255.0)
        } else {
            let mk = region_mean(k, rw, rh);
            [c0, c1, c2].map(|c| region_mean(c, rw, rh) * mk / 255.0)
        }
    } else if whole {
        // (255 − r) with r = Y + 1.402·Cr etc.; chroma without its level shift.
        let mut inv = [[0f32; 64]; 3];
        for i in 0..64 {
            let shift = if i == 0 { 1024.0 } else { 0.0 };
            let (y, cb, cr) = (c0[i], c1[i] - shift, c2[i] - shift);
            let rgb = [
                y + 1.402 * cr,
                y - 0.344_136 * cb - 0.714_136 * cr,
                y + 1.772 * cb,
            ];
            for (ch, v) in inv.iter_mut().zip(rgb) {
                ch[i] = if i == 0 { 8.0 * 255.0 - v } else { -v };
            }
        }
        [dot(&inv[0], k), dot(&inv[1], k), dot(&inv[2], k)].map(|v| v / 255.0)
    } else {
        let m = [c0, c1, c2, k].map(|c| region_mean(c, rw, rh));
        let [r, g, b] = ycc(m[0], m[1], m[2]);
        let kk = clamp(m[3]);
        [mul(255.0 - r, kk), mul(255.0 - g, kk), mul(255.0 - b, kk)]
    };
    out.map(|v| f64::from(clamp(v)))
}

/// One frame component.
#[derive(Clone, Copy, Default)]
struct Comp {
    id: u8,
    h: u8,
    v: u8,
    tq: u8,
    /// Blocks across and down in the component's own grid (T.81 A.2).
    bw: usize,
    bh: usize,
    /// Stride of its DC plane: MCU-padded blocks across.
    pw: usize,
    ph: usize,
    /// Samples across and down (the real area; blocks past it are padding).
    cw: usize,
    ch: usize,
}

impl Comp {
    /// Real samples across and down in block `(x, y)` (8 × 8 inside the image).
    fn real(&self, x: usize, y: usize) -> (usize, usize) {
        (
            self.cw.saturating_sub(8 * x).min(8),
            self.ch.saturating_sub(8 * y).min(8),
        )
    }
}

struct Frame {
    progressive: bool,
    precision: u8,
    width: usize,
    height: usize,
    comps: Vec<Comp>,
    hmax: u8,
    vmax: u8,
    mcux: usize,
    mcuy: usize,
}

/// What a scan decodes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ScanKind {
    /// Sequential: DC then 63 AC coefficients per block (AC skipped).
    Sequential,
    /// Progressive DC first pass with point transform `al`.
    DcFirst,
    /// Progressive DC refinement: one bit per block at `al`.
    DcRefine,
}

#[derive(Clone)]
struct Scan {
    kind: ScanKind,
    al: u8,
    /// Frame component index, DC table, AC table, per scan component.
    comps: Vec<(usize, usize, usize)>,
    /// Total MCUs and the next one to decode.
    mcus: usize,
    next: usize,
    /// MCUs per row (non-interleaved: the component's blocks across).
    per_row: usize,
    restarts_seen: u32,
    /// Products summed as decoded (CMYK/YCCK at full resolution), no planes.
    direct: bool,
}

/// Bit reader state, part of the MCU checkpoint.
#[derive(Clone, Copy, Default)]
struct Bits {
    acc: u64,
    n: u32,
    /// A marker stopped the refill: zeros are supplied from here.
    marker: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    Soi,
    Markers,
    Scan,
    /// Skipping an AC scan: looking for the next marker.
    Skip,
}

/// The DC-only decoder, as a pixel [`Job`].
pub struct DcJob {
    win: Window,
    phase: Phase,
    segments: u32,
    frame: Option<Frame>,
    tables: Tables,
    restart: u16,
    adobe: Option<u8>,
    store: Store,
    /// Per component: DC known (first pass done), and bits still missing below `al`.
    done: Vec<bool>,
    al: Vec<u8>,
    scan: Option<Scan>,
    bits: Bits,
    preds: [i32; MAX_COMPONENTS],
    /// Expected size, from the header probe (a frame that disagrees is an error).
    expect: Option<(u32, u32)>,
    /// Unconsumed bytes needed before the phase that starved can go on.
    need: usize,
}

/// Outcome of decoding inside the window.
enum Stop {
    /// Ran out of bytes (not at the end of the object).
    Starved,
    Done(Sum),
    /// Continue with the next phase.
    Next,
}

impl DcJob {
    pub fn new(width: u32, height: u32) -> Self {
        DcJob {
            expect: Some((width, height)),
            ..DcJob::any()
        }
    }

    /// A decoder for a JPEG whose size is not known beforehand (an EXIF thumbnail).
    pub fn any() -> Self {
        DcJob {
            win: Window::new(0),
            phase: Phase::Soi,
            segments: 0,
            frame: None,
            tables: Tables::default(),
            restart: 0,
            adobe: None,
            store: Store::default(),
            done: Vec::new(),
            al: Vec::new(),
            scan: None,
            bits: Bits::default(),
            preds: [0; MAX_COMPONENTS],
            expect: None,
            need: 2,
        }
    }

    fn step(&mut self) -> Result<Stop, Error> {
        match self.phase {
            Phase::Soi => {
                let r = self.win.rest();
                if r.len() < 2 {
                    self.need = 2;
                    return self.starved_or(Error::truncated(F, "no SOI"));
                }
                if r.get(..2) != Some(&[0xFF, 0xD8][..]) {
                    return Err(Error::invalid(F, "no SOI marker"));
                }
                self.win.consume(2);
                self.phase = Phase::Markers;
                Ok(Stop::Next)
            }
            Phase::Markers => self.marker(),
            Phase::Scan => self.decode_scan(),
            Phase::Skip => self.skip_entropy(),
        }
    }

    fn starved_or(&self, e: Error) -> Result<Stop, Error> {
        if self.win.end {
            Err(e)
        } else {
            Ok(Stop::Starved)
        }
    }

    /// One marker segment.
    fn marker(&mut self) -> Result<Stop, Error> {
        self.segments += 1;
        if self.segments > MAX_SEGMENTS {
            return Err(Error::invalid(F, "too many segments"));
        }
        // Find FF xx, skipping fill bytes and bounded junk.
        let (skip, m) = {
            let r = self.win.rest();
            let mut i = 0;
            loop {
                if i > MAX_JUNK {
                    return Err(Error::invalid(F, "no marker where one was expected"));
                }
                let (Some(&a), Some(&b)) = (r.get(i), r.get(i + 1)) else {
                    self.need = i + 2;
                    return self.starved_or(Error::truncated(
                        F,
                        "the file ends before the DC coefficients",
                    ));
                };
                if a == 0xFF && b != 0xFF && b != 0x00 {
                    break (i, b);
                }
                i += 1;
            }
        };
        let at = self.win.pos() + skip;
        match m {
            0x01 | 0xD0..=0xD7 => {
                self.win.set_pos(at + 2);
                return Ok(Stop::Next);
            }
            0xD8 => return Err(Error::invalid(F, "second SOI")),
            0xD9 => {
                return Err(Error::truncated(
                    F,
                    "end of image before every component's DC coefficients",
                ))
            }
            _ => {}
        }
        let buf = self.win.buf();
        let Some(len) = crate::bytes::be16(buf, at + 2).map(usize::from) else {
            self.need = 4;
            self.win.set_pos(at);
            return self.starved_or(Error::truncated(F, "segment length"));
        };
        if len < 2 {
            return Err(Error::invalid(F, format!("segment FF{m:02X} length {len}")));
        }
        let body_at = at + 4;
        let seg_end = at + 2 + len;
        let wanted = matches!(m, 0xC0..=0xCF | 0xDA | 0xDB | 0xDD | 0xEE);
        if !wanted {
            // Skip the body: inside the window, or jump past it.
            let target = self.win.offset_of(seg_end);
            self.win.seek(target);
            return Ok(Stop::Next);
        }
        if buf.len() < seg_end {
            self.need = seg_end - at;
            self.win.set_pos(at);
            return self.starved_or(Error::truncated(F, "a marker segment is cut short"));
        }
        let body = buf.get(body_at..seg_end).unwrap_or(&[]).to_vec();
        self.win.set_pos(seg_end);
        match m {
            0xDB => self.dqt(&body)?,
            0xC4 => self.dht(&body)?,
            0xDD => {
                self.restart =
                    crate::bytes::be16(&body, 0).ok_or_else(|| Error::invalid(F, "short DRI"))?;
            }
            0xEE => {
                if body.len() >= 12 && body.starts_with(b"Adobe") {
                    self.adobe = body.get(11).copied();
                }
            }
            0xDA => return self.sos(&body),
            0xC0..=0xC2 => self.sof(m, &body)?,
            0xCC => {} // DAC: arithmetic conditioning; SOF9+ is refused anyway.
            other => {
                let what = match other {
                    0xC3 | 0xC7 | 0xCB | 0xCF => "lossless JPEG",
                    0xC5 | 0xC6 => "hierarchical JPEG",
                    0xC8 => "JPEG extension",
                    _ => "arithmetic-coded JPEG",
                };
                return Err(Error::NoDecoder(format!("{what} (SOF FF{other:02X})")));
            }
        }
        Ok(Stop::Next)
    }

    fn dqt(&mut self, mut b: &[u8]) -> Result<(), Error> {
        while let Some(&pq_tq) = b.first() {
            let (pq, tq) = (pq_tq >> 4, (pq_tq & 15) as usize);
            let n = if pq == 0 { 64 } else { 128 };
            if tq > 3 || pq > 1 || b.len() < 1 + n {
                return Err(Error::invalid(F, "bad DQT"));
            }
            let mut q = [0u16; 64];
            for (k, e) in q.iter_mut().enumerate() {
                *e = if pq == 0 {
                    u16::from(b.get(1 + k).copied().unwrap_or(0))
                } else {
                    u16::from_be_bytes([
                        b.get(1 + 2 * k).copied().unwrap_or(0),
                        b.get(2 + 2 * k).copied().unwrap_or(0),
                    ])
                };
            }
            if q[0] == 0 {
                return Err(Error::invalid(F, "quantisation step 0"));
            }
            self.tables.qt[tq] = Some(q);
            b = b.get(1 + n..).unwrap_or(&[]);
        }
        Ok(())
    }

    fn dht(&mut self, mut b: &[u8]) -> Result<(), Error> {
        while let Some(&tc_th) = b.first() {
            let (tc, th) = (tc_th >> 4, (tc_th & 15) as usize);
            if tc > 1 || th > 3 || b.len() < 17 {
                return Err(Error::invalid(F, "bad DHT"));
            }
            let mut counts = [0u8; 16];
            counts.copy_from_slice(b.get(1..17).unwrap_or(&[0; 16]));
            let total: usize = counts.iter().map(|&c| c as usize).sum();
            let values = b
                .get(17..17 + total)
                .ok_or_else(|| Error::invalid(F, "short DHT"))?;
            let h = Huff::build(&counts, values)?;
            if tc == 0 {
                self.tables.dc[th] = Some(h);
            } else {
                self.tables.ac[th] = Some(h);
            }
            b = b.get(17 + total..).unwrap_or(&[]);
        }
        Ok(())
    }

    fn sof(&mut self, m: u8, b: &[u8]) -> Result<(), Error> {
        if self.frame.is_some() {
            return Err(Error::invalid(F, "second frame header"));
        }
        if b.len() < 6 {
            return Err(Error::invalid(F, "short frame header"));
        }
        let byte = |i: usize| b.get(i).copied().unwrap_or(0);
        let precision = byte(0);
        let height = usize::from(u16::from_be_bytes([byte(1), byte(2)]));
        let width = usize::from(u16::from_be_bytes([byte(3), byte(4)]));
        let n = usize::from(byte(5));
        if precision != 8 && precision != 12 {
            return Err(Error::NoDecoder(format!("{precision}-bit JPEG")));
        }
        if width == 0 || height == 0 {
            return Err(Error::invalid(F, "zero size"));
        }
        if self
            .expect
            .is_some_and(|e| e != (width as u32, height as u32))
        {
            return Err(Error::invalid(F, "frame size changed while reading"));
        }
        if !matches!(n, 1 | 3 | 4) {
            return Err(Error::NoDecoder(format!("{n}-component JPEG")));
        }
        if b.len() < 6 + 3 * n {
            return Err(Error::invalid(F, "short frame header"));
        }
        let mut comps = Vec::with_capacity(n);
        for i in 0..n {
            let (id, hv, tq) = (byte(6 + 3 * i), byte(7 + 3 * i), byte(8 + 3 * i));
            let (h, v) = (hv >> 4, hv & 15);
            if !(1..=MAX_SAMPLING).contains(&h) || !(1..=MAX_SAMPLING).contains(&v) || tq > 3 {
                return Err(Error::invalid(F, "bad component sampling or table"));
            }
            comps.push(Comp {
                id,
                h,
                v,
                tq,
                ..Comp::default()
            });
        }
        let hmax = comps.iter().map(|c| c.h).max().unwrap_or(1);
        let vmax = comps.iter().map(|c| c.v).max().unwrap_or(1);
        let mcux = width.div_ceil(8 * usize::from(hmax));
        let mcuy = height.div_ceil(8 * usize::from(vmax));
        for c in &mut comps {
            let cw = (width * usize::from(c.h)).div_ceil(usize::from(hmax));
            let ch = (height * usize::from(c.v)).div_ceil(usize::from(vmax));
            c.bw = cw.div_ceil(8);
            c.bh = ch.div_ceil(8);
            c.pw = mcux * usize::from(c.h);
            c.ph = mcuy * usize::from(c.v);
            c.cw = cw;
            c.ch = ch;
        }
        self.store.edges = comps
            .iter()
            .map(|c| Edges {
                right: vec![f32::NAN; c.bh],
                bottom: vec![f32::NAN; c.bw],
            })
            .collect();
        self.done = vec![false; n];
        self.al = vec![0; n];
        self.frame = Some(Frame {
            progressive: m == 0xC2,
            precision,
            width,
            height,
            comps,
            hmax,
            vmax,
            mcux,
            mcuy,
        });
        Ok(())
    }

    fn sos(&mut self, b: &[u8]) -> Result<Stop, Error> {
        let frame = self
            .frame
            .as_ref()
            .ok_or_else(|| Error::invalid(F, "scan before frame header"))?;
        let ns = usize::from(*b.first().unwrap_or(&0));
        if ns == 0 || ns > frame.comps.len() || b.len() < 1 + 2 * ns + 3 {
            return Err(Error::invalid(F, "bad scan header"));
        }
        let mut comps = Vec::with_capacity(ns);
        for i in 0..ns {
            let id = b.get(1 + 2 * i).copied().unwrap_or(0);
            let t = b.get(2 + 2 * i).copied().unwrap_or(0);
            let ci = frame
                .comps
                .iter()
                .position(|c| c.id == id)
                .ok_or_else(|| Error::invalid(F, "scan names an unknown component"))?;
            comps.push((ci, usize::from(t >> 4).min(3), usize::from(t & 15).min(3)));
        }
        let p = 1 + 2 * ns;
        let byte = |i: usize| b.get(i).copied().unwrap_or(0);
        let (ss, se, ah, al) = (byte(p), byte(p + 1), byte(p + 2) >> 4, byte(p + 2) & 15);
        let kind = if !frame.progressive {
            ScanKind::Sequential
        } else if ss != 0 {
            // AC scan: nothing we need.
            self.phase = Phase::Skip;
            return Ok(Stop::Next);
        } else if se != 0 {
            return Err(Error::invalid(
                F,
                "progressive DC scan with AC coefficients",
            ));
        } else if ah == 0 {
            ScanKind::DcFirst
        } else {
            ScanKind::DcRefine
        };
        let done = |c: usize| self.done.get(c).copied().unwrap_or(false);
        let al_of = |c: usize| self.al.get(c).copied().unwrap_or(0);
        if kind == ScanKind::DcRefine && comps.iter().any(|&(c, _, _)| !done(c)) {
            // A refinement of a component whose first pass we have not seen.
            return Err(Error::invalid(F, "DC refinement before the first DC scan"));
        }
        if kind == ScanKind::DcRefine && comps.iter().all(|&(c, _, _)| al_of(c) == 0) {
            self.phase = Phase::Skip;
            return Ok(Stop::Next);
        }
        for &(c, td, ta) in &comps {
            if kind != ScanKind::DcRefine && self.tables.dc.get(td).is_none_or(Option::is_none) {
                return Err(Error::invalid(F, "scan uses an undefined DC table"));
            }
            if kind == ScanKind::Sequential && self.tables.ac.get(ta).is_none_or(Option::is_none) {
                return Err(Error::invalid(F, "scan uses an undefined AC table"));
            }
            let tq = frame.comps.get(c).map_or(4, |c| usize::from(c.tq));
            if self.tables.qt.get(tq).is_none_or(|q| q.is_none()) {
                return Err(Error::invalid(
                    F,
                    "component uses an undefined quantisation table",
                ));
            }
        }
        // CMYK/YCCK with every component at full resolution in one sequential scan:
        // average the per-pixel products exactly from the coefficients (Parseval).
        let direct = kind == ScanKind::Sequential
            && frame.precision == 8
            && frame.comps.len() == 4
            && comps.len() == 4
            && frame.comps.iter().all(|c| c.h == 1 && c.v == 1);
        if direct {
            self.store.direct = Some(Sum::new(255.0));
        } else if self.store.planes.is_empty() {
            // DC planes of i16: 2 bytes per block per component (pixels/32 for 4:4:4).
            self.store.planes = frame
                .comps
                .iter()
                .map(|c| vec![0i16; c.pw.saturating_mul(c.ph)])
                .collect();
        }
        let (mcus, per_row) = if ns == 1 {
            let c = comps
                .first()
                .and_then(|&(c, _, _)| frame.comps.get(c))
                .copied()
                .unwrap_or_default();
            (c.bw * c.bh, c.bw)
        } else {
            (frame.mcux * frame.mcuy, frame.mcux)
        };
        self.scan = Some(Scan {
            kind,
            al,
            comps,
            mcus,
            next: 0,
            per_row,
            restarts_seen: 0,
            direct,
        });
        self.bits = Bits::default();
        self.preds = [0; MAX_COMPONENTS];
        self.phase = Phase::Scan;
        Ok(Stop::Next)
    }

    /// Decodes MCUs until the scan ends or the window runs dry.
    fn decode_scan(&mut self) -> Result<Stop, Error> {
        let Some(mut scan) = self.scan.take() else {
            self.phase = Phase::Markers;
            return Ok(Stop::Next);
        };
        let r = self.decode_mcus(&mut scan);
        let finished = scan.next >= scan.mcus;
        self.scan = Some(scan);
        match r? {
            Stop::Starved => return Ok(Stop::Starved),
            Stop::Done(_) | Stop::Next => {}
        }
        if !finished {
            return Ok(Stop::Starved);
        }
        let scan = self.scan.take();
        if let Some(s) = scan {
            for &(c, _, _) in &s.comps {
                let (Some(done), Some(al)) = (self.done.get_mut(c), self.al.get_mut(c)) else {
                    continue;
                };
                match s.kind {
                    ScanKind::Sequential => {
                        *done = true;
                        *al = 0;
                    }
                    ScanKind::DcFirst => {
                        *done = true;
                        *al = s.al;
                    }
                    ScanKind::DcRefine => *al = (*al).min(s.al),
                }
            }
        }
        if self.done.iter().all(|&d| d) {
            // Every component's DC is known: stop reading here.
            if let Some(sum) = self.store.direct {
                return Ok(Stop::Done(sum));
            }
            return Ok(Stop::Done(self.result()?));
        }
        // Leave the entropy data: the next marker follows.
        self.phase = Phase::Skip;
        Ok(Stop::Next)
    }

    fn decode_mcus(&mut self, scan: &mut Scan) -> Result<Stop, Error> {
        let frame = self
            .frame
            .as_ref()
            .ok_or_else(|| Error::invalid(F, "scan before frame header"))?;
        let tables = &self.tables;
        let store = &mut self.store;
        let buf = self.win.buf();
        let end = self.win.end;
        let mut pos = self.win.pos();
        let mut bits = self.bits;
        let mut preds = self.preds;
        let interleaved = scan.comps.len() > 1;
        // Coefficients of one MCU, for the CMYK/YCCK products.
        let mut mcu = [[0f32; 64]; MAX_COMPONENTS];
        while scan.next < scan.mcus {
            // Checkpoint at the MCU boundary.
            let (cp_pos, cp_bits, cp_preds, cp_restarts) = (pos, bits, preds, scan.restarts_seen);
            let mut r = Reader {
                buf,
                pos,
                bits,
                starved: false,
                end,
            };
            // Restart marker before this MCU?
            if self.restart > 0
                && scan.next > 0
                && scan.next.is_multiple_of(usize::from(self.restart))
                && scan.restarts_seen < (scan.next / usize::from(self.restart)) as u32
            {
                match r.restart()? {
                    true => {
                        scan.restarts_seen += 1;
                        preds = [0; MAX_COMPONENTS];
                    }
                    false => {
                        self.win.set_pos(cp_pos);
                        self.bits = cp_bits;
                        self.preds = cp_preds;
                        return if end {
                            Err(Error::truncated(F, "the scan ends early"))
                        } else {
                            self.need = self.win.rest().len() + 4096;
                            Ok(Stop::Starved)
                        };
                    }
                }
            }
            let mx = scan.next % scan.per_row;
            let my = scan.next / scan.per_row;
            for (si, &(c, td, ta)) in scan.comps.iter().enumerate() {
                let comp = *frame
                    .comps
                    .get(c)
                    .ok_or_else(|| Error::invalid(F, "component index"))?;
                let q = tables.qt.get(usize::from(comp.tq)).and_then(Option::as_ref);
                let q = q.ok_or_else(|| Error::invalid(F, "undefined quantisation table"))?;
                let (nh, nv) = if interleaved {
                    (usize::from(comp.h), usize::from(comp.v))
                } else {
                    (1, 1)
                };
                for by in 0..nv {
                    for bx in 0..nh {
                        let (x, y) = if interleaved {
                            (mx * nh + bx, my * nv + by)
                        } else {
                            (mx, my)
                        };
                        let at = y * comp.pw + x;
                        if scan.kind == ScanKind::DcRefine {
                            if r.bits(1) != 0 {
                                if let Some(p) = store.planes.get_mut(c).and_then(|p| p.get_mut(at))
                                {
                                    *p |= 1 << scan.al;
                                }
                            }
                            continue;
                        }
                        let h = tables.dc.get(td).and_then(Option::as_ref);
                        let h = h.ok_or_else(|| Error::invalid(F, "undefined DC table"))?;
                        let t = r.decode(h)?;
                        if t > 16 {
                            return Err(Error::invalid(F, "bad DC magnitude category"));
                        }
                        let diff = r.extend(u32::from(t));
                        let pred = preds.get_mut(si).ok_or_else(|| Error::invalid(F, "scan"))?;
                        *pred = pred.wrapping_add(diff);
                        let dc = pred.wrapping_shl(u32::from(scan.al));
                        let (rw, rh) = comp.real(x, y);
                        let edge = rw > 0 && rh > 0 && (rw < 8 || rh < 8);
                        if scan.kind == ScanKind::Sequential {
                            let h = tables.ac.get(ta).and_then(Option::as_ref);
                            let h = h.ok_or_else(|| Error::invalid(F, "undefined AC table"))?;
                            if scan.direct || edge {
                                let mut coefs = [0i32; 64];
                                coefs[0] = dc;
                                r.read_ac(h, &mut coefs)?;
                                let mut deq = [0f32; 64];
                                for (d, (&c, &qk)) in deq.iter_mut().zip(coefs.iter().zip(q.iter()))
                                {
                                    *d = c as f32 * f32::from(qk);
                                }
                                if edge {
                                    let m =
                                        region_mean(&deq, rw, rh) + 128.0 * precision_scale(frame);
                                    store.set_edge(c, &comp, x, y, m);
                                }
                                if scan.direct {
                                    // Level shift: +128 on every sample is +1024 on F(0,0).
                                    deq[0] += 1024.0;
                                    if let Some(slot) = mcu.get_mut(si) {
                                        *slot = deq;
                                    }
                                }
                            } else {
                                r.skip_ac(h)?;
                            }
                        }
                        if !scan.direct {
                            if let Some(p) = store.planes.get_mut(c).and_then(|p| p.get_mut(at)) {
                                *p = dc.clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16;
                            }
                        }
                    }
                }
            }
            if scan.direct && !r.starved {
                let comp = frame.comps.first().copied().unwrap_or_default();
                let (rw, rh) = comp.real(mx, my);
                if rw > 0 && rh > 0 {
                    if let Some(sum) = store.direct.as_mut() {
                        let [cr, cg, cb] = direct_block(&mcu, self.adobe == Some(2), rw, rh);
                        sum.add_weighted(cr, cg, cb, (rw * rh) as f64);
                    }
                }
            }
            if r.starved {
                // Rewind to the MCU's start and ask for more.
                self.win.set_pos(cp_pos);
                self.bits = cp_bits;
                self.preds = cp_preds;
                scan.restarts_seen = cp_restarts;
                return Ok(Stop::Starved);
            }
            pos = r.pos;
            bits = r.bits;
            scan.next += 1;
        }
        self.win.set_pos(pos);
        self.bits = bits;
        self.preds = preds;
        Ok(Stop::Next)
    }

    /// Skips entropy-coded bytes up to the next marker that is not RSTn.
    fn skip_entropy(&mut self) -> Result<Stop, Error> {
        let r = self.win.rest();
        let mut i = 0;
        while let (Some(&a), Some(&b)) = (r.get(i), r.get(i + 1)) {
            if a == 0xFF {
                if b == 0x00 || (0xD0..=0xD7).contains(&b) {
                    i += 2;
                    continue;
                }
                if b == 0xFF {
                    i += 1;
                    continue;
                }
                self.win.consume(i);
                self.bits = Bits::default();
                self.phase = Phase::Markers;
                return Ok(Stop::Next);
            }
            i += 1;
        }
        // Keep a trailing FF: it may start a marker.
        self.win.consume(i);
        self.need = 2;
        self.starved_or(Error::truncated(
            F,
            "the file ends before every component's DC coefficients",
        ))
    }

    /// The average over the 1/8-scale image.
    fn result(&self) -> Result<Sum, Error> {
        let f = self
            .frame
            .as_ref()
            .ok_or_else(|| Error::invalid(F, "no frame"))?;
        let n = f.comps.len();
        // Sample value of a block: 128 + (DC + missing-bits midpoint) × q / 8.
        let mut scale = [0f32; MAX_COMPONENTS];
        let mut offset = [0f32; MAX_COMPONENTS];
        let (center, shift) = if f.precision == 12 {
            (2048.0, 1.0 / 16.0)
        } else {
            (128.0, 1.0)
        };
        for (i, c) in f.comps.iter().enumerate() {
            let q = self.tables.qt.get(usize::from(c.tq)).copied().flatten();
            let q = f32::from(q.map_or(1, |q| q[0]));
            let al = self.al.get(i).copied().unwrap_or(0);
            let mid = ((1u32 << al) as f32 - 1.0) / 2.0;
            scale[i] = q / 8.0 * shift;
            offset[i] = center * shift + mid * q / 8.0 * shift;
        }
        let rgb_direct = n == 3 && self.adobe == Some(0);
        let ycck = n == 4 && self.adobe == Some(2);
        let mut sum = Sum::new(255.0);
        let bw = f.width.div_ceil(8);
        let bh = f.height.div_ceil(8);
        let (hmax, vmax) = (usize::from(f.hmax), usize::from(f.vmax));
        let mut val = [0f32; MAX_COMPONENTS];
        for by in 0..bh {
            let wy = (f.height - by * 8).min(8) as f64;
            for bx in 0..bw {
                let wx = (f.width - bx * 8).min(8) as f64;
                for (i, c) in f.comps.iter().enumerate() {
                    let x = bx * usize::from(c.h) / hmax;
                    let y = by * usize::from(c.v) / vmax;
                    // Only the last block column or row can be partial.
                    let last = x + 1 >= c.bw || y + 1 >= c.bh;
                    let edge = if last {
                        self.store.edge(i, c, x, y)
                    } else {
                        None
                    };
                    let v = match edge {
                        Some(m) => m * shift,
                        None => {
                            let plane = self.store.planes.get(i);
                            let d = plane.and_then(|p| p.get(y * c.pw + x)).copied();
                            f32::from(d.unwrap_or(0)) * scale[i] + offset[i]
                        }
                    };
                    if let Some(slot) = val.get_mut(i) {
                        *slot = v;
                    }
                }
                let [r, g, b] = match n {
                    1 => {
                        let y = clamp(val[0]);
                        [y, y, y]
                    }
                    3 if rgb_direct => [clamp(val[0]), clamp(val[1]), clamp(val[2])],
                    3 => ycc(val[0], val[1], val[2]),
                    _ if ycck => {
                        let [r, g, b] = ycc(val[0], val[1], val[2]);
                        let k = clamp(val[3]);
                        [mul(255.0 - r, k), mul(255.0 - g, k), mul(255.0 - b, k)]
                    }
                    _ => {
                        let k = clamp(val[3]);
                        [
                            mul(clamp(val[0]), k),
                            mul(clamp(val[1]), k),
                            mul(clamp(val[2]), k),
                        ]
                    }
                };
                sum.add_weighted(f64::from(r), f64::from(g), f64::from(b), wx * wy);
            }
        }
        Ok(sum)
    }
}

fn clamp(v: f32) -> f32 {
    v.clamp(0.0, 255.0)
}

/// `a × b / 255` (zune-jpeg's CMYK → RGB, in floating point).
fn mul(a: f32, b: f32) -> f32 {
    a * b / 255.0
}

/// JFIF YCbCr → RGB (full range), clamped.
fn ycc(y: f32, cb: f32, cr: f32) -> [f32; 3] {
    let (cb, cr) = (cb - 128.0, cr - 128.0);
    [
        clamp(y + 1.402 * cr),
        clamp(y - 0.344_136 * cb - 0.714_136 * cr),
        clamp(y + 1.772 * cb),
    ]
}

/// Entropy-coded bit reader over the window's buffer.
struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    bits: Bits,
    starved: bool,
    end: bool,
}

impl Reader<'_> {
    #[inline]
    fn refill(&mut self) {
        // Fast path: eight bytes without 0xFF (no stuffing, no marker) at once.
        if !self.bits.marker {
            if let Some(chunk) = self.buf.get(self.pos..self.pos + 8) {
                if !chunk.contains(&0xFF) {
                    let mut b = [0u8; 8];
                    b.copy_from_slice(chunk);
                    let v = u64::from_be_bytes(b);
                    let take = (64 - self.bits.n) / 8;
                    self.bits.acc |= v >> self.bits.n;
                    self.pos += take as usize;
                    self.bits.n += 8 * take;
                    if self.bits.n < 64 {
                        self.bits.acc &= !(u64::MAX >> self.bits.n);
                    }
                    return;
                }
            }
        }
        while self.bits.n <= 56 {
            let byte = if self.bits.marker {
                0
            } else {
                match self.buf.get(self.pos) {
                    None => {
                        if !self.end {
                            self.starved = true;
                        }
                        self.bits.marker = true;
                        0
                    }
                    Some(&0xFF) => match self.buf.get(self.pos + 1) {
                        Some(0x00) => {
                            self.pos += 2;
                            0xFF
                        }
                        None => {
                            if !self.end {
                                self.starved = true;
                            }
                            self.bits.marker = true;
                            0
                        }
                        Some(_) => {
                            self.bits.marker = true;
                            0
                        }
                    },
                    Some(&b) => {
                        self.pos += 1;
                        b
                    }
                }
            };
            self.bits.acc |= u64::from(byte) << (56 - self.bits.n);
            self.bits.n += 8;
        }
    }

    #[inline]
    fn bits(&mut self, n: u32) -> u32 {
        if n == 0 {
            return 0;
        }
        if self.bits.n < n {
            self.refill();
        }
        let v = (self.bits.acc >> (64 - n)) as u32;
        self.bits.acc <<= n;
        self.bits.n -= n;
        v
    }

    #[inline]
    fn decode(&mut self, h: &Huff) -> Result<u8, Error> {
        if self.bits.n < 16 {
            self.refill();
        }
        let peek = (self.bits.acc >> (64 - FAST_BITS)) as usize;
        let e = h.fast.get(peek).copied().unwrap_or(0);
        if e != 0 {
            let len = u32::from(e >> 8);
            self.bits.acc <<= len;
            self.bits.n -= len;
            return Ok((e & 0xFF) as u8);
        }
        for len in (FAST_BITS + 1)..=16 {
            let code = (self.bits.acc >> (64 - len)) as i32;
            if code <= h.maxcode[len as usize] {
                self.bits.acc <<= len;
                self.bits.n -= len;
                let idx = (code + h.delta[len as usize]) as usize;
                return h
                    .values
                    .get(idx)
                    .copied()
                    .ok_or_else(|| Error::invalid(F, "bad Huffman code"));
            }
        }
        if self.starved {
            // Zeros past the window's end can form no code: the caller rewinds.
            return Ok(0);
        }
        Err(Error::invalid(F, "bad Huffman code"))
    }

    /// T.81 F.2.2.1 EXTEND of the next `t` bits.
    #[inline]
    fn extend(&mut self, t: u32) -> i32 {
        if t == 0 {
            return 0;
        }
        let t = t.min(16);
        let v = self.bits(t) as i32;
        if v < (1 << (t - 1)) {
            v - (1 << t) + 1
        } else {
            v
        }
    }

    /// Decodes and drops the 63 AC coefficients of a block.
    #[inline]
    fn skip_ac(&mut self, h: &Huff) -> Result<(), Error> {
        let mut k = 1;
        while k < 64 {
            if self.bits.n < 16 + 16 {
                self.refill();
            }
            // Code and extra bits in one lookup when they fit in SKIP_BITS.
            let peek = (self.bits.acc >> (64 - SKIP_BITS)) as usize;
            let e = h.skip.get(peek).copied().unwrap_or(0);
            if e != 0 {
                let len = u32::from(e >> 8);
                self.bits.acc <<= len;
                self.bits.n -= len;
                let adv = usize::from(e & 0xFF);
                if adv == 0 {
                    break;
                }
                k += adv;
                continue;
            }
            let rs = self.decode(h)?;
            let (r, s) = (u32::from(rs >> 4), u32::from(rs & 15));
            if s == 0 {
                if r != 15 {
                    break;
                }
                k += 16;
            } else {
                k += r as usize + 1;
                self.bits(s);
            }
            if self.starved && self.bits.n == 0 {
                break;
            }
        }
        Ok(())
    }

    /// Decodes the 63 AC coefficients of a block into `coefs` (zigzag order).
    fn read_ac(&mut self, h: &Huff, coefs: &mut [i32; 64]) -> Result<(), Error> {
        let mut k = 1usize;
        while k < 64 {
            let rs = self.decode(h)?;
            let (r, s) = (usize::from(rs >> 4), u32::from(rs & 15));
            if s == 0 {
                if r != 15 {
                    break;
                }
                k += 16;
            } else {
                k += r;
                let v = self.extend(s);
                if let Some(c) = coefs.get_mut(k) {
                    *c = v;
                }
                k += 1;
            }
        }
        Ok(())
    }

    /// Consumes an RSTn marker (after the bits before it); `false`: not enough bytes.
    fn restart(&mut self) -> Result<bool, Error> {
        self.bits = Bits::default();
        let mut i = self.pos;
        // Tolerate bytes between the last MCU and the marker (corrupt but common).
        let limit = i.saturating_add(MAX_JUNK);
        loop {
            let (Some(&a), Some(&b)) = (self.buf.get(i), self.buf.get(i + 1)) else {
                return if self.end {
                    Err(Error::truncated(F, "the file ends at a restart marker"))
                } else {
                    Ok(false)
                };
            };
            if a == 0xFF && (0xD0..=0xD7).contains(&b) {
                self.pos = i + 2;
                return Ok(true);
            }
            if a == 0xFF && b != 0x00 && b != 0xFF {
                return Err(Error::invalid(F, "restart marker missing"));
            }
            i += 1;
            if i > limit {
                return Err(Error::invalid(F, "restart marker missing"));
            }
        }
    }
}

impl Job for DcJob {
    fn start(&self) -> Want {
        Want::Bytes { offset: 0, min: 2 }
    }

    fn feed(&mut self, offset: u64, data: &[u8], end: bool) -> Result<Want, Error> {
        self.win.push(offset, data, end);
        loop {
            let before = (self.win.offset(), self.phase);
            match self.step()? {
                Stop::Done(sum) => return Ok(Want::Done(sum)),
                Stop::Starved => {
                    if self.win.end {
                        return Err(Error::truncated(F, "the file ends early"));
                    }
                    // Scans: an MCU is at most a few KiB; ask for that much more.
                    let need = match self.phase {
                        Phase::Scan => self.win.rest().len() + 4096,
                        _ => self.need,
                    };
                    return Ok(self.win.want(need));
                }
                Stop::Next => {
                    // A seek past the window: ask for the bytes there.
                    if self.win.offset() >= self.win.end_offset() && !self.win.end {
                        return Ok(Want::Bytes {
                            offset: self.win.end_offset(),
                            min: 4,
                        });
                    }
                    if (self.win.offset(), self.phase) == before && self.phase == Phase::Markers {
                        return Err(Error::invalid(F, "decoder made no progress"));
                    }
                }
            }
        }
    }
}

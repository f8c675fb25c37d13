//! TIFF (TIFF 6.0, and BigTIFF's 64-bit variant; also the TIFF-based raw formats DNG,
//! CR2 and NEF): the header points at IFD0, wherever it lies in the file (some writers
//! put it at the end; we ask for it by offset). IFD0 gives the size (ImageWidth /
//! ImageLength, SHORT or LONG), PhotometricInterpretation (colour model),
//! BitsPerSample and ExtraSamples (alpha); the page count follows the IFD chain.
//!
//! The file *is* its EXIF block: IFD0 with its Exif, GPS and Interop sub-IFDs and all
//! their out-of-line values. The probe reads every one of those tables and values
//! (never pixel strips), batching ranges that lie close together into one read, and
//! reports [`ExifKind::TiffFile`] with the range from 0 to the last byte they need.
//! [`exif_block`] then rebuilds a compact classic TIFF from them for kamadak-exif:
//! IFD0 (its next-IFD link cut, so pages are not read as an EXIF thumbnail IFD), Exif,
//! GPS and Interop IFDs with their values, pointers rewritten. This works the same for
//! IFDs at the end of a file of any size and for BigTIFF, which kamadak-exif does not
//! read (64-bit-only entry types, LONG8 and IFD8, are left out of the rebuilt block).

use std::collections::BTreeSet;

use crate::bytes::{be16, be32, be64, le16, le32, le64, ByteMap, Halt, PResult, Range};
use crate::error::Error;
use crate::exif::{tags, MAX_EXIF_BYTES};
use crate::model::{ColorSpace, ExifKind, ExifLoc, Format, Header};

const F: &str = "tiff";
/// Entries in one IFD before the file is called hostile. TIFF 6, Exif 2.3, DNG and
/// GeoTIFF define a few hundred tags; real IFDs have tens. 4096 entries is 48 KiB.
pub const MAX_IFD_ENTRIES: u64 = 4096;
/// IFDs followed in the page chain before the file is called hostile (older libtiff
/// counts directories in 16 bits; real multi-page files have at most hundreds).
pub const MAX_PAGES: u32 = 65_536;
/// Separate places page IFDs are fetched from (about one read each) before the page
/// count is given up as not worth it (`frames: None`). Multi-page files whose pages
/// sit in the first read or a few nearby ones are counted; a 100-page scan with each
/// IFD behind its page's strips would cost 100 reads and is not.
pub const MAX_PAGE_READS: usize = 4;
/// Missing ranges closer than this are fetched in one read: bytes cost little next to
/// a round trip (R2 bills per operation), and tables and values usually cluster.
pub const MERGE_GAP: u64 = 64 * 1024;
/// A merged read stops growing at this span, so that gaps read along stay a small part
/// of the request's byte budget (4 MiB) however the values are scattered.
pub const MAX_READ_SPAN: u64 = 1024 * 1024;
/// Strip and tile offset / byte-count arrays longer than this are pixel layout, not
/// metadata: they grow with the image (megabytes for a big tiled BigTIFF), so they are
/// neither fetched nor put in the EXIF block. Ordinary files' arrays are far smaller.
pub const MAX_LAYOUT_ARRAY: u64 = 64 * 1024;
/// StripOffsets, StripByteCounts, TileOffsets, TileByteCounts.
const LAYOUT_TAGS: [u16; 4] = [0x0111, 0x0117, 0x0144, 0x0145];

const IMAGE_WIDTH: u16 = tags::IMAGE_WIDTH;
const IMAGE_LENGTH: u16 = tags::IMAGE_LENGTH;
const BITS_PER_SAMPLE: u16 = 0x0102;
const PHOTOMETRIC: u16 = 0x0106;
const EXTRA_SAMPLES: u16 = 0x0152;

pub fn sniff(head: &[u8]) -> bool {
    matches!(
        head.get(..4),
        Some(b"II*\0" | b"MM\0*" | b"II+\0" | b"MM\0+")
    )
}

/// Byte order and classic/Big layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Layout {
    le: bool,
    big: bool,
}

impl Layout {
    fn u16(self, b: &[u8], at: usize) -> Option<u16> {
        if self.le {
            le16(b, at)
        } else {
            be16(b, at)
        }
    }
    fn u32(self, b: &[u8], at: usize) -> Option<u32> {
        if self.le {
            le32(b, at)
        } else {
            be32(b, at)
        }
    }
    fn u64(self, b: &[u8], at: usize) -> Option<u64> {
        if self.le {
            le64(b, at)
        } else {
            be64(b, at)
        }
    }
    /// An offset or count field: 32 bits classic, 64 bits BigTIFF.
    fn word(self, b: &[u8], at: usize) -> Option<u64> {
        if self.big {
            self.u64(b, at)
        } else {
            self.u32(b, at).map(u64::from)
        }
    }
    fn header_len(self) -> u64 {
        if self.big {
            16
        } else {
            8
        }
    }
    fn count_len(self) -> u64 {
        if self.big {
            8
        } else {
            2
        }
    }
    fn entry_len(self) -> u64 {
        if self.big {
            20
        } else {
            12
        }
    }
    /// Size of the value/offset field and of the next-IFD link.
    fn word_len(self) -> u64 {
        if self.big {
            8
        } else {
            4
        }
    }
}

/// Bytes per value of a TIFF field type (TIFF 6 section 2, BigTIFF adds 16–18).
fn type_size(t: u16) -> Option<u64> {
    match t {
        1 | 2 | 6 | 7 => Some(1),
        3 | 8 => Some(2),
        4 | 9 | 11 | 13 => Some(4),
        5 | 10 | 12 | 16 | 17 | 18 => Some(8),
        _ => None,
    }
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    tag: u16,
    typ: u16,
    count: u64,
    /// Value bytes: type size × count, `None` for unknown types or overflow.
    len: Option<u64>,
    /// The raw value/offset field (4 or 8 bytes).
    field: [u8; 8],
    /// Out-of-line value location; `None` when the value is inline (or unsized).
    value: Option<Range>,
}

#[derive(Debug, Clone)]
struct Ifd {
    at: u64,
    entries: Vec<Entry>,
    next: u64,
    /// One past the table's next-IFD link.
    end: u64,
}

impl Ifd {
    fn get(&self, tag: u16) -> Option<&Entry> {
        self.entries.iter().find(|e| e.tag == tag)
    }
}

/// The result of looking at bytes that may not be held yet.
enum Look<T> {
    Found(T),
    /// Not held; the range is recorded in the plan.
    Missing,
    /// Unreadable: past the end of the object, or impossible.
    Bad(Error),
}

/// Collects the ranges a walk misses, so that nearby ones are fetched together.
struct Plan<'a> {
    data: &'a ByteMap,
    missing: Vec<Range>,
}

impl<'a> Plan<'a> {
    fn new(data: &'a ByteMap) -> Self {
        Plan {
            data,
            missing: Vec::new(),
        }
    }

    fn get(&mut self, r: Range, what: &str) -> Look<&'a [u8]> {
        let data: &'a ByteMap = self.data;
        let Some(end) = r.offset.checked_add(r.len) else {
            return Look::Bad(Error::invalid(
                F,
                format!("{what} at {}: offset overflows", r.offset),
            ));
        };
        if data.total().is_some_and(|t| end > t) {
            let t = data.total().unwrap_or(0);
            return Look::Bad(Error::truncated(
                F,
                format!(
                    "{what} needs bytes {}..{end} but the object has {t}",
                    r.offset
                ),
            ));
        }
        if let Some(b) = data.peek(r.offset, r.len) {
            return Look::Found(b);
        }
        let held = data.contiguous_from(r.offset).min(r.len);
        self.missing.push(Range::new(r.offset + held, r.len - held));
        Look::Missing
    }

    /// The first missing range, widened to cover the missing ranges that follow it
    /// within [`MERGE_GAP`]: one read for a cluster of tables and values.
    fn next_read(&self) -> Option<Range> {
        let mut m = self.missing.clone();
        crate::sort::sort_by_key(&mut m, |r| r.offset);
        let first = *m.first()?;
        let mut end = first.end();
        for r in m.iter().skip(1) {
            if r.offset > end.saturating_add(MERGE_GAP)
                || r.end().saturating_sub(first.offset) > MAX_READ_SPAN
            {
                break;
            }
            end = end.max(r.end());
        }
        Some(Range::new(first.offset, end - first.offset))
    }
}

fn layout_and_ifd0(data: &ByteMap) -> PResult<(Layout, u64)> {
    let h = data.get(0, 8, F, "header")?;
    let le = h.starts_with(b"II");
    let magic = if le { le16(h, 2) } else { be16(h, 2) };
    let l = match magic {
        Some(42) => Layout { le, big: false },
        Some(43) => Layout { le, big: true },
        m => return Err(Error::invalid(F, format!("magic {m:?}")).into()),
    };
    let h = data.get(0, l.header_len(), F, "header")?;
    let ifd0 = if l.big {
        let (bytesize, zero) = (l.u16(h, 4), l.u16(h, 6));
        if bytesize != Some(8) || zero != Some(0) {
            return Err(Error::invalid(F, "BigTIFF header: offset size is not 8").into());
        }
        l.u64(h, 8).unwrap_or(0)
    } else {
        l.u32(h, 4).unwrap_or(0) as u64
    };
    if ifd0 < l.header_len() {
        return Err(Error::invalid(F, format!("IFD0 offset {ifd0} inside the header")).into());
    }
    Ok((l, ifd0))
}

/// Reads an IFD table: entry count, entries, next-IFD link.
fn read_ifd(plan: &mut Plan, l: Layout, at: u64) -> Look<Ifd> {
    let c = match plan.get(Range::new(at, l.count_len()), "IFD entry count") {
        Look::Found(c) => c,
        Look::Missing => return Look::Missing,
        Look::Bad(e) => return Look::Bad(e),
    };
    let n = if l.big {
        l.u64(c, 0).unwrap_or(0)
    } else {
        l.u16(c, 0).unwrap_or(0) as u64
    };
    if n == 0 || n > MAX_IFD_ENTRIES {
        return Look::Bad(Error::invalid(F, format!("IFD at {at} has {n} entries")));
    }
    let table_at = at + l.count_len();
    let len = n * l.entry_len() + l.word_len();
    let t = match plan.get(Range::new(table_at, len), "IFD entries") {
        Look::Found(t) => t,
        Look::Missing => return Look::Missing,
        Look::Bad(e) => return Look::Bad(e),
    };
    let el = l.entry_len() as usize;
    let wl = l.word_len() as usize;
    let mut entries = Vec::with_capacity(n as usize);
    for i in 0..n as usize {
        let e = i * el;
        let tag = l.u16(t, e).unwrap_or(0);
        let typ = l.u16(t, e + 2).unwrap_or(0);
        let count = l.word(t, e + 4).unwrap_or(0);
        let f_at = e + if l.big { 12 } else { 8 };
        let mut field = [0u8; 8];
        if let Some(src) = t.get(f_at..f_at + wl) {
            field[..wl].copy_from_slice(src);
        }
        let len = type_size(typ).and_then(|s| s.checked_mul(count));
        let value = match len {
            Some(len) if len > l.word_len() => {
                Some(Range::new(l.word(&field, 0).unwrap_or(0), len))
            }
            _ => None,
        };
        entries.push(Entry {
            tag,
            typ,
            count,
            len,
            field,
            value,
        });
    }
    let next = l.word(t, n as usize * el).unwrap_or(0);
    Look::Found(Ifd {
        at,
        entries,
        next,
        end: table_at + len,
    })
}

/// The i-th value of an unsigned integer entry (BYTE, SHORT, LONG, LONG8, IFD, IFD8).
fn uint_at(plan: &mut Plan, l: Layout, e: &Entry, i: u64) -> Look<Option<u64>> {
    let Some(size) = type_size(e.typ).filter(|_| matches!(e.typ, 1 | 3 | 4 | 13 | 16 | 18)) else {
        return Look::Found(None);
    };
    if i >= e.count {
        return Look::Found(None);
    }
    let off = i.saturating_mul(size) as usize;
    let bytes: &[u8] = match e.value {
        None => &e.field,
        Some(r) => match plan.get(
            Range::new(r.offset.saturating_add(i.saturating_mul(size)), size),
            "IFD value",
        ) {
            Look::Found(b) => return Look::Found(read_uint(l, b, 0, size)),
            Look::Missing => return Look::Missing,
            Look::Bad(_) => return Look::Found(None),
        },
    };
    Look::Found(read_uint(l, bytes, off, size))
}

fn read_uint(l: Layout, b: &[u8], at: usize, size: u64) -> Option<u64> {
    match size {
        1 => b.get(at).map(|&v| v as u64),
        2 => l.u16(b, at).map(u64::from),
        4 => l.u32(b, at).map(u64::from),
        8 => l.u64(b, at),
        _ => None,
    }
}

/// A sub-IFD pointer (ExifIFD, GPS, Interop): one LONG/IFD (LONG8/IFD8) value, inline.
fn pointer(l: Layout, ifd: &Ifd, tag: u16) -> Option<u64> {
    let e = ifd.get(tag)?;
    if e.count != 1 || e.value.is_some() {
        return None;
    }
    match e.typ {
        4 | 13 => l.u32(&e.field, 0).map(u64::from),
        16 | 18 if l.big => l.u64(&e.field, 0),
        _ => None,
    }
    .filter(|&o| o >= l.header_len())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Ifd0,
    Exif,
    Gps,
    Interop,
}

/// IFD0 and its Exif/GPS/Interop sub-IFDs, as far as they are held.
struct Tables {
    ifds: Vec<(Role, Ifd)>,
    /// One past the last byte the tables and their values need.
    end: u64,
    /// Bytes of tables and values, bounded by `MAX_EXIF_BYTES`.
    bytes: u64,
    too_big: bool,
}

impl Tables {
    fn add(&mut self, plan: &mut Plan, role: Role, ifd: Ifd) {
        self.end = self.end.max(ifd.end);
        self.bytes = self.bytes.saturating_add(ifd.end - ifd.at);
        for e in &ifd.entries {
            let Some(r) = e.value else { continue };
            // A value past the end of the object, or bigger than any EXIF block may be,
            // is a lying length: it is left out of the rebuilt block, not fetched.
            if r.len > MAX_EXIF_BYTES || past_end(plan.data, r) || skipped_layout(e) {
                continue;
            }
            // With the object's size unknown, a value not held may yet prove to lie past
            // the end: ask for its last byte (a short read tells the size) before it counts
            // against the limit, so that the answer never depends on whether the size was
            // known when the tables were walked.
            let last = Range::new(r.end().saturating_sub(1), 1);
            if plan.data.total().is_none() && plan.data.peek(last.offset, 1).is_none() {
                plan.get(last, "IFD value");
                continue;
            }
            if self.too_big || self.bytes.saturating_add(r.len) > MAX_EXIF_BYTES {
                self.too_big = true;
                continue;
            }
            self.bytes += r.len;
            plan.get(r, "IFD value");
            self.end = self.end.max(r.end());
        }
        self.ifds.push((role, ifd));
    }

    fn find(&self, role: Role) -> Option<&Ifd> {
        self.ifds.iter().find(|(r, _)| *r == role).map(|(_, i)| i)
    }
}

fn skipped_layout(e: &Entry) -> bool {
    LAYOUT_TAGS.contains(&e.tag) && e.len.is_some_and(|l| l > MAX_LAYOUT_ARRAY)
}

fn past_end(data: &ByteMap, r: Range) -> bool {
    match r.offset.checked_add(r.len) {
        Some(end) => data.total().is_some_and(|t| end > t),
        None => true,
    }
}

/// Walks IFD0's Exif, GPS and (inside Exif) Interop IFDs and every value they point at,
/// recording what is missing in `plan`.
fn collect(plan: &mut Plan, l: Layout, ifd0: &Ifd) -> Tables {
    let mut t = Tables {
        ifds: Vec::new(),
        end: l.header_len(),
        bytes: 0,
        too_big: false,
    };
    let mut seen = vec![ifd0.at];
    t.add(plan, Role::Ifd0, ifd0.clone());
    for (tag, role) in [
        (tags::EXIF_IFD_POINTER, Role::Exif),
        (tags::GPS_IFD_POINTER, Role::Gps),
    ] {
        let Some(at) = pointer(l, ifd0, tag).filter(|a| !seen.contains(a)) else {
            continue;
        };
        seen.push(at);
        let Look::Found(ifd) = read_ifd(plan, l, at) else {
            continue;
        };
        let interop = if role == Role::Exif {
            pointer(l, &ifd, tags::INTEROP_IFD_POINTER).filter(|a| !seen.contains(a))
        } else {
            None
        };
        t.add(plan, role, ifd);
        if let Some(at) = interop {
            seen.push(at);
            if let Look::Found(ifd) = read_ifd(plan, l, at) {
                t.add(plan, Role::Interop, ifd);
            }
        }
    }
    t
}

/// Follows the page chain from IFD0's link: `Some(n)` when walked to its end, `None`
/// when not counted (a page IFD unreadable, missing or too far); a loop is an error.
fn count_pages(plan: &mut Plan, l: Layout, ifd0: &Ifd) -> PResult<Option<u32>> {
    let data = plan.data;
    let run_of = |at: u64| at.saturating_add(data.contiguous_from(at));
    let free = [run_of(0), run_of(ifd0.at)];
    let mut runs: Vec<u64> = Vec::new();
    let mut seen = BTreeSet::from([ifd0.at]);
    let mut pages: u32 = 1;
    let mut next = ifd0.next;
    while next != 0 {
        if pages >= MAX_PAGES {
            return Err(
                Error::invalid(F, format!("more than {MAX_PAGES} IFDs in the page chain")).into(),
            );
        }
        if !seen.insert(next) {
            return Err(Error::invalid(F, format!("IFD chain loops back to offset {next}")).into());
        }
        if next < l.header_len() {
            return Ok(None);
        }
        if data.contiguous_from(next) == 0 {
            if runs.len() >= MAX_PAGE_READS {
                return Ok(None);
            }
        } else {
            let run = run_of(next);
            if !free.contains(&run) && !runs.contains(&run) {
                runs.push(run);
            }
        }
        // Only the entry count and the link are needed to follow the chain.
        let c = match plan.get(Range::new(next, l.count_len()), "page IFD entry count") {
            Look::Found(c) => c,
            Look::Missing | Look::Bad(_) => return Ok(None),
        };
        let n = if l.big {
            l.u64(c, 0).unwrap_or(0)
        } else {
            l.u16(c, 0).unwrap_or(0) as u64
        };
        if n == 0 || n > MAX_IFD_ENTRIES {
            return Ok(None);
        }
        let link_at = next.saturating_add(l.count_len() + n * l.entry_len());
        let link = match plan.get(Range::new(link_at, l.word_len()), "page IFD link") {
            Look::Found(b) => b,
            Look::Missing | Look::Bad(_) => return Ok(None),
        };
        pages += 1;
        next = l.word(link, 0).unwrap_or(0);
    }
    Ok(Some(pages))
}

pub fn probe(data: &ByteMap) -> PResult<Header> {
    let (l, ifd0_at) = layout_and_ifd0(data)?;
    let mut plan = Plan::new(data);
    let ifd0 = match read_ifd(&mut plan, l, ifd0_at) {
        Look::Found(i) => i,
        Look::Missing => return Err(need(&plan)),
        Look::Bad(e) => return Err(e.into()),
    };
    let width = dimension(&mut plan, l, &ifd0, IMAGE_WIDTH, "ImageWidth")?;
    let height = dimension(&mut plan, l, &ifd0, IMAGE_LENGTH, "ImageLength")?;
    let mut h = Header::new(Format::Tiff, width, height);

    // Everything else is gathered in one plan, so that close ranges share a read.
    let mut plan = Plan::new(data);
    let tables = collect(&mut plan, l, &ifd0);
    let pages = count_pages(&mut plan, l, &ifd0)?;
    let bps = match ifd0.get(BITS_PER_SAMPLE) {
        Some(e) => uint_at(&mut plan, l, e, 0),
        // TIFF 6 section 8: BitsPerSample defaults to 1.
        None => Look::Found(Some(1)),
    };
    let photometric = match ifd0.get(PHOTOMETRIC) {
        Some(e) => uint_at(&mut plan, l, e, 0),
        None => Look::Found(None),
    };
    let mut alpha = false;
    if let Some(e) = ifd0.get(EXTRA_SAMPLES) {
        // 1 associated alpha, 2 unassociated alpha (0 is unspecified data).
        for i in 0..e.count.min(MAX_IFD_ENTRIES) {
            if let Look::Found(Some(1 | 2)) = uint_at(&mut plan, l, e, i) {
                alpha = true;
            }
        }
    }
    if !plan.missing.is_empty() {
        return Err(need(&plan));
    }
    if let Look::Found(b) = bps {
        h.bit_depth = b.and_then(|b| u8::try_from(b).ok());
    }
    if let Look::Found(p) = photometric {
        h.color = p.and_then(color);
    }
    h.alpha = Some(alpha);
    h.frames = pages;
    h.exif = Some(ExifLoc {
        range: Range::new(0, tables.end),
        kind: ExifKind::TiffFile,
    });
    Ok(h)
}

/// ImageWidth or ImageLength: SHORT or LONG (LONG8 in BigTIFF), not zero.
fn dimension(plan: &mut Plan, l: Layout, ifd0: &Ifd, tag: u16, name: &str) -> PResult<u32> {
    let e = ifd0
        .get(tag)
        .ok_or_else(|| Error::invalid(F, format!("IFD0 has no {name}")))?;
    if !matches!(e.typ, 3 | 4 | 16) {
        return Err(Error::invalid(F, format!("{name} has type {}", e.typ)).into());
    }
    let v = match uint_at(plan, l, e, 0) {
        Look::Found(v) => v.unwrap_or(0),
        Look::Missing => return Err(need(plan)),
        Look::Bad(e) => return Err(e.into()),
    };
    match u32::try_from(v) {
        Ok(v) if v > 0 => Ok(v),
        _ => Err(Error::invalid(F, format!("{name} is {v}")).into()),
    }
}

fn need(plan: &Plan) -> Halt {
    match plan.next_read() {
        Some(r) => Halt::Need(r),
        None => Error::invalid(F, "internal: nothing missing").into(),
    }
}

/// PhotometricInterpretation (TIFF 6 section 8, TIFF-F, CIELab in section 23).
fn color(p: u64) -> Option<ColorSpace> {
    Some(match p {
        0 | 1 => ColorSpace::Gray,
        2 => ColorSpace::Srgb,
        3 => ColorSpace::Palette,
        5 => ColorSpace::Cmyk,
        6 => ColorSpace::Ycbcr,
        8..=10 => ColorSpace::Lab,
        _ => return None,
    })
}

/// The file's EXIF for kamadak-exif: IFD0 (its next-IFD link cut), the Exif (with
/// Interop) and GPS IFDs and their values. A classic TIFF whose tables and values lie
/// within the first `MAX_EXIF_BYTES` keeps its layout (tables rewritten in place, values
/// at their offsets, other bytes zero), so pointer offsets read as in the file; BigTIFF
/// or far IFDs get a compact classic TIFF with pointers rewritten. Needs every table
/// and value the probe asked for to be held.
pub fn exif_block(data: &ByteMap) -> Result<Vec<u8>, String> {
    let (l, ifd0_at) = layout_and_ifd0(data).map_err(|_| "TIFF header not held".to_string())?;
    let mut plan = Plan::new(data);
    let Look::Found(ifd0) = read_ifd(&mut plan, l, ifd0_at) else {
        return Err("TIFF IFD0 not held".into());
    };
    let t = collect(&mut plan, l, &ifd0);
    if t.too_big {
        return Err(format!(
            "TIFF EXIF tables and values exceed {MAX_EXIF_BYTES} bytes"
        ));
    }
    if !plan.missing.is_empty() {
        return Err("TIFF EXIF tables or values were not read".into());
    }
    if !l.big && t.end <= MAX_EXIF_BYTES {
        return in_place(data, l, &t);
    }
    let mut w = Writer { l, out: Vec::new() };
    w.out
        .extend_from_slice(if l.le { b"II*\0" } else { b"MM\0*" });
    w.put32_at(4, 8);
    let write = |w: &mut Writer, role: Role| -> Option<Vec<(u16, usize)>> {
        t.find(role).map(|ifd| w.ifd(data, ifd, &t, role))
    };
    let ptrs0 = write(&mut w, Role::Ifd0).unwrap_or_default();
    for (tag, patch) in ptrs0 {
        let role = if tag == tags::EXIF_IFD_POINTER {
            Role::Exif
        } else {
            Role::Gps
        };
        let at = w.out.len();
        w.put32_at(patch, at as u32);
        let ptrs = write(&mut w, role).unwrap_or_default();
        for (_, patch) in ptrs {
            let at = w.out.len();
            w.put32_at(patch, at as u32);
            write(&mut w, Role::Interop);
        }
    }
    if w.out.len() as u64 > MAX_EXIF_BYTES {
        return Err("rebuilt TIFF EXIF block exceeds the limit".into());
    }
    Ok(w.out)
}

/// How a kept entry's value is written.
enum Out<'a> {
    /// A pointer to a child IFD that was read.
    Child,
    /// A value of at most 4 bytes, in the entry.
    Inline([u8; 4]),
    /// A longer value, out of line.
    Far(&'a [u8]),
}

struct Kept<'a> {
    /// Index in the source table.
    index: usize,
    entry: &'a Entry,
    count: u32,
    out: Out<'a>,
}

/// The entries of `ifd` that go into the EXIF block: the first pointer of each kind
/// whose IFD was read (as `collect` did), and every field whose value is held. Values
/// past the end of the object and the long layout arrays the probe did not fetch are
/// dropped, not invented; types kamadak-exif does not know keep their raw field in a
/// classic file (it reports them as unknown), BigTIFF's 64-bit types are left out.
fn kept<'a>(l: Layout, data: &'a ByteMap, ifd: &'a Ifd, t: &Tables, role: Role) -> Vec<Kept<'a>> {
    let children: &[(u16, Role)] = match role {
        Role::Ifd0 => &[
            (tags::EXIF_IFD_POINTER, Role::Exif),
            (tags::GPS_IFD_POINTER, Role::Gps),
        ],
        Role::Exif => &[(tags::INTEROP_IFD_POINTER, Role::Interop)],
        _ => &[],
    };
    let mut kept = Vec::new();
    let mut linked: Vec<u16> = Vec::new();
    for (index, e) in ifd.entries.iter().enumerate() {
        if let Some(&(_, child)) = children.iter().find(|(tag, _)| *tag == e.tag) {
            let first = !linked.contains(&e.tag);
            if first && t.find(child).is_some() && pointer(l, ifd, e.tag).is_some() {
                linked.push(e.tag);
                kept.push(Kept {
                    index,
                    entry: e,
                    count: 1,
                    out: Out::Child,
                });
            }
            continue;
        }
        let Ok(count) = u32::try_from(e.count) else {
            continue;
        };
        let known = (1..=12).contains(&e.typ);
        let out = match (known, e.len, e.value) {
            (true, Some(len), None) => {
                // Inline in the source; BigTIFF inline values of 5–8 bytes go out.
                let src = e.field.get(..len as usize).unwrap_or(&[]);
                if len <= 4 {
                    let mut f = [0u8; 4];
                    if let Some(dst) = f.get_mut(..src.len()) {
                        dst.copy_from_slice(src);
                    }
                    Out::Inline(f)
                } else {
                    Out::Far(src)
                }
            }
            (true, Some(_), Some(r)) if !skipped_layout(e) => match data.peek(r.offset, r.len) {
                Some(b) => Out::Far(b),
                None => continue,
            },
            (true, Some(_), Some(_)) => continue,
            _ if !l.big => {
                let mut f = [0u8; 4];
                f.copy_from_slice(e.field.get(..4).unwrap_or(&[0; 4]));
                Out::Inline(f)
            }
            _ => continue,
        };
        kept.push(Kept {
            index,
            entry: e,
            count,
            out,
        });
    }
    kept
}

/// A classic TIFF's EXIF in its own layout: a buffer up to the tables' end with each
/// kept value copied to its offset, then each table rewritten at its offset with the
/// kept entries (copied as they are) and a zero next-IFD link.
fn in_place(data: &ByteMap, l: Layout, t: &Tables) -> Result<Vec<u8>, String> {
    let n = usize::try_from(t.end).map_err(|_| "TIFF EXIF block too large".to_string())?;
    let mut out = vec![0u8; n];
    let mut put = |at: u64, bytes: &[u8]| {
        let at = usize::try_from(at).unwrap_or(usize::MAX);
        if let Some(dst) = at
            .checked_add(bytes.len())
            .and_then(|end| out.get_mut(at..end))
        {
            dst.copy_from_slice(bytes);
        }
    };
    put(0, data.peek(0, 8).ok_or("TIFF header not held")?);
    let mut tables = Vec::new();
    for (role, ifd) in &t.ifds {
        let kept = kept(l, data, ifd, t, *role);
        let mut table = Vec::with_capacity(2 + kept.len() * 12 + 4);
        let count = kept.len() as u16;
        table.extend_from_slice(&if l.le {
            count.to_le_bytes()
        } else {
            count.to_be_bytes()
        });
        for k in &kept {
            let at = ifd.at + 2 + 12 * k.index as u64;
            let entry = data.peek(at, 12).ok_or("TIFF IFD entry not held")?;
            match &k.out {
                // kamadak-exif reads a pointer only as LONG; IFD (13) is the same 4 bytes.
                Out::Child => {
                    table.extend_from_slice(entry.get(..2).unwrap_or(&[0; 2]));
                    table.extend_from_slice(&if l.le {
                        4u16.to_le_bytes()
                    } else {
                        4u16.to_be_bytes()
                    });
                    table.extend_from_slice(entry.get(4..).unwrap_or(&[0; 8]));
                }
                Out::Far(bytes) => {
                    table.extend_from_slice(entry);
                    if let Some(r) = k.entry.value {
                        put(r.offset, bytes);
                    }
                }
                Out::Inline(_) => table.extend_from_slice(entry),
            }
        }
        table.extend_from_slice(&[0; 4]);
        tables.push((ifd.at, table));
    }
    // Tables last: where a hostile file overlaps a value with a table, the table wins.
    for (at, table) in tables {
        put(at, &table);
    }
    Ok(out)
}

struct Writer {
    l: Layout,
    out: Vec<u8>,
}

impl Writer {
    fn put16(&mut self, v: u16) {
        let b = if self.l.le {
            v.to_le_bytes()
        } else {
            v.to_be_bytes()
        };
        self.out.extend_from_slice(&b);
    }
    fn put32_at(&mut self, at: usize, v: u32) {
        let b = if self.l.le {
            v.to_le_bytes()
        } else {
            v.to_be_bytes()
        };
        if self.out.len() < at + 4 {
            self.out.resize(at + 4, 0);
        }
        if let Some(dst) = self.out.get_mut(at..at + 4) {
            dst.copy_from_slice(&b);
        }
    }

    /// Writes one IFD at the current end and its values after it; returns the child
    /// pointers written (tag, position of the offset to patch).
    fn ifd(&mut self, data: &ByteMap, ifd: &Ifd, t: &Tables, role: Role) -> Vec<(u16, usize)> {
        let kept = kept(self.l, data, ifd, t, role);
        let table_at = self.out.len();
        self.put16(kept.len() as u16);
        let values_at = table_at + 2 + kept.len() * 12 + 4;
        self.out.resize(values_at, 0);
        let mut ptrs = Vec::new();
        let le = self.l.le;
        let b16 = |v: u16| if le { v.to_le_bytes() } else { v.to_be_bytes() };
        let b32 = |v: u32| if le { v.to_le_bytes() } else { v.to_be_bytes() };
        for (i, k) in kept.iter().enumerate() {
            let slot = table_at + 2 + i * 12;
            let typ = if matches!(k.out, Out::Child) {
                4
            } else {
                k.entry.typ
            };
            let mut entry = Vec::with_capacity(12);
            entry.extend_from_slice(&b16(k.entry.tag));
            entry.extend_from_slice(&b16(typ));
            entry.extend_from_slice(&b32(k.count));
            match &k.out {
                Out::Child => {
                    ptrs.push((k.entry.tag, slot + 8));
                    entry.extend_from_slice(&[0; 4]);
                }
                Out::Inline(f) => entry.extend_from_slice(f),
                Out::Far(bytes) => {
                    if self.out.len() % 2 == 1 {
                        self.out.push(0);
                    }
                    let at = self.out.len() as u32;
                    self.out.extend_from_slice(bytes);
                    entry.extend_from_slice(&b32(at));
                }
            }
            if let Some(dst) = self.out.get_mut(slot..slot + 12) {
                dst.copy_from_slice(&entry);
            }
        }
        if self.out.len() % 2 == 1 {
            self.out.push(0);
        }
        ptrs
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::testutil::{check_prefixes, run};

    /// A little TIFF writer for tests: entries are (tag, type, count, value bytes).
    struct T {
        le: bool,
        big: bool,
        out: Vec<u8>,
    }

    type E = (u16, u16, u64, Vec<u8>);

    impl T {
        fn new(le: bool, big: bool) -> T {
            let mut out = if le { b"II".to_vec() } else { b"MM".to_vec() };
            let mut t = T {
                le,
                big,
                out: Vec::new(),
            };
            if big {
                out.extend(t.n16(43));
                out.extend(t.n16(8));
                out.extend(t.n16(0));
                out.extend(t.n64(0));
            } else {
                out.extend(t.n16(42));
                out.extend(t.n32(0));
            }
            t.out = out;
            t
        }
        fn n16(&self, v: u16) -> Vec<u8> {
            if self.le {
                v.to_le_bytes().to_vec()
            } else {
                v.to_be_bytes().to_vec()
            }
        }
        fn n32(&self, v: u32) -> Vec<u8> {
            if self.le {
                v.to_le_bytes().to_vec()
            } else {
                v.to_be_bytes().to_vec()
            }
        }
        fn n64(&self, v: u64) -> Vec<u8> {
            if self.le {
                v.to_le_bytes().to_vec()
            } else {
                v.to_be_bytes().to_vec()
            }
        }
        fn word(&self, v: u64) -> Vec<u8> {
            if self.big {
                self.n64(v)
            } else {
                self.n32(v as u32)
            }
        }
        fn short(&self, tag: u16, v: u16) -> E {
            (tag, 3, 1, self.n16(v))
        }
        fn long(&self, tag: u16, v: u32) -> E {
            (tag, 4, 1, self.n32(v))
        }
        fn pad(&mut self, n: usize) {
            self.out.extend(std::iter::repeat_n(0xEEu8, n));
        }
        /// Writes an IFD (values after it); returns its offset and the link position.
        fn ifd(&mut self, entries: &[E]) -> (u64, usize) {
            if self.out.len() % 2 == 1 {
                self.out.push(0);
            }
            let at = self.out.len() as u64;
            let wl = if self.big { 8 } else { 4 };
            let el = if self.big { 20 } else { 12 };
            let cl = if self.big { 8 } else { 2 };
            let values_at = at as usize + cl + entries.len() * el + wl;
            let mut table = if self.big {
                self.n64(entries.len() as u64)
            } else {
                self.n16(entries.len() as u16)
            };
            let mut values = Vec::new();
            for (tag, typ, count, v) in entries {
                table.extend(self.n16(*tag));
                table.extend(self.n16(*typ));
                table.extend(if self.big {
                    self.n64(*count)
                } else {
                    self.n32(*count as u32)
                });
                if v.len() <= wl {
                    let mut f = v.clone();
                    f.resize(wl, 0);
                    table.extend(f);
                } else {
                    let off = (values_at + values.len()) as u64;
                    table.extend(self.word(off));
                    values.extend(v);
                    if values.len() % 2 == 1 {
                        values.push(0);
                    }
                }
            }
            let link = self.out.len() + table.len();
            table.extend(self.word(0));
            self.out.extend(table);
            self.out.extend(values);
            (at, link)
        }
        fn set_word(&mut self, at: usize, v: u64) {
            let b = self.word(v);
            self.out[at..at + b.len()].copy_from_slice(&b);
        }
        fn set_ifd0(&mut self, v: u64) {
            let at = if self.big { 8 } else { 4 };
            self.set_word(at, v);
        }
    }

    /// An RGBA page with Make, Orientation, BitsPerSample x4, ExtraSamples, an Exif IFD
    /// (DateTimeOriginal) and a GPS IFD; strips of `strip` bytes before IFD0 (or after
    /// it when `ifd_first`), and `pages` more IFDs in the chain.
    fn sample(le: bool, big: bool, strip: usize, ifd_first: bool, pages: usize) -> Vec<u8> {
        let mut t = T::new(le, big);
        if !ifd_first {
            t.pad(strip);
        }
        let bps: Vec<u8> = (0..4).flat_map(|_| t.n16(8)).collect();
        let (exif_at, _) = t.ifd(&[(0x9003, 2, 20, b"2020:01:02 03:04:05\0".to_vec())]);
        let gps: Vec<u8> = [(12u32, 1u32), (30, 1), (0, 1)]
            .iter()
            .flat_map(|(n, d)| [t.n32(*n), t.n32(*d)].concat())
            .collect();
        let (gps_at, _) = t.ifd(&[(1, 2, 2, b"S\0".to_vec()), (2, 5, 3, gps)]);
        let entries = vec![
            t.long(IMAGE_WIDTH, 300),
            t.short(IMAGE_LENGTH, 200),
            (BITS_PER_SAMPLE, 3, 4, bps),
            t.short(PHOTOMETRIC, 2),
            (tags::MAKE, 2, 9, b"TestCam\0\0".to_vec()),
            t.short(tags::ORIENTATION, 6),
            t.short(0x0115, 4),
            (EXTRA_SAMPLES, 3, 1, t.n16(2)),
            t.long(tags::EXIF_IFD_POINTER, exif_at as u32),
            t.long(tags::GPS_IFD_POINTER, gps_at as u32),
        ];
        let (ifd0, mut link) = t.ifd(&entries);
        t.set_ifd0(ifd0);
        for _ in 0..pages {
            t.pad(100);
            let e = [t.long(IMAGE_WIDTH, 10), t.long(IMAGE_LENGTH, 10)];
            let (at, l) = t.ifd(&e);
            t.set_word(link, at);
            link = l;
        }
        if ifd_first {
            t.pad(strip);
        }
        t.out
    }

    #[test]
    fn classic_both_byte_orders() {
        for le in [true, false] {
            let f = sample(le, false, 500, false, 2);
            let i = run(&f).unwrap();
            assert_eq!((i.width(), i.height()), (300, 200));
            assert_eq!(i.header.color, Some(ColorSpace::Srgb));
            assert_eq!((i.header.bit_depth, i.header.alpha), (Some(8), Some(true)));
            assert_eq!(i.header.frames, Some(3));
            let ex = i
                .exif
                .as_ref()
                .unwrap_or_else(|| panic!("{:?}", i.exif_error));
            assert_eq!(i.orientation(), Some(6));
            assert_eq!(ex.make(), Some("TestCam"));
            assert_eq!(ex.datetime_original(), Some("2020:01:02 03:04:05"));
            let lat = ex.gps_latitude().unwrap();
            assert!((lat + 12.5).abs() < 1e-9, "{lat}");
            // IFD0's chain is cut: pages do not show up as a thumbnail IFD.
            assert!(ex.fields.iter().all(|f| f.ifd != crate::exif::Ifd::Ifd1));
            check_prefixes(&f, f.len(), 1, &i);
        }
    }

    #[test]
    fn pointer_offsets_are_the_files_unless_rebuilt() {
        let f = sample(true, false, 500, false, 1);
        let exif_at = 8 + 500u32;
        let i = run(&f).unwrap();
        let ptr = i
            .exif
            .as_ref()
            .unwrap()
            .get(crate::exif::Ifd::Ifd0, tags::EXIF_IFD_POINTER);
        assert_eq!(
            ptr.map(|p| &p.value),
            Some(&crate::exif::Value::Long(vec![exif_at]))
        );
        // An IFD-typed (13) pointer still leads kamadak-exif to the Exif IFD.
        let mut g = f.clone();
        let ifd0 = u32::from_le_bytes(g[4..8].try_into().unwrap()) as usize;
        let n = u16::from_le_bytes([g[ifd0], g[ifd0 + 1]]) as usize;
        for k in 0..n {
            let e = ifd0 + 2 + 12 * k;
            if u16::from_le_bytes([g[e], g[e + 1]]) == tags::EXIF_IFD_POINTER {
                g[e + 2] = 13;
            }
        }
        let i = run(&g).unwrap();
        assert_eq!(
            i.exif.unwrap().datetime_original(),
            Some("2020:01:02 03:04:05")
        );
    }

    #[test]
    fn bigtiff_is_read_and_its_exif_rebuilt() {
        for le in [true, false] {
            let f = sample(le, true, 500, false, 1);
            let i = run(&f).unwrap();
            assert_eq!(
                (i.width(), i.height(), i.header.frames),
                (300, 200, Some(2))
            );
            assert_eq!(i.orientation(), Some(6), "{:?}", i.exif_error);
            assert_eq!(i.exif.as_ref().unwrap().make(), Some("TestCam"));
            check_prefixes(&f, f.len(), 7, &i);
        }
    }

    #[test]
    fn ifd0_at_the_end_is_asked_for_directly() {
        let f = sample(true, false, 300_000, false, 0);
        let ifd0 = u32::from_le_bytes(f[4..8].try_into().unwrap()) as u64;
        let mut map = ByteMap::from_prefix(&f[..68 * 1024], Some(f.len() as u64));
        let need = match crate::probe::probe(&map).unwrap() {
            crate::Step::Need(r) => r,
            other => panic!("{other:?}"),
        };
        assert_eq!(need, Range::new(ifd0, 2), "IFD0's entry count, by offset");
        map.insert(ifd0, f[ifd0 as usize..].to_vec());
        // The Exif and GPS tables lie before IFD0, close together: one range for both.
        let need = match crate::probe::probe(&map).unwrap() {
            crate::Step::Need(r) => r,
            other => panic!("{other:?}"),
        };
        assert_eq!(need.offset, 8 + 300_000, "{need:?}");
        // Exif IFD (18) + its value (20), then the GPS IFD count (2).
        assert_eq!(need.end(), 8 + 300_000 + 40, "both tables: {need:?}");
        let (r, stats) = crate::driver::inspect_bytes(&f, Default::default());
        let i = r.unwrap();
        assert_eq!(i.orientation(), Some(6));
        // IFD0's last value is Make (9 bytes); the writer's pad byte is not needed.
        assert_eq!(i.header.exif.unwrap().range.end(), f.len() as u64 - 1);
        assert_eq!(stats.reads, 3, "first window, IFD0, the sub-IFD cluster");
    }

    #[test]
    fn far_pages_are_not_counted_beyond_the_read_bound() {
        // Pages each behind 100 KiB of strips: IFD0 in the first window, then a few
        // reads for pages, then the count is given up.
        let mut t = T::new(true, false);
        let (ifd0, mut link) = t.ifd(&[t.long(IMAGE_WIDTH, 10), t.long(IMAGE_LENGTH, 10)]);
        t.set_ifd0(ifd0);
        for _ in 0..10 {
            t.pad(100 * 1024);
            let e = [t.long(IMAGE_WIDTH, 10), t.long(IMAGE_LENGTH, 10)];
            let (at, l) = t.ifd(&e);
            t.set_word(link, at);
            link = l;
        }
        let (r, stats) = crate::driver::inspect_bytes(&t.out, Default::default());
        let i = r.unwrap();
        assert_eq!(i.header.frames, None);
        assert!(stats.reads <= 1 + MAX_PAGE_READS as u32 + 1, "{stats:?}");
        // With three pages only, they are counted.
        let mut t = T::new(true, false);
        let (ifd0, mut link) = t.ifd(&[t.long(IMAGE_WIDTH, 10), t.long(IMAGE_LENGTH, 10)]);
        t.set_ifd0(ifd0);
        for _ in 0..2 {
            t.pad(100 * 1024);
            let e = [t.long(IMAGE_WIDTH, 10), t.long(IMAGE_LENGTH, 10)];
            let (at, l) = t.ifd(&e);
            t.set_word(link, at);
            link = l;
        }
        let (r, _) = crate::driver::inspect_bytes(&t.out, Default::default());
        assert_eq!(r.unwrap().header.frames, Some(3));
    }

    #[test]
    fn colour_models() {
        for (p, c) in [
            (0, Some(ColorSpace::Gray)),
            (3, Some(ColorSpace::Palette)),
            (5, Some(ColorSpace::Cmyk)),
            (6, Some(ColorSpace::Ycbcr)),
            (8, Some(ColorSpace::Lab)),
            (32803, None),
        ] {
            let mut t = T::new(true, false);
            let e = [
                t.long(IMAGE_WIDTH, 4),
                t.long(IMAGE_LENGTH, 4),
                t.short(PHOTOMETRIC, p),
            ];
            let (at, _) = t.ifd(&e);
            t.set_ifd0(at);
            let i = run(&t.out).unwrap();
            assert_eq!(i.header.color, c, "photometric {p}");
            assert_eq!(i.header.bit_depth, Some(1), "default BitsPerSample");
        }
    }

    #[test]
    fn hostile_inputs_are_errors() {
        let dims = |t: &T| vec![t.long(IMAGE_WIDTH, 4), t.long(IMAGE_LENGTH, 4)];
        let mut cases: Vec<(&str, Vec<u8>)> = Vec::new();
        // IFD0 offset past the end, and inside the header.
        let mut t = T::new(true, false);
        t.set_ifd0(1 << 30);
        cases.push(("IFD0 past the end", t.out.clone()));
        t.set_ifd0(2);
        cases.push(("IFD0 in the header", t.out.clone()));
        let mut t = T::new(true, true);
        t.set_ifd0(u64::MAX - 3);
        cases.push(("BigTIFF huge offset", t.out.clone()));
        // Zero width; no width; zero entries; too many entries.
        let mut t = T::new(true, false);
        let e = [t.long(IMAGE_WIDTH, 0), t.long(IMAGE_LENGTH, 4)];
        let (at, _) = t.ifd(&e);
        t.set_ifd0(at);
        cases.push(("zero width", t.out.clone()));
        let mut t = T::new(false, false);
        let e = [t.long(IMAGE_LENGTH, 4)];
        let (at, _) = t.ifd(&e);
        t.set_ifd0(at);
        cases.push(("no width", t.out.clone()));
        let mut t = T::new(true, false);
        t.out.extend([0, 0, 0, 0, 0, 0]);
        t.set_ifd0(8);
        cases.push(("empty IFD0", t.out.clone()));
        let mut t = T::new(true, false);
        t.out.extend([0xFF, 0xFF]);
        t.out.extend(vec![0u8; 65535 * 12 + 4]);
        t.set_ifd0(8);
        cases.push(("65535 entries", t.out.clone()));
        // A loop in the page chain: IFD1 links back to IFD0.
        let mut t = T::new(true, false);
        let (a0, l0) = t.ifd(&dims(&t));
        let (a1, l1) = t.ifd(&dims(&t));
        t.set_ifd0(a0);
        t.set_word(l0, a1);
        t.set_word(l1, a0);
        cases.push(("IFD loop", t.out.clone()));
        // A lying count for a value: Make claims 2^31 ASCII bytes (header still fine).
        for (what, f) in cases {
            assert!(run(&f).is_err(), "{what}: {:?}", run(&f).map(|i| i.header));
        }
        // 10^5 IFDs in the chain, all held: a clean error at MAX_PAGES.
        let mut t = T::new(true, false);
        let (a0, mut link) = t.ifd(&dims(&t));
        t.set_ifd0(a0);
        for _ in 0..100_000 {
            let (at, l) = t.ifd(&dims(&t));
            t.set_word(link, at);
            link = l;
        }
        let map = ByteMap::from_prefix(&t.out, Some(t.out.len() as u64));
        assert!(matches!(
            crate::probe::probe(&map),
            Err(Error::Invalid { .. })
        ));
    }

    #[test]
    fn long_strip_arrays_are_not_fetched() {
        let mut t = T::new(true, false);
        let strips: Vec<u8> = (0..20_000u32).flat_map(|v| t.n32(v)).collect();
        let e = vec![
            t.long(IMAGE_WIDTH, 4),
            t.long(IMAGE_LENGTH, 20_000),
            (0x0111, 4, 20_000, strips.clone()),
            t.short(tags::ORIENTATION, 8),
            (0x0117, 4, 20_000, strips),
        ];
        let (at, _) = t.ifd(&e);
        t.set_ifd0(at);
        t.pad(400_000);
        let (r, stats) = crate::driver::inspect_bytes(&t.out, Default::default());
        let i = r.unwrap();
        assert_eq!((stats.reads, i.orientation()), (1, Some(8)), "{stats:?}");
        let ex = i.exif.unwrap();
        assert!(ex.get(crate::exif::Ifd::Ifd0, 0x0111).is_none());
        assert_eq!(i.header.exif.unwrap().range.end(), at + 2 + 5 * 12 + 4);
    }

    #[test]
    fn merged_reads_are_bounded() {
        let map = ByteMap::new();
        let mut plan = Plan::new(&map);
        // Small ranges 60 KiB apart: each gap merges, up to the span cap.
        for i in 0..100u64 {
            plan.missing.push(Range::new(1000 + i * 60 * 1024, 10));
        }
        let r = plan.next_read().unwrap();
        assert_eq!(r.offset, 1000);
        assert!(
            r.len <= MAX_READ_SPAN && r.len > MAX_READ_SPAN - 61 * 1024,
            "{r:?}"
        );
        // A far range is not merged.
        let mut plan = Plan::new(&map);
        plan.missing.push(Range::new(5_000_000, 4));
        plan.missing.push(Range::new(100, 4));
        assert_eq!(plan.next_read(), Some(Range::new(100, 4)));
    }

    #[test]
    fn lying_value_lengths_drop_the_value_not_the_answer() {
        let mut t = T::new(true, false);
        let mut e = vec![
            t.long(IMAGE_WIDTH, 4),
            t.long(IMAGE_LENGTH, 4),
            t.short(tags::ORIENTATION, 3),
        ];
        // Make: 2^31 bytes at offset 8 — past the end of the object.
        e.push((tags::MAKE, 2, 1 << 31, t.n32(8)));
        let (at, _) = t.ifd(&e);
        t.set_ifd0(at);
        let i = run(&t.out).unwrap();
        assert_eq!(
            (i.width(), i.orientation()),
            (4, Some(3)),
            "{:?}",
            i.exif_error
        );
        assert_eq!(i.exif.unwrap().make(), None);
    }

    /// Fuzz finding (`fuzz/` target `tiff`): a value claiming nearly the EXIF limit at an
    /// offset past the end of the object counted against the limit while the size was
    /// unknown (EXIF refused as too big) but was dropped once it was known (EXIF kept):
    /// the answer depended on when the size was learnt. Its last byte is asked for first.
    #[test]
    fn a_value_past_the_end_counts_the_same_with_the_size_known_or_not() {
        let mut t = T::new(true, false);
        let mut e = vec![t.long(IMAGE_WIDTH, 4), t.long(IMAGE_LENGTH, 4)];
        // DateTimeOriginal: MAX_EXIF_BYTES at 1 MiB, past the end; with the tables it
        // would take the block over the limit.
        let lie = MAX_EXIF_BYTES;
        e.push((0x9003, 2, lie, t.n32(1 << 20)));
        e.push((tags::MAKE, 2, 9, b"TestCam\0\0".to_vec()));
        let (at, _) = t.ifd(&e);
        t.set_ifd0(at);
        let f = t.out;
        let whole = run(&f).unwrap();
        assert_eq!(
            whole.exif.as_ref().and_then(|x| x.make()),
            Some("TestCam"),
            "{:?}",
            whole.exif_error
        );
        check_prefixes(&f, f.len(), 1, &whole);
    }
}

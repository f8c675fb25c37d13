//! Hostile bytes: files whose declared sizes, counts, nesting or loops would make a
//! careless parser allocate without bound or loop forever. Every case runs twice — through
//! the real driver with the production budget, and with every byte already held (so no
//! budget helps) — under a counting global allocator, and must answer a clean error or
//! a correct result, within [`PEAK_SLACK`] bytes of allocation above the bytes held and
//! within [`TIME_LIMIT`].
//!
//! `cargo test -p imginfo --test hostile -- --nocapture` prints the table of answers and
//! peak allocations.

use imginfo::driver::{inspect_bytes, Budget, DEFAULT_MAX_BYTES};
use imginfo::exif::Exif;
use imginfo::probe::{probe, Step};
use imginfo::{ByteMap, Error, Info};
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------------------
// A counting allocator: per-thread current and peak bytes (tests run on parallel threads,
// and each case runs on one).

mod counting {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::cell::Cell;

    pub struct Counting;

    thread_local! {
        static CURRENT: Cell<i64> = const { Cell::new(0) };
        static PEAK: Cell<i64> = const { Cell::new(0) };
    }

    fn add(n: usize) {
        let _ = CURRENT.try_with(|c| {
            let v = c.get() + n as i64;
            c.set(v);
            let _ = PEAK.try_with(|p| p.set(p.get().max(v)));
        });
    }
    fn sub(n: usize) {
        let _ = CURRENT.try_with(|c| c.set(c.get() - n as i64));
    }

    // SAFETY: every call is forwarded unchanged to the system allocator; the counters
    // are const-initialised thread locals without destructors, so they never allocate.
    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, l: Layout) -> *mut u8 {
            add(l.size());
            System.alloc(l)
        }
        unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
            add(l.size());
            System.alloc_zeroed(l)
        }
        unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
            sub(l.size());
            System.dealloc(p, l)
        }
        unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
            // Counted as a fresh block before the old one goes: the worst case.
            add(new);
            sub(l.size());
            System.realloc(p, l, new)
        }
    }

    /// Runs `f` and returns its result with the peak bytes it held at once.
    pub fn peak_of<R>(f: impl FnOnce() -> R) -> (R, usize) {
        let start = CURRENT.with(|c| c.get());
        PEAK.with(|p| p.set(start));
        let r = f();
        let peak = PEAK.with(|p| p.get()) - start;
        (r, peak.max(0) as usize)
    }
}

#[global_allocator]
static ALLOC: counting::Counting = counting::Counting;

/// Allowed peak allocation above the bytes the probe holds: 8 EXIF blocks of the largest
/// size read (`exif::MAX_EXIF_BYTES`, 2 MiB). The block is the one buffer the core sizes
/// from the file beyond the bytes read, and it is copied a few times (owned block,
/// kamadak-exif's buffer, parsed values, converted values, display strings); an honest
/// 1.9 MB block peaks near 4x its size. A HEIF `meta` is parsed in place. 16 MiB is an
/// eighth of a Worker's memory, and far below what the declared sizes in these files
/// (GiBs) would cost.
const PEAK_SLACK: usize = 8 * imginfo::exif::MAX_EXIF_BYTES as usize;

/// Wall time allowed per case and mode, generous for unoptimised test builds on a shared
/// machine; an unbounded walk over 10^5–10^6 structures would take far longer.
const TIME_LIMIT: Duration = Duration::from_secs(5);

/// What one case answered in one mode.
struct Outcome {
    answer: Result<Info, Error>,
    peak: usize,
    held: usize,
    elapsed: Duration,
}

/// Through the driver with the production budget: what it holds is what it read.
fn via_driver(file: &[u8]) -> Outcome {
    let t = Instant::now();
    let ((answer, stats), peak) = counting::peak_of(|| inspect_bytes(file, Budget::default()));
    let elapsed = t.elapsed();
    assert!(elapsed < TIME_LIMIT, "driver took {elapsed:?}");
    assert!(stats.bytes <= DEFAULT_MAX_BYTES);
    Outcome {
        answer,
        peak,
        held: stats.bytes as usize,
        elapsed,
    }
}

/// With every byte held and the size known: the probe's own limits must stop it.
fn all_held(file: &[u8]) -> Outcome {
    let map = ByteMap::from_prefix(file, Some(file.len() as u64));
    let t = Instant::now();
    let (step, peak) = counting::peak_of(|| probe(&map));
    let elapsed = t.elapsed();
    assert!(elapsed < TIME_LIMIT, "probe took {elapsed:?}");
    let answer = match step {
        Ok(Step::Done(i)) => Ok(i),
        Ok(Step::Need(r)) => panic!("every byte is held, yet the probe needs {r:?}"),
        Err(e) => Err(e),
    };
    Outcome {
        answer,
        peak,
        held: 0,
        elapsed,
    }
}

fn short(r: &Result<Info, Error>) -> String {
    match r {
        Ok(i) => {
            let exif = match (&i.exif, &i.exif_error) {
                (Some(e), _) => format!("{} EXIF fields", e.fields.len()),
                (None, Some(why)) => format!("exif_error: {why}"),
                (None, None) => "no EXIF".into(),
            };
            format!("{:?} {}x{}, {exif}", i.format(), i.width(), i.height())
        }
        Err(e) => format!("error: {e}"),
    }
}

/// Runs both modes, checks bounds and that both modes agree, prints a table row, and
/// hands back the answer for the case's own checks.
fn hostile(case: &str, file: &[u8]) -> Result<Info, Error> {
    let d = via_driver(file);
    let h = all_held(file);
    for (mode, o) in [("driver", &d), ("all held", &h)] {
        let bound = o.held + PEAK_SLACK;
        assert!(
            o.peak <= bound,
            "{case} ({mode}): peak allocation {} B over the bound {bound} B",
            o.peak
        );
        println!(
            "| {case} | {mode} | {} B | {} | {} B | {:.1} ms |",
            file.len(),
            short(&o.answer),
            o.peak,
            o.elapsed.as_secs_f64() * 1e3
        );
    }
    // Held bytes must not change the answer, except that the driver may stop at its
    // budget before the probe's own limit.
    if !matches!(d.answer, Err(Error::Budget { .. })) {
        let mut a = h.answer.clone();
        if let Ok(i) = &mut a {
            i.file_size = Some(file.len() as u64);
        }
        assert_eq!(
            format!("{:?}", d.answer),
            format!("{a:?}"),
            "{case}: modes disagree"
        );
    }
    h.answer
}

fn invalid(r: &Result<Info, Error>, fmt: &str, words: &str) {
    match r {
        Err(Error::Invalid { format, what }) if *format == fmt && what.contains(words) => {}
        other => panic!(
            "expected an invalid-{fmt} error about '{words}', got {}",
            short(other)
        ),
    }
}

/// The answer stands without EXIF: the block was refused by its declared size, unread.
fn exif_refused_by_size(info: &Info) {
    let why = info.exif_error.as_deref().unwrap_or("");
    assert!(why.contains("exceeds the limit"), "{:?}", info.exif_error);
}

// ---------------------------------------------------------------------------------------
// Builders.

fn be16(v: u16) -> [u8; 2] {
    v.to_be_bytes()
}
fn be32(v: u32) -> [u8; 4] {
    v.to_be_bytes()
}

/// A big-endian TIFF block: IFD0 at 8 holding `entries` (tag, type, count, value/offset),
/// next-IFD offset `next`.
fn tiff(entries: &[(u16, u16, u32, u32)], next: u32) -> Vec<u8> {
    let mut t = b"MM\0\x2a".to_vec();
    t.extend(be32(8));
    t.extend(be16(entries.len() as u16));
    for &(tag, ty, count, value) in entries {
        t.extend(be16(tag));
        t.extend(be16(ty));
        t.extend(be32(count));
        t.extend(be32(value));
    }
    t.extend(be32(next));
    t
}

/// Orientation 6 as a SHORT, left-justified in the value field.
const ORIENTATION_6: (u16, u16, u32, u32) = (0x0112, 3, 1, 6 << 16);

fn jpeg_with(segments: &[Vec<u8>]) -> Vec<u8> {
    let mut f = vec![0xFF, 0xD8];
    for s in segments {
        f.extend(s);
    }
    // SOF0 640x480, 3 components; SOS; EOI.
    f.extend([0xFF, 0xC0, 0, 17, 8, 0x01, 0xE0, 0x02, 0x80, 3]);
    f.extend([1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
    f.extend([0xFF, 0xDA, 0, 2, 0xFF, 0xD9]);
    f
}
fn segment(marker: u8, body: &[u8]) -> Vec<u8> {
    let mut s = vec![0xFF, marker];
    s.extend(be16(body.len() as u16 + 2));
    s.extend(body);
    s
}
fn app1_exif(tiff: &[u8]) -> Vec<u8> {
    segment(0xE1, &[b"Exif\0\0".as_slice(), tiff].concat())
}

fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut c = be32(data.len() as u32).to_vec();
    c.extend(kind);
    c.extend(data);
    let crc = crc32(&[kind.as_slice(), data].concat());
    c.extend(be32(crc));
    c
}
/// A chunk header declaring `len` bytes of data, with no data behind it.
fn png_chunk_header(kind: &[u8; 4], len: u32) -> Vec<u8> {
    [be32(len).as_slice(), kind].concat()
}
const PNG_SIG: &[u8] = b"\x89PNG\r\n\x1a\n";
fn ihdr() -> Vec<u8> {
    png_chunk(b"IHDR", &[0, 0, 0, 3, 0, 0, 0, 2, 8, 6, 0, 0, 0])
}
fn png_tail() -> Vec<u8> {
    [png_chunk(b"IDAT", &[0; 10]), png_chunk(b"IEND", &[])].concat()
}
/// A 3×2 PNG with `chunks` between IHDR and IDAT.
fn png_with(chunks: Vec<u8>) -> Vec<u8> {
    [PNG_SIG.to_vec(), ihdr(), chunks, png_tail()].concat()
}

/// CRC-32 (ISO 3309), bit by bit: tests only, kept free of the crate's dependencies.
fn crc32(data: &[u8]) -> u32 {
    let mut c = 0xFFFF_FFFFu32;
    for &b in data {
        c ^= b as u32;
        for _ in 0..8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
    }
    !c
}

fn bx(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
    [be32(body.len() as u32 + 8).as_slice(), kind, body].concat()
}
fn full_box(kind: &[u8; 4], version: u8, body: &[u8]) -> Vec<u8> {
    bx(kind, &[&[version, 0, 0, 0][..], body].concat())
}
/// The parts of a HEIC built by [`heif`]: item 1 is the primary (`hvc1`, 640x480 by
/// its `ispe`, property 1).
struct Heif<'a> {
    /// Items after the primary: (id, type).
    items: Vec<(u16, [u8; 4])>,
    /// iloc entries: (item, offset, length), one extent each.
    locs: Vec<(u16, u32, u32)>,
    /// `iref` children (version 0).
    refs: Vec<u8>,
    /// `ipma` entries after the primary's: (item, property indices).
    assoc: Vec<(u16, Vec<u8>)>,
    /// Properties after `ispe` (not associated unless `assoc` says so).
    extra_props: &'a [u8],
    /// Top-level boxes between `ftyp` and `meta`.
    before_meta: &'a [u8],
}

impl Default for Heif<'_> {
    fn default() -> Self {
        Heif {
            items: vec![],
            locs: vec![(1, 0, 1)],
            refs: vec![],
            assoc: vec![],
            extra_props: &[],
            before_meta: &[],
        }
    }
}

fn heif(h: Heif) -> Vec<u8> {
    let ftyp = bx(b"ftyp", b"heic\0\0\0\0mif1heic");
    let hdlr = full_box(b"hdlr", 0, b"\0\0\0\0pict\0\0\0\0\0\0\0\0\0\0\0\0\0");
    let pitm = full_box(b"pitm", 0, &be16(1));
    let infe = |id: u16, kind: &[u8; 4]| {
        full_box(b"infe", 2, &[&be16(id)[..], &[0, 0], kind, &[0]].concat())
    };
    let mut ii = be16(h.items.len() as u16 + 1).to_vec();
    ii.extend(infe(1, b"hvc1"));
    for (id, kind) in &h.items {
        ii.extend(infe(*id, kind));
    }
    let iinf = full_box(b"iinf", 0, &ii);
    let mut loc = vec![0x44, 0x00];
    loc.extend(be16(h.locs.len() as u16));
    for &(id, off, len) in &h.locs {
        loc.extend(be16(id));
        loc.extend([0, 0, 0, 0]); // construction method 0, data reference 0
        loc.extend(be16(1));
        loc.extend(be32(off));
        loc.extend(be32(len));
    }
    let iloc = full_box(b"iloc", 1, &loc);
    let iref = full_box(b"iref", 0, &h.refs);
    let ispe = full_box(b"ispe", 0, &[be32(640), be32(480)].concat());
    let ipco = bx(b"ipco", &[ispe.as_slice(), h.extra_props].concat());
    let mut pm = be32(h.assoc.len() as u32 + 1).to_vec();
    pm.extend([0, 1, 1, 1]);
    for (id, idx) in &h.assoc {
        pm.extend(be16(*id));
        pm.push(idx.len() as u8);
        pm.extend(idx);
    }
    let ipma = full_box(b"ipma", 0, &pm);
    let iprp = bx(b"iprp", &[ipco, ipma].concat());
    let meta = full_box(b"meta", 0, &[hdlr, pitm, iinf, iloc, iref, iprp].concat());
    [ftyp, h.before_meta.to_vec(), meta].concat()
}

/// An `iref` child: `kind` from `from` to `to`.
fn reference(kind: &[u8; 4], from: u16, to: u16) -> Vec<u8> {
    bx(kind, &[be16(from), be16(1), be16(to)].concat())
}

/// A HEIC with an `Exif` item 2 (`cdsc`-linked to the primary) placed at
/// (`exif_offset`, `exif_len`), `extra_props` and `before_meta` as in [`Heif`].
fn heic(exif_offset: u32, exif_len: u32, extra_props: &[u8], before_meta: &[u8]) -> Vec<u8> {
    heif(Heif {
        items: vec![(2, *b"Exif")],
        locs: vec![(1, 0, 1), (2, exif_offset, exif_len)],
        refs: reference(b"cdsc", 2, 1),
        extra_props,
        before_meta,
        ..Heif::default()
    })
}

fn nested(kind: &[u8; 4], depth: usize) -> Vec<u8> {
    // Built inside out, sizes known up front: depth headers of 8 bytes each.
    let mut out = Vec::with_capacity(depth * 8);
    for level in 0..depth {
        out.extend(be32(((depth - level) * 8) as u32));
        out.extend(kind);
    }
    out
}

// ---------------------------------------------------------------------------------------
// EXIF blocks claiming 4 GiB.

/// A TIFF whose Make claims 2^32 - 1 ASCII bytes, and a LONG array of 2^30 values
/// (4 GiB), both at offsets inside the block.
fn tiff_claiming_4gib() -> Vec<u8> {
    tiff(
        &[
            (0x010F, 2, u32::MAX, 8),
            ORIENTATION_6,
            (0x0111, 4, 1 << 30, 8),
        ],
        0,
    )
}

#[test]
fn jpeg_app1_exif_claiming_4gib() {
    let f = jpeg_with(&[app1_exif(&tiff_claiming_4gib())]);
    let r = hostile("JPEG APP1 EXIF values claiming 4 GiB", &f);
    let info = r.expect("the frame header still answers");
    assert_eq!((info.width(), info.height()), (640, 480));
}

#[test]
fn exif_parse_claiming_4gib() {
    let block = tiff_claiming_4gib();
    let t = Instant::now();
    let (r, peak) = counting::peak_of(|| Exif::parse(&block));
    assert!(t.elapsed() < TIME_LIMIT);
    assert!(peak <= PEAK_SLACK, "Exif::parse peak {peak}");
    println!(
        "| Exif::parse, values claiming 4 GiB | direct | {} B | {:?} | {peak} B |",
        block.len(),
        r.as_ref().map(|e| e.fields.len())
    );
    // Whatever survives, no field carries a 4 GiB value.
    if let Ok(e) = r {
        assert!(e.fields.iter().all(|f| f.display.len() < 1 << 20));
    }
}

#[test]
fn png_exif_chunk_claiming_4gib() {
    // A chunk length over 2^31 - 1 is invalid in PNG.
    let f = png_with(png_chunk_header(b"eXIf", 0xFFFF_FFF0));
    invalid(&hostile("PNG eXIf claiming 4 GiB", &f), "png", "length");
    // The largest legal length, 2^31 - 1, runs past the end of the file: the file is cut
    // after IHDR, whose header stands; the EXIF block is refused by its size, unread.
    let f = png_with(png_chunk_header(b"eXIf", 0x7FFF_FFFF));
    let info = hostile("PNG eXIf claiming 2 GiB - 1", &f).expect("the header answers");
    assert_eq!((info.width(), info.height()), (3, 2));
    exif_refused_by_size(&info);
}

#[test]
fn heif_exif_item_claiming_4gib() {
    let f = heic(0, u32::MAX, &[], &[]);
    let info = hostile("HEIF Exif item claiming 4 GiB", &f).expect("the header still answers");
    assert_eq!((info.width(), info.height()), (640, 480));
    assert!(info.exif.is_none());
    exif_refused_by_size(&info);
}

// ---------------------------------------------------------------------------------------
// An IFD with 2^16 - 1 entries (its 16-bit count allows no more), each pointing far away.

fn far_ifd() -> Vec<u8> {
    let entries: Vec<_> = (0..u16::MAX)
        .map(|i| {
            (
                0x9000u16.wrapping_add(i),
                4u16,
                2u32,
                0xFFFF_0000u32 - i as u32 * 8,
            )
        })
        .collect();
    tiff(&entries, 0xFFFF_FFF0)
}

#[test]
fn ifd_of_65535_far_entries_in_png_exif() {
    let block = far_ifd();
    let f = png_with(png_chunk(b"eXIf", &block));
    let info = hostile("IFD of 65535 entries pointing 4 GiB away (PNG eXIf)", &f)
        .expect("the header still answers");
    assert_eq!((info.width(), info.height()), (3, 2));
    let t = Instant::now();
    let (r, peak) = counting::peak_of(|| Exif::parse(&block));
    assert!(t.elapsed() < TIME_LIMIT);
    assert!(peak <= block.len() + PEAK_SLACK, "Exif::parse peak {peak}");
    println!(
        "| Exif::parse, IFD of 65535 far entries | direct | {} B | {:?} | {peak} B |",
        block.len(),
        r.as_ref().map(|e| e.fields.len())
    );
}

// ---------------------------------------------------------------------------------------
// 10^5 chunks / segments.

#[test]
fn png_100k_chunks_before_ihdr() {
    let junk: Vec<u8> = (0..100_000).flat_map(|_| png_chunk(b"tEXt", &[])).collect();
    let f = [PNG_SIG.to_vec(), junk, ihdr(), png_tail()].concat();
    invalid(&hostile("PNG, 10^5 chunks before IHDR", &f), "png", "IHDR");
}

#[test]
fn png_100k_chunks_between_ihdr_and_idat() {
    let junk: Vec<u8> = (0..100_000).flat_map(|_| png_chunk(b"tEXt", &[])).collect();
    let f = png_with(junk);
    invalid(
        &hostile("PNG, 10^5 chunks between IHDR and IDAT", &f),
        "png",
        "chunks",
    );
}

#[test]
fn jpeg_100k_tiny_app_segments() {
    let segs: Vec<Vec<u8>> = (0..100_000)
        .map(|i| segment(0xE0 + (i % 16) as u8, &[]))
        .collect();
    let f = jpeg_with(&segs);
    invalid(
        &hostile("JPEG, 10^5 empty APPn segments", &f),
        "jpeg",
        "segments",
    );
}

// ---------------------------------------------------------------------------------------
// Nesting and loops.

#[test]
fn isobmff_nested_10k_deep_inside_ipco() {
    let f = heic(0, 0, &nested(b"ipco", 10_000), &[]);
    // The Exif extent has length 0 ("to the end"): not the point here.
    let info = hostile("ISOBMFF, ipco nested 10^4 deep in ipco", &f).expect("answers");
    assert_eq!((info.width(), info.height()), (640, 480));
}

#[test]
fn isobmff_nested_10k_deep_at_top_level() {
    let f = heic(0, 0, &[], &nested(b"moov", 10_000));
    let info = hostile("ISOBMFF, moov nested 10^4 deep before meta", &f).expect("answers");
    assert_eq!((info.width(), info.height()), (640, 480));
}

#[test]
fn isobmff_nested_10k_deep_meta_in_meta() {
    let f = [
        bx(b"ftyp", b"heic\0\0\0\0mif1heic"),
        nested(b"meta", 10_000),
    ]
    .concat();
    let r = hostile("ISOBMFF, meta nested 10^4 deep", &f);
    assert!(matches!(r, Err(ref e) if e.is_bad_image()), "{}", short(&r));
}

#[test]
fn exif_ifd_loop_in_jpeg() {
    // IFD0 -> next IFD0, and an Exif IFD pointer back to IFD0.
    let t = tiff(&[ORIENTATION_6, (0x8769, 4, 1, 8)], 8);
    let f = jpeg_with(&[app1_exif(&t)]);
    let info = hostile("EXIF IFD loop (next and Exif pointer to IFD0), JPEG", &f)
        .expect("the header still answers");
    assert_eq!((info.width(), info.height()), (640, 480));
}

// ---------------------------------------------------------------------------------------
// Many items, references and associations inside one `meta` (bounded by its 1 MiB
// limit): lookups must not turn them into 10^9 steps.

#[test]
fn heif_16k_items_and_16k_cdsc_refs_none_exif() {
    // Just under the 16384 boxes `iinf` and `iref` may hold (MAX_CHILD_BOXES).
    let items = (2..16_000u16).map(|id| (id, *b"hvc1")).collect();
    let refs = (2..16_000u16)
        .flat_map(|id| reference(b"cdsc", id, 1))
        .collect();
    let f = heif(Heif {
        items,
        refs,
        ..Heif::default()
    });
    let info = hostile("HEIF, 16000 items and 16000 cdsc refs, no Exif item", &f).expect("answers");
    assert_eq!((info.width(), info.height()), (640, 480));
    assert!(info.exif.is_none() && info.exif_error.is_none());
}

#[test]
fn heif_45k_items_is_a_clean_error() {
    let items = (2..45_000u16).map(|id| (id, *b"hvc1")).collect();
    let f = heif(Heif {
        items,
        ..Heif::default()
    });
    invalid(&hostile("HEIF, 45000 items", &f), "heif", "more than");
}

#[test]
fn heif_15k_auxl_refs_and_60k_associations() {
    let refs = (2..15_000u16)
        .flat_map(|id| reference(b"auxl", id, 1))
        .collect();
    let assoc = (2..60_000u16).map(|id| (id, vec![])).collect();
    let f = heif(Heif {
        refs,
        assoc,
        ..Heif::default()
    });
    let info = hostile(
        "HEIF, 15000 auxl refs to the primary, 60000 ipma entries",
        &f,
    )
    .expect("answers");
    assert_eq!(
        (info.width(), info.height(), info.header.alpha),
        (640, 480, Some(false))
    );
}

// ---------------------------------------------------------------------------------------
// The PNG tail search: every `eXIf` in the last 64 KiB is a candidate whose CRC is
// checked. Candidates that each claim the rest of the tail would cost 64 KiB^2 / 16 =
// 268 MB of CRC if every one were checked.

#[test]
fn png_tail_of_8k_overlapping_exif_candidates() {
    // After IDAT: one chunk whose data is 8192 units of [length][eXIf], each length
    // reaching to 4 bytes before the end of the tail, then IEND.
    let units = 8192usize;
    let body_len = units * 8;
    let mut body = Vec::with_capacity(body_len);
    for i in 0..units {
        // The unit's `eXIf` sits at body offset 8i + 4; its data would run to the body's
        // end plus the chunk's CRC and IEND, minus its own CRC.
        let data_len = body_len - (8 * i + 8) + 4 + 12 - 4;
        body.extend(be32(data_len as u32));
        body.extend(b"eXIf");
    }
    let f = [
        PNG_SIG.to_vec(),
        ihdr(),
        png_chunk(b"IDAT", &[0; 10]),
        png_chunk(b"zzZz", &body),
        png_chunk(b"IEND", &[]),
    ]
    .concat();
    let info = hostile("PNG, 8192 overlapping eXIf candidates in the tail", &f).expect("answers");
    assert_eq!((info.width(), info.height()), (3, 2));
}

// ---------------------------------------------------------------------------------------
// WebP.

fn riff(riff_size: u32, chunks: &[Vec<u8>]) -> Vec<u8> {
    [
        b"RIFF".to_vec(),
        riff_size.to_le_bytes().to_vec(),
        b"WEBP".to_vec(),
        chunks.concat(),
    ]
    .concat()
}
fn webp_chunk(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut c = [kind.as_slice(), &(body.len() as u32).to_le_bytes(), body].concat();
    if body.len() % 2 == 1 {
        c.push(0);
    }
    c
}
/// A VP8X chunk: `flags`, canvas 640x480.
fn vp8x(flags: u8) -> Vec<u8> {
    let mut b = vec![flags, 0, 0, 0];
    b.extend(&639u32.to_le_bytes()[..3]);
    b.extend(&479u32.to_le_bytes()[..3]);
    webp_chunk(b"VP8X", &b)
}
const WEBP_EXIF: u8 = 0x08;
const WEBP_ANIMATION: u8 = 0x02;

#[test]
fn webp_exif_chunk_claiming_4gib() {
    // Inside a RIFF that itself claims 4 GiB: the EXIF range is refused by its size.
    let exif_header = [b"EXIF".as_slice(), &0xFFFF_FF00u32.to_le_bytes()].concat();
    let f = riff(
        u32::MAX,
        &[
            vp8x(WEBP_EXIF),
            webp_chunk(b"VP8L", &[0x2f, 0, 0, 0, 0]),
            exif_header.clone(),
        ],
    );
    let info = hostile("WebP EXIF chunk claiming 4 GiB (RIFF claiming 4 GiB)", &f)
        .expect("the header answers");
    assert_eq!((info.width(), info.height()), (640, 480));
    exif_refused_by_size(&info);
    // Inside an honest RIFF: the chunk runs past the RIFF's end.
    let body = [
        vp8x(WEBP_EXIF),
        webp_chunk(b"VP8L", &[0x2f, 0, 0, 0, 0]),
        exif_header,
    ]
    .concat();
    let f = riff(body.len() as u32 + 4, &[body]);
    invalid(
        &hostile("WebP EXIF chunk claiming 4 GiB", &f),
        "webp",
        "past the RIFF end",
    );
}

#[test]
fn webp_tail_of_16k_chained_exif_candidates() {
    // An animation too big to walk (its EXIF is looked for in the last 128 KiB), whose
    // tail is 16383 empty `EXIF` chunks and a last chunk overshooting the RIFF's end by
    // 2: every candidate's chain runs to the end and fails there.
    let frames = webp_chunk(b"ANMF", &vec![0u8; 1_200_000]);
    let mut tail: Vec<u8> = (0..16_383).flat_map(|_| webp_chunk(b"EXIF", &[])).collect();
    tail.extend(b"JUNK");
    tail.extend(2u32.to_le_bytes());
    let anim = webp_chunk(b"ANIM", &[0; 6]);
    let body = [vp8x(WEBP_EXIF | WEBP_ANIMATION), anim, frames, tail].concat();
    let f = riff(body.len() as u32 + 4, &[body]);
    let info = hostile(
        "WebP, 16383 EXIF candidates in the tail of a 1.3 MB animation",
        &f,
    )
    .expect("answers");
    assert_eq!(
        (info.width(), info.height(), info.header.exif),
        (640, 480, None)
    );
}

// ---------------------------------------------------------------------------------------
// GIF.

/// A 1x1 GIF89a of `n` frames, each 12 bytes: image descriptor, LZW minimum code size,
/// an empty sub-block chain.
fn gif_frames(n: usize) -> Vec<u8> {
    let mut f = b"GIF89a".to_vec();
    f.extend([1, 0, 1, 0, 0, 0, 0]);
    for _ in 0..n {
        f.extend([0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 0]);
    }
    f.push(0x3B);
    f
}

#[test]
fn gif_of_a_million_tiny_frames() {
    let info = hostile("GIF, 10^6 frames of 12 bytes", &gif_frames(1_000_000)).expect("answers");
    assert_eq!((info.width(), info.height()), (1, 1));
    // 12 MB is past the walk window: the frames are not counted rather than read.
    assert_eq!(info.header.frames, None);
}

#[test]
fn gif_of_80k_tiny_frames_within_the_walk_window() {
    let r = hostile(
        "GIF, 80000 frames of 12 bytes (960 KB)",
        &gif_frames(80_000),
    );
    invalid(&r, "gif", "blocks");
}

// ---------------------------------------------------------------------------------------
// TIFF files.

#[test]
fn tiff_ifd_loop() {
    // IFD0 640x480 whose next-IFD link points back at itself: a broken page chain.
    let size = [(0x0100, 3, 1, 640 << 16), (0x0101, 3, 1, 480 << 16)];
    let t = tiff(&size, 8);
    invalid(
        &hostile("TIFF, IFD0's next-IFD link points at itself", &t),
        "tiff",
        "loops",
    );
    // An Exif IFD pointer back at IFD0 (the page chain ends): the header answers.
    let t = tiff(&[size[0], size[1], (0x8769, 4, 1, 8)], 0);
    let info = hostile("TIFF, Exif IFD pointer back at IFD0", &t).expect("answers");
    assert_eq!((info.width(), info.height()), (640, 480));
}

#[test]
fn tiff_ifd_of_65535_entries_pointing_far_away() {
    let mut entries = vec![
        (0x0100u16, 3u16, 1u32, 640u32 << 16),
        (0x0101, 3, 1, 480 << 16),
    ];
    entries.extend((0..u16::MAX - 2).map(|i| {
        (
            0x9000u16.wrapping_add(i),
            4u16,
            2u32,
            0xFFFF_0000u32 - i as u32 * 8,
        )
    }));
    let r = hostile(
        "TIFF, IFD0 of 65535 entries each pointing 4 GiB away",
        &tiff(&entries, 0),
    );
    assert!(matches!(r, Err(ref e) if e.is_bad_image()), "{}", short(&r));
}

// ---------------------------------------------------------------------------------------
// Many fields sharing one large value: the block is small, each parsed field owns a copy.

/// A TIFF block of `n` UNDEFINED fields, each `len` bytes at the same offset.
fn shared_value_tiff(n: u16, len: u32) -> Vec<u8> {
    let value_at = 8 + 2 + 12 * n as u32 + 4;
    let entries: Vec<_> = (0..n)
        .map(|i| (0xC000u16.wrapping_add(i), 7u16, len, value_at))
        .collect();
    let mut t = tiff(&entries, 0);
    t.resize(t.len() + len as usize, 0x41);
    t
}

#[test]
fn jpeg_exif_of_2000_fields_sharing_a_40k_value() {
    let f = jpeg_with(&[app1_exif(&shared_value_tiff(2000, 40_000))]);
    let info = hostile("JPEG APP1: 2000 fields sharing one 40 KB value", &f).expect("answers");
    assert_eq!((info.width(), info.height()), (640, 480));
}

#[test]
fn png_exif_of_60000_fields_sharing_a_1200k_value() {
    let block = shared_value_tiff(60_000, 1_200_000);
    let f = png_with(png_chunk(b"eXIf", &block));
    let info = hostile(
        "PNG eXIf (1.9 MB): 60000 fields sharing one 1.2 MB value",
        &f,
    )
    .expect("answers");
    assert_eq!((info.width(), info.height()), (3, 2));
}

#[test]
fn png_exif_of_one_1900k_value() {
    let block = shared_value_tiff(1, 1_900_000);
    let f = png_with(png_chunk(b"eXIf", &block));
    let info = hostile("PNG eXIf (1.9 MB): one honest 1.9 MB value", &f).expect("answers");
    assert_eq!((info.width(), info.height()), (3, 2));
}

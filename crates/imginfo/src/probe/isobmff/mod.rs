//! HEIF/HEIC and AVIF: the ISO base media file format (ISO/IEC 14496-12) boxes that
//! ISO/IEC 23008-12 (HEIF) and the AV1 image file format put around still images.
//!
//! This module owns the whole container walk: `ftyp` brands, the top-level box walk to
//! `meta` (reading box headers only and asking for the next header by offset, so a
//! `meta` stored after a multi-megabyte `mdat` costs one targeted read, never a read
//! through `mdat`), and inside `meta` the item boxes: `hdlr`, `pitm`, `iinf`/`infe`,
//! `iloc`, `iref`, `idat` and `iprp` (`ipco` properties associated by `ipma`). From them
//! it answers the primary item's stored size (`ispe`, or a `grid`/`iovl` descriptor),
//! bit depth and channels (`pixi`, else `av1C`/`hvcC`), colour (`colr`), alpha (an
//! `auxl`-linked item whose `auxC` names alpha), the transformative properties
//! (`clap`, `irot`, `imir`) in `ipma` order, and where the `Exif` item lies (`iloc`).
//!
//! Hand-written rather than `mp4parse`/`libheif`: those read from a stream or a whole
//! buffer, while the edge reads ranges and must not fetch `mdat` to reach a trailing
//! `meta`. Everything inside `meta` is parsed from one held slice; nothing recurses,
//! so box nesting is bounded by construction (meta → iprp → ipco → property).

mod boxes;
#[cfg(test)]
mod tests;

use crate::bytes::{be32, be64, ByteMap, Halt, PResult, Range};
use crate::error::Error;
use crate::model::{ColorSpace, ExifKind, ExifLoc, Format, Header, Transform};
use boxes::{locate, Meta, Prop, Rd};

const F: &str = "heif";

/// Largest `ftyp` accepted: 16 bytes of major/minor brand plus up to ~1000 compatible
/// brands. Real files list 2–8; a bigger one is garbage, not a brand list.
pub const MAX_FTYP_BYTES: u64 = 4096;
/// Top-level boxes walked looking for `meta`. HEIF puts `meta` right after `ftyp`
/// (Samsung writes it after `mdat`); a handful of `free`/`mdat`/`moov` boxes is normal,
/// hundreds is a hostile file. Each far box header costs a read, which the driver's
/// read budget also caps.
pub const MAX_TOP_BOXES: usize = 256;
/// Largest `meta` box read whole. It holds item info, locations and properties (ICC
/// profiles included), not pixels: iPhone grids with 50 items take ~4 KiB, a 5x4 AVIF
/// grid 1.3 KiB, a 3 KiB ICC adds its size. 1 MiB leaves room for thousands of tiles
/// and stops a box claiming 2^64 bytes before anything is asked for or allocated.
pub const MAX_META_BYTES: u64 = 1024 * 1024;
/// Boxes taken from one container inside `meta` (children of `meta`, `iinf`, `iref`,
/// `ipco`). 8-byte minimum boxes in a 1 MiB `meta` would allow 131072; real files have
/// tens to a few hundred.
pub const MAX_CHILD_BOXES: usize = 16384;
/// Items (`infe` entries, `ipma` entries, `iref` targets per reference). Version-0 boxes
/// use 16-bit item IDs; HEIF grids reach a few hundred tiles.
pub const MAX_ITEMS: usize = 65536;
/// Properties in `ipco`: `ipma` indices are at most 15 bits wide.
pub const MAX_PROPERTIES: usize = 32767;
/// Extents of an item we actually read (Exif, grid/overlay descriptor). Writers use
/// one; a few would be exotic, thousands a hostile file. Items we skip are skipped by
/// arithmetic, never by looping over their extents.
pub const MAX_EXTENTS: u64 = 64;
/// Largest side accepted from `ispe` or a derived-image descriptor. libheif's default
/// security limit is 32768x32768 pixels for one image; AV1 frames stop at 65536 and HEVC
/// far below, so only grids go past that. 2^20 per side admits any real grid and
/// rejects garbage such as the corpus's 4294967103.
pub const MAX_DIMENSION: u32 = 1 << 20;

/// Brands that name a HEIF/AVIF structure (ISO/IEC 23008-12 Annex B–E, MIAF, AV1-ISOBMFF).
const HEIF_BRANDS: &[&[u8; 4]] = &[
    b"mif1", b"mif2", b"mif3", b"msf1", b"miaf", b"heic", b"heix", b"heim", b"heis", b"hevc",
    b"hevx", b"hevm", b"hevs", b"heif", b"avci", b"avcs", b"jpeg", b"jpgs", b"avif", b"avis",
    b"avio", b"vvic", b"vvis", b"j2ki", b"j2is", b"unif",
];
const AVIF_BRANDS: &[&[u8; 4]] = &[b"avif", b"avis"];
/// Brands that say HEVC (or another non-AV1 HEIF codec) even when `mif1` also appears.
const HEIC_BRANDS: &[&[u8; 4]] = &[
    b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs",
];

/// An `ftyp` box starts at offset 0 (ISO/IEC 14496-12 4.3: it comes first).
pub fn sniff(head: &[u8]) -> bool {
    head.get(4..8) == Some(b"ftyp")
}

pub fn probe(data: &ByteMap) -> PResult<Header> {
    let ftyp = box_at(data, 0)?;
    let ftyp_size = match ftyp.size {
        Some(s) if (16..=MAX_FTYP_BYTES).contains(&s) => s,
        s => {
            let s = s.map_or("0 (to the end of the file)".into(), |s| s.to_string());
            return Err(Error::invalid(F, format!("ftyp box of size {s}")).into());
        }
    };
    let body = data.get(ftyp.body(), ftyp_size - ftyp.header_len, F, "ftyp box")?;
    let brands = Brands::parse(body);
    if !brands.all().any(|b| HEIF_BRANDS.contains(&b)) {
        return Err(Error::Unsupported(format!(
            "found an ISO BMFF file with brands {} and no HEIF/AVIF brand",
            brands.describe()
        ))
        .into());
    }

    let meta = find_meta(data, ftyp_size, &brands)?;
    let meta_size = match (meta.size, data.total()) {
        (Some(s), _) => s,
        (None, Some(total)) => total.saturating_sub(meta.at),
        (None, None) => {
            // Size 0, "to the end of the object", and no read has told the end yet: ask
            // for one byte past the limit; a short read tells the end, a full one that
            // the box is over the limit. Never an answer that depends on the unknown size.
            data.get(meta.at, MAX_META_BYTES + 1, F, "meta box")?;
            MAX_META_BYTES + 1
        }
    };
    if meta_size > MAX_META_BYTES {
        let what = match meta.size {
            Some(s) => format!("meta box of {s} bytes exceeds the limit"),
            None => format!(
                "meta box runs to the end of the object, past the limit of {MAX_META_BYTES} bytes"
            ),
        };
        return Err(Error::invalid(F, what).into());
    }
    let meta_body = meta.body();
    let body = data.get(meta_body, meta_size - meta.header_len, F, "meta box")?;
    let m = Meta::parse(body, meta_body)?;
    header(data, &m, &brands)
}

// ---------------------------------------------------------------------------------------
// Brands and the top-level walk.

struct Brands {
    major: [u8; 4],
    compatible: Vec<[u8; 4]>,
}

impl Brands {
    fn parse(body: &[u8]) -> Brands {
        let as4 = |b: &[u8]| -> [u8; 4] { b.try_into().unwrap_or([0; 4]) };
        let major = as4(body.get(0..4).unwrap_or(&[]));
        let compatible = body
            .get(8..)
            .unwrap_or(&[])
            .chunks_exact(4)
            .map(as4)
            .collect();
        Brands { major, compatible }
    }
    fn all(&self) -> impl Iterator<Item = &[u8; 4]> {
        std::iter::once(&self.major).chain(self.compatible.iter())
    }
    fn describe(&self) -> String {
        let mut seen: Vec<&[u8; 4]> = Vec::new();
        for b in self.all() {
            if !seen.contains(&b) {
                seen.push(b);
            }
        }
        let names: Vec<String> = seen.iter().take(16).map(|b| fourcc(&b[..])).collect();
        format!("[{}]", names.join(", "))
    }
    /// The format the brands alone suggest, for items coded neither in HEVC nor AV1.
    fn format(&self) -> Format {
        if AVIF_BRANDS.contains(&&self.major) {
            return Format::Avif;
        }
        let avif = self.compatible.iter().any(|b| AVIF_BRANDS.contains(&b));
        let heic = self.all().any(|b| HEIC_BRANDS.contains(&b));
        if avif && !heic {
            Format::Avif
        } else {
            Format::Heic
        }
    }
}

/// A four-character code for messages: printable ASCII as is, other bytes escaped.
fn fourcc(b: &[u8]) -> String {
    b.iter()
        .map(|&c| {
            if c.is_ascii_graphic() || c == b' ' {
                (c as char).to_string()
            } else {
                format!("\\x{c:02x}")
            }
        })
        .collect()
}

/// A box header read from the object.
#[derive(Debug, Clone, Copy)]
struct BoxHead {
    at: u64,
    kind: [u8; 4],
    header_len: u64,
    /// Whole box size including the header; `None` for size 0 ("to the end of the file").
    size: Option<u64>,
}

impl BoxHead {
    fn body(&self) -> u64 {
        self.at + self.header_len
    }
}

/// Reads the box header at `at`: 8 bytes, 8 more only for a 64-bit `largesize`.
fn box_at(data: &ByteMap, at: u64) -> PResult<BoxHead> {
    let h = data.get(at, 8, F, "box header")?;
    let size32 = be32(h, 0).unwrap_or(0);
    let mut kind = [0u8; 4];
    kind.copy_from_slice(h.get(4..8).unwrap_or(b"????"));
    let (size, header_len) = match size32 {
        0 => (None, 8),
        1 => {
            let l = data.get(at + 8, 8, F, "box largesize")?;
            (Some(be64(l, 0).unwrap_or(0)), 16)
        }
        s => (Some(s as u64), 8),
    };
    if size.is_some_and(|s| s < header_len) {
        return Err(Error::invalid(
            F,
            format!(
                "box '{}' at {at} declares size {}",
                fourcc(&kind),
                size.unwrap_or(0)
            ),
        )
        .into());
    }
    Ok(BoxHead {
        at,
        kind,
        header_len,
        size,
    })
}

/// Walks top-level boxes by their sizes to `meta`, asking only for box headers.
fn find_meta(data: &ByteMap, ftyp_size: u64, brands: &Brands) -> PResult<BoxHead> {
    let mut at = ftyp_size;
    for _ in 0..MAX_TOP_BOXES {
        if let Some(total) = data.total().filter(|&t| at > t) {
            // The last box claims more bytes than the object has: cut short, and a
            // trailing meta (if any) went with the cut.
            return Err(Error::truncated(
                F,
                format!("a top-level box ends at {at} but the object has {total} bytes (no meta box before it)"),
            )
            .into());
        }
        if data.at_end(at) {
            return Err(no_meta(brands));
        }
        let b = box_at(data, at)?;
        match &b.kind {
            b"meta" => return Ok(b),
            b"mini" => {
                return Err(Error::Unsupported(format!(
                    "found a HEIF file in the low-overhead 'mini' form (brands {}), which is not supported",
                    brands.describe()
                ))
                .into())
            }
            _ => {}
        }
        match b.size {
            Some(s) => {
                at = at.checked_add(s).ok_or_else(|| {
                    Error::invalid(
                        F,
                        format!("box '{}' at {at} runs past 2^64", fourcc(&b.kind)),
                    )
                })?
            }
            // A box running to the end of the file is the last one.
            None => return Err(no_meta(brands)),
        }
    }
    Err(Error::invalid(F, format!("no meta box in the first {MAX_TOP_BOXES} boxes")).into())
}

fn no_meta(brands: &Brands) -> crate::bytes::Halt {
    Error::Unsupported(format!(
        "found an ISO BMFF file with brands {} but no meta box",
        brands.describe()
    ))
    .into()
}

/// The file ranges an item's extents cover, contiguous neighbours merged; the error
/// says why the item cannot be placed.
fn item_ranges(data: &ByteMap, m: &Meta, id: u32) -> Result<Vec<Range>, &'static str> {
    let iloc = m.iloc.ok_or("HEIF item: there is no iloc box")?;
    let loc = locate(iloc, id)
        .map_err(|_| "HEIF item: its iloc entry is malformed")?
        .ok_or("HEIF item: it has no iloc entry")?;
    if loc.data_ref != 0 {
        return Err("HEIF item: its data is in another file (data_reference_index)");
    }
    let (base, source_len) = match loc.method {
        0 => (0, data.total()),
        1 => {
            let idat = m
                .idat
                .ok_or("HEIF item: it is stored in idat, but there is no idat box")?;
            (idat.offset, Some(idat.len))
        }
        _ => return Err("HEIF item: its iloc construction method (item offsets) is not supported"),
    };
    let mut out: Vec<Range> = Vec::new();
    for (off, len) in loc.extents {
        let len = match len {
            0 => source_len
                .and_then(|s| s.checked_sub(off))
                .ok_or("HEIF item: an extent runs to the end of a source of unknown size")?,
            l => l,
        };
        if loc.method == 1 && source_len.is_some_and(|s| off.saturating_add(len) > s) {
            return Err("HEIF item: an extent runs past the end of idat");
        }
        let start = base
            .checked_add(off)
            .ok_or("HEIF item: an extent offset overflows")?;
        match out.last_mut() {
            Some(last) if last.end() == start => last.len += len,
            _ => out.push(Range::new(start, len)),
        }
    }
    if out.is_empty() {
        return Err("HEIF item: it has no extents");
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// The answer.

fn header(data: &ByteMap, m: &Meta, brands: &Brands) -> PResult<Header> {
    let primary = m.primary;
    let kind = m
        .item_kind(primary)
        .ok_or_else(|| Error::invalid(F, format!("primary item {primary} has no item info")))?;
    let derived = matches!(&kind, b"grid" | b"iovl" | b"iden");
    // A derived image takes its codec (and, lacking its own, its properties) from the
    // first input image.
    let tile = if derived {
        m.refs_from(b"dimg", primary).next()
    } else {
        None
    };
    let coded_kind = tile.and_then(|t| m.item_kind(t)).unwrap_or(kind);
    let format = match &coded_kind {
        b"av01" => Format::Avif,
        b"hvc1" | b"hev1" => Format::Heic,
        _ => brands.format(),
    };

    for id in std::iter::once(primary).chain(tile) {
        m.check_props(id)?;
    }
    let (width, height) = match m.ispe(primary) {
        Some(s) => s,
        None => derived_size(data, m, &kind, tile)?,
    };
    for (side, v) in [("width", width), ("height", height)] {
        if v == 0 || v > MAX_DIMENSION {
            return Err(Error::invalid(F, format!("primary item {side} {v}")).into());
        }
    }
    let mut h = Header::new(format, width, height);

    // Channels and depth: the primary's own properties, else its first input image's.
    let sources: Vec<u32> = std::iter::once(primary).chain(tile).collect();
    let pixi = sources.iter().find_map(|&i| {
        m.props_of(i).find_map(|p| match *p {
            Prop::Pixi { channels, max_bits } => Some((channels, max_bits)),
            _ => None,
        })
    });
    let codec = sources.iter().find_map(|&i| {
        m.props_of(i).find_map(|p| match *p {
            Prop::Codec { bits, mono } => Some((bits, mono)),
            _ => None,
        })
    });
    h.bit_depth = pixi.map(|p| p.1).or(codec.map(|c| c.0)).filter(|&b| b > 0);
    let mono = match pixi {
        Some((channels, _)) => channels == 1,
        None => codec.is_some_and(|c| c.1),
    };
    let icc = sources.iter().find_map(|&i| {
        m.props_of(i).find_map(|p| match p {
            Prop::Icc(space) => Some(*space),
            _ => None,
        })
    });
    let nclx = sources
        .iter()
        .any(|&i| m.props_of(i).any(|p| *p == Prop::Nclx));
    // Gray from the channel count; else the ICC profile's colour space; else RGB when
    // anything describes the pixels (nclx RGB or YCbCr-coded RGB, a coded colour image).
    h.color = match icc.as_ref() {
        _ if mono => Some(ColorSpace::Gray),
        Some(b"GRAY") => Some(ColorSpace::Gray),
        Some(b"CMYK") => Some(ColorSpace::Cmyk),
        Some(b"Lab ") => Some(ColorSpace::Lab),
        _ if icc.is_some() || nclx || pixi.is_some() || codec.is_some() => Some(ColorSpace::Srgb),
        _ => None,
    };

    h.alpha = Some(m.refs_to(b"auxl", primary).any(|aux| {
        m.props_of(aux)
            .any(|p| matches!(p, Prop::AuxC { alpha: true }))
    }));
    h.frames = Some(1);
    h.transforms = transforms(m, primary, width, height);
    h.exif = exif_loc(data, m)?;
    Ok(h)
}

/// The size of a derived image without `ispe`: the `grid`/`iovl` descriptor's output
/// size (ISO/IEC 23008-12 6.6.2.3/6.6.2.2), or an `iden` input's `ispe`.
fn derived_size(
    data: &ByteMap,
    m: &Meta,
    kind: &[u8; 4],
    tile: Option<u32>,
) -> PResult<(u32, u32)> {
    let primary = m.primary;
    let no_size = || {
        Error::invalid(
            F,
            format!("primary item {primary} ('{}') has no ispe", fourcc(kind)),
        )
    };
    let skip = match kind {
        b"grid" => 2, // rows_minus_one, columns_minus_one
        b"iovl" => 8, // four 16-bit canvas_fill_values
        b"iden" => return tile.and_then(|t| m.ispe(t)).ok_or_else(|| no_size().into()),
        _ => return Err(no_size().into()),
    };
    need_size(data, m, primary)?;
    let ranges = item_ranges(data, m, primary)
        .map_err(|e| Error::invalid(F, format!("primary '{}' descriptor: {e}", fourcc(kind))))?;
    let first = ranges.first().copied().unwrap_or(Range::new(0, 0));
    // version, flags, skip, then two 16- or 32-bit sizes: at most 2 + 8 + 8 bytes.
    let want = first.len.min(2 + skip as u64 + 8);
    let b = data.get(first.offset, want, F, "derived image descriptor")?;
    let mut r = Rd::new(b, "derived image descriptor");
    r.u8()?; // version
    let wide = r.u8()? & 1 != 0;
    r.take(skip)?;
    let (w, h) = if wide {
        (r.u32()?, r.u32()?)
    } else {
        (r.u16()? as u32, r.u16()? as u32)
    };
    Ok((w, h))
}

/// The primary's transformative properties in `ipma` order. A `clap` that cannot crop
/// (a zero denominator, a zero or larger-than-image size) is left out: the image is shown
/// uncropped, as decoders do.
fn transforms(m: &Meta, id: u32, width: u32, height: u32) -> Vec<Transform> {
    let (mut w, mut h) = (width, height);
    let mut out = Vec::new();
    for p in m.props_of(id) {
        match *p {
            Prop::Clap { wn, wd, hn, hd } => {
                // The clean aperture size is a rational; it is truncated to whole pixels.
                let (Some(cw), Some(ch)) = (wn.checked_div(wd), hn.checked_div(hd)) else {
                    continue;
                };
                if cw == 0 || ch == 0 || cw > w || ch > h {
                    continue;
                }
                (w, h) = (cw, ch);
                out.push(Transform::Clap {
                    width: cw,
                    height: ch,
                });
            }
            Prop::Irot(a) => {
                if a % 180 == 90 {
                    std::mem::swap(&mut w, &mut h);
                }
                out.push(Transform::Irot(a));
            }
            Prop::Imir(axis) => out.push(Transform::Imir(axis)),
            _ => {}
        }
    }
    out
}

/// The `Exif` item (the one `cdsc`-linked to the primary first) as a file range.
fn exif_loc(data: &ByteMap, m: &Meta) -> PResult<Option<ExifLoc>> {
    let is_exif = |id: &u32| m.item_kind(*id).as_ref() == Some(b"Exif");
    let linked = m.refs_to(b"cdsc", m.primary).find(is_exif);
    let Some(id) = linked.or_else(|| m.items.iter().map(|i| i.id).find(is_exif)) else {
        return Ok(None);
    };
    need_size(data, m, id)?;
    Ok(Some(match item_ranges(data, m, id) {
        Ok(r) => match r.as_slice() {
            [one] => ExifLoc {
                range: *one,
                kind: ExifKind::HeifItem,
            },
            _ => ExifLoc {
                range: r.first().copied().unwrap_or(Range::new(0, 0)),
                kind: ExifKind::Unreadable("HEIF Exif item is split into non-contiguous extents"),
            },
        },
        Err(why) => ExifLoc {
            range: Range::new(0, 0),
            kind: ExifKind::Unreadable(why),
        },
    }))
}

/// An extent of length 0 runs to the end of the file. While the object's size is
/// unknown, ask for the first byte not held from that extent on (its read tells the
/// size) instead of answering without the item: the answer must not depend on whether
/// the size was known yet.
fn need_size(data: &ByteMap, m: &Meta, id: u32) -> PResult<()> {
    if data.total().is_some() {
        return Ok(());
    }
    let Some(Ok(Some(loc))) = m.iloc.map(|iloc| locate(iloc, id)) else {
        return Ok(());
    };
    if loc.method != 0 || loc.data_ref != 0 {
        return Ok(());
    }
    match loc.extents.iter().find(|(_, len)| *len == 0) {
        Some(&(off, _)) => {
            let at = off.saturating_add(data.contiguous_from(off));
            Err(Halt::Need(Range::new(at, 1)))
        }
        None => Ok(()),
    }
}

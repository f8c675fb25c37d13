//! The boxes inside a held `meta` slice: a bounds-checked reader, child-box splitting,
//! and the item boxes (`hdlr`, `pitm`, `iinf`/`infe`, `iloc`, `iref`, `idat`, `iprp` with
//! `ipco`/`ipma`) decoded into [`Meta`]. Pure slice code: no I/O, no recursion (the only
//! nesting followed is meta → iinf/iref/iprp → ipco/ipma → property).

use super::{fourcc, F, MAX_CHILD_BOXES, MAX_EXTENTS, MAX_ITEMS, MAX_PROPERTIES};
use crate::bytes::{be16, be32, be64, Range};
use crate::error::Error;

/// `auxC` types that make an auxiliary image an alpha plane (HEVC and MPEG-B CICP).
const ALPHA_URNS: &[&[u8]] = &[
    b"urn:mpeg:hevc:2015:auxid:1",
    b"urn:mpeg:mpegB:cicp:systems:auxiliary:alpha",
];

/// Four bytes as a four-character code (`None` when fewer).
fn four(b: &[u8]) -> Option<[u8; 4]> {
    b.get(..4)?.try_into().ok()
}

/// A bounds-checked big-endian reader over one box body.
pub(super) struct Rd<'a> {
    b: &'a [u8],
    p: usize,
    what: &'static str,
}

impl<'a> Rd<'a> {
    pub(super) fn new(b: &'a [u8], what: &'static str) -> Self {
        Rd { b, p: 0, what }
    }
    fn short(&self) -> Error {
        Error::invalid(F, format!("{} box is too short", self.what))
    }
    pub(super) fn take(&mut self, n: usize) -> Result<&'a [u8], Error> {
        let end = self.p.checked_add(n).ok_or_else(|| self.short())?;
        let s = self.b.get(self.p..end).ok_or_else(|| self.short())?;
        self.p = end;
        Ok(s)
    }
    pub(super) fn u8(&mut self) -> Result<u8, Error> {
        let s = self.take(1)?;
        s.first().copied().ok_or_else(|| self.short())
    }
    pub(super) fn u16(&mut self) -> Result<u16, Error> {
        let s = self.take(2)?;
        be16(s, 0).ok_or_else(|| self.short())
    }
    pub(super) fn u32(&mut self) -> Result<u32, Error> {
        let s = self.take(4)?;
        be32(s, 0).ok_or_else(|| self.short())
    }
    /// An unsigned field of 0, 4 or 8 bytes (iloc's variable-width fields).
    fn uint(&mut self, n: u8) -> Result<u64, Error> {
        match n {
            0 => Ok(0),
            4 => Ok(self.u32()? as u64),
            8 => {
                let s = self.take(8)?;
                be64(s, 0).ok_or_else(|| self.short())
            }
            _ => Err(Error::invalid(
                F,
                format!("{} field of {n} bytes", self.what),
            )),
        }
    }
    /// An item ID: 16-bit in version-0 boxes, 32-bit otherwise.
    fn id(&mut self, wide: bool) -> Result<u32, Error> {
        if wide {
            self.u32()
        } else {
            Ok(self.u16()? as u32)
        }
    }
    fn fourcc(&mut self) -> Result<[u8; 4], Error> {
        let s = self.take(4)?;
        four(s).ok_or_else(|| self.short())
    }
    /// FullBox version and flags.
    fn full(&mut self) -> Result<(u8, u32), Error> {
        let v = self.u32()?;
        Ok(((v >> 24) as u8, v & 0x00FF_FFFF))
    }
    fn rest(&self) -> &'a [u8] {
        self.b.get(self.p..).unwrap_or(&[])
    }
}

/// One child box inside a held slice: its type, its body, and the body's offset in the slice.
struct Child<'a> {
    kind: [u8; 4],
    body: &'a [u8],
    body_at: usize,
}

/// The child boxes of `buf` (a container body), each size checked against its parent;
/// at most [`MAX_CHILD_BOXES`].
fn children<'a>(buf: &'a [u8], parent: &'static str) -> Result<Vec<Child<'a>>, Error> {
    let mut out = Vec::new();
    let mut p = 0usize;
    while p < buf.len() {
        if out.len() >= MAX_CHILD_BOXES {
            return Err(Error::invalid(
                F,
                format!("{parent} holds more than {MAX_CHILD_BOXES} boxes"),
            ));
        }
        let bad = |what: String| Error::invalid(F, format!("{parent}: {what}"));
        let size32 = be32(buf, p).ok_or_else(|| bad(format!("truncated box header at {p}")))?;
        let kind = buf
            .get(p + 4..)
            .and_then(four)
            .ok_or_else(|| bad(format!("truncated box header at {p}")))?;
        let remaining = (buf.len() - p) as u64;
        let (size, hl) = match size32 {
            0 => (remaining, 8u64),
            1 => (
                be64(buf, p + 8).ok_or_else(|| bad("truncated largesize".into()))?,
                16,
            ),
            s => (s as u64, 8),
        };
        if size < hl || size > remaining {
            return Err(bad(format!(
                "box '{}' declares size {size} with {remaining} bytes left",
                fourcc(&kind)
            )));
        }
        // hl ≤ size ≤ remaining ≤ buf.len(), so these fit in usize and stay in bounds.
        let (hl, size) = (hl as usize, size as usize);
        let body = buf.get(p + hl..p + size).unwrap_or(&[]);
        out.push(Child {
            kind,
            body,
            body_at: p + hl,
        });
        p += size;
    }
    Ok(out)
}

#[derive(Debug, Clone)]
pub(super) struct Item {
    pub id: u32,
    pub kind: [u8; 4],
}

#[derive(Debug, Clone)]
pub(super) struct Reference {
    pub kind: [u8; 4],
    pub from: u32,
    pub to: Vec<u32>,
}

/// An item property, as far as this probe uses it.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Prop {
    Ispe {
        width: u32,
        height: u32,
    },
    Pixi {
        channels: u8,
        max_bits: u8,
    },
    /// `colr` with an ICC profile (`rICC`/`prof`): the profile's colour space field.
    Icc([u8; 4]),
    /// `colr` `nclx`: RGB (matrix_coefficients 0) or YCbCr-coded RGB; both RGB images.
    Nclx,
    AuxC {
        alpha: bool,
    },
    Clap {
        wn: u32,
        wd: u32,
        hn: u32,
        hd: u32,
    },
    /// Anticlockwise degrees.
    Irot(u16),
    /// Mirror axis.
    Imir(u8),
    /// `av1C` / `hvcC`: bit depth and whether the stream is monochrome.
    Codec {
        bits: u8,
        mono: bool,
    },
    /// A property we use whose box is malformed: an error only for the items the answer
    /// comes from (see [`Meta::check_props`]).
    Bad(String),
    Other,
}

/// Everything taken from `meta`.
pub(super) struct Meta<'a> {
    pub primary: u32,
    /// `infe` entries in file order.
    pub items: Vec<Item>,
    /// The same sorted by ID, the first entry of an ID kept: lookups by ID are binary
    /// searches, so a `meta` of 16384 items and as many references stays linear-ish
    /// instead of 10^8 comparisons.
    by_id: Vec<Item>,
    pub refs: Vec<Reference>,
    pub props: Vec<Prop>,
    /// Per `ipma` entry: the item and its property indices (1-based into `props`, 0s
    /// dropped, out-of-range ones kept for [`Meta::check_props`]), sorted by item with a
    /// stable sort, so one item's entries keep their `ipma` order and are found by a
    /// binary search (up to 65536 entries, looked up once per `auxl` reference).
    pub assoc: Vec<(u32, Vec<u16>)>,
    /// The `iloc` body, scanned on demand for the few items we locate.
    pub iloc: Option<&'a [u8]>,
    /// `idat` body as a file range (construction method 1).
    pub idat: Option<Range>,
}

impl<'a> Meta<'a> {
    /// Parses the `meta` body held at file offset `at`.
    pub(super) fn parse(body: &'a [u8], at: u64) -> Result<Meta<'a>, Error> {
        // A FullBox in HEIF; QuickTime writes it as a plain box, whose first child
        // (`hdlr`) then starts where the version/flags would be. A FullBox's first child
        // cannot have a size spelling "hdlr" (1.7 GB) inside a meta of at most 1 MiB.
        let skip = if body.get(4..8) == Some(b"hdlr") {
            0
        } else {
            4
        };
        let inner = body
            .get(skip..)
            .ok_or_else(|| Error::invalid(F, "meta box is too short"))?;
        let inner_at = at + skip as u64;
        let mut handler = None;
        let mut primary = None;
        let mut m = Meta {
            primary: 0,
            items: Vec::new(),
            by_id: Vec::new(),
            refs: Vec::new(),
            props: Vec::new(),
            assoc: Vec::new(),
            iloc: None,
            idat: None,
        };
        let mut ipma: Vec<&[u8]> = Vec::new();
        for c in children(inner, "meta")? {
            match &c.kind {
                b"hdlr" if handler.is_none() => {
                    let mut r = Rd::new(c.body, "hdlr");
                    r.full()?;
                    r.u32()?; // pre_defined
                    handler = Some(r.fourcc()?);
                }
                b"pitm" if primary.is_none() => {
                    let mut r = Rd::new(c.body, "pitm");
                    let (v, _) = r.full()?;
                    primary = Some(r.id(v != 0)?);
                }
                b"iinf" if m.items.is_empty() => m.items = parse_iinf(c.body)?,
                b"iloc" if m.iloc.is_none() => m.iloc = Some(c.body),
                b"iref" => m.refs.extend(parse_iref(c.body)?),
                b"idat" if m.idat.is_none() => {
                    m.idat = Some(Range::new(inner_at + c.body_at as u64, c.body.len() as u64))
                }
                b"iprp" => {
                    for p in children(c.body, "iprp")? {
                        match &p.kind {
                            b"ipco" if m.props.is_empty() => m.props = parse_ipco(p.body)?,
                            b"ipma" => ipma.push(p.body),
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        match handler {
            Some(h) if &h == b"pict" => {}
            Some(h) => {
                return Err(Error::Unsupported(format!(
                    "found an ISO BMFF meta box with handler '{}', not 'pict' (not an image)",
                    fourcc(&h)
                )))
            }
            None => return Err(Error::invalid(F, "meta box has no hdlr")),
        }
        m.primary =
            primary.ok_or_else(|| Error::invalid(F, "meta box has no pitm (primary item)"))?;
        for b in ipma {
            parse_ipma(b, &mut m.assoc)?;
        }
        crate::sort::sort_by_key(&mut m.assoc, |(id, _)| *id);
        m.by_id = m.items.clone();
        crate::sort::sort_by_key(&mut m.by_id, |i| i.id);
        m.by_id.dedup_by_key(|i| i.id);
        Ok(m)
    }

    /// The type of item `id` (of its first `infe`, should an ID repeat).
    pub(super) fn item_kind(&self, id: u32) -> Option<[u8; 4]> {
        let at = self.by_id.binary_search_by_key(&id, |i| i.id).ok()?;
        self.by_id.get(at).map(|i| i.kind)
    }
    /// `ipma` entries of `id`, in `ipma` order.
    fn assoc_of(&self, id: u32) -> &[(u32, Vec<u16>)] {
        let lo = self.assoc.partition_point(|(i, _)| *i < id);
        let hi = self.assoc.partition_point(|(i, _)| *i <= id);
        self.assoc.get(lo..hi).unwrap_or(&[])
    }
    /// Properties of `id`, in `ipma` order.
    pub(super) fn props_of(&self, id: u32) -> impl Iterator<Item = &Prop> {
        self.assoc_of(id)
            .iter()
            .flat_map(|(_, idx)| idx.iter())
            .filter_map(|&i| self.props.get((i as usize).checked_sub(1)?))
    }
    /// Fails when `id` is associated with a property past the end of `ipco` or with a
    /// malformed one we use: the image we describe lacks a property, any answer could be
    /// wrong. Other items' faults do not stop the answer.
    pub(super) fn check_props(&self, id: u32) -> Result<(), Error> {
        let n = self.props.len();
        let idx = self.assoc_of(id).iter().flat_map(|(_, idx)| idx.iter());
        if let Some(i) = idx.copied().find(|&i| i as usize > n) {
            return Err(Error::invalid(
                F,
                format!("ipma gives item {id} property {i} but ipco has {n}"),
            ));
        }
        match self.props_of(id).find(|p| matches!(p, Prop::Bad(_))) {
            Some(Prop::Bad(why)) => Err(Error::invalid(F, format!("item {id}: {why}"))),
            _ => Ok(()),
        }
    }
    /// Targets of references of type `kind` from item `from`.
    pub(super) fn refs_from(&self, kind: &[u8; 4], from: u32) -> impl Iterator<Item = u32> + '_ {
        let kind = *kind;
        self.refs
            .iter()
            .filter(move |r| r.kind == kind && r.from == from)
            .flat_map(|r| r.to.iter().copied())
    }
    /// Items with a reference of type `kind` to item `to`.
    pub(super) fn refs_to(&self, kind: &[u8; 4], to: u32) -> impl Iterator<Item = u32> + '_ {
        let kind = *kind;
        self.refs
            .iter()
            .filter(move |r| r.kind == kind && r.to.contains(&to))
            .map(|r| r.from)
    }
    pub(super) fn ispe(&self, id: u32) -> Option<(u32, u32)> {
        self.props_of(id).find_map(|p| match *p {
            Prop::Ispe { width, height } => Some((width, height)),
            _ => None,
        })
    }
}

fn parse_iinf(body: &[u8]) -> Result<Vec<Item>, Error> {
    let mut r = Rd::new(body, "iinf");
    let (v, _) = r.full()?;
    let count = if v == 0 {
        r.u16()? as u64
    } else {
        r.u32()? as u64
    };
    let mut items = Vec::new();
    for c in children(r.rest(), "iinf")? {
        if items.len() as u64 >= count {
            break;
        }
        if items.len() >= MAX_ITEMS {
            return Err(Error::invalid(F, format!("more than {MAX_ITEMS} items")));
        }
        if &c.kind != b"infe" {
            continue;
        }
        let mut e = Rd::new(c.body, "infe");
        let (ver, _) = e.full()?;
        let (id, kind) = match ver {
            // Versions 0 and 1 name no item type (MPEG-21 items).
            0 | 1 => (e.u16()? as u32, *b"\0\0\0\0"),
            2 | 3 => {
                let id = e.id(ver == 3)?;
                e.u16()?; // item_protection_index
                (id, e.fourcc()?)
            }
            _ => continue,
        };
        items.push(Item { id, kind });
    }
    Ok(items)
}

fn parse_iref(body: &[u8]) -> Result<Vec<Reference>, Error> {
    let mut r = Rd::new(body, "iref");
    let (v, _) = r.full()?;
    let wide = v != 0;
    let mut out = Vec::new();
    for c in children(r.rest(), "iref")? {
        let mut e = Rd::new(c.body, "iref entry");
        let from = e.id(wide)?;
        let n = e.u16()? as usize;
        // n ≤ 65535 = MAX_ITEMS; the body bounds the allocation anyway.
        let mut to = Vec::with_capacity(n.min(c.body.len() / 2));
        for _ in 0..n {
            to.push(e.id(wide)?);
        }
        out.push(Reference {
            kind: c.kind,
            from,
            to,
        });
    }
    Ok(out)
}

fn parse_ipco(body: &[u8]) -> Result<Vec<Prop>, Error> {
    let boxes = children(body, "ipco")?;
    if boxes.len() > MAX_PROPERTIES {
        return Err(Error::invalid(
            F,
            format!("ipco holds more than {MAX_PROPERTIES} properties"),
        ));
    }
    Ok(boxes
        .iter()
        .map(|c| parse_prop(&c.kind, c.body).unwrap_or_else(|e| Prop::Bad(e.to_string())))
        .collect())
}

/// Decodes the properties this probe uses; any other is kept as `Other` so that `ipma`
/// indices stay right.
fn parse_prop(kind: &[u8; 4], body: &[u8]) -> Result<Prop, Error> {
    Ok(match kind {
        b"ispe" => {
            let mut r = Rd::new(body, "ispe");
            r.full()?;
            Prop::Ispe {
                width: r.u32()?,
                height: r.u32()?,
            }
        }
        b"pixi" => {
            let mut r = Rd::new(body, "pixi");
            r.full()?;
            let channels = r.u8()?;
            let bits = r.take(channels as usize)?;
            Prop::Pixi {
                channels,
                max_bits: bits.iter().copied().max().unwrap_or(0),
            }
        }
        b"colr" => {
            let mut r = Rd::new(body, "colr");
            match &r.fourcc()? {
                b"nclx" => Prop::Nclx,
                // ICC.1 7.2.6: the data colour space signature sits at byte 16.
                b"rICC" | b"prof" => r
                    .rest()
                    .get(16..)
                    .and_then(four)
                    .map_or(Prop::Other, Prop::Icc),
                _ => Prop::Other,
            }
        }
        b"auxC" => {
            let mut r = Rd::new(body, "auxC");
            r.full()?;
            let urn = r.rest().split(|&b| b == 0).next().unwrap_or(&[]);
            Prop::AuxC {
                alpha: ALPHA_URNS.contains(&urn),
            }
        }
        b"clap" => {
            let mut r = Rd::new(body, "clap");
            Prop::Clap {
                wn: r.u32()?,
                wd: r.u32()?,
                hn: r.u32()?,
                hd: r.u32()?,
            }
        }
        b"irot" => Prop::Irot((Rd::new(body, "irot").u8()? & 3) as u16 * 90),
        b"imir" => Prop::Imir(Rd::new(body, "imir").u8()? & 1),
        // AV1-ISOBMFF 2.3.3: byte 2 holds high_bitdepth, twelve_bit and mono_chrome.
        // Only a fallback for a missing pixi: a short one is simply not used.
        b"av1C" => match body.get(2) {
            Some(&b) => {
                let bits = match (b & 0x40 != 0, b & 0x20 != 0) {
                    (true, true) => 12,
                    (true, false) => 10,
                    _ => 8,
                };
                Prop::Codec {
                    bits,
                    mono: b & 0x10 != 0,
                }
            }
            None => Prop::Other,
        },
        // ISO/IEC 14496-15 8.3.3.1: chromaFormat at byte 16, bitDepthLumaMinus8 at 17.
        b"hvcC" => match (body.get(16), body.get(17)) {
            (Some(c), Some(d)) => Prop::Codec {
                bits: (d & 7) + 8,
                mono: c & 3 == 0,
            },
            _ => Prop::Other,
        },
        _ => Prop::Other,
    })
}

fn parse_ipma(body: &[u8], out: &mut Vec<(u32, Vec<u16>)>) -> Result<(), Error> {
    let mut r = Rd::new(body, "ipma");
    let (v, flags) = r.full()?;
    let count = r.u32()?;
    for _ in 0..count {
        if out.len() >= MAX_ITEMS {
            return Err(Error::invalid(
                F,
                format!("ipma lists more than {MAX_ITEMS} items"),
            ));
        }
        let id = r.id(v >= 1)?;
        let n = r.u8()?;
        let mut idx = Vec::with_capacity(n as usize);
        for _ in 0..n {
            // The top bit is the `essential` flag; the rest a 1-based index (0 = none).
            let i = if flags & 1 != 0 {
                r.u16()? & 0x7FFF
            } else {
                (r.u8()? & 0x7F) as u16
            };
            if i != 0 {
                idx.push(i);
            }
        }
        out.push((id, idx));
    }
    Ok(())
}

/// Where an item's bytes lie, from `iloc`.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Location {
    /// 0 = file offsets, 1 = inside `idat`, 2 = another item (not supported).
    pub method: u8,
    pub data_ref: u16,
    /// (offset, length) with the base offset added; length 0 = "to the end of the source".
    pub extents: Vec<(u64, u64)>,
}

/// Scans the `iloc` body for item `id`, skipping other items' extents by arithmetic.
pub(super) fn locate(iloc: &[u8], id: u32) -> Result<Option<Location>, Error> {
    let mut r = Rd::new(iloc, "iloc");
    let (v, _) = r.full()?;
    if v > 2 {
        return Err(Error::invalid(F, format!("iloc version {v}")));
    }
    let sizes = r.u8()?;
    let (off_size, len_size) = (sizes >> 4, sizes & 15);
    let sizes = r.u8()?;
    let base_size = sizes >> 4;
    let index_size = if v >= 1 { sizes & 15 } else { 0 };
    for s in [off_size, len_size, base_size, index_size] {
        if !matches!(s, 0 | 4 | 8) {
            return Err(Error::invalid(
                F,
                format!("iloc field size {s} (must be 0, 4 or 8)"),
            ));
        }
    }
    let count = if v < 2 { r.u16()? as u32 } else { r.u32()? };
    let extent_size = (index_size + off_size + len_size) as usize;
    for _ in 0..count {
        let item = r.id(v >= 2)?;
        let method = if v >= 1 { (r.u16()? & 15) as u8 } else { 0 };
        let data_ref = r.u16()?;
        let base = r.uint(base_size)?;
        let n = r.u16()?;
        if item != id {
            // n ≤ 65535 and extent_size ≤ 24: no overflow.
            r.take(n as usize * extent_size)?;
            continue;
        }
        if n as u64 > MAX_EXTENTS {
            return Err(Error::invalid(F, format!("item {id} has {n} extents")));
        }
        let mut extents = Vec::with_capacity(n as usize);
        for _ in 0..n {
            r.uint(index_size)?;
            let off = r.uint(off_size)?;
            let len = r.uint(len_size)?;
            let off = base
                .checked_add(off)
                .ok_or_else(|| Error::invalid(F, format!("item {id} extent offset overflows")))?;
            extents.push((off, len));
        }
        return Ok(Some(Location {
            method,
            data_ref,
            extents,
        }));
    }
    Ok(None)
}

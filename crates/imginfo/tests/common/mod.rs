//! Test fixtures built in code: a TIFF/EXIF block builder (IFD0, Exif, GPS, Interop,
//! IFD1 at chosen offsets, pointers filled in), and minimal JPEG and PNG files around it.
#![allow(dead_code)]

pub mod schema;

/// One IFD entry: tag, TIFF type, count, value bytes (already in the block's byte order).
#[derive(Clone)]
pub struct Entry {
    pub tag: u16,
    pub typ: u16,
    pub count: u32,
    pub data: Vec<u8>,
}

/// Builds entries in one byte order.
#[derive(Clone, Copy)]
pub struct E {
    pub le: bool,
}

impl E {
    fn u16b(self, v: u16) -> [u8; 2] {
        if self.le {
            v.to_le_bytes()
        } else {
            v.to_be_bytes()
        }
    }
    fn u32b(self, v: u32) -> [u8; 4] {
        if self.le {
            v.to_le_bytes()
        } else {
            v.to_be_bytes()
        }
    }
    pub fn ascii(self, tag: u16, s: &str) -> Entry {
        let mut data = s.as_bytes().to_vec();
        data.push(0);
        Entry {
            tag,
            typ: 2,
            count: data.len() as u32,
            data,
        }
    }
    pub fn byte(self, tag: u16, v: &[u8]) -> Entry {
        Entry {
            tag,
            typ: 1,
            count: v.len() as u32,
            data: v.to_vec(),
        }
    }
    pub fn undefined(self, tag: u16, v: &[u8]) -> Entry {
        Entry {
            tag,
            typ: 7,
            count: v.len() as u32,
            data: v.to_vec(),
        }
    }
    pub fn short(self, tag: u16, v: &[u16]) -> Entry {
        Entry {
            tag,
            typ: 3,
            count: v.len() as u32,
            data: v.iter().flat_map(|&x| self.u16b(x)).collect(),
        }
    }
    pub fn long(self, tag: u16, v: &[u32]) -> Entry {
        Entry {
            tag,
            typ: 4,
            count: v.len() as u32,
            data: v.iter().flat_map(|&x| self.u32b(x)).collect(),
        }
    }
    pub fn rational(self, tag: u16, v: &[(u32, u32)]) -> Entry {
        let data = v
            .iter()
            .flat_map(|&(n, d)| [self.u32b(n), self.u32b(d)].concat())
            .collect();
        Entry {
            tag,
            typ: 5,
            count: v.len() as u32,
            data,
        }
    }
    pub fn srational(self, tag: u16, v: &[(i32, i32)]) -> Entry {
        let data = v
            .iter()
            .flat_map(|&(n, d)| [self.u32b(n as u32), self.u32b(d as u32)].concat())
            .collect();
        Entry {
            tag,
            typ: 10,
            count: v.len() as u32,
            data,
        }
    }
}

/// An IFD's entries and, optionally, the offset it must start at (padding before it).
#[derive(Clone, Default)]
pub struct Ifd {
    pub at: Option<u32>,
    pub entries: Vec<Entry>,
}

impl Ifd {
    pub fn new(entries: Vec<Entry>) -> Self {
        Ifd { at: None, entries }
    }
    pub fn at(at: u32, entries: Vec<Entry>) -> Self {
        Ifd {
            at: Some(at),
            entries,
        }
    }
}

/// A TIFF-structured EXIF block. Pointer tags (ExifIFDPointer, GPSInfoIFDPointer,
/// InteropIFDPointer) are added to IFD0 / the Exif IFD with the computed offsets.
#[derive(Clone, Default)]
pub struct Tiff {
    pub le: bool,
    pub ifd0: Ifd,
    pub exif: Option<Ifd>,
    pub gps: Option<Ifd>,
    pub interop: Option<Ifd>,
    pub ifd1: Option<Ifd>,
}

fn ifd_size(n: usize, entries: &[Entry]) -> u32 {
    let out_of_line: usize = entries
        .iter()
        .filter(|e| e.data.len() > 4)
        .map(|e| (e.data.len() + 1) & !1)
        .sum();
    (2 + 12 * n + 4 + out_of_line) as u32
}

impl Tiff {
    pub fn build(&self) -> Vec<u8> {
        let e = E { le: self.le };
        // Entry counts including the pointers this builder adds.
        let n0 =
            self.ifd0.entries.len() + self.exif.is_some() as usize + self.gps.is_some() as usize;
        let n_exif = self
            .exif
            .as_ref()
            .map(|i| i.entries.len() + self.interop.is_some() as usize);
        // Layout: IFD0, Exif, GPS, Interop, IFD1, each at max(cursor, requested).
        let mut cursor = 8u32;
        let mut place = |ifd: &Ifd, n: usize| -> u32 {
            let at = ifd.at.unwrap_or(cursor).max(cursor);
            // Pointer entries are 4 bytes inline, so they add 12 bytes each and no data.
            cursor = at + ifd_size(n, &ifd.entries);
            at
        };
        let off0 = place(&self.ifd0, n0);
        let off_exif = self.exif.as_ref().map(|i| place(i, n_exif.unwrap_or(0)));
        let off_gps = self.gps.as_ref().map(|i| place(i, i.entries.len()));
        let off_interop = self.interop.as_ref().map(|i| place(i, i.entries.len()));
        let off_ifd1 = self.ifd1.as_ref().map(|i| place(i, i.entries.len()));
        let total = cursor as usize;

        let mut out = vec![0u8; total];
        out[..2].copy_from_slice(if self.le { b"II" } else { b"MM" });
        out[2..4].copy_from_slice(&e.u16b(42));
        out[4..8].copy_from_slice(&e.u32b(off0));

        let mut ifd0 = self.ifd0.entries.clone();
        if let Some(o) = off_exif {
            ifd0.push(e.long(0x8769, &[o]));
        }
        if let Some(o) = off_gps {
            ifd0.push(e.long(0x8825, &[o]));
        }
        write_ifd(&mut out, e, off0, ifd0, off_ifd1.unwrap_or(0));
        if let (Some(ifd), Some(at)) = (&self.exif, off_exif) {
            let mut entries = ifd.entries.clone();
            if let Some(o) = off_interop {
                entries.push(e.long(0xa005, &[o]));
            }
            write_ifd(&mut out, e, at, entries, 0);
        }
        for (ifd, at) in [
            (&self.gps, off_gps),
            (&self.interop, off_interop),
            (&self.ifd1, off_ifd1),
        ] {
            if let (Some(ifd), Some(at)) = (ifd, at) {
                write_ifd(&mut out, e, at, ifd.entries.clone(), 0);
            }
        }
        out
    }
}

fn write_ifd(out: &mut [u8], e: E, at: u32, mut entries: Vec<Entry>, next: u32) {
    entries.sort_by_key(|x| x.tag);
    let at = at as usize;
    let n = entries.len();
    out[at..at + 2].copy_from_slice(&e.u16b(n as u16));
    let mut data_at = at + 2 + 12 * n + 4;
    for (i, en) in entries.iter().enumerate() {
        let p = at + 2 + 12 * i;
        out[p..p + 2].copy_from_slice(&e.u16b(en.tag));
        out[p + 2..p + 4].copy_from_slice(&e.u16b(en.typ));
        out[p + 4..p + 8].copy_from_slice(&e.u32b(en.count));
        if en.data.len() <= 4 {
            out[p + 8..p + 8 + en.data.len()].copy_from_slice(&en.data);
        } else {
            out[p + 8..p + 12].copy_from_slice(&e.u32b(data_at as u32));
            out[data_at..data_at + en.data.len()].copy_from_slice(&en.data);
            data_at += (en.data.len() + 1) & !1;
        }
    }
    let p = at + 2 + 12 * n;
    out[p..p + 4].copy_from_slice(&e.u32b(next));
}

/// A baseline JPEG: SOI, APP1 Exif (when given), SOF0 with `comps` components, then
/// zero padding and EOI up to `total` bytes (at least the header).
pub fn jpeg(width: u16, height: u16, comps: u8, exif: Option<&[u8]>, total: usize) -> Vec<u8> {
    let mut f = vec![0xFF, 0xD8];
    if let Some(t) = exif {
        let len = (2 + 6 + t.len()) as u16;
        f.extend_from_slice(&[0xFF, 0xE1]);
        f.extend_from_slice(&len.to_be_bytes());
        f.extend_from_slice(b"Exif\0\0");
        f.extend_from_slice(t);
    }
    let sof_len = 8 + 3 * comps as u16;
    f.extend_from_slice(&[0xFF, 0xC0]);
    f.extend_from_slice(&sof_len.to_be_bytes());
    f.push(8);
    f.extend_from_slice(&height.to_be_bytes());
    f.extend_from_slice(&width.to_be_bytes());
    f.push(comps);
    for c in 0..comps {
        f.extend_from_slice(&[c + 1, 0x11, 0]);
    }
    // SOS with an empty scan, then padding, then EOI.
    f.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00]);
    while f.len() + 2 < total {
        f.push(0);
    }
    f.extend_from_slice(&[0xFF, 0xD9]);
    f
}

fn png_chunk(out: &mut Vec<u8>, typ: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(typ);
    out.extend_from_slice(data);
    let mut h = crc32fast::Hasher::new();
    h.update(typ);
    h.update(data);
    out.extend_from_slice(&h.finalize().to_be_bytes());
}

/// A PNG: IHDR (8-bit, `color_type`), optional acTL (frames), optional eXIf, one IDAT,
/// IEND.
pub fn png(
    width: u32,
    height: u32,
    color_type: u8,
    frames: Option<u32>,
    exif: Option<&[u8]>,
) -> Vec<u8> {
    let mut f = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, color_type, 0, 0, 0]);
    png_chunk(&mut f, b"IHDR", &ihdr);
    if let Some(n) = frames {
        let mut actl = n.to_be_bytes().to_vec();
        actl.extend_from_slice(&0u32.to_be_bytes());
        png_chunk(&mut f, b"acTL", &actl);
    }
    if let Some(t) = exif {
        png_chunk(&mut f, b"eXIf", t);
    }
    png_chunk(
        &mut f,
        b"IDAT",
        &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    );
    png_chunk(&mut f, b"IEND", &[]);
    f
}

/// Removes whitespace outside JSON strings (documentation examples are pretty-printed).
pub fn compact(json: &str) -> String {
    let mut out = String::new();
    let (mut in_str, mut esc) = (false, false);
    for c in json.chars() {
        if in_str {
            out.push(c);
            if esc {
                esc = false;
            } else if c == '\\' {
                esc = true;
            } else if c == '"' {
                in_str = false;
            }
        } else if c == '"' {
            in_str = true;
            out.push(c);
        } else if !c.is_whitespace() {
            out.push(c);
        }
    }
    out
}

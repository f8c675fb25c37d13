//! PNG (ISO/IEC 15948, PNG 3rd ed.): signature, IHDR, then a chunk walk that skips
//! chunk bodies, noting tRNS (alpha), acTL (APNG frames) and EXIF, which sits in an
//! `eXIf` chunk (before or, as Pillow writes it, after IDAT) or in a `tEXt` "Raw profile
//! type exif" chunk. EXIF after the image data is found with one read of the file's
//! tail, each candidate chunk checked by its CRC, instead of walking every IDAT.

use crate::bytes::{be32, ByteMap, Halt, PResult, Range};
use crate::error::Error;
use crate::model::{ColorSpace, ExifKind, ExifLoc, Format, Header};

const F: &str = "png";
const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
/// Chunks walked before giving up (a hostile file can hold 10^5 empty chunks).
pub const MAX_CHUNKS: usize = 4096;
/// PNG limits chunk lengths and dimensions to 2^31 - 1.
pub const MAX_U31: u32 = 0x7FFF_FFFF;
/// Bytes at the end of the file searched for EXIF written after the image data. Pillow
/// and exiftool put `eXIf` right before IEND; 64 KiB holds a full EXIF block.
pub const TAIL_WINDOW: u64 = 64 * 1024;
/// CRC bytes computed over all candidates of one tail search. A real tail has one
/// candidate (at most [`TAIL_WINDOW`] bytes) and, rarely, a false one in compressed data;
/// a hostile tail can hold 8192 overlapping `eXIf` candidates each claiming the rest of
/// the window: 64 KiB^2 / 16 = 268 MB of CRC, a quarter second of Worker CPU per request.
pub const MAX_TAIL_CRC_BYTES: usize = 4 * TAIL_WINDOW as usize;
/// PNG's CRC-32 (ISO-HDLC), slice-by-16. Its 16 KiB of tables are computed on first use
/// (about 50 µs, once per isolate) rather than at compile time: crc32fast's, or a const
/// `crc::Crc`, put them in the Worker's upload as 16 KiB of incompressible data.
fn crc32(bytes: &[u8]) -> u32 {
    static CRC32: std::sync::OnceLock<crc::Crc<u32, crc::Table<16>>> = std::sync::OnceLock::new();
    CRC32
        .get_or_init(|| crc::Crc::<u32, crc::Table<16>>::new(&crc::CRC_32_ISO_HDLC))
        .checksum(bytes)
}
/// Largest raw-profile text decoded, and inflated from a `zTXt`/`iTXt` (hex doubles the
/// EXIF size; this holds a 2 MiB EXIF block as ImageMagick writes it, line breaks and all).
pub const MAX_RAW_PROFILE: usize =
    (2 * crate::exif::MAX_EXIF_BYTES + crate::exif::MAX_EXIF_BYTES / 16) as usize;

const RAW_PROFILE_KEYS: [&[u8]; 2] = [b"Raw profile type exif", b"Raw profile type APP1"];

pub fn sniff(head: &[u8]) -> bool {
    head.starts_with(SIGNATURE)
}

struct Chunk {
    at: u64,
    len: u32,
    kind: [u8; 4],
}

impl Chunk {
    fn data(&self) -> Range {
        Range::new(self.at + 8, self.len as u64)
    }
    fn next(&self) -> u64 {
        self.at + 12 + self.len as u64
    }
}

fn chunk_at(data: &ByteMap, at: u64) -> PResult<Chunk> {
    let h = data.get(at, 8, F, "chunk header")?;
    let len = be32(h, 0).unwrap_or(u32::MAX);
    if len > MAX_U31 {
        return Err(Error::invalid(F, format!("chunk at {at} declares length {len}")).into());
    }
    let mut kind = [0u8; 4];
    kind.copy_from_slice(h.get(4..8).unwrap_or(b"????"));
    Ok(Chunk { at, len, kind })
}

pub fn probe(data: &ByteMap) -> PResult<Header> {
    let ihdr = chunk_at(data, 8)?;
    if &ihdr.kind != b"IHDR" || ihdr.len < 13 {
        return Err(Error::invalid(F, "first chunk is not a 13-byte IHDR").into());
    }
    let b = data.get(16, 13, F, "IHDR")?;
    let width = be32(b, 0).unwrap_or(0);
    let height = be32(b, 4).unwrap_or(0);
    if width == 0 || height == 0 || width > MAX_U31 || height > MAX_U31 {
        return Err(Error::invalid(F, format!("IHDR declares {width}x{height}")).into());
    }
    let depth = b.get(8).copied().unwrap_or(0);
    let color_type = b.get(9).copied().unwrap_or(255);
    let (color, alpha) = match color_type {
        0 => (ColorSpace::Gray, false),
        2 => (ColorSpace::Srgb, false),
        3 => (ColorSpace::Palette, false),
        4 => (ColorSpace::Gray, true),
        6 => (ColorSpace::Srgb, true),
        t => return Err(Error::invalid(F, format!("IHDR colour type {t}")).into()),
    };
    let mut h = Header::new(Format::Png, width, height);
    h.color = Some(color);
    h.bit_depth = Some(depth);
    h.alpha = Some(alpha);
    h.frames = Some(1);

    let mut seen_idat = false;
    match walk(data, &mut h, ihdr.next(), &mut seen_idat) {
        Ok(()) => Ok(h),
        // A file cut short after IHDR still has a usable header: its size is known, and
        // what the missing chunks would have said (tRNS, acTL, EXIF) is not invented.
        Err(Halt::Fail(Error::Truncated { .. })) => Ok(h),
        // Damage after the image data does not unsay the header.
        Err(Halt::Fail(_)) if seen_idat => Ok(h),
        Err(halt) => Err(halt),
    }
}

/// Walks the chunks after IHDR, noting alpha, frames and where EXIF is.
fn walk(data: &ByteMap, h: &mut Header, mut at: u64, seen_idat: &mut bool) -> PResult<()> {
    for _ in 0..MAX_CHUNKS {
        let c = match chunk_at(data, at) {
            Ok(c) => c,
            // Past the image data with the size unknown (else the tail decided at IDAT):
            // a damaged chunk says nothing about the tail, which is where EXIF is looked
            // for, so learn the size.
            Err(Halt::Fail(_)) if *seen_idat => return Err(need_size(data, at)),
            Err(halt) => return Err(halt),
        };
        match &c.kind {
            b"IEND" if *seen_idat => return Err(need_size(data, c.next())),
            b"IEND" => return Ok(()),
            b"IDAT" => {
                *seen_idat = true;
                if h.exif.is_some() {
                    return Ok(());
                }
                // Past the image data, EXIF is looked for in the tail rather than by
                // walking every IDAT: always, once the size is known, so the answer never
                // depends on which chunks after IDAT happen to be held. Until then the
                // walk goes on only to learn the size.
                if let Some(total) = data.total() {
                    h.exif = find_in_tail(data, total)?;
                    return Ok(());
                }
            }
            _ if *seen_idat => {}
            b"tRNS" => h.alpha = Some(true),
            b"acTL" if c.len >= 8 => {
                let b = data.get(c.at + 8, 4, F, "acTL")?;
                h.frames = be32(b, 0).filter(|&n| n > 0);
            }
            b"eXIf" if h.exif.is_none() => {
                h.exif = Some(ExifLoc {
                    range: c.data(),
                    kind: ExifKind::Tiff,
                });
            }
            b"tEXt" | b"zTXt" | b"iTXt" if h.exif.is_none() && u64::from(c.len) > KEY_LEN => {
                let key = data.get(c.at + 8, KEY_LEN, F, "text chunk keyword")?;
                if is_raw_profile_key(key) {
                    // zTXt has a compression method byte before its text, iTXt a flag,
                    // a method, a language tag and a translated keyword.
                    let head_len = match &c.kind {
                        b"tEXt" => KEY_LEN,
                        b"zTXt" => KEY_LEN + 1,
                        _ => KEY_LEN + MAX_ITXT_HEADER,
                    };
                    let head_len = head_len.min(c.len as u64);
                    let head = data.get(c.at + 8, head_len, F, "text chunk header")?;
                    h.exif = raw_profile_loc(&c.kind, head, c.data());
                }
            }
            _ => {}
        }
        at = c.next();
    }
    if *seen_idat {
        return Err(need_size(data, at));
    }
    Err(Error::invalid(F, format!("more than {MAX_CHUNKS} chunks")).into())
}

/// Asks for the first byte not held from `from` on: its read tells the object's size,
/// which the tail search after IDAT needs.
fn need_size(data: &ByteMap, from: u64) -> Halt {
    let at = from.saturating_add(data.contiguous_from(from));
    Halt::Need(Range::new(at, 1))
}

/// Bytes of a raw-profile keyword with its NUL separator ("Raw profile type exif\0").
const KEY_LEN: u64 = 22;
/// Most bytes searched for the end of an iTXt's language tag and translated keyword
/// (both are short names; a longer header is not a raw profile worth reading).
pub const MAX_ITXT_HEADER: u64 = 512;

fn is_raw_profile_key(key: &[u8]) -> bool {
    RAW_PROFILE_KEYS
        .iter()
        .any(|k| key.starts_with(k) && key.get(21) == Some(&0))
}

/// Where the text of a raw-profile chunk lies and how it is stored, from the first
/// bytes of its data (`head`): after the keyword for `tEXt`; after the keyword and a
/// compression method of 0 (zlib) for `zTXt`; after the keyword, a compression flag and
/// method, a language tag and a translated keyword for `iTXt`.
fn raw_profile_loc(kind: &[u8; 4], head: &[u8], d: Range) -> Option<ExifLoc> {
    let (skip, zlib) = match kind {
        b"tEXt" => (KEY_LEN as usize, false),
        // Compression method 0 (zlib) is the only one defined.
        b"zTXt" if head.get(22) == Some(&0) => (KEY_LEN as usize + 1, true),
        b"iTXt" => {
            let flag = *head.get(22)?;
            if flag > 1 || (flag == 1 && head.get(23) != Some(&0)) {
                return None;
            }
            let rest = head.get(24..)?;
            let lang_end = rest.iter().position(|&b| b == 0)?;
            let tkey = rest.get(lang_end + 1..)?;
            let tkey_end = tkey.iter().position(|&b| b == 0)?;
            (24 + lang_end + 1 + tkey_end + 1, flag == 1)
        }
        _ => return None,
    };
    let skip = skip as u64;
    let len = d.len.checked_sub(skip)?;
    let kind = if zlib {
        ExifKind::PngRawProfileZlib
    } else {
        ExifKind::PngRawProfile
    };
    Some(ExifLoc {
        range: Range::new(d.offset + skip, len),
        kind,
    })
}

/// Looks for an `eXIf` (or raw-profile text) chunk in the last bytes of the file;
/// a candidate counts only when its length fits and its CRC matches.
fn find_in_tail(data: &ByteMap, total: u64) -> PResult<Option<ExifLoc>> {
    let start = total.saturating_sub(TAIL_WINDOW);
    let tail = data.get(start, total - start, F, "file tail")?;
    let mut crc_budget = MAX_TAIL_CRC_BYTES;
    let mut i = 4usize;
    while i + 4 <= tail.len() {
        let kind = tail.get(i..i + 4).unwrap_or(&[]);
        if matches!(kind, b"eXIf" | b"tEXt" | b"zTXt" | b"iTXt") {
            if let Some(loc) = candidate(tail, start, i, &mut crc_budget) {
                return Ok(Some(loc));
            }
        }
        i += 1;
    }
    Ok(None)
}

/// The chunk whose type is at `kind_at`, if its length fits and its CRC matches; the
/// CRC is computed only while `crc_budget` lasts (see [`MAX_TAIL_CRC_BYTES`]).
fn candidate(tail: &[u8], start: u64, kind_at: usize, crc_budget: &mut usize) -> Option<ExifLoc> {
    let len = be32(tail, kind_at.checked_sub(4)?)? as usize;
    let data_end = kind_at.checked_add(4)?.checked_add(len)?;
    let crc = be32(tail, data_end)?;
    let covered = tail.get(kind_at..data_end)?;
    *crc_budget = crc_budget.checked_sub(covered.len())?;
    if crc32(covered) != crc {
        return None;
    }
    let body = Range::new(start + kind_at as u64 + 4, len as u64);
    let mut kind = [0u8; 4];
    kind.copy_from_slice(covered.get(..4)?);
    let data = covered.get(4..)?;
    match &kind {
        b"eXIf" => Some(ExifLoc {
            range: body,
            kind: ExifKind::Tiff,
        }),
        _ if is_raw_profile_key(data.get(..KEY_LEN as usize)?) => {
            raw_profile_loc(&kind, data, body)
        }
        _ => None,
    }
}

/// Inflates a `zTXt` or compressed `iTXt` raw profile, refusing to grow it past
/// [`MAX_RAW_PROFILE`] (a small chunk can inflate to gigabytes), then decodes it.
pub fn decode_raw_profile_zlib(z: &[u8]) -> Result<Vec<u8>, String> {
    let text = miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(z, MAX_RAW_PROFILE)
        .map_err(|e| match e.status {
            miniz_oxide::inflate::TINFLStatus::HasMoreOutput => {
                format!("compressed raw profile inflates past {MAX_RAW_PROFILE} bytes")
            }
            s => format!("compressed raw profile: {s:?}"),
        })?;
    decode_raw_profile(&text)
}

/// Decodes ImageMagick's raw profile text: `\n<name>\n<spaces><length>\n<hex…>`.
pub fn decode_raw_profile(text: &[u8]) -> Result<Vec<u8>, String> {
    if text.len() > MAX_RAW_PROFILE {
        return Err("raw profile text too large".into());
    }
    let mut lines = text.split(|&b| b == b'\n').filter(|l| !l.is_empty());
    let _name = lines.next().ok_or("raw profile: no name line")?;
    let len_line = lines.next().ok_or("raw profile: no length line")?;
    let declared: usize = std::str::from_utf8(len_line)
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .ok_or("raw profile: bad length")?;
    if declared > MAX_RAW_PROFILE / 2 {
        return Err("raw profile: declared length too large".into());
    }
    let mut out = Vec::with_capacity(declared);
    let mut hi: Option<u8> = None;
    for line in lines {
        for &c in line {
            let v = match c {
                b'0'..=b'9' => c - b'0',
                b'a'..=b'f' => c - b'a' + 10,
                b'A'..=b'F' => c - b'A' + 10,
                _ => continue,
            };
            match hi.take() {
                Some(h) => out.push(h << 4 | v),
                None => hi = Some(v),
            }
            if out.len() == declared {
                break;
            }
        }
    }
    if out.len() < declared {
        return Err(format!("raw profile: {} of {declared} bytes", out.len()));
    }
    // The APP1 form keeps the `Exif\0\0` header; Exif::parse strips it.
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::testutil::{check_prefixes, rest_in_one_read, run};

    use crate::probe::testutil::png_chunk as chunk;

    fn tiff_orientation(o: u8) -> Vec<u8> {
        let mut t = vec![b'I', b'I', 42, 0, 8, 0, 0, 0, 1, 0];
        t.extend_from_slice(&[0x12, 0x01, 3, 0, 1, 0, 0, 0, o, 0, 0, 0, 0, 0, 0, 0]);
        t
    }

    /// A 3x2 RGBA PNG with `eXIf` before or after one IDAT of `idat_len` bytes.
    pub fn sample(exif_after_idat: bool, idat_len: usize) -> Vec<u8> {
        let mut f = SIGNATURE.to_vec();
        f.extend(chunk(b"IHDR", &[0, 0, 0, 3, 0, 0, 0, 2, 8, 6, 0, 0, 0]));
        let exif = chunk(b"eXIf", &tiff_orientation(8));
        if !exif_after_idat {
            f.extend(&exif);
        }
        f.extend(chunk(b"IDAT", &vec![0u8; idat_len]));
        if exif_after_idat {
            f.extend(&exif);
        }
        f.extend(chunk(b"IEND", &[]));
        f
    }

    #[test]
    fn exif_before_idat() {
        let f = sample(false, 10);
        let info = run(&f).unwrap();
        assert_eq!((info.width(), info.height()), (3, 2));
        assert_eq!(info.header.alpha, Some(true));
        assert_eq!(info.orientation(), Some(8));
        check_prefixes(&f, f.len(), 1, &info);
    }

    #[test]
    fn exif_after_idat_found_in_tail() {
        let f = sample(true, 200_000);
        // One read of the tail.
        let (_, info) = rest_in_one_read(&f, 4096);
        assert_eq!(info.orientation(), Some(8));
        // Without a known size, the walk goes chunk by chunk until a read tells the size,
        // and the tail decides as before.
        let small = sample(true, 100);
        let info = run(&small).unwrap();
        check_prefixes(&small, small.len(), 1, &info);
    }

    #[test]
    fn raw_profile_decodes() {
        let hex: String = tiff_orientation(3)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let text = format!("\nexif\n      {}\n{hex}\n", hex.len() / 2);
        let exif = crate::exif::Exif::parse(&decode_raw_profile(text.as_bytes()).unwrap()).unwrap();
        assert_eq!(exif.orientation(), Some(3));
    }

    /// ImageMagick's raw profile text for a TIFF block.
    fn raw_profile_text(tiff: &[u8]) -> Vec<u8> {
        let hex: String = tiff.iter().map(|b| format!("{b:02x}")).collect();
        format!("\nexif\n      {}\n{hex}\n", tiff.len()).into_bytes()
    }

    /// A 3x2 RGB PNG with one text chunk before (or after) an IDAT of `idat_len` bytes.
    fn with_text_chunk(kind: &[u8; 4], data: &[u8], after: bool, idat_len: usize) -> Vec<u8> {
        let mut f = SIGNATURE.to_vec();
        f.extend(chunk(b"IHDR", &[0, 0, 0, 3, 0, 0, 0, 2, 8, 2, 0, 0, 0]));
        if !after {
            f.extend(chunk(kind, data));
        }
        f.extend(chunk(b"IDAT", &vec![0u8; idat_len]));
        if after {
            f.extend(chunk(kind, data));
        }
        f.extend(chunk(b"IEND", &[]));
        f
    }

    fn ztxt(text: &[u8]) -> Vec<u8> {
        let mut d = b"Raw profile type exif\0\0".to_vec();
        d.extend(miniz_oxide::deflate::compress_to_vec_zlib(text, 6));
        d
    }

    #[test]
    fn ztxt_and_itxt_raw_profiles() {
        let text = raw_profile_text(&tiff_orientation(6));
        let mut itxt = b"Raw profile type exif\0\x01\0en\0Exif\0".to_vec();
        itxt.extend(miniz_oxide::deflate::compress_to_vec_zlib(&text, 6));
        let mut itxt_plain = b"Raw profile type APP1\0\0\0\0\0".to_vec();
        itxt_plain.extend(&text);
        for (kind, data) in [
            (b"zTXt", ztxt(&text)),
            (b"iTXt", itxt),
            (b"iTXt", itxt_plain),
        ] {
            for after in [false, true] {
                let f = with_text_chunk(kind, &data, after, 100);
                let info = run(&f).unwrap();
                assert_eq!(info.orientation(), Some(6), "{kind:?} after IDAT: {after}");
                check_prefixes(&f, f.len(), 1, &info);
            }
            // After a big IDAT, it is found in the tail.
            let f = with_text_chunk(kind, &data, true, 200_000);
            assert_eq!(run(&f).unwrap().orientation(), Some(6));
        }
        // A text chunk with another keyword is not read.
        let mut other = ztxt(&text);
        other[17] = b'x';
        let info = run(&with_text_chunk(b"zTXt", &other, false, 10)).unwrap();
        assert!(info.header.exif.is_none());
    }

    #[test]
    fn ztxt_bomb_is_refused_and_keeps_the_header() {
        let bomb = ztxt(&vec![b'0'; MAX_RAW_PROFILE + 1]);
        assert!(bomb.len() < 64 * 1024, "{}", bomb.len());
        let info = run(&with_text_chunk(b"zTXt", &bomb, false, 10)).unwrap();
        assert_eq!((info.width(), info.height()), (3, 2));
        assert!(info.exif.is_none());
        let why = info.exif_error.unwrap();
        assert!(why.contains("inflates past"), "{why}");
    }

    #[test]
    fn file_cut_after_ihdr_answers_the_header() {
        let f = sample(false, 10);
        let info = run(&f[..33]).unwrap();
        assert_eq!((info.width(), info.height()), (3, 2));
        assert!(info.header.exif.is_none());
        // Cut inside the eXIf chunk: the header stands, the EXIF is reported missing.
        let info = run(&f[..50]).unwrap();
        assert_eq!(info.width(), 3);
        assert!(info.exif.is_none() && info.exif_error.is_some());
        // A broken IHDR is still an error.
        assert!(run(&f[..28]).is_err());
    }

    #[test]
    fn bad_headers_are_errors() {
        let mut f = sample(false, 1);
        f[19] = 0; // width 0
        f[18] = 0;
        assert!(run(&f).is_err());
        assert!(run(SIGNATURE).is_err());
    }

    /// Fuzz finding (`fuzz/` target `png`): after IDAT, a damaged chunk ended the walk
    /// with no EXIF while the size was unknown, where the whole file (size known) found
    /// the `eXIf` in its tail: the answer depended on what was held. Now the tail decides
    /// whenever EXIF is not before IDAT, and an unknown size is asked for, not guessed.
    #[test]
    fn damage_after_idat_does_not_hide_the_tail_exif() {
        let mut f = SIGNATURE.to_vec();
        f.extend(chunk(b"IHDR", &[0, 0, 0, 3, 0, 0, 0, 2, 8, 6, 0, 0, 0]));
        f.extend(chunk(b"IDAT", &[0u8; 10]));
        f.extend_from_slice(&[0xFF, 0xFF, 0xFF, 0xFF, b'J', b'U', b'N', b'K']);
        f.extend(chunk(b"eXIf", &tiff_orientation(6)));
        f.extend(chunk(b"IEND", &[]));
        let info = run(&f).unwrap();
        assert_eq!(info.orientation(), Some(6));
        check_prefixes(&f, f.len(), 1, &info);
        let (via_driver, _) = crate::driver::inspect_bytes(&f, crate::driver::Budget::default());
        assert_eq!(via_driver.unwrap().orientation(), Some(6));
    }

    /// The same rule for a valid file: an `eXIf` after IDAT but more than [`TAIL_WINDOW`]
    /// before the end is found neither with every byte held nor through the driver
    /// (which holds only the first window and the tail), instead of one but not the other.
    #[test]
    fn exif_after_idat_is_only_looked_for_in_the_tail() {
        let mut f = SIGNATURE.to_vec();
        f.extend(chunk(b"IHDR", &[0, 0, 0, 3, 0, 0, 0, 2, 8, 6, 0, 0, 0]));
        f.extend(chunk(b"IDAT", &[0u8; 10]));
        f.extend(chunk(b"eXIf", &tiff_orientation(6)));
        f.extend(chunk(b"zTXt", &vec![b'x'; TAIL_WINDOW as usize]));
        f.extend(chunk(b"IEND", &[]));
        let all_held = run(&f).unwrap();
        let (via_driver, _) = crate::driver::inspect_bytes(&f, crate::driver::Budget::default());
        let mut via_driver = via_driver.unwrap();
        via_driver.file_size = all_held.file_size;
        assert_eq!(all_held, via_driver);
        assert_eq!(all_held.header.exif, None);
    }

    /// A tail of 8192 overlapping `eXIf` candidates, each claiming the rest of the tail,
    /// costs at most [`MAX_TAIL_CRC_BYTES`] of CRC: a real chunk behind them is not
    /// reached (no EXIF answered), where checking them all would have found it after
    /// 268 MB of CRC.
    #[test]
    fn tail_search_crc_work_is_bounded() {
        let exif = chunk(b"eXIf", &tiff_orientation(6));
        let units = (TAIL_WINDOW as usize - exif.len() - 12) / 8;
        let body_len = units * 8;
        let mut body = Vec::new();
        for i in 0..units {
            // Each fake length reaches the last byte before its CRC at the file's end.
            let rest = body_len - (8 * i + 8) + 4 + exif.len() + 12;
            body.extend_from_slice(&((rest - 4) as u32).to_be_bytes());
            body.extend_from_slice(b"eXIf");
        }
        let mut f = SIGNATURE.to_vec();
        f.extend(chunk(b"IHDR", &[0, 0, 0, 3, 0, 0, 0, 2, 8, 6, 0, 0, 0]));
        f.extend(chunk(b"IDAT", &[0u8; 10]));
        let honest = [f.clone(), exif.clone(), chunk(b"IEND", &[])].concat();
        assert_eq!(run(&honest).unwrap().orientation(), Some(6));
        f.extend(chunk(b"zzZz", &body));
        f.extend(exif);
        f.extend(chunk(b"IEND", &[]));
        let info = run(&f).unwrap();
        assert_eq!(
            (info.width(), info.height(), info.header.exif),
            (3, 2, None)
        );
    }
}

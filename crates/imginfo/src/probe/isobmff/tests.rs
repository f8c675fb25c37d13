//! Unit tests of the HEIF/AVIF probe on boxes built here: every prefix, far `meta` and
//! Exif reads, derived-image descriptors, iloc variants and hostile sizes and nesting.

use super::boxes::{locate, Location};
use super::*;
use crate::driver::{inspect_bytes, Budget};
use crate::probe::testutil::{check_prefixes, run};

fn bx(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut b = ((body.len() + 8) as u32).to_be_bytes().to_vec();
    b.extend_from_slice(kind);
    b.extend_from_slice(body);
    b
}
fn full(kind: &[u8; 4], version: u8, flags: u32, body: &[u8]) -> Vec<u8> {
    let mut b = ((flags & 0xFF_FFFF) | (version as u32) << 24)
        .to_be_bytes()
        .to_vec();
    b.extend_from_slice(body);
    bx(kind, &b)
}
fn cat(parts: &[Vec<u8>]) -> Vec<u8> {
    parts.concat()
}
fn ftyp(major: &[u8; 4], compat: &[&[u8; 4]]) -> Vec<u8> {
    let mut b = major.to_vec();
    b.extend_from_slice(&[0; 4]);
    for c in compat {
        b.extend_from_slice(&c[..]);
    }
    bx(b"ftyp", &b)
}
fn hdlr() -> Vec<u8> {
    full(b"hdlr", 0, 0, b"\0\0\0\0pict\0\0\0\0\0\0\0\0\0\0\0\0\0")
}
fn infe(id: u16, kind: &[u8; 4]) -> Vec<u8> {
    let mut b = id.to_be_bytes().to_vec();
    b.extend_from_slice(&[0, 0]);
    b.extend_from_slice(kind);
    b.push(0);
    full(b"infe", 2, 0, &b)
}
fn iinf(items: &[(u16, &[u8; 4])]) -> Vec<u8> {
    let mut b = (items.len() as u16).to_be_bytes().to_vec();
    for (id, k) in items {
        b.extend(infe(*id, k));
    }
    full(b"iinf", 0, 0, &b)
}
/// iloc version 1, 4-byte offsets and lengths, no base offset: (item, method, extents).
/// (item, construction method, extents as (offset, length)).
type Loc<'a> = (u16, u8, &'a [(u32, u32)]);
fn iloc(items: &[Loc]) -> Vec<u8> {
    let mut b = vec![0x44, 0x00];
    b.extend_from_slice(&(items.len() as u16).to_be_bytes());
    for (id, method, extents) in items {
        b.extend_from_slice(&id.to_be_bytes());
        b.extend_from_slice(&(*method as u16).to_be_bytes());
        b.extend_from_slice(&[0, 0]);
        b.extend_from_slice(&(extents.len() as u16).to_be_bytes());
        for (o, l) in *extents {
            b.extend_from_slice(&o.to_be_bytes());
            b.extend_from_slice(&l.to_be_bytes());
        }
    }
    full(b"iloc", 1, 0, &b)
}
fn iref(refs: &[(&[u8; 4], u16, u16)]) -> Vec<u8> {
    let mut b = Vec::new();
    for (k, from, to) in refs {
        let mut e = from.to_be_bytes().to_vec();
        e.extend_from_slice(&[0, 1]);
        e.extend_from_slice(&to.to_be_bytes());
        b.extend(bx(k, &e));
    }
    full(b"iref", 0, 0, &b)
}
fn ispe(w: u32, h: u32) -> Vec<u8> {
    full(
        b"ispe",
        0,
        0,
        &cat(&[w.to_be_bytes().to_vec(), h.to_be_bytes().to_vec()]),
    )
}
fn clap(wn: u32, wd: u32, hn: u32, hd: u32) -> Vec<u8> {
    let v: Vec<u8> = [wn, wd, hn, hd, 0, 1, 0, 1]
        .iter()
        .flat_map(|x| x.to_be_bytes())
        .collect();
    bx(b"clap", &v)
}
fn ipma8(entries: &[(u16, &[u8])]) -> Vec<u8> {
    let mut b = (entries.len() as u32).to_be_bytes().to_vec();
    for (id, idx) in entries {
        b.extend_from_slice(&id.to_be_bytes());
        b.push(idx.len() as u8);
        b.extend_from_slice(idx);
    }
    full(b"ipma", 0, 0, &b)
}
fn iprp(props: &[Vec<u8>], ipma: Vec<u8>) -> Vec<u8> {
    bx(b"iprp", &cat(&[bx(b"ipco", &props.concat()), ipma]))
}
fn meta(children: &[Vec<u8>]) -> Vec<u8> {
    full(b"meta", 0, 0, &children.concat())
}

/// A big-endian TIFF with Make "Cam" and Orientation `o`.
fn tiff(o: u8) -> Vec<u8> {
    let mut t = vec![b'M', b'M', 0, 42, 0, 0, 0, 8, 0, 2];
    t.extend_from_slice(&[0x01, 0x0F, 0, 2, 0, 0, 0, 4]);
    t.extend_from_slice(b"Cam\0");
    t.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, o, 0, 0]);
    t.extend_from_slice(&[0, 0, 0, 0]);
    t
}
/// A HEIF Exif item: the offset to the TIFF header, `Exif\0\0`, the TIFF.
fn exif_item() -> Vec<u8> {
    cat(&[vec![0, 0, 0, 6], b"Exif\0\0".to_vec(), tiff(6)])
}

/// A 640x480 HEVC image with an alpha item, 10-bit pixi, clap 639x479 then irot 90
/// then imir, and an Exif item in `mdat` after `pad` bytes; `meta` before or after `mdat`.
fn heic(pad: usize, meta_after_mdat: bool) -> Vec<u8> {
    let ex = exif_item();
    let build = |exif_at: u32| {
        meta(&[
            hdlr(),
            full(b"pitm", 0, 0, &[0, 1]),
            iinf(&[(1, b"hvc1"), (2, b"Exif"), (3, b"hvc1")]),
            iloc(&[(1, 0, &[(0, 0)]), (2, 0, &[(exif_at, ex.len() as u32)])]),
            iref(&[(b"cdsc", 2, 1), (b"auxl", 3, 1)]),
            iprp(
                &[
                    ispe(640, 480),
                    full(b"pixi", 0, 0, &[3, 10, 10, 10]),
                    bx(b"colr", b"nclx\0\x01\0\x0d\0\x06\x80"),
                    clap(639, 1, 479, 1),
                    bx(b"irot", &[1]),
                    bx(b"imir", &[1]),
                    full(b"auxC", 0, 0, b"urn:mpeg:hevc:2015:auxid:1\0"),
                    ispe(640, 480),
                ],
                ipma8(&[(1, &[0x81, 2, 3, 0x84, 0x85, 0x86]), (3, &[0x87, 8])]),
            ),
        ])
    };
    let ft = ftyp(b"heic", &[b"mif1", b"heic"]);
    let meta_len = build(0).len();
    let mdat_at = ft.len() + if meta_after_mdat { 0 } else { meta_len };
    let exif_at = (mdat_at + 8 + pad) as u32;
    let mdat = bx(b"mdat", &cat(&[vec![0xAA; pad], ex.clone()]));
    let m = build(exif_at);
    if meta_after_mdat {
        cat(&[ft, mdat, m])
    } else {
        cat(&[ft, m, mdat])
    }
}

fn expect_heic(info: &crate::Info) {
    let h = &info.header;
    assert_eq!(h.format, Format::Heic);
    assert_eq!((h.width, h.height), (640, 480));
    assert_eq!(h.bit_depth, Some(10));
    assert_eq!(h.color, Some(ColorSpace::Srgb));
    assert_eq!(h.alpha, Some(true));
    assert_eq!(h.frames, Some(1));
    assert_eq!(
        h.transforms,
        vec![
            Transform::Clap {
                width: 639,
                height: 479
            },
            Transform::Irot(90),
            Transform::Imir(1)
        ]
    );
    assert_eq!(info.display_size(), (479, 639));
    assert_eq!(info.orientation(), Some(6));
    assert_eq!(info.exif.as_ref().and_then(|e| e.make()), Some("Cam"));
}

#[test]
fn reads_a_heic_with_alpha_transforms_and_exif() {
    let f = heic(100, false);
    let info = run(&f).unwrap();
    expect_heic(&info);
    check_prefixes(&f, f.len(), 1, &info);
}

#[test]
fn meta_after_mdat_is_reached_by_offset() {
    let f = heic(300_000, true);
    let info = run(&f).unwrap();
    expect_heic(&info);
    // The first window holds ftyp and the mdat header: the next ask is the 8-byte
    // header of the box after mdat, not mdat's body.
    let mdat_end = 24 + 8 + 300_000 + exif_item().len() as u64;
    let map = ByteMap::from_prefix(&f[..68 * 1024], Some(f.len() as u64));
    assert_eq!(
        crate::probe::probe(&map),
        Ok(crate::Step::Need(Range::new(mdat_end, 8)))
    );
    let (got, stats) = inspect_bytes(&f, Budget::default());
    expect_heic(&got.unwrap());
    assert_eq!(stats.reads, 3, "first window, meta, Exif item");
    assert!(stats.bytes < 68 * 1024 + 2 * 16 * 1024, "{stats:?}");
    // Without the object size, every prefix still needs more or answers in full.
    check_prefixes(&f, f.len(), 997, &info);
}

#[test]
fn far_exif_takes_one_more_read() {
    let f = heic(200_000, false);
    let (got, stats) = inspect_bytes(&f, Budget::default());
    expect_heic(&got.unwrap());
    assert_eq!(stats.reads, 2);
}

/// An AVIF with 32-bit pitm, infe v3, 16-bit ipma indices and a monochrome av1C.
fn avif_mono() -> Vec<u8> {
    let infe3 = full(
        b"infe",
        3,
        0,
        &cat(&[7u32.to_be_bytes().to_vec(), vec![0, 0], b"av01\0".to_vec()]),
    );
    let ipma = full(
        b"ipma",
        1,
        1,
        &cat(&[
            vec![0, 0, 0, 1],
            7u32.to_be_bytes().to_vec(),
            vec![2, 0x80, 1, 0, 2],
        ]),
    );
    cat(&[
        ftyp(b"avif", &[b"mif1", b"miaf"]),
        meta(&[
            hdlr(),
            full(b"pitm", 1, 0, &7u32.to_be_bytes()),
            full(b"iinf", 1, 0, &cat(&[1u32.to_be_bytes().to_vec(), infe3])),
            bx(
                b"iprp",
                &cat(&[
                    bx(
                        b"ipco",
                        &cat(&[ispe(1203, 799), bx(b"av1C", &[0x81, 0x20, 0x50, 0])]),
                    ),
                    ipma,
                ]),
            ),
        ]),
    ])
}

#[test]
fn reads_a_monochrome_avif() {
    let f = avif_mono();
    let info = run(&f).unwrap();
    let h = &info.header;
    assert_eq!((h.format, h.width, h.height), (Format::Avif, 1203, 799));
    assert_eq!(
        (h.color, h.bit_depth, h.alpha),
        (Some(ColorSpace::Gray), Some(10), Some(false))
    );
    assert!(h.exif.is_none() && h.transforms.is_empty());
    check_prefixes(&f, f.len(), 1, &info);
}

/// A grid of two av01 tiles without ispe on the grid: its size comes from the grid
/// descriptor, in idat (method 1) or in mdat (method 0), 16- or 32-bit.
fn grid(in_idat: bool, wide: bool) -> Vec<u8> {
    let desc = if wide {
        cat(&[
            vec![0, 1, 0, 1],
            6400u32.to_be_bytes().to_vec(),
            2880u32.to_be_bytes().to_vec(),
        ])
    } else {
        cat(&[
            vec![0, 0, 0, 1],
            6400u16.to_be_bytes().to_vec(),
            2880u16.to_be_bytes().to_vec(),
        ])
    };
    let build = |at: u32| {
        let mut c = vec![
            hdlr(),
            full(b"pitm", 0, 0, &[0, 9]),
            iinf(&[(9, b"grid"), (1, b"av01"), (2, b"av01")]),
            iloc(&[(9, if in_idat { 1 } else { 0 }, &[(at, desc.len() as u32)])]),
            full(b"iref", 0, 0, &bx(b"dimg", &[0, 9, 0, 2, 0, 1, 0, 2])),
            iprp(
                &[ispe(3200, 2880), full(b"pixi", 0, 0, &[3, 8, 8, 8])],
                ipma8(&[(1, &[1, 2]), (2, &[1, 2])]),
            ),
        ];
        if in_idat {
            c.push(bx(b"idat", &desc));
        }
        meta(&c)
    };
    let ft = ftyp(b"avif", &[b"mif1"]);
    if in_idat {
        return cat(&[ft, build(0)]);
    }
    let at = (ft.len() + build(0).len() + 8 + 50) as u32;
    cat(&[
        ft.clone(),
        build(at),
        bx(b"mdat", &cat(&[vec![0; 50], desc.clone()])),
    ])
}

#[test]
fn grid_size_comes_from_its_descriptor() {
    for (idat, wide) in [(true, false), (false, true), (false, false)] {
        let f = grid(idat, wide);
        let info = run(&f).unwrap();
        let h = &info.header;
        assert_eq!(
            (h.format, h.width, h.height),
            (Format::Avif, 6400, 2880),
            "{idat} {wide}"
        );
        assert_eq!(h.bit_depth, Some(8), "the first tile's pixi");
        check_prefixes(&f, f.len(), 1, &info);
    }
}

#[test]
fn exif_extents_and_idat() {
    // Two contiguous extents are one range; two apart are reported, header intact.
    let ex = exif_item();
    let (a, b) = ex.split_at(10);
    for gap in [0usize, 5] {
        let build = |at: u32| {
            meta(&[
                hdlr(),
                full(b"pitm", 0, 0, &[0, 1]),
                iinf(&[(1, b"hvc1"), (2, b"Exif")]),
                iloc(&[(
                    2,
                    0,
                    &[
                        (at, a.len() as u32),
                        (at + (a.len() + gap) as u32, b.len() as u32),
                    ],
                )]),
                iprp(&[ispe(64, 64)], ipma8(&[(1, &[1])])),
            ])
        };
        let ft = ftyp(b"mif1", &[b"heic"]);
        let at = (ft.len() + build(0).len() + 8) as u32;
        let f = cat(&[
            ft,
            build(at),
            bx(b"mdat", &cat(&[a.to_vec(), vec![0; gap], b.to_vec()])),
        ]);
        let info = run(&f).unwrap();
        assert_eq!(info.width(), 64);
        if gap == 0 {
            assert_eq!(info.orientation(), Some(6));
        } else {
            assert!(info.exif.is_none());
            assert!(
                info.exif_error
                    .as_deref()
                    .unwrap()
                    .contains("non-contiguous"),
                "{info:?}"
            );
        }
    }
    // An Exif item stored in idat (construction method 1).
    let f = cat(&[
        ftyp(b"heic", &[]),
        meta(&[
            hdlr(),
            full(b"pitm", 0, 0, &[0, 1]),
            iinf(&[(1, b"hvc1"), (2, b"Exif")]),
            iloc(&[(2, 1, &[(3, ex.len() as u32)])]),
            iprp(&[ispe(64, 64)], ipma8(&[(1, &[1])])),
            bx(b"idat", &cat(&[vec![9; 3], ex.clone()])),
        ]),
    ]);
    let info = run(&f).unwrap();
    assert_eq!(info.orientation(), Some(6));
    check_prefixes(&f, f.len(), 1, &info);
}

#[test]
fn other_ftyp_files_are_unsupported_with_their_brands() {
    let mp4 = cat(&[ftyp(b"isom", &[b"mp42"]), bx(b"moov", &[0; 20])]);
    match run(&mp4) {
        Err(Error::Unsupported(m)) => assert!(m.contains("isom") && m.contains("mp42"), "{m}"),
        other => panic!("{other:?}"),
    }
    // A file cut inside mdat: truncated, not "no meta".
    let cut = heic(300, true);
    assert!(matches!(run(&cut[..200]), Err(Error::Truncated { .. })));
    let no_meta = cat(&[ftyp(b"heic", &[b"mif1"]), bx(b"mdat", &[0; 20])]);
    match run(&no_meta) {
        Err(Error::Unsupported(m)) => {
            assert!(m.contains("no meta") && m.contains("heic"), "{m}")
        }
        other => panic!("{other:?}"),
    }
    let mini = cat(&[ftyp(b"mif3", &[b"avif"]), bx(b"mini", &[0; 20])]);
    match run(&mini) {
        Err(Error::Unsupported(m)) => assert!(m.contains("mini"), "{m}"),
        other => panic!("{other:?}"),
    }
    let not_pict = cat(&[
        ftyp(b"heic", &[]),
        meta(&[full(b"hdlr", 0, 0, b"\0\0\0\0vide\0")]),
    ]);
    assert!(matches!(run(&not_pict), Err(Error::Unsupported(_))));
}

/// The sample with one box body swapped for `with`.
fn patched(find: &[u8], with: &[u8]) -> Vec<u8> {
    let f = heic(10, false);
    let at = f.windows(find.len()).position(|w| w == find).unwrap();
    assert_eq!(find.len(), with.len());
    let mut g = f.clone();
    g[at..at + with.len()].copy_from_slice(with);
    g
}

#[test]
fn impossible_sizes_are_errors() {
    for (w, h) in [
        (0, 480),
        (640, 0),
        (4294967103, 640),
        (MAX_DIMENSION + 1, 1),
    ] {
        let f = patched(&ispe(640, 480), &ispe(w, h));
        assert!(matches!(run(&f), Err(Error::Invalid { .. })), "{w}x{h}");
    }
}

#[test]
fn unusable_claps_are_left_out() {
    // A zero denominator, a zero height and a crop larger than the image.
    for c in [clap(639, 0, 479, 1), clap(2, 1, 1, 2), clap(641, 1, 479, 1)] {
        let info = run(&patched(&clap(639, 1, 479, 1), &c)).unwrap();
        assert_eq!(
            info.header.transforms,
            vec![Transform::Irot(90), Transform::Imir(1)]
        );
        assert_eq!(info.display_size(), (480, 640));
    }
}

#[test]
fn dangling_property_index_fails_only_for_the_primary() {
    let bad_primary = patched(
        &[0x81, 2, 3, 0x84, 0x85, 0x86],
        &[0x81, 2, 3, 0x84, 0x85, 0x7F],
    );
    assert!(matches!(run(&bad_primary), Err(Error::Invalid { .. })));
    let bad_other = patched(&[0x87, 8], &[0x87, 0x7F]);
    assert_eq!(run(&bad_other).unwrap().width(), 640);
}

#[test]
fn hostile_boxes_are_clean_errors() {
    let ft = ftyp(b"heic", &[b"mif1"]);
    // A meta box claiming 2^64 - 1 bytes: refused before anything is asked for.
    let mut huge = cat(&[
        ft.clone(),
        vec![0, 0, 0, 1],
        b"meta".to_vec(),
        u64::MAX.to_be_bytes().to_vec(),
    ]);
    huge.extend_from_slice(&[0; 32]);
    assert!(matches!(run(&huge), Err(Error::Invalid { .. })));
    let map = ByteMap::from_prefix(&huge, None);
    assert!(
        crate::probe::probe(&map).is_err(),
        "no Need for a 2^64-byte box"
    );
    // A top-level box whose end overflows u64.
    let mut wrap = cat(&[
        ft.clone(),
        vec![0, 0, 0, 1],
        b"free".to_vec(),
        u64::MAX.to_be_bytes().to_vec(),
    ]);
    wrap.extend_from_slice(&[0; 8]);
    assert!(run(&wrap).is_err());
    // A box smaller than its own header.
    assert!(run(&cat(&[ft.clone(), vec![0, 0, 0, 4], b"free".to_vec()])).is_err());
    // 10^4-deep nesting inside ipco: nothing recurses, the primary simply lacks ispe.
    let mut nest = ispe(1, 1);
    for _ in 0..10_000 {
        nest = bx(b"ipco", &nest);
    }
    let deep = cat(&[
        ft.clone(),
        meta(&[
            hdlr(),
            full(b"pitm", 0, 0, &[0, 1]),
            iinf(&[(1, b"hvc1")]),
            bx(b"iprp", &cat(&[nest, ipma8(&[(1, &[1])])])),
        ]),
    ]);
    assert!(matches!(run(&deep), Err(Error::Invalid { .. })));
    // Counts far beyond the bytes present, and sizes past their parent.
    for (find, with) in [
        (
            &b"ipma\0\0\0\0\0\0\0\x02"[..],
            &b"ipma\0\0\0\0\xff\xff\xff\xff"[..],
        ),
        (&b"iinf\0\0\0\0\0\x03"[..], &b"iinf\x01\0\0\0\0\x03"[..]),
        (&b"ispe"[..], &b"ispf"[..]),
    ] {
        let f = patched(find, with);
        assert!(run(&f).is_err());
    }
    let mut f = heic(10, false);
    let at = f.windows(4).position(|w| w == b"ipco").unwrap();
    f[at - 4..at].copy_from_slice(&0x7FFF_FFFFu32.to_be_bytes());
    assert!(matches!(run(&f), Err(Error::Invalid { .. })));
    // A truncated file is a clean error once its size is known.
    let g = heic(10, false);
    assert!(matches!(run(&g[..200]), Err(Error::Truncated { .. })));
}

#[test]
fn iloc_variants() {
    // Version 0, 8-byte offsets and a base offset; version 2 with 32-bit IDs and an index.
    let mut v0 = vec![0x84, 0x80, 0, 1, 0, 5, 0, 0];
    v0.extend_from_slice(&100u64.to_be_bytes());
    v0.extend_from_slice(&[0, 1]);
    v0.extend_from_slice(&20u64.to_be_bytes());
    v0.extend_from_slice(&7u32.to_be_bytes());
    let b = full(b"iloc", 0, 0, &v0);
    let loc = locate(&b[8..], 5).unwrap().unwrap();
    assert_eq!(
        loc,
        Location {
            method: 0,
            data_ref: 0,
            extents: vec![(120, 7)]
        }
    );
    assert_eq!(locate(&b[8..], 6).unwrap(), None);
    let mut v2 = vec![0x44, 0x04, 0, 0, 0, 2];
    for id in [1u32, 5] {
        v2.extend_from_slice(&id.to_be_bytes());
        v2.extend_from_slice(&[0, 1, 0, 0, 0, 1]);
        v2.extend_from_slice(&[0, 0, 0, 9, 0, 0, 0, 30, 0, 0, 0, 4]);
    }
    let b = full(b"iloc", 2, 0, &v2);
    assert_eq!(locate(&b[8..], 5).unwrap().unwrap().extents, vec![(30, 4)]);
    assert_eq!(locate(&b[8..], 5).unwrap().unwrap().method, 1);
    // Field sizes other than 0/4/8, and an extent count past the limit, are errors.
    let b = full(b"iloc", 1, 0, &[0x34, 0, 0, 0]);
    assert!(locate(&b[8..], 1).is_err());
    let mut many = vec![0x44, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0xFF, 0xFF];
    many.extend(std::iter::repeat_n(0u8, 8 * 0xFFFF));
    let b = full(b"iloc", 1, 0, &many);
    assert!(locate(&b[8..], 1).is_err());
    assert_eq!(locate(&b[8..], 2).unwrap(), None, "skipped by arithmetic");
}

#[test]
fn quicktime_style_meta_without_version() {
    let f = heic(10, false);
    let at = f.windows(4).position(|w| w == b"meta").unwrap();
    // Drop the 4 version/flags bytes and shrink the box accordingly.
    let size = be32(&f, at - 4).unwrap() - 4;
    let mut g = f[..at - 4].to_vec();
    g.extend_from_slice(&size.to_be_bytes());
    g.extend_from_slice(b"meta");
    g.extend_from_slice(&f[at + 8..]);
    // The Exif offset in iloc now points 4 bytes too far; the header is what counts.
    let info = run(&g).unwrap();
    assert_eq!((info.width(), info.height()), (640, 480));
}

/// Fuzz finding (`fuzz/` target `isobmff`): a `meta` of size 0 ("to the end of the
/// object") while the object's size is still unknown was an error, where the whole file
/// answered otherwise; it must ask for the bytes that tell the end instead.
#[test]
fn meta_to_the_end_of_an_object_of_unknown_size_needs_bytes() {
    // Minimised by `cargo fuzz tmin`: ftyp, then `meta` of size 0 with a 1-byte body.
    let min: &[u8] = b"\0\0\0\x20ftypheic\0\0\0\0\0meta\x01\0\0\xf7\x0a:B\x10\x0d\0\0\0\0\0\0meta:";
    let whole = run(min);
    assert!(matches!(whole, Err(Error::Invalid { .. })), "{whole:?}");
    for n in 0..min.len() {
        let map = ByteMap::from_prefix(&min[..n], None);
        match crate::probe::probe(&map) {
            Ok(crate::Step::Need(r)) => assert!(map.peek(r.offset, 1).is_none(), "{n}: {r:?}"),
            other => panic!("prefix {n} of unknown size answered {other:?}"),
        }
    }
    // A valid meta stored last (after mdat) with size 0: every prefix needs more or
    // gives the full answer.
    let mut g = heic(10, true);
    let meta_at = g.windows(4).rposition(|w| w == b"meta").unwrap() - 4;
    g[meta_at..meta_at + 4].copy_from_slice(&[0; 4]);
    let info = run(&g).unwrap();
    expect_heic(&info);
    check_prefixes(&g, g.len(), 1, &info);
    // Over the limit, with the size known or not: the same error.
    let mut big = cat(&[
        ftyp(b"heic", &[b"mif1"]),
        vec![0, 0, 0, 0],
        b"meta".to_vec(),
    ]);
    big.resize(big.len() + MAX_META_BYTES as usize + 1, 0);
    let known = run(&big);
    let unknown = crate::probe::probe(&ByteMap::from_prefix(&big, None));
    assert_eq!(unknown, Err(known.clone().unwrap_err()), "{known:?}");
    assert!(
        matches!(known, Err(Error::Invalid { ref what, .. }) if what.contains("past the limit"))
    );
}

/// Fuzz finding (`fuzz/` target `isobmff`, 10-minute run): an Exif item whose extent has
/// length 0 ("to the end of the file") was answered as unreadable while the object's
/// size was unknown, and read once it was known: it now asks for the size first.
#[test]
fn exif_extent_to_the_end_of_an_object_of_unknown_size_needs_bytes() {
    let mut f = heic(10, false);
    let ex_len = exif_item().len() as u32;
    let exif_at = f.len() as u32 - ex_len;
    let extent = cat(&[
        exif_at.to_be_bytes().to_vec(),
        ex_len.to_be_bytes().to_vec(),
    ]);
    let at = f.windows(8).position(|w| w == extent.as_slice()).unwrap();
    f[at + 4..at + 8].copy_from_slice(&[0; 4]);
    let info = run(&f).unwrap();
    expect_heic(&info);
    check_prefixes(&f, f.len(), 1, &info);
}

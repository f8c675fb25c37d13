//! Shared checks for the fuzz targets: the need-bytes protocol, driven the way a
//! ranged reader would drive it, against the answer of the real driver.
//!
//! `check_protocol(file)` cuts `file` at a few points. For each cut it probes the prefix
//! with the object size unknown, satisfies a few `Need`s exactly (a short read past the
//! end tells the size, as in the driver), then hands over the rest of the file. Invariants:
//! * a `Need` is never empty and never starts at a byte already held (the driver would
//!   loop or read for nothing);
//! * once every byte is held and the size is known, the probe answers (no `Need`);
//! * the answer, whenever it comes, equals `driver::inspect_bytes` on the whole file (so
//!   no answer depends on which extra bytes happen to be held, nor on the cut).

use imginfo::driver::{inspect_bytes, Budget};
use imginfo::probe::{probe, Step};
use imginfo::{ByteMap, Error, Info};

/// Exact-sized reads tried with the size unknown before the rest is handed over.
const EXACT_ROUNDS: usize = 6;

/// A budget no fuzz input reaches: the comparison is about answers, not limits.
pub fn unlimited() -> Budget {
    Budget {
        max_bytes: u64::MAX / 2,
        max_reads: 100_000,
        ..Budget::default()
    }
}

/// Cut points: nothing, the magic, the whole file (size still unknown), and two
/// pseudo-random ones (one within the first 4 KiB, where the headers are).
fn cuts(file: &[u8]) -> Vec<usize> {
    let len = file.len();
    // FNV-1a over a few bytes: deterministic per input, different across inputs.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in file.iter().take(64).chain(file.iter().rev().take(16)) {
        h = (h ^ b as u64).wrapping_mul(0x100_0000_01b3);
    }
    let n = len as u64 + 1;
    let mut v = vec![
        0,
        16,
        len,
        (h % n.min(4097)) as usize,
        ((h >> 32) % n) as usize,
    ];
    v.retain(|&c| c <= len);
    v.sort_unstable();
    v.dedup();
    v
}

/// Equality through `Debug`: EXIF FLOAT/DOUBLE values may be NaN, which `==` never equals.
fn same(a: &Result<Info, Error>, b: &Result<Info, Error>) -> bool {
    format!("{a:?}") == format!("{b:?}")
}

/// An answer for a panic message, cut to a readable length.
fn clip(r: &Result<Info, Error>) -> String {
    let s = format!("{r:?}");
    match s.char_indices().nth(1500) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s,
    }
}

/// Runs the protocol check on `file` (see the module doc); panics on a violation.
pub fn check_protocol(file: &[u8]) {
    let len = file.len() as u64;
    let (via_driver, _) = inspect_bytes(file, unlimited());
    for cut in cuts(file) {
        let mut map = ByteMap::from_prefix(&file[..cut], None);
        let mut rounds = 0;
        let mut all_held = false;
        let answer = loop {
            match probe(&map) {
                Ok(Step::Need(r)) => {
                    assert!(r.len > 0, "cut {cut}: empty need at {}", r.offset);
                    assert_eq!(
                        map.contiguous_from(r.offset),
                        0,
                        "cut {cut}: need {r:?} starts at a held byte"
                    );
                    assert!(
                        !all_held,
                        "cut {cut}: need {r:?} with every byte held and the size known"
                    );
                    if let Some(t) = map.total() {
                        assert!(r.offset < t, "cut {cut}: need {r:?} past the known end {t}");
                    }
                    if rounds < EXACT_ROUNDS && map.total().is_none() {
                        // An exact read of what was asked; short at the end of the object.
                        let s = r.offset.min(len) as usize;
                        let e = r.end().min(len) as usize;
                        map.insert(r.offset, file[s..e].to_vec());
                        if r.end() > len {
                            map.set_total(len);
                        }
                    } else {
                        map.insert(0, file.to_vec());
                        map.set_total(len);
                        all_held = true;
                    }
                    rounds += 1;
                }
                Ok(Step::Done(mut info)) => {
                    // The size is the source's business, not the probe's.
                    info.file_size = Some(len);
                    break Ok(info);
                }
                Err(e) => break Err(e),
            }
        };
        assert!(
            same(&answer, &via_driver),
            "cut {cut}: stepwise answer differs from the driver's\n stepwise: {}\n driver:   {}",
            clip(&answer),
            clip(&via_driver)
        );
    }
}

/// Makes `data` start with `magic` (unless it does), so a per-format target spends its
/// time in that format's probe rather than in the sniffer.
pub fn with_magic(magic: &[u8], data: &[u8]) -> Vec<u8> {
    if data.starts_with(magic) {
        data.to_vec()
    } else {
        let mut v = magic.to_vec();
        v.extend_from_slice(data);
        v
    }
}

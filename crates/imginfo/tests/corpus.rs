//! Corpus conformance: every file of the shared ground-truth corpus
//! (`shared/corpus`, see its README.md for what each truth field means) goes through
//! the real driver over memory, and what we answer is compared with
//! `truth/summary.json`. Four tests:
//!
//! * `valid_files_agree_with_truth`: format, size, display size, orientation and the
//!   EXIF make/model/date/GPS of every valid file of a format in [`CHECKED_FORMATS`].
//! * `malformed_files_fail_or_agree`: malformed and derived files never panic, and
//!   answer an error or values that agree with the truth (never a number the truth
//!   does not have).
//! * `prefixes_need_or_answer`: every prefix of a valid file up to the bytes it needs,
//!   with the object size unknown, answers `Need` (for bytes not held) or the full answer.
//! * `byte_flip_sweep`: deterministic random corruptions of corpus files never panic,
//!   never answer a zero size, and never ask for bytes they hold. `IMGINFO_SWEEP_SEED=N` explores other cases;
//!   `IMGINFO_FULL_SWEEP=1` runs the systematic sweep instead (every byte of each file's
//!   first 8 KiB and every 61st byte of the rest of its header and EXIF, five values
//!   each: about 8 million driver runs, minutes with `cargo test --release`).
//!
//! A mismatch is either fixed or listed in [`EXPECTED_MISMATCHES`] with its reason. An
//! unlisted mismatch fails, and so does a listed one that no longer happens, so the list
//! stays true. New formats plug in by adding their name to [`CHECKED_FORMATS`].
//!
//! The corpus is not in the repository (CI has it beside the checkout): without it
//! every test prints why and passes without checking anything.

use imginfo::bytes::ByteMap;
use imginfo::driver::{inspect_bytes, Budget};
use imginfo::probe::{probe, Step};
use imginfo::{Error, Info};
use serde_json::Value as Json;
use std::collections::{BTreeMap, BTreeSet};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::OnceLock;

/// Corpus folders (formats) whose answers are checked field by field against the truth.
/// Every other folder is still run through the driver (no panics), and its pass counts
/// are printed as "unchecked".
const CHECKED_FORMATS: &[&str] = &["jpeg", "png", "webp", "gif", "bmp", "tiff", "heic", "avif"];

/// GPS decimal degrees agree when within this (about 1 m).
const GPS_TOLERANCE: f64 = 1e-5;

/// Mismatches we accept, as (path under `images/`, field, reason). Field names are those
/// of [`compare`]: format, width, height, display, orientation, make, model,
/// datetime_original, gps_lat, gps_lon, exif, error.
const EXPECTED_MISMATCHES: &[(&str, &str, &str)] = &[(
    "jpeg/malformed/pillow_hopper_bad_exif.jpg",
    "orientation",
    "IFD0 declares 32 entries and the APP1 holds 10: exiftool drops the whole IFD \
         (\"Bad IFD0 directory\"); kamadak-exif keeps the entries that fit, and so does \
         Pillow, which reads the same Orientation 1 we answer",
)];

/// Random corruptions tried by the sampled sweep (the full sweep ignores this).
const SWEEP_CASES: u32 = 10_000;
/// The full sweep corrupts every byte of a file's first 8 KiB (where every format keeps
/// its header) and every 61st byte of the rest of the bytes it needs (a prime stride,
/// so it does not fall into step with segment or chunk sizes).
const FULL_SWEEP_DENSE: usize = 8 * 1024;
const FULL_SWEEP_STRIDE: usize = 61;
/// Seed of the sweep's PRNG; `IMGINFO_SWEEP_SEED` overrides it to explore further.
const SWEEP_SEED: u64 = 0x1357_9BDF_2468_ACE0;
/// Prefixes tried per file at most, plus every prefix around the interesting offsets.
const MAX_PREFIXES_PER_FILE: u64 = 4000;

// ---------------------------------------------------------------------------------
// Corpus loading

struct Corpus {
    root: PathBuf,
    truth: BTreeMap<String, Json>,
}

impl Corpus {
    fn read(&self, rel: &str) -> Vec<u8> {
        let p = self.root.join("images").join(rel);
        std::fs::read(&p).unwrap_or_else(|e| panic!("reading {}: {e}", p.display()))
    }

    /// (path, truth) of the files of one category, sorted by path.
    fn files<'a>(&'a self, cats: &'a [&str]) -> impl Iterator<Item = (&'a str, &'a Json)> + 'a {
        self.truth
            .iter()
            .filter(move |(_, t)| cats.contains(&t["category"].as_str().unwrap_or("")))
            .map(|(p, t)| (p.as_str(), t))
    }
}

fn corpus_dir() -> PathBuf {
    // crates/imginfo -> repository root -> its parent, where shared/ sits beside it.
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus")
}

/// The corpus, or `None` (with a message) when it is absent.
fn corpus(test: &str) -> Option<&'static Corpus> {
    static C: OnceLock<Option<Corpus>> = OnceLock::new();
    let c = C.get_or_init(|| {
        let root = corpus_dir();
        let summary = root.join("truth/summary.json");
        let text = std::fs::read_to_string(&summary).ok()?;
        let truth: BTreeMap<String, Json> =
            serde_json::from_str(&text).expect("truth/summary.json is valid JSON");
        Some(Corpus { root, truth })
    });
    if c.is_none() {
        println!(
            "SKIPPED {test}: corpus not found at {} (CI has it beside the checkout; \
             it is not part of the repository)",
            corpus_dir().display()
        );
    }
    c.as_ref()
}

/// The corpus folder a file sits in (`jpeg`, `png`, …): the format it is filed under.
fn folder(path: &str) -> &str {
    path.split('/').next().unwrap_or("")
}

// ---------------------------------------------------------------------------------
// Comparison with the truth

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Mismatch {
    path: String,
    field: &'static str,
    got: String,
    want: String,
}

fn show<T: std::fmt::Debug>(v: &Option<T>) -> String {
    match v {
        Some(x) => format!("{x:?}"),
        None => "null".into(),
    }
}

fn tu(t: &Json, k: &str) -> Option<u64> {
    t[k].as_u64()
}
fn ts<'a>(t: &'a Json, k: &str) -> Option<&'a str> {
    t[k].as_str()
}
fn tf(t: &Json, k: &str) -> Option<f64> {
    t[k].as_f64()
}

/// Compares our answer with the truth. With `strict`, every field must agree (a valid
/// file); without it, only fields where the truth has a value, or where we answer a
/// value the truth does not have, count (a malformed file).
fn compare(path: &str, t: &Json, r: &Result<Info, Error>, strict: bool) -> Vec<Mismatch> {
    let mut out = Vec::new();
    let mut push = |field: &'static str, got: String, want: String| {
        out.push(Mismatch {
            path: path.into(),
            field,
            got,
            want,
        })
    };
    let info = match r {
        Ok(i) => i,
        Err(e) => {
            // A valid file the truth gives a size for must answer; one it has no size
            // for (a HEIF 'mini' box no reference parser reads) may not.
            let truth_has_size = tu(t, "width").is_some() && tu(t, "height").is_some();
            if strict && truth_has_size {
                push("error", e.to_string(), "an answer".into());
            }
            return out;
        }
    };
    let want_fmt = ts(t, "format").unwrap_or("");
    if info.format().name() != want_fmt {
        push("format", info.format().name().into(), want_fmt.into());
    }
    let num = |got: u64, want: Option<u64>| -> Option<(String, String)> {
        (Some(got) != want).then(|| (got.to_string(), show(&want)))
    };
    if let Some((g, w)) = num(info.width() as u64, tu(t, "width")) {
        push("width", g, w);
    }
    if let Some((g, w)) = num(info.height() as u64, tu(t, "height")) {
        push("height", g, w);
    }
    let (dw, dh) = info.display_size();
    let want_d = (tu(t, "display_width"), tu(t, "display_height"));
    // A malformed file whose truth has no display size is judged on width/height alone.
    if (strict || want_d.0.is_some()) && (Some(dw as u64), Some(dh as u64)) != want_d {
        push(
            "display",
            format!("{dw}x{dh}"),
            format!("{}x{}", show(&want_d.0), show(&want_d.1)),
        );
    }
    let o = info.orientation().map(u64::from);
    if o != tu(t, "orientation") {
        push("orientation", show(&o), show(&tu(t, "orientation")));
    }
    let ex = info.exif.as_ref();
    let strs: [(&'static str, Option<&str>); 3] = [
        ("make", ex.and_then(|e| e.make())),
        ("model", ex.and_then(|e| e.model())),
        ("datetime_original", ex.and_then(|e| e.datetime_original())),
    ];
    for (field, got) in strs {
        if got != ts(t, field) {
            push(field, show(&got), show(&ts(t, field)));
        }
    }
    let gps: [(&'static str, Option<f64>, &str); 2] = [
        (
            "gps_lat",
            ex.and_then(|e| e.gps_latitude()),
            "gps_lat_decimal",
        ),
        (
            "gps_lon",
            ex.and_then(|e| e.gps_longitude()),
            "gps_lon_decimal",
        ),
    ];
    for (field, got, key) in gps {
        let want = tf(t, key);
        let agree = match (got, want) {
            (Some(g), Some(w)) => (g - w).abs() <= GPS_TOLERANCE,
            (None, None) => true,
            _ => false,
        };
        if !agree {
            push(field, show(&got), show(&want));
        }
    }
    // A file whose EXIF exiftool parsed must give us parsed EXIF too (a block we
    // found but could not parse shows up here with its reason).
    let want_exif = t["exif_parsed_by_exiftool"].as_bool().unwrap_or(false);
    if strict && want_exif && ex.is_none() {
        let why = info
            .exif_error
            .clone()
            .unwrap_or_else(|| "no EXIF block found".into());
        push("exif", why, "parsed EXIF".into());
    }
    out
}

/// Checks the mismatches of a set of files against [`EXPECTED_MISMATCHES`] restricted
/// to those files: unlisted ones and listed ones that no longer happen both fail.
fn settle(checked: &BTreeSet<String>, found: &[Mismatch]) {
    let listed: BTreeSet<(String, String)> = EXPECTED_MISMATCHES
        .iter()
        .filter(|(p, _, _)| checked.contains(*p))
        .map(|(p, f, _)| (p.to_string(), f.to_string()))
        .collect();
    let seen: BTreeSet<(String, String)> = found
        .iter()
        .map(|m| (m.path.clone(), m.field.to_string()))
        .collect();
    let unexpected: Vec<&Mismatch> = found
        .iter()
        .filter(|m| !listed.contains(&(m.path.clone(), m.field.into())))
        .collect();
    let stale: Vec<&(String, String)> = listed.difference(&seen).collect();
    for m in found {
        let tag = if unexpected.contains(&m) {
            "UNEXPECTED"
        } else {
            "expected"
        };
        println!(
            "  {tag} {} {}: got {} want {}",
            m.path, m.field, m.got, m.want
        );
    }
    for s in &stale {
        println!("  STALE (listed but now agrees) {} {}", s.0, s.1);
    }
    assert!(
        unexpected.is_empty() && stale.is_empty(),
        "{} unexpected mismatches, {} stale EXPECTED_MISMATCHES entries (see the output above)",
        unexpected.len(),
        stale.len()
    );
}

fn run_driver(file: &[u8]) -> std::thread::Result<Result<Info, Error>> {
    catch_unwind(AssertUnwindSafe(|| {
        inspect_bytes(file, Budget::default()).0
    }))
}

// ---------------------------------------------------------------------------------
// Tests

#[test]
fn valid_files_agree_with_truth() {
    let Some(c) = corpus("valid_files_agree_with_truth") else {
        return;
    };
    let mut table: BTreeMap<&str, (u32, u32, u32)> = BTreeMap::new(); // files, answered, agree
    let mut found = Vec::new();
    let mut checked = BTreeSet::new();
    let mut panics = Vec::new();
    for (path, t) in c.files(&["valid"]) {
        let fmt = folder(path);
        let row = table.entry(fmt).or_default();
        row.0 += 1;
        let r = match run_driver(&c.read(path)) {
            Ok(r) => r,
            Err(_) => {
                panics.push(path.to_string());
                continue;
            }
        };
        if r.is_ok() {
            row.1 += 1;
        }
        let m = compare(path, t, &r, true);
        if m.is_empty() {
            row.2 += 1;
        }
        if CHECKED_FORMATS.contains(&fmt) {
            checked.insert(path.to_string());
            found.extend(m);
        }
    }
    println!("\nvalid files vs truth/summary.json");
    println!("| format | files | answered | agree on every field | checked |");
    println!("|---|---|---|---|---|");
    for (fmt, (n, ok, agree)) in &table {
        let chk = if CHECKED_FORMATS.contains(fmt) {
            "yes"
        } else {
            "no"
        };
        println!("| {fmt} | {n} | {ok} | {agree} | {chk} |");
    }
    assert!(panics.is_empty(), "panics on valid files: {panics:?}");
    settle(&checked, &found);
}

#[test]
fn malformed_files_fail_or_agree() {
    let Some(c) = corpus("malformed_files_fail_or_agree") else {
        return;
    };
    let mut found = Vec::new();
    let mut checked = BTreeSet::new();
    let mut panics = Vec::new();
    let mut table: BTreeMap<&str, (u32, u32, u32)> = BTreeMap::new(); // files, errors, answers
    for (path, t) in c.files(&["malformed", "derived"]) {
        let fmt = folder(path);
        let r = match run_driver(&c.read(path)) {
            Ok(r) => r,
            Err(_) => {
                panics.push(path.to_string());
                continue;
            }
        };
        let row = table.entry(fmt).or_default();
        row.0 += 1;
        if r.as_ref().is_err_and(is_probe_loop) {
            panics.push(format!("{path}: probe asked for bytes it holds"));
        }
        match &r {
            Ok(i) => {
                row.2 += 1;
                println!(
                    "  {path}: {}x{} {}",
                    i.width(),
                    i.height(),
                    i.format().name()
                );
            }
            Err(e) => {
                row.1 += 1;
                println!("  {path}: error: {e}");
            }
        }
        if CHECKED_FORMATS.contains(&fmt) {
            checked.insert(path.to_string());
            found.extend(compare(path, t, &r, false));
        }
    }
    println!("\nmalformed and derived files");
    println!("| format | files | errors | answers |");
    println!("|---|---|---|---|");
    for (fmt, (n, e, a)) in &table {
        println!("| {fmt} | {n} | {e} | {a} |");
    }
    assert!(panics.is_empty(), "panics on malformed files: {panics:?}");
    settle(&checked, &found);
}

/// The prefix lengths tried for a file needing `needed` bytes: a stride over the whole
/// range, plus every length near the offsets where the answer changes.
fn prefix_lengths(needed: u64, marks: &[u64]) -> BTreeSet<u64> {
    let stride = needed.div_ceil(MAX_PREFIXES_PER_FILE).max(1);
    let mut set: BTreeSet<u64> = (0..=needed).step_by(stride as usize).collect();
    set.extend(0..=needed.min(64));
    for &m in marks {
        set.extend(m.saturating_sub(24)..=m.saturating_add(24).min(needed));
    }
    set.insert(needed);
    set
}

#[test]
fn prefixes_need_or_answer() {
    let Some(c) = corpus("prefixes_need_or_answer") else {
        return;
    };
    let mut failures = Vec::new();
    let mut done_at_needed = 0;
    // Files that still ask for bytes when they hold all they need (a PNG walks on to
    // IDAT to learn it has no tRNS/acTL/EXIF): not a failure, shown for the economy.
    let mut waiting = Vec::new();
    let mut files = 0;
    for (path, t) in c.files(&["valid"]) {
        if !CHECKED_FORMATS.contains(&folder(path)) {
            continue;
        }
        let Some(header) = tu(t, "header_bytes_needed") else {
            continue;
        };
        let file = c.read(path);
        let Ok(Ok(mut full)) = run_driver(&file) else {
            // The validity test reports files without an answer.
            continue;
        };
        full.file_size = None;
        files += 1;
        let exif_end = tu(t, "exif_offset_end").map(|e| e + 1);
        let needed = header.max(exif_end.unwrap_or(0)).min(file.len() as u64);
        let marks = [
            header,
            tu(t, "exif_offset_start").unwrap_or(0),
            exif_end.unwrap_or(0),
        ];
        for n in prefix_lengths(needed, &marks) {
            let prefix = &file[..n as usize];
            let map = ByteMap::from_prefix(prefix, None);
            let r = catch_unwind(AssertUnwindSafe(|| probe(&map)));
            let problem = match r {
                Err(_) => Some("panic".to_string()),
                Ok(Ok(Step::Need(r))) if r.len == 0 => Some(format!("empty need {r:?}")),
                Ok(Ok(Step::Need(r))) if map.peek(r.offset, r.len).is_some() => {
                    Some(format!("needs held bytes {r:?}"))
                }
                Ok(Ok(Step::Need(r))) => {
                    if n == needed {
                        waiting.push(format!("{path} ({needed} bytes) asks for {r:?}"));
                    }
                    None
                }
                Ok(Ok(Step::Done(info))) => {
                    if n == needed {
                        done_at_needed += 1;
                    }
                    (info != full).then(|| {
                        format!(
                            "answered {}x{} orientation {:?} exif {}, full answer {}x{} {:?} {}",
                            info.width(),
                            info.height(),
                            info.orientation(),
                            info.exif.is_some(),
                            full.width(),
                            full.height(),
                            full.orientation(),
                            full.exif.is_some()
                        )
                    })
                }
                Ok(Err(e)) => Some(format!("error: {e}")),
            };
            if let Some(p) = problem {
                failures.push(format!("{path} prefix {n}/{needed}: {p}"));
                break; // one failure per file is enough to see it
            }
        }
    }
    println!(
        "\nprefix test: {files} files, {done_at_needed} answered at exactly the bytes they need"
    );
    for w in &waiting {
        println!("  not done at its needed bytes: {w}");
    }
    for f in &failures {
        println!("  {f}");
    }
    assert!(
        failures.is_empty(),
        "{} files fail the prefix test",
        failures.len()
    );
}

/// splitmix64: a small deterministic PRNG for the sweep.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }
}

/// The region of a file where parsing happens: up to the bytes it needs, at least 4 KiB.
fn header_region(t: &Json, len: usize) -> usize {
    let needed = tu(t, "header_bytes_needed")
        .unwrap_or(0)
        .max(tu(t, "exif_offset_end").map_or(0, |e| e + 1))
        .max(4096);
    (needed as usize).min(len)
}

/// True for the driver's guard against a probe asking for bytes it holds (a probe bug
/// that would loop forever), which must never fire, whatever the bytes.
fn is_probe_loop(e: &Error) -> bool {
    e.to_string().contains("asked for bytes it already has")
}

/// Runs one corrupted file; returns a problem description, if any.
fn sweep_one(file: &[u8]) -> Option<String> {
    match run_driver(file) {
        Err(_) => Some("panic".into()),
        Ok(Err(e)) if is_probe_loop(&e) => Some(e.to_string()),
        Ok(Ok(i)) if i.width() == 0 || i.height() == 0 => {
            Some(format!("answered a zero size {}x{}", i.width(), i.height()))
        }
        Ok(_) => None,
    }
}

#[test]
fn byte_flip_sweep() {
    let Some(c) = corpus("byte_flip_sweep") else {
        return;
    };
    let full = std::env::var("IMGINFO_FULL_SWEEP").is_ok_and(|v| v == "1");
    let seed = std::env::var("IMGINFO_SWEEP_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(SWEEP_SEED);
    let files: Vec<(&str, &Json, Vec<u8>)> = c
        .files(&["valid", "malformed", "derived"])
        .map(|(p, t)| (p, t, c.read(p)))
        .collect();
    let mut problems = Vec::new();
    let mut cases = 0u64;
    if full {
        for (path, t, file) in &files {
            let region = header_region(t, file.len());
            let mut buf = file.clone();
            let dense = region.min(FULL_SWEEP_DENSE);
            let positions = (0..dense).chain((dense..region).step_by(FULL_SWEEP_STRIDE));
            for at in positions {
                let orig = file[at];
                for v in [orig ^ 0x01, orig ^ 0x80, 0x00, 0xFF, orig.wrapping_add(1)] {
                    if v == orig {
                        continue;
                    }
                    buf[at] = v;
                    cases += 1;
                    if let Some(p) = sweep_one(&buf) {
                        problems.push(format!("{path}: byte {at} {orig:#04x}->{v:#04x}: {p}"));
                    }
                }
                buf[at] = orig;
            }
        }
    } else {
        let mut rng = Rng(seed);
        for case in 0..SWEEP_CASES {
            let (path, t, file) = &files[rng.below(files.len() as u64) as usize];
            if file.is_empty() {
                continue;
            }
            let mut buf = file.clone();
            let region = header_region(t, file.len()) as u64;
            let mut what = Vec::new();
            match rng.below(8) {
                // Truncation at a random point of the header region.
                0 => {
                    let at = rng.below(region) as usize;
                    buf.truncate(at);
                    what.push(format!("truncate at {at}"));
                }
                // A run of bytes set to one value (a zeroed or 0xFF-filled length).
                1 => {
                    let at = rng.below(region) as usize;
                    let v = if rng.below(2) == 0 { 0x00 } else { 0xFF };
                    let n = 1 + rng.below(8) as usize;
                    for b in buf.iter_mut().skip(at).take(n) {
                        *b = v;
                    }
                    what.push(format!("{n} bytes at {at} set to {v:#04x}"));
                }
                // One to eight random bytes changed, mostly in the header region.
                _ => {
                    for _ in 0..1 + rng.below(8) {
                        let at = if rng.below(8) == 0 {
                            rng.below(file.len() as u64)
                        } else {
                            rng.below(region)
                        } as usize;
                        let v = rng.next() as u8;
                        if let Some(b) = buf.get_mut(at) {
                            *b = v;
                        }
                        what.push(format!("byte {at} -> {v:#04x}"));
                    }
                }
            }
            cases += 1;
            if let Some(p) = sweep_one(&buf) {
                problems.push(format!("case {case} {path}: {}: {p}", what.join(", ")));
            }
        }
    }
    println!(
        "\nbyte-flip sweep ({}): {cases} corrupted files, {} problems",
        if full { "full" } else { "sampled" },
        problems.len()
    );
    for p in &problems {
        println!("  {p}");
    }
    assert!(
        problems.is_empty(),
        "{} corrupted files panicked, answered a zero size or looped",
        problems.len()
    );
}

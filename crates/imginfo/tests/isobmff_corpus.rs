//! Runs every HEIC/HEIF/AVIF file of the shared corpus (`../shared/corpus` beside the
//! repository root) through the real driver with the default budget and compares the
//! answer with `truth/summary.json`. Valid files must match; malformed and derived
//! files must answer or fail cleanly, never panic. Skips, saying so, when the corpus is
//! absent (CI has it, users do not).

use imginfo::driver::{inspect_bytes, Budget};
use imginfo::Error;
use serde_json::Value;
use std::path::PathBuf;

fn corpus() -> Option<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = root.join("../shared/corpus");
    dir.join("truth/summary.json").is_file().then_some(dir)
}

/// Mismatches between an answer and the truth for one file (empty = match).
fn compare(t: &Value, got: &Result<imginfo::Info, Error>) -> Vec<String> {
    let mut bad = Vec::new();
    let fmt = t["format"].as_str().unwrap_or("");
    let info = match got {
        Ok(i) => i,
        Err(e) => {
            if fmt == "isobmff" && matches!(e, Error::Unsupported(_)) {
                return bad;
            }
            bad.push(format!("error: {e}"));
            return bad;
        }
    };
    if info.format().name() != fmt {
        bad.push(format!("format {} vs {fmt}", info.format().name()));
    }
    let num = |k: &str| t[k].as_u64();
    if Some(info.width() as u64) != num("width") || Some(info.height() as u64) != num("height") {
        bad.push(format!(
            "size {}x{} vs {:?}x{:?}",
            info.width(),
            info.height(),
            num("width"),
            num("height")
        ));
    }
    let (dw, dh) = info.display_size();
    if Some(dw as u64) != num("display_width") || Some(dh as u64) != num("display_height") {
        bad.push(format!(
            "display {dw}x{dh} vs {:?}x{:?}",
            num("display_width"),
            num("display_height")
        ));
    }
    if info.orientation().map(|o| o as u64) != num("orientation") {
        bad.push(format!(
            "orientation {:?} vs {:?}",
            info.orientation(),
            num("orientation")
        ));
    }
    let exif = info.exif.as_ref();
    for (k, v) in [
        ("make", exif.and_then(|e| e.make())),
        ("model", exif.and_then(|e| e.model())),
        (
            "datetime_original",
            exif.and_then(|e| e.datetime_original()),
        ),
    ] {
        if v != t[k].as_str() {
            bad.push(format!("{k} {v:?} vs {:?}", t[k].as_str()));
        }
    }
    for (k, v) in [
        ("gps_lat_decimal", exif.and_then(|e| e.gps_latitude())),
        ("gps_lon_decimal", exif.and_then(|e| e.gps_longitude())),
    ] {
        let want = t[k].as_f64();
        let ok = match (v, want) {
            (Some(a), Some(b)) => (a - b).abs() <= 1e-5,
            (None, None) => true,
            _ => false,
        };
        if !ok {
            bad.push(format!("{k} {v:?} vs {want:?}"));
        }
    }
    bad
}

fn median(v: &mut [u64]) -> u64 {
    v.sort_unstable();
    v.get(v.len() / 2).copied().unwrap_or(0)
}

#[test]
fn heif_and_avif_corpus_files_match_the_truth() {
    let Some(dir) = corpus() else {
        eprintln!("SKIPPED: corpus not found beside the repository (../shared/corpus)");
        return;
    };
    let summary: Value =
        serde_json::from_slice(&std::fs::read(dir.join("truth/summary.json")).unwrap()).unwrap();
    let mut paths: Vec<&String> = summary
        .as_object()
        .unwrap()
        .keys()
        .filter(|p| p.starts_with("heic/") || p.starts_with("avif/"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no HEIF/AVIF files in the truth");

    let (mut valid, mut valid_ok, mut other, mut other_ok) = (0, 0, 0, 0);
    let (mut reads, mut bytes) = (Vec::new(), Vec::new());
    let mut failures = Vec::new();
    for p in paths {
        let t = &summary[p.as_str()];
        let file = std::fs::read(dir.join("images").join(p)).unwrap();
        let run = std::panic::catch_unwind(|| inspect_bytes(&file, Budget::default()));
        let Ok((got, stats)) = run else {
            failures.push(format!("{p}: PANIC"));
            continue;
        };
        let bad = compare(t, &got);
        let outcome = match &got {
            Ok(i) => format!(
                "{} {}x{} display {:?} exif {}{}",
                i.format().name(),
                i.width(),
                i.height(),
                i.display_size(),
                i.exif.is_some(),
                i.exif_error
                    .as_deref()
                    .map(|e| format!(" (exif error: {e})"))
                    .unwrap_or_default()
            ),
            Err(e) => format!("error: {e}"),
        };
        let valid_file = t["category"] == "valid";
        let verdict = match (bad.is_empty(), valid_file, got.is_err()) {
            (true, _, _) => String::new(),
            (false, false, true) => "  (error: accepted for a malformed file)".into(),
            (false, _, _) => format!("  MISMATCH {bad:?}"),
        };
        println!(
            "{:<9} reads {:>2} bytes {:>8}  {p}: {outcome}{verdict}",
            t["category"].as_str().unwrap_or(""),
            stats.reads,
            stats.bytes,
        );
        if valid_file {
            valid += 1;
            reads.push(stats.reads as u64);
            bytes.push(stats.bytes);
            if bad.is_empty() {
                valid_ok += 1;
            } else {
                failures.push(format!("{p}: {bad:?}"));
            }
        } else {
            other += 1;
            // Malformed or derived: an error is fine; an answer must be the right one.
            if got.is_err() || bad.is_empty() {
                other_ok += 1;
            } else {
                failures.push(format!("{p} ({}): {bad:?}", t["category"]));
            }
        }
    }
    println!(
        "valid: {valid_ok}/{valid} match; malformed/derived: {other} ran without panic, \
         {other_ok} errored cleanly or matched the truth; valid reads median {} max {}, bytes median {} max {}",
        median(&mut reads.clone()),
        reads.iter().max().unwrap_or(&0),
        median(&mut bytes.clone()),
        bytes.iter().max().unwrap_or(&0)
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Every prefix of each valid HEIF/AVIF file up to the end of its `meta` (and a little
/// past), with the object size unknown: the probe asks for bytes it does not hold, or
/// gives the same answer as on the whole file; never an error, never a panic.
#[test]
fn heif_and_avif_prefixes_need_more_or_answer() {
    use imginfo::probe::{probe, Step};
    use imginfo::ByteMap;
    let Some(dir) = corpus() else {
        eprintln!("SKIPPED: corpus not found beside the repository (../shared/corpus)");
        return;
    };
    let summary: Value =
        serde_json::from_slice(&std::fs::read(dir.join("truth/summary.json")).unwrap()).unwrap();
    let mut checked = 0;
    for (p, t) in summary.as_object().unwrap() {
        let heif = p.starts_with("heic/") || p.starts_with("avif/");
        if !heif || t["category"] != "valid" || t["format"] == "isobmff" {
            continue;
        }
        let file = std::fs::read(dir.join("images").join(p)).unwrap();
        let full = ByteMap::from_prefix(&file, Some(file.len() as u64));
        let whole = match probe(&full) {
            Ok(Step::Done(i)) => i.header,
            other => panic!("{p}: whole file gives {other:?}"),
        };
        let meta_end = t["heif"]["meta_end"].as_u64().unwrap() as usize;
        let limit = (meta_end + 64).min(file.len());
        let mut n = 0;
        while n <= limit {
            let map = ByteMap::from_prefix(&file[..n], None);
            match probe(&map) {
                Ok(Step::Need(r)) => {
                    assert!(
                        r.len > 0 && map.peek(r.offset, r.len).is_none(),
                        "{p} prefix {n}: {r:?}"
                    )
                }
                Ok(Step::Done(i)) => assert_eq!(i.header, whole, "{p} prefix {n}"),
                Err(e) => panic!("{p} prefix {n}: {e}"),
            }
            checked += 1;
            // Dense near the start and in the last 8 KiB before the end of meta (where
            // the boxes are), sparse through a big mdat in between.
            n += if n < 8192 || n + 8192 > limit {
                7
            } else {
                4093
            };
        }
    }
    assert!(checked > 0);
    println!("{checked} prefixes checked");
}

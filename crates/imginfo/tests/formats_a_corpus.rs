//! Corpus spot checks for the WebP, GIF, BMP and TIFF probes: every valid (and derived)
//! file of those formats goes through the real driver with the default budget and is
//! compared with `truth/summary.json` (format, width, height, orientation, make, model,
//! GPS); every malformed file must not panic, and when it answers, the size must be the
//! truth's. Runs when the shared corpus exists (`IMGINFO_CORPUS`, or `../shared/corpus`
//! next to the repository); otherwise it says so and passes.

use std::collections::BTreeMap;
use std::path::PathBuf;

use imginfo::driver::{inspect_bytes, Budget};
use serde_json::Value;

const FORMATS: [&str; 4] = ["webp", "gif", "bmp", "tiff"];

fn corpus() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("IMGINFO_CORPUS") {
        return Some(PathBuf::from(p));
    }
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    p.join("truth/summary.json").exists().then_some(p)
}

fn median(v: &mut [u64]) -> u64 {
    v.sort_unstable();
    v.get(v.len() / 2).copied().unwrap_or(0)
}

fn trimmed(s: &str) -> &str {
    s.trim_end_matches(['\0', ' '])
}

/// Differences between our answer and the truth on the fields this test owns.
fn compare(info: &imginfo::Info, t: &Value) -> Vec<String> {
    let mut d = Vec::new();
    let fmt = t["format"].as_str().unwrap_or("");
    if info.format().name() != fmt {
        d.push(format!("format {} vs {fmt}", info.format().name()));
    }
    for (ours, key) in [(info.width(), "width"), (info.height(), "height")] {
        if t[key].as_u64() != Some(ours as u64) {
            d.push(format!("{key} {ours} vs {}", t[key]));
        }
    }
    let o = info.orientation().map(|o| o as u64);
    if o != t["orientation"].as_u64() {
        d.push(format!("orientation {o:?} vs {}", t["orientation"]));
    }
    let exif = info.exif.as_ref();
    for (key, ours) in [
        ("make", exif.and_then(|e| e.make())),
        ("model", exif.and_then(|e| e.model())),
    ] {
        let truth = t[key].as_str().map(trimmed);
        if ours.map(trimmed) != truth {
            d.push(format!("{key} {ours:?} vs {truth:?}"));
        }
    }
    for (key, ours) in [
        ("gps_lat_decimal", exif.and_then(|e| e.gps_latitude())),
        ("gps_lon_decimal", exif.and_then(|e| e.gps_longitude())),
    ] {
        let truth = t[key].as_f64();
        let same = match (ours, truth) {
            (Some(a), Some(b)) => (a - b).abs() < 1e-6,
            (None, None) => true,
            _ => false,
        };
        if !same {
            d.push(format!("{key} {ours:?} vs {truth:?}"));
        }
    }
    if let Some(e) = &info.exif_error {
        if t["has_exif"].as_bool() == Some(true)
            && t["exif_parsed_by_exiftool"].as_bool() == Some(true)
        {
            d.push(format!("EXIF not parsed: {e}"));
        }
    }
    d
}

/// Fields reported but not asserted (Pillow's or exiftool's reading may differ by
/// design): alpha, frame count, the EXIF range end.
fn notes(info: &imginfo::Info, t: &Value) -> Vec<String> {
    let mut n = Vec::new();
    if let Some(a) = t["has_alpha"].as_bool() {
        if info.header.alpha != Some(a) {
            n.push(format!("alpha {:?} vs {a}", info.header.alpha));
        }
    }
    if let Some(f) = t["pillow"]["n_frames"].as_u64() {
        if info.header.frames.map(u64::from) != Some(f) {
            n.push(format!("frames {:?} vs Pillow {f}", info.header.frames));
        }
    }
    let truth_end = t["exif_offset_end"].as_u64().map(|e| e + 1);
    let ours_end = info.header.exif.map(|l| l.range.end());
    if truth_end != ours_end {
        n.push(format!("EXIF end {ours_end:?} vs {truth_end:?}"));
    }
    n
}

#[test]
fn formats_a_against_truth() {
    let Some(root) = corpus() else {
        eprintln!(
            "SKIPPED: shared corpus not found (set IMGINFO_CORPUS or place it at ../shared/corpus)"
        );
        return;
    };
    let summary: BTreeMap<String, Value> =
        serde_json::from_str(&std::fs::read_to_string(root.join("truth/summary.json")).unwrap())
            .unwrap();
    let mut failures = Vec::new();
    let mut report = Vec::new();
    for fmt in FORMATS {
        let (mut pass, mut total, mut mal_ok, mut mal_err, mut mal_total) = (0, 0, 0, 0, 0);
        let (mut reads, mut bytes) = (Vec::new(), Vec::new());
        for (path, t) in summary
            .iter()
            .filter(|(p, _)| p.starts_with(&format!("{fmt}/")))
        {
            let file = std::fs::read(root.join("images").join(path)).unwrap();
            let category = t["category"].as_str().unwrap_or("");
            let result = std::panic::catch_unwind(|| inspect_bytes(&file, Budget::default()));
            let Ok((res, stats)) = result else {
                failures.push(format!("{path}: PANIC"));
                continue;
            };
            if category == "malformed" {
                mal_total += 1;
                match &res {
                    Err(e) => {
                        mal_err += 1;
                        report.push(format!("  malformed {path}: error: {e}"));
                    }
                    Ok(info) => {
                        let same = t["width"].as_u64() == Some(info.width() as u64)
                            && t["height"].as_u64() == Some(info.height() as u64);
                        if same {
                            mal_ok += 1;
                            report.push(format!(
                                "  malformed {path}: {}x{} (as truth)",
                                info.width(),
                                info.height()
                            ));
                        } else {
                            failures.push(format!(
                                "{path}: malformed file answered {}x{}, truth {}x{}",
                                info.width(),
                                info.height(),
                                t["width"],
                                t["height"]
                            ));
                        }
                    }
                }
                continue;
            }
            total += 1;
            reads.push(stats.reads as u64);
            bytes.push(stats.bytes);
            match res {
                Err(e) => failures.push(format!("{path}: error {e}")),
                Ok(info) => {
                    let d = compare(&info, t);
                    if d.is_empty() {
                        pass += 1;
                    } else {
                        failures.push(format!("{path}: {}", d.join("; ")));
                    }
                    let n = notes(&info, t);
                    report.push(format!(
                        "  {path}: reads {} bytes {}{}",
                        stats.reads,
                        stats.bytes,
                        if n.is_empty() {
                            String::new()
                        } else {
                            format!(" | note: {}", n.join("; "))
                        }
                    ));
                }
            }
        }
        eprintln!(
            "{fmt}: {pass}/{total} valid+derived match; malformed {mal_total}: {mal_ok} answered as truth, {mal_err} errors; reads median {} max {}; bytes median {} max {}",
            median(&mut reads.clone()),
            reads.iter().max().unwrap_or(&0),
            median(&mut bytes.clone()),
            bytes.iter().max().unwrap_or(&0),
        );
    }
    for line in &report {
        eprintln!("{line}");
    }
    assert!(failures.is_empty(), "mismatches:\n{}", failures.join("\n"));
}

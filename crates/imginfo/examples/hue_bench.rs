//! Average-colour cost, natively: per file the method, bytes read (and as a share of
//! the file), reads, CPU time and peak heap, through the real driver over memory
//! (`hue::average_bytes`). Prints a per-format summary, the slowest files, and JPEG CPU
//! by size on photographs re-encoded at 1–24 MP from the largest corpus photo.
//!
//! ```sh
//! cargo run --release -p imginfo --example hue_bench            # the corpus
//! cargo run --release -p imginfo --example hue_bench -- a.jpg   # given files
//! cargo run --release -p imginfo --example hue_bench -- --json  # one JSON line per file
//! ```
//!
//! The corpus is `IMGINFO_CORPUS` or `../shared/corpus` next to the repository. Peak
//! heap is counted by a global allocator: it is what the WASM linear memory must hold
//! on top of the Worker's baseline (a WASM heap grows to its peak and stays there).

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use imginfo::hue::{self, Limits};

struct Counting;
static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(l) };
        if !p.is_null() {
            let now = CURRENT.fetch_add(l.size(), Ordering::Relaxed) + l.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) };
        CURRENT.fetch_sub(l.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        let q = unsafe { System.realloc(p, l, new) };
        if !q.is_null() {
            if new > l.size() {
                let now = CURRENT.fetch_add(new - l.size(), Ordering::Relaxed) + new - l.size();
                PEAK.fetch_max(now, Ordering::Relaxed);
            } else {
                CURRENT.fetch_sub(l.size() - new, Ordering::Relaxed);
            }
        }
        q
    }
}

#[global_allocator]
static A: Counting = Counting;

struct Run {
    name: String,
    format: String,
    size: u64,
    pixels: u64,
    method: String,
    bytes: u64,
    reads: u32,
    ms: f64,
    peak: usize,
    rgb: Option<[u8; 3]>,
    error: Option<String>,
}

/// CPU time of this thread in ms (Linux `schedstat`: time on a CPU, so a busy machine
/// does not inflate it), or wall time where that file does not exist.
fn cpu_ms() -> f64 {
    if let Ok(s) = std::fs::read_to_string("/proc/thread-self/schedstat") {
        if let Some(ns) = s
            .split_whitespace()
            .next()
            .and_then(|v| v.parse::<f64>().ok())
        {
            return ns / 1e6;
        }
    }
    static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_secs_f64() * 1000.0
}

/// Runs the file at least `reps` times; CPU is the mean per run, the heap peak is
/// measured on top of the file itself (the caller's copy).
fn measure(name: &str, data: &[u8], reps: u32) -> Run {
    let base = CURRENT.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    // schedstat advances at scheduler ticks: time a batch of runs (at least `reps`, and
    // at least 50 ms of wall time) and divide.
    let mut out = None;
    let wall = Instant::now();
    let t = cpu_ms();
    let mut runs = 0u32;
    while runs < reps.max(1) || wall.elapsed().as_millis() < 50 {
        out = Some(hue::average_bytes(data, Limits::default()));
        runs += 1;
    }
    let best = (cpu_ms() - t) / f64::from(runs);
    let peak = PEAK.load(Ordering::Relaxed).saturating_sub(base);
    if std::env::var("HUE_BENCH_FULL").is_ok() {
        let t = cpu_ms();
        let ok = image::load_from_memory(data).is_ok();
        eprintln!(
            "  full decode by `image`: {:.2} ms ({}) {name}",
            cpu_ms() - t,
            if ok { "ok" } else { "fails" }
        );
    }
    let (res, stats) = out.expect("ran once");
    let (format, method, rgb, error, pixels) = match &res {
        Ok(h) => (
            h.info.format().name().to_string(),
            h.color.method.name().to_string(),
            Some(h.color.rgb),
            None,
            u64::from(h.info.width()) * u64::from(h.info.height()),
        ),
        Err(e) => (
            name.split('/').next().unwrap_or("?").to_string(),
            "-".to_string(),
            None,
            Some(e.to_string()),
            0,
        ),
    };
    Run {
        name: name.to_string(),
        format,
        size: data.len() as u64,
        pixels,
        method,
        bytes: stats.bytes,
        reads: stats.reads,
        ms: best,
        peak,
        rgb,
        error,
    }
}

fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    if v.is_empty() {
        return 0.0;
    }
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i.min(v.len() - 1)]
}

fn corpus() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("IMGINFO_CORPUS") {
        return Some(PathBuf::from(p));
    }
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    p.join("truth/summary.json").exists().then_some(p)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let json = args.iter().any(|a| a == "--json");
    let files: Vec<String> = args
        .iter()
        .filter(|a| !a.starts_with("--"))
        .cloned()
        .collect();
    let mut runs = Vec::new();
    let mut largest_jpeg: Option<(u64, Vec<u8>)> = None;
    if files.is_empty() {
        let Some(root) = corpus() else {
            eprintln!("no corpus: set IMGINFO_CORPUS or pass files");
            return;
        };
        let summary: serde_json::Map<String, serde_json::Value> = serde_json::from_str(
            &std::fs::read_to_string(root.join("truth/summary.json")).expect("summary"),
        )
        .expect("json");
        for (path, t) in &summary {
            if t["category"].as_str() != Some("valid") {
                continue;
            }
            let data = std::fs::read(root.join("images").join(path)).expect("read");
            let run = measure(path, &data, 5);
            if run.format == "jpeg" && run.method == "dc" {
                let px = run.pixels;
                if largest_jpeg.as_ref().is_none_or(|(p, _)| px > *p) {
                    largest_jpeg = Some((px, data.clone()));
                }
            }
            runs.push(run);
        }
    } else {
        for f in &files {
            let data = std::fs::read(f).expect("read");
            runs.push(measure(f, &data, 5));
        }
    }
    if json {
        for r in &runs {
            println!(
                "{}",
                serde_json::json!({
                    "file": r.name, "format": r.format, "size": r.size, "pixels": r.pixels,
                    "method": r.method, "bytes": r.bytes, "reads": r.reads, "cpuMs": r.ms,
                    "peakHeap": r.peak, "rgb": r.rgb.map(|c| format!("{:02x}{:02x}{:02x}", c[0], c[1], c[2])),
                    "error": r.error,
                })
            );
        }
        return;
    }
    println!(
        "{:6} {:>5} {:>9} {:>13} {:>9} {:>9} {:>10} {:>12}",
        "format", "files", "methods", "bytes-read", "cpu p50", "cpu p99", "peak heap", "answered"
    );
    let mut formats: Vec<String> = runs.iter().map(|r| r.format.clone()).collect();
    formats.sort();
    formats.dedup();
    for f in &formats {
        let rs: Vec<&Run> = runs.iter().filter(|r| &r.format == f).collect();
        let ok: Vec<&&Run> = rs.iter().filter(|r| r.error.is_none()).collect();
        let mut ms: Vec<f64> = ok.iter().map(|r| r.ms).collect();
        let share = ok.iter().map(|r| r.bytes as f64).sum::<f64>()
            / ok.iter().map(|r| r.size as f64).sum::<f64>().max(1.0);
        let mut methods: Vec<&str> = ok.iter().map(|r| r.method.as_str()).collect();
        methods.sort();
        methods.dedup();
        let peak = ok.iter().map(|r| r.peak).max().unwrap_or(0);
        println!(
            "{:6} {:>5} {:>9} {:>12.1}% {:>7.2}ms {:>7.2}ms {:>8.1}MiB {:>6}/{}",
            f,
            rs.len(),
            methods.join(","),
            100.0 * share,
            pct(&mut ms.clone(), 0.5),
            pct(&mut ms, 0.99),
            peak as f64 / 1048576.0,
            ok.len(),
            rs.len()
        );
    }
    let mut slow: Vec<&Run> = runs.iter().filter(|r| r.error.is_none()).collect();
    slow.sort_by(|a, b| b.ms.total_cmp(&a.ms));
    println!("\nslowest files:");
    for r in slow.iter().take(8) {
        println!(
            "  {:7.2} ms  {:>9} B read of {:>9} ({:5.1}%) {} reads  {:>6.1} MP  peak {:5.1} MiB  {} {}",
            r.ms,
            r.bytes,
            r.size,
            100.0 * r.bytes as f64 / r.size.max(1) as f64,
            r.reads,
            r.pixels as f64 / 1e6,
            r.peak as f64 / 1048576.0,
            r.method,
            r.name
        );
    }
    let mut prog: Vec<&Run> = runs
        .iter()
        .filter(|r| r.method == "dc" && r.bytes < r.size)
        .collect();
    prog.sort_by(|a, b| a.name.cmp(&b.name));
    println!("\nJPEGs read in part (APP segments skipped by offset, data after EOI, progressive files stopped after their DC scans):");
    for r in prog {
        println!(
            "  {:>9} B of {:>9} ({:5.1}%)  {}",
            r.bytes,
            r.size,
            100.0 * r.bytes as f64 / r.size.max(1) as f64,
            r.name
        );
    }
    if let Some((_, src)) = largest_jpeg {
        scaled_jpegs(&src);
    }
}

/// CPU of the DC path by image size: the largest corpus photo resized to 1–24 MP and
/// re-encoded (baseline, quality 90, 4:2:0) by the `image` crate's encoder.
fn scaled_jpegs(src: &[u8]) {
    let Ok(img) = image::load_from_memory(src) else {
        return;
    };
    let img = img.to_rgb8();
    println!("\nbaseline JPEG (quality 90) by size: bytes, DC-path CPU, peak heap");
    for mp in [1.0f64, 2.0, 4.0, 8.0, 12.0, 24.0] {
        let scale = (mp * 1e6 / (img.width() as f64 * img.height() as f64)).sqrt();
        let (w, h) = (
            (img.width() as f64 * scale) as u32,
            (img.height() as f64 * scale) as u32,
        );
        let big = image::imageops::resize(&img, w, h, image::imageops::FilterType::Triangle);
        let mut out = Vec::new();
        let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90);
        if big.write_with_encoder(enc).is_err() {
            continue;
        }
        let r = measure(&format!("synthetic {mp} MP"), &out, 5);
        println!(
            "  {:5.1} MP {:>5}x{:<5} {:>9} B  {:7.2} ms  peak {:5.1} MiB  {}",
            mp,
            w,
            h,
            out.len(),
            r.ms,
            r.peak as f64 / 1048576.0,
            r.error.as_deref().unwrap_or(&r.method)
        );
    }
}

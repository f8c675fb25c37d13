//! Bytes and round trips: runs every valid file of the shared corpus through the real
//! driver against a source that logs each read, and writes a Markdown report to stdout
//! and to `bench/out/bytes.md` (repository root): per format, how many bytes and reads
//! an answer costs, how that compares with the physical minimum, the files that take
//! more than two reads and why, and a trade-off table over first-window sizes.
//!
//! ```text
//! cargo run --release -p imginfo --example bytes_bench [-- --window KIB] [--corpus DIR]
//! ```
//!
//! `--window` sets `Budget.first_window` for the main tables (default: the driver's
//! `FIRST_WINDOW`); the window table always covers 8–128 KiB. Not a timed benchmark:
//! bytes and reads are what the edge pays for, in R2 operations and round-trip latency.

use imginfo::driver::{block_on, inspect, Budget, Chunk, Source, FIRST_WINDOW};
use imginfo::Error;
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

/// First-window sizes compared in the trade-off table, in KiB.
const WINDOWS_KIB: &[u64] = &[8, 12, 16, 24, 32, 48, 64, 68, 96, 128];

/// A memory source that logs every read (offset, asked length, bytes returned).
struct LogSource<'a> {
    data: &'a [u8],
    log: Vec<(u64, u64, u64)>,
}

impl Source for LogSource<'_> {
    async fn read(&mut self, offset: u64, len: u64) -> Result<Chunk, Error> {
        let total = self.data.len() as u64;
        let s = offset.min(total) as usize;
        let e = offset.saturating_add(len).min(total) as usize;
        let bytes = self.data.get(s..e).unwrap_or(&[]).to_vec();
        self.log.push((offset, len, bytes.len() as u64));
        Ok(Chunk {
            bytes,
            total: Some(total),
        })
    }
}

/// One file's cost.
struct Run {
    path: String,
    format: String,
    size: u64,
    ok: Result<(), String>,
    reads: u32,
    bytes: u64,
    log: Vec<(u64, u64, u64)>,
    /// Header prefix plus EXIF block (counted once where they overlap), when known.
    minimum: Option<u64>,
    header_needed: Option<u64>,
    exif: Option<(u64, u64)>,
}

fn minimum(t: &Json) -> Option<u64> {
    let header = t["header_bytes_needed"].as_u64()?;
    Some(
        match (
            t["exif_offset_start"].as_u64(),
            t["exif_offset_end"].as_u64(),
        ) {
            (Some(s), Some(e)) if s >= header => header + (e + 1 - s),
            (Some(_), Some(e)) => header.max(e + 1),
            _ => header,
        },
    )
}

fn run_all(corpus: &BTreeMap<String, (Json, Vec<u8>)>, window: u64) -> Vec<Run> {
    let budget = Budget {
        first_window: window,
        ..Budget::default()
    };
    corpus
        .iter()
        .map(|(path, (t, data))| {
            let mut src = LogSource {
                data,
                log: Vec::new(),
            };
            let (r, stats) = block_on(inspect(&mut src, budget));
            Run {
                path: path.clone(),
                format: path.split('/').next().unwrap_or("").to_string(),
                size: data.len() as u64,
                ok: r.map(|_| ()).map_err(|e| e.to_string()),
                reads: stats.reads,
                bytes: stats.bytes,
                log: src.log,
                minimum: minimum(t),
                header_needed: t["header_bytes_needed"].as_u64(),
                exif: t["exif_offset_start"]
                    .as_u64()
                    .zip(t["exif_offset_end"].as_u64()),
            }
        })
        .collect()
}

fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn pct(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        100.0 * a as f64 / b as f64
    }
}

fn kib(b: f64) -> String {
    if b >= 1024.0 {
        format!("{:.1} KiB", b / 1024.0)
    } else {
        format!("{b:.0} B")
    }
}

/// Aggregates over the answered files of `runs`.
struct Agg {
    files: usize,
    answered: usize,
    one: usize,
    two: usize,
    bytes: u64,
    size: u64,
    min_sum: u64,
    bytes_with_min: u64,
}

fn agg<'a>(runs: impl Iterator<Item = &'a Run>) -> Agg {
    let mut a = Agg {
        files: 0,
        answered: 0,
        one: 0,
        two: 0,
        bytes: 0,
        size: 0,
        min_sum: 0,
        bytes_with_min: 0,
    };
    for r in runs {
        a.files += 1;
        if r.ok.is_err() {
            continue;
        }
        a.answered += 1;
        a.one += usize::from(r.reads <= 1);
        a.two += usize::from(r.reads <= 2);
        a.bytes += r.bytes;
        a.size += r.size;
        if let Some(m) = r.minimum {
            a.min_sum += m;
            a.bytes_with_min += r.bytes;
        }
    }
    a
}

/// One line of the first-window table.
struct WindowRow {
    window: u64,
    agg: Agg,
    median_bytes: f64,
    max_reads: u32,
}

fn report(runs: &[Run], window: u64, windows: &[WindowRow]) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "# Bytes and round trips per request (valid corpus files)\n"
    );
    let _ = writeln!(
        o,
        "Real driver over memory, first window {} bytes ({} KiB), read-ahead and budget as \
         `Budget::default()`. Minimum = `header_bytes_needed` plus the EXIF block, counted \
         once where the block lies inside the header prefix (JPEG). Formats without a probe \
         yet answer nothing and are left out of the figures but counted in `files`.\n",
        window,
        window / 1024
    );
    let _ = writeln!(
        o,
        "| format | files | answered | median bytes | max bytes | median reads | max reads | 1 read | ≤2 reads | median ratio to minimum | bytes / minimum | bytes / file size |"
    );
    let _ = writeln!(o, "|---|---|---|---|---|---|---|---|---|---|---|---|");
    let mut formats: Vec<&str> = runs.iter().map(|r| r.format.as_str()).collect();
    formats.dedup();
    let row = |o: &mut String, name: &str, sel: &[&Run]| {
        let a = agg(sel.iter().copied());
        let ok: Vec<&&Run> = sel.iter().filter(|r| r.ok.is_ok()).collect();
        if ok.is_empty() {
            let _ = writeln!(o, "| {name} | {} | 0 | | | | | | | | | |", a.files);
            return;
        }
        let bytes: Vec<f64> = ok.iter().map(|r| r.bytes as f64).collect();
        let reads: Vec<f64> = ok.iter().map(|r| r.reads as f64).collect();
        let ratios: Vec<f64> = ok
            .iter()
            .filter_map(|r| r.minimum.map(|m| r.bytes as f64 / m.max(1) as f64))
            .collect();
        let _ = writeln!(
            o,
            "| {name} | {} | {} | {} | {} | {} | {} | {:.1} % | {:.1} % | {:.1}× | {:.2}× | {:.1} % |",
            a.files,
            a.answered,
            kib(median(bytes.clone())),
            kib(bytes.iter().cloned().fold(0.0, f64::max)),
            median(reads.clone()),
            reads.iter().cloned().fold(0.0, f64::max),
            pct(a.one, a.answered),
            pct(a.two, a.answered),
            median(ratios),
            a.bytes_with_min as f64 / a.min_sum.max(1) as f64,
            pct(a.bytes as usize, a.size as usize),
        );
    };
    for f in &formats {
        let sel: Vec<&Run> = runs.iter().filter(|r| r.format == *f).collect();
        row(&mut o, f, &sel);
    }
    let all: Vec<&Run> = runs.iter().collect();
    row(&mut o, "**answered files**", &all);

    let a = agg(runs.iter());
    let corpus_size: u64 = runs.iter().map(|r| r.size).sum();
    let _ = writeln!(o, "\nTargets (over answered files):\n");
    let _ = writeln!(
        o,
        "- ≤2 reads for 99 % of valid files: {:.1} % ({})",
        pct(a.two, a.answered),
        if pct(a.two, a.answered) >= 99.0 {
            "met"
        } else {
            "missed"
        }
    );
    let _ = writeln!(
        o,
        "- 1 read for ≥90 %: {:.1} % ({})",
        pct(a.one, a.answered),
        if pct(a.one, a.answered) >= 90.0 {
            "met"
        } else {
            "missed"
        }
    );
    let share = pct(a.bytes as usize, a.size as usize);
    let _ = writeln!(
        o,
        "- total bytes ≤5 % of total file size: {share:.1} % ({} of {} read; {})",
        kib(a.bytes as f64),
        kib(a.size as f64),
        if share <= 5.0 { "met" } else { "missed" }
    );
    let _ = writeln!(
        o,
        "- whole valid corpus: {} files, {} of which answered; {} read of {} ({:.1} %)",
        a.files,
        a.answered,
        kib(a.bytes as f64),
        kib(corpus_size as f64),
        pct(a.bytes as usize, corpus_size as usize)
    );

    let _ = writeln!(o, "\n## Files that take more than 2 reads\n");
    let _ = writeln!(
        o,
        "| file | reads | bytes | header needs | EXIF block | reads (offset+len) | why |"
    );
    let _ = writeln!(o, "|---|---|---|---|---|---|---|");
    let mut any = false;
    for r in runs.iter().filter(|r| r.ok.is_ok() && r.reads > 2) {
        any = true;
        let log: Vec<String> = r
            .log
            .iter()
            .map(|(off, _, got)| format!("{off}+{got}"))
            .collect();
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {} | {} | {} |",
            r.path,
            r.reads,
            r.bytes,
            r.header_needed.map_or("?".into(), |h| h.to_string()),
            r.exif.map_or("none".into(), |(s, e)| format!("{s}..={e}")),
            log.join(", "),
            why(r, window),
        );
    }
    if !any {
        let _ = writeln!(o, "| (none) | | | | | | |");
    }

    let two: Vec<String> = runs
        .iter()
        .filter(|r| r.ok.is_ok() && r.reads == 2)
        .map(|r| {
            let log: Vec<String> = r
                .log
                .iter()
                .map(|(off, _, got)| format!("{off}+{got}"))
                .collect();
            format!("- {} ({}): {}", r.path, log.join(", "), why(r, window))
        })
        .collect();
    let _ = writeln!(o, "\n## Files that take 2 reads ({})\n", two.len());
    for t in &two {
        let _ = writeln!(o, "{t}");
    }

    let _ = writeln!(o, "\n## Files without an answer\n");
    let mut by_fmt: BTreeMap<&str, usize> = BTreeMap::new();
    for r in runs.iter().filter(|r| r.ok.is_err()) {
        *by_fmt.entry(&r.format).or_default() += 1;
    }
    if by_fmt.is_empty() {
        let _ = writeln!(o, "None.");
    }
    for (f, n) in &by_fmt {
        let first = runs.iter().find(|r| r.format == *f && r.ok.is_err());
        let e = first.and_then(|r| r.ok.clone().err()).unwrap_or_default();
        let _ = writeln!(o, "- {f}: {n} (e.g. {e})");
    }

    let _ = writeln!(o, "\n## First-window trade-off (answered files)\n");
    let _ = writeln!(
        o,
        "| first window | 1 read | ≤2 reads | max reads | bytes / file size | bytes / minimum | median bytes |"
    );
    let _ = writeln!(o, "|---|---|---|---|---|---|---|");
    for w in windows {
        let a = &w.agg;
        let _ = writeln!(
            o,
            "| {} KiB | {:.1} % | {:.1} % | {} | {:.1} % | {:.2}× | {} |",
            w.window / 1024,
            pct(a.one, a.answered),
            pct(a.two, a.answered),
            w.max_reads,
            pct(a.bytes as usize, a.size as usize),
            a.bytes_with_min as f64 / a.min_sum.max(1) as f64,
            kib(w.median_bytes),
        );
    }
    o
}

/// Why a file took more than two reads, from where its header and EXIF lie.
fn why(r: &Run, window: u64) -> String {
    let mut parts = Vec::new();
    if let Some(h) = r.header_needed {
        if h > window {
            parts.push(format!("header ends at {h}, past the first window"));
        }
    }
    if let Some((s, e)) = r.exif {
        if s > window {
            parts.push(format!("EXIF starts at {s}, past the first window"));
        } else if e >= window {
            parts.push(format!("EXIF ends at {e}, past the first window"));
        }
    }
    let far = r
        .log
        .windows(2)
        .filter(|w| w[1].0 > w[0].0 + w[0].2)
        .count();
    if far > 0 {
        parts.push(format!("{far} targeted far read(s)"));
    }
    let seq = r
        .log
        .windows(2)
        .filter(|w| w[1].0 == w[0].0 + w[0].2)
        .count();
    if seq > 1 {
        parts.push(format!(
            "{seq} reads continue the previous one (segment walk)"
        ));
    }
    parts.join("; ")
}

fn main() {
    let mut window = FIRST_WINDOW;
    let mut corpus_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--window" => {
                window = args
                    .next()
                    .and_then(|v| v.parse::<u64>().ok())
                    .expect("--window KIB")
                    * 1024
            }
            "--corpus" => corpus_dir = PathBuf::from(args.next().expect("--corpus DIR")),
            other => panic!("unknown argument {other}"),
        }
    }
    let summary = match std::fs::read_to_string(corpus_dir.join("truth/summary.json")) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("corpus not found at {}: {e}", corpus_dir.display());
            std::process::exit(2);
        }
    };
    let truth: BTreeMap<String, Json> = serde_json::from_str(&summary).expect("summary.json");
    let corpus: BTreeMap<String, (Json, Vec<u8>)> = truth
        .into_iter()
        .filter(|(_, t)| t["category"] == "valid")
        .map(|(p, t)| {
            let data = std::fs::read(corpus_dir.join("images").join(&p)).expect("corpus file");
            (p, (t, data))
        })
        .collect();

    let runs = run_all(&corpus, window);
    let windows: Vec<WindowRow> = WINDOWS_KIB
        .iter()
        .map(|k| {
            let rs = run_all(&corpus, k * 1024);
            let ok: Vec<&Run> = rs.iter().filter(|r| r.ok.is_ok()).collect();
            WindowRow {
                window: k * 1024,
                median_bytes: median(ok.iter().map(|r| r.bytes as f64).collect()),
                max_reads: ok.iter().map(|r| r.reads).max().unwrap_or(0),
                agg: agg(rs.iter()),
            }
        })
        .collect();
    let text = report(&runs, window, &windows);
    print!("{text}");
    let out = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../bench/out");
    if std::fs::create_dir_all(&out).is_ok() {
        let _ = std::fs::write(out.join("bytes.md"), &text);
    }
}

//! Native timing of the parsing core over the corpus, for profiling (`perf record` this
//! binary): the real driver over memory (`inspect_bytes`) and the OSS renderer, per file,
//! plus reads and bytes per format. Not a test; see bench/ for the Worker benchmark.
//!
//! cargo run --release -p imginfo --example corebench -- [corpus dir] [path filter] [reps]
use imginfo::driver::{inspect_bytes, Budget};
use imginfo::render::{self, Ctx};
use imginfo::request::Dialect;
use std::collections::BTreeMap;
use std::error::Error;
use std::time::Instant;

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let root = args.next().unwrap_or_else(|| "../shared/corpus".into());
    let filter = args.next().unwrap_or_default();
    let reps: usize = args
        .next()
        .and_then(|r| r.parse().ok())
        .unwrap_or(50)
        .max(1);
    let summary: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(format!(
        "{root}/truth/summary.json"
    ))?)?;
    let mut files = Vec::new();
    for (k, v) in summary.as_object().ok_or("summary.json is not an object")? {
        if v["category"] == "valid" && k.contains(filter.as_str()) {
            files.push((k.clone(), std::fs::read(format!("{root}/images/{k}"))?));
        }
    }
    let ctx = Ctx::default();
    let mut per: Vec<(f64, f64, String)> = Vec::new();
    let mut formats: BTreeMap<String, (u32, u64, u64)> = BTreeMap::new();
    for (k, data) in &files {
        let t = Instant::now();
        for _ in 0..reps {
            let _ = std::hint::black_box(inspect_bytes(data, Budget::default()));
        }
        let parse = t.elapsed().as_secs_f64() * 1e6 / reps as f64;
        let (r, stats) = inspect_bytes(data, Budget::default());
        let t = Instant::now();
        if let Ok(info) = &r {
            for _ in 0..reps {
                std::hint::black_box(render::info(Dialect::Oss, info, &ctx));
            }
        }
        let rendering = t.elapsed().as_secs_f64() * 1e6 / reps as f64;
        per.push((parse, rendering, k.clone()));
        let f = formats
            .entry(k.split('/').next().unwrap_or("?").to_string())
            .or_default();
        *f = (f.0 + 1, f.1 + u64::from(stats.reads), f.2 + stats.bytes);
    }
    let n = per.len().max(1) as f64;
    println!(
        "{} files: mean parse {:.1} µs (driver over memory, window copies included), mean OSS render {:.1} µs",
        per.len(),
        per.iter().map(|p| p.0).sum::<f64>() / n,
        per.iter().map(|p| p.1).sum::<f64>() / n
    );
    for (f, (count, reads, bytes)) in &formats {
        let c = f64::from(*count);
        println!(
            "{f:8} {count:3} files: {:.2} reads, {:.1} KiB per file",
            *reads as f64 / c,
            *bytes as f64 / c / 1024.0
        );
    }
    per.sort_by(|a, b| (b.0 + b.1).total_cmp(&(a.0 + a.1)));
    println!("slowest (parse µs, render µs):");
    for p in per.iter().take(10) {
        println!("{:8.1} {:8.1}  {}", p.0, p.1, p.2);
    }
    Ok(())
}

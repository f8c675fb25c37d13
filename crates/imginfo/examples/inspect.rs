//! Prints what the real driver answers for image files: format, size, read cost, and
//! every EXIF field. `cargo run -p imginfo --example inspect -- FILE...`

use imginfo::driver::{inspect_bytes, Budget};

fn main() {
    for path in std::env::args().skip(1) {
        let data = match std::fs::read(&path) {
            Ok(d) => d,
            Err(e) => {
                println!("{path}: {e}");
                continue;
            }
        };
        let (r, stats) = inspect_bytes(&data, Budget::default());
        println!("{path}: {} reads, {} bytes", stats.reads, stats.bytes);
        match r {
            Err(e) => println!("  error: {e}"),
            Ok(info) => {
                let h = &info.header;
                println!(
                    "  {} {}x{} display {:?} orientation {:?} colour {:?} depth {:?} alpha {:?} frames {:?}",
                    h.format.name(),
                    h.width,
                    h.height,
                    info.display_size(),
                    info.orientation(),
                    h.color,
                    h.bit_depth,
                    h.alpha,
                    h.frames
                );
                if let Some(loc) = h.exif {
                    println!("  exif at {:?} ({:?})", loc.range, loc.kind);
                }
                if let Some(e) = &info.exif_error {
                    println!("  exif error: {e}");
                }
                for f in info.exif.iter().flat_map(|e| e.fields.iter()) {
                    println!("  {:?} {:#06x} {} = {:?}", f.ifd, f.tag, f.name, f.value);
                }
            }
        }
    }
}

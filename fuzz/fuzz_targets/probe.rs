//! The whole dispatch (sniff, every probe, EXIF) through the real driver with a small
//! budget, then every dialect's renderer on the answer. Invariants: the driver keeps to
//! its budget, an answer has a non-zero size, and renderers answer a body (JSON bodies
//! parse) for any answer or error.
#![no_main]
use imginfo::driver::{inspect_bytes, Budget};
use imginfo::render::{self, Ctx};
use imginfo::request::Dialect;
use libfuzzer_sys::fuzz_target;

const BUDGET: Budget = Budget {
    max_bytes: 64 * 1024,
    max_reads: 8,
    first_window: 4096,
    read_ahead: 512,
};

fuzz_target!(|data: &[u8]| {
    let (r, stats) = inspect_bytes(data, BUDGET);
    assert!(
        stats.bytes <= BUDGET.max_bytes,
        "read {} bytes over the budget",
        stats.bytes
    );
    assert!(
        stats.reads <= BUDGET.max_reads,
        "{} reads over the budget",
        stats.reads
    );
    let ctx = Ctx {
        key: "k".into(),
        ..Ctx::default()
    };
    for d in Dialect::ALL {
        let out = match &r {
            Ok(info) => {
                assert!(
                    info.width() > 0 && info.height() > 0,
                    "zero size answered: {info:?}"
                );
                let (w, h) = info.display_size();
                assert!(w > 0 && h > 0, "zero display size: {info:?}");
                let _ = render::exif(d, info, &ctx);
                render::info(d, info, &ctx)
            }
            Err(e) => render::error(d, e, &ctx),
        };
        if out.content_type.contains("json") {
            assert!(
                serde_json::from_slice::<serde_json::Value>(&out.body).is_ok(),
                "{d:?} rendered invalid JSON"
            );
        }
    }
});

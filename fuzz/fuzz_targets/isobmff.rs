//! HEIF/AVIF (ISO BMFF) probe under the protocol check. The input's first 8 bytes are
//! taken as the `ftyp` box header with its type forced, so every input reaches the probe.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut f = data.to_vec();
    if f.len() < 8 {
        f.resize(8, 0);
    }
    f[4..8].copy_from_slice(b"ftyp");
    imginfo_fuzz::check_protocol(&f);
});

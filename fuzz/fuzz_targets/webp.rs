//! WebP probe (RIFF chunk walk, VP8/VP8L/VP8X, ANIM frames, EXIF chunk) under the
//! need-bytes protocol check. The input's first 12 bytes are taken as the RIFF header
//! with `RIFF` and `WEBP` forced (its size field left as fuzzed).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut f = data.to_vec();
    if f.len() < 12 {
        f.resize(12, 0);
    }
    f[0..4].copy_from_slice(b"RIFF");
    f[8..12].copy_from_slice(b"WEBP");
    imginfo_fuzz::check_protocol(&f);
});

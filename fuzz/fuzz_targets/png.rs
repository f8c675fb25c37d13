//! PNG probe (chunk walk, tail search, raw-profile EXIF) under the protocol check.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    imginfo_fuzz::check_protocol(&imginfo_fuzz::with_magic(b"\x89PNG\r\n\x1a\n", data));
});

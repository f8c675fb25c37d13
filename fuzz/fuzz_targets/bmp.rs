//! BMP probe (file and DIB headers) under the need-bytes protocol check.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    imginfo_fuzz::check_protocol(&imginfo_fuzz::with_magic(b"BM", data));
});

//! GIF probe (screen descriptor, frame walk) under the need-bytes protocol check.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let magic: &[u8] = if data.starts_with(b"GIF87a") {
        b"GIF87a"
    } else {
        b"GIF89a"
    };
    imginfo_fuzz::check_protocol(&imginfo_fuzz::with_magic(magic, data));
});

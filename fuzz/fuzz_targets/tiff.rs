//! TIFF / BigTIFF probe (IFDs by offset, batched value reads, page chain, the rebuilt
//! EXIF block) under the need-bytes protocol check. Inputs not starting with a TIFF
//! byte-order mark get a classic little-endian one.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let known: [&[u8]; 4] = [b"II*\0", b"MM\0*", b"II+\0", b"MM\0+"];
    if known.iter().any(|m| data.starts_with(m)) {
        imginfo_fuzz::check_protocol(data);
    } else {
        imginfo_fuzz::check_protocol(&imginfo_fuzz::with_magic(b"II*\0", data));
    }
});

//! `exif::Exif::parse` (kamadak-exif and the neutral conversion) and its accessors on
//! arbitrary TIFF-structured blocks.
#![no_main]
use imginfo::exif::Exif;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(e) = Exif::parse(data) {
        let _ = (e.orientation(), e.make(), e.model(), e.datetime_original());
        for v in [e.gps_latitude(), e.gps_longitude(), e.gps_altitude()]
            .into_iter()
            .flatten()
        {
            assert!(v.is_finite(), "non-finite GPS value {v}");
        }
        let _ = serde_json::to_vec(&e);
    }
});

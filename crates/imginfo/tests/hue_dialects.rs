//! Average colour in every dialect: images made here with the `image` crate's encoders
//! (a known colour, so the expected answer is computed, not copied), through the real
//! driver (`hue::average_bytes`) and each renderer: body shape, hex case, status,
//! headers; limits and undecodable images answer each vendor's error; the native answer
//! validates against docs/native.schema.json.

mod common;

use imginfo::hue::{self, Limits, Method};
use imginfo::render::{self, Ctx};
use imginfo::request::Dialect;
use serde_json::Value;

fn encode(img: image::RgbImage, fmt: image::ImageFormat) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, fmt)
        .expect("encode");
    out.into_inner()
}

/// Two colours side by side: the mean is their average, which is not either colour.
fn halves(w: u32, h: u32, a: [u8; 3], b: [u8; 3]) -> image::RgbImage {
    image::RgbImage::from_fn(w, h, |x, _| image::Rgb(if x < w / 2 { a } else { b }))
}

fn ctx() -> Ctx {
    Ctx {
        request_id: "5A89E5416C8991E576FF67CD".into(),
        key: "k.jpg".into(),
        host: "img.example.com".into(),
        ..Ctx::default()
    }
}

fn body(r: &render::Rendered) -> Value {
    serde_json::from_slice(&r.body).expect("JSON body")
}

#[test]
fn every_format_answers_the_mean_colour() {
    let (a, b) = ([40u8, 87, 125], [200u8, 30, 10]);
    let img = halves(64, 40, a, b);
    let want = [0, 1, 2].map(|c| (u32::from(a[c]) + u32::from(b[c])).div_ceil(2) as i32);
    for (fmt, method, tol) in [
        (image::ImageFormat::Png, Method::Full, 0),
        (image::ImageFormat::Bmp, Method::Full, 0),
        (image::ImageFormat::Tiff, Method::Full, 0),
        (image::ImageFormat::WebP, Method::Full, 0),
        (image::ImageFormat::Gif, Method::Full, 2),
        (image::ImageFormat::Jpeg, Method::Dc, 2),
    ] {
        let file = encode(img.clone(), fmt);
        let (res, stats) = hue::average_bytes(&file, Limits::default());
        let h = res.unwrap_or_else(|e| panic!("{fmt:?}: {e}"));
        assert_eq!(h.color.method, method, "{fmt:?}");
        assert_eq!(h.color.bytes, stats.bytes);
        assert_eq!(
            stats.bytes,
            file.len() as u64,
            "{fmt:?}: small file, read whole"
        );
        for c in 0..3 {
            let d = (i32::from(h.color.rgb[c]) - want[c]).abs();
            assert!(d <= tol, "{fmt:?}: {:?} vs {want:?}", h.color.rgb);
        }
    }
}

#[test]
fn vendor_shapes() {
    let file = encode(
        image::RgbImage::from_pixel(16, 16, image::Rgb([0x28, 0x57, 0x7d])),
        image::ImageFormat::Png,
    );
    let h = hue::average_bytes(&file, Limits::default()).0.unwrap();
    assert_eq!(h.color.rgb, [0x28, 0x57, 0x7d]);
    let c = ctx();
    for (d, want) in [
        (Dialect::Oss, r#"{"RGB":"0x28577d"}"#),
        (Dialect::Tos, r#"{"RGB":"0x28577d"}"#),
        (Dialect::ObsImg, r##"{"RGB":"#28577D"}"##),
        (Dialect::Cos, r#"{"RGB":"0x28577d"}"#),
        (Dialect::Qiniu, r#"{"RGB":"0x28577d"}"#),
    ] {
        let r = render::average_hue(d, &h, &c);
        assert_eq!(r.status, 200, "{d:?}");
        assert_eq!(r.content_type, "application/json");
        assert_eq!(std::str::from_utf8(&r.body).unwrap(), want, "{d:?}");
        let no_store = r
            .headers
            .iter()
            .any(|(k, v)| *k == "Cache-Control" && v.split(',').any(|x| x.trim() == "no-store"));
        assert_eq!(no_store, d == Dialect::Qiniu, "{d:?}");
        // The SDKs that check a body CRC-64 get it, as with info answers.
        let crc = r
            .headers
            .iter()
            .find(|(k, _)| k.ends_with("-hash-crc64ecma"));
        assert_eq!(
            crc.map(|(_, v)| v.clone()),
            matches!(d, Dialect::Oss | Dialect::Tos | Dialect::Cos)
                .then(|| render::crc64_ecma(&r.body).to_string()),
            "{d:?}"
        );
    }
    let r = render::average_hue(Dialect::Native, &h, &c);
    let v = body(&r);
    assert_eq!(v["averageColor"]["rgb"], "#28577d");
    assert_eq!(v["averageColor"]["method"], "full");
    assert_eq!(v["averageColor"]["bytes"], file.len() as u64);
    assert_eq!(v["averageColor"]["firstFrameOf"], Value::Null);
    assert_eq!(v["width"], 16);
    let schema = common::schema::native_schema();
    let errs = common::schema::errors(&schema, &v);
    assert!(errs.is_empty(), "{errs:?}");
    // QingStor has no average-colour operation.
    assert_eq!(render::average_hue(Dialect::QingStor, &h, &c).status, 400);
}

#[test]
fn limits_answer_each_vendors_error() {
    let file = encode(
        image::RgbImage::from_pixel(100, 100, image::Rgb([1, 2, 3])),
        image::ImageFormat::Png,
    );
    let tight = Limits {
        max_pixels: 9_999,
        ..Limits::default()
    };
    let (res, _) = hue::average_bytes(&file, tight);
    let e = res.unwrap_err();
    assert!(matches!(e, imginfo::Error::TooLarge(_)), "{e}");
    let small = Limits {
        max_bytes: 100,
        ..Limits::default()
    };
    let (res2, stats) = hue::average_bytes(&file, small);
    assert!(matches!(res2, Err(imginfo::Error::TooLarge(_))));
    assert!(
        stats.bytes <= 100,
        "read {} bytes past a 100-byte budget",
        stats.bytes
    );
    let c = ctx();
    let oss = render::error(Dialect::Oss, &e, &c);
    assert_eq!(oss.status, 400);
    assert!(String::from_utf8_lossy(&oss.body).contains("<Code>ImageTooLarge</Code>"));
    let tos = body(&render::error(Dialect::Tos, &e, &c));
    assert_eq!(tos["Code"], "ImageTooLarge");
    assert_eq!(render::error(Dialect::ObsImg, &e, &c).status, 400);
    assert_eq!(render::error(Dialect::Cos, &e, &c).status, 400);
    let q = render::error(Dialect::Qiniu, &e, &c);
    assert_eq!((q.status, body(&q)["code"].as_u64()), (400, Some(400)));
    let n = render::error(Dialect::Native, &e, &c);
    assert_eq!(n.status, 422);
    assert_eq!(body(&n)["error"]["code"], "image_too_large");
}

#[test]
fn animated_gif_answers_its_first_frame() {
    use image::codecs::gif::GifEncoder;
    use image::{Delay, Frame, RgbaImage};
    let mut out = Vec::new();
    {
        let mut enc = GifEncoder::new(&mut out);
        for c in [[255u8, 0, 0, 255], [0, 0, 255, 255]] {
            let f = Frame::from_parts(
                RgbaImage::from_pixel(8, 8, image::Rgba(c)),
                0,
                0,
                Delay::from_numer_denom_ms(100, 1),
            );
            enc.encode_frame(f).unwrap();
        }
    }
    let h = hue::average_bytes(&out, Limits::default()).0.unwrap();
    assert_eq!(h.color.rgb, [255, 0, 0]);
    assert_eq!(h.color.first_of_frames, Some(2));
}

#[test]
fn heif_without_thumbnail_is_no_decoder() {
    // The smallest HEIF the header probe reads: ftyp heic + meta with an hvc1 item.
    let corpus = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus/images/heic/libheif_example.heic");
    let Ok(file) = std::fs::read(&corpus) else {
        eprintln!("SKIPPED: corpus HEIC not found");
        return;
    };
    let e = hue::average_bytes(&file, Limits::default()).0.unwrap_err();
    assert!(matches!(e, imginfo::Error::NoDecoder(_)), "{e}");
    let c = ctx();
    assert_eq!(render::error(Dialect::Oss, &e, &c).status, 400);
    assert_eq!(render::error(Dialect::Native, &e, &c).status, 415);
    assert_eq!(
        body(&render::error(Dialect::Qiniu, &e, &c))["error"],
        "unsupported image format"
    );
}

#!/usr/bin/env python3
"""Generates the small sample images in samples/ (committed; made by this project, so
they carry no third-party licence). Run once by hand when the set changes:

    pip install Pillow==13.0.0 pillow-heif==1.8.1 && python3 scripts/make-samples.py

Each sample exercises something the Worker must get right (see samples/README.md).
"""
import io, os, struct, zlib
from PIL import Image, ImageDraw
from PIL.TiffImagePlugin import IFDRational as R

OUT = os.path.join(os.path.dirname(__file__), "..", "samples")
os.makedirs(OUT, exist_ok=True)


def picture(w, h, seed=0):
    img = Image.new("RGB", (w, h))
    d = ImageDraw.Draw(img)
    for y in range(0, h, 4):
        d.rectangle([0, y, w, y + 3], fill=((y * 3 + seed) % 256, (y + 80 + seed) % 256, 200 - y % 200))
    d.ellipse([w // 4, h // 4, 3 * w // 4, 3 * h // 4], fill=(240, 200, 40))
    d.text((8, 8), "imginfo-edge", fill=(0, 0, 0))
    return img


def camera_exif(orientation=1):
    ex = Image.Exif()
    ex[0x010F] = "imginfo"            # Make
    ex[0x0110] = "Sample Camera 1"    # Model
    ex[0x0112] = orientation          # Orientation
    ex[0x011A] = R(72)                # XResolution
    ex[0x011B] = R(72)
    ex[0x0128] = 2                    # ResolutionUnit: inch
    ex[0x0131] = "scripts/make-samples.py"
    ex[0x0132] = "2026:11:28 12:00:00"
    sub = ex.get_ifd(0x8769)
    sub[0x9003] = "2026:11:28 11:59:58"   # DateTimeOriginal
    sub[0x9011] = "+08:00"                # OffsetTimeOriginal
    sub[0x829A] = R(1, 50)                # ExposureTime
    sub[0x829D] = R(56, 10)               # FNumber
    sub[0x920A] = R(83, 20)               # FocalLength
    sub[0xA001] = 1                       # ColorSpace sRGB
    gps = ex.get_ifd(0x8825)
    gps[0] = b"\x02\x02\x00\x00"
    gps[1] = "N"
    gps[2] = (R(40, 1), R(0, 1), R(5588, 100))
    gps[3] = "E"
    gps[4] = (R(116, 1), R(23, 1), R(1968, 100))
    gps[5] = b"\x00"
    gps[6] = R(7132, 100)
    gps[18] = "WGS-84"
    return ex


def save(name, img, **kw):
    path = os.path.join(OUT, name)
    img.save(path, **kw)
    print(f"{name}: {os.path.getsize(path)} bytes")


save("photo.jpg", picture(400, 267), quality=80, exif=camera_exif(1))
save("rotated.jpg", picture(320, 240, 40), quality=75, exif=camera_exif(6))
# A 100 KB ICC-like APP2 run before the frame header: SOF lies past the first window.
save("big-header.jpg", picture(200, 150, 90), quality=70, exif=camera_exif(1),
     icc_profile=bytes(range(256)) * 400)
save("gray.jpg", picture(64, 48).convert("L"), quality=70)
save("progressive.jpg", picture(120, 90, 7), quality=70, progressive=True)
save("cmyk.jpg", picture(80, 60, 3).convert("CMYK"), quality=70)

png = picture(300, 200, 20).convert("RGBA")
save("alpha.png", png, exif=camera_exif(8))
save("palette.png", picture(50, 40, 60).convert("P"))
save("gray16.png", picture(40, 30).convert("I;16"))
frames = [picture(60, 40, s) for s in (0, 50, 100)]
frames[0].save(os.path.join(OUT, "anim.gif"), save_all=True, append_images=frames[1:], duration=100, loop=0)
frames[0].save(os.path.join(OUT, "anim.webp"), save_all=True, append_images=frames[1:], duration=100, loop=0)
save("lossy.webp", picture(256, 160, 5), quality=70, exif=camera_exif(3))
save("lossless.webp", picture(64, 64, 9).convert("RGBA"), lossless=True)
save("image.bmp", picture(48, 32, 11))
save("image.tiff", picture(64, 40, 13), exif=camera_exif(1), compression="tiff_deflate")
save("image.avif", picture(128, 96, 17), quality=50, exif=camera_exif(1))
try:
    import pillow_heif
    pillow_heif.register_heif_opener()
    save("image.heic", picture(128, 96, 19), quality=50, exif=camera_exif(6))
except Exception as e:  # pragma: no cover
    print("no HEIC encoder:", e)
with open(os.path.join(OUT, "not-an-image.txt"), "w") as f:
    f.write("This is a text file, not an image.\n")

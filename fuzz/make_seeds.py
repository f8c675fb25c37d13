#!/usr/bin/env python3
"""Builds the fuzz seed corpora (fuzz/corpus/<target>/, not committed) from the shared
image corpus (../shared/corpus/images, when present) and samples/, and (target `auth`)
from the vendor-SDK signature vectors of the core's tests.

Each seed is named by the SHA-1 of its bytes, so re-running adds nothing twice and
leaves the inputs libFuzzer has found meanwhile in place. Files over MAX_SEED are cut to
their first MAX_SEED bytes (the fuzz runs use the same -max_len): headers live there,
and a cut file is an input worth having anyway.

usage: make_seeds.py <repo root> [target ...]
"""
import hashlib
import json
import os
import sys

MAX_SEED = 64 * 1024
# Largest EXIF seed: a JPEG APP1 holds at most 64 KiB.
MAX_EXIF_SEED = 64 * 1024

FORMATS = {
    # target: (corpus folders, sample extensions)
    "jpeg": (["jpeg"], [".jpg", ".jpeg"]),
    "png": (["png"], [".png"]),
    "isobmff": (["heic", "avif"], [".heic", ".avif"]),
    "gif": (["gif"], [".gif"]),
    "bmp": (["bmp"], [".bmp"]),
    "webp": (["webp"], [".webp"]),
    "tiff": (["tiff"], [".tif", ".tiff"]),
}

# Request seeds: the path up to the first `?`, the query after it (see
# fuzz_targets/request.rs); a leading \x01 adds a COS Authorization header.
REQUESTS = [
    "/photo.jpg?image/info",
    "/photo.jpg?x-oss-process=image/info",
    "/a/b%20c+d.jpg?x-oss-process=image%2Finfo",
    "/k.jpg?x-oss-process=image/resize,w_1/info",
    "/k.jpg?x-tos-process=image/info",
    "/k.jpg?x-image-process=image/info",
    "/k.jpg?image&action=info",
    "/k.jpg?imageInfo",
    "/k.jpg?exif",
    "\x01/k.jpg?imageInfo",
    "/k.jpg?imageInfo&q-sign-algorithm=sha1&q-ak=x",
    "/k.jpg?imageInfo&e=1&token=x",
    "/k.jpg?imageView2/1/w/100|imageInfo",
    "/k.jpg?imageMogr2/thumbnail/100x",
    "/k.jpg?info",
    "/k.jpg?versionId=abc&x-oss-process=image/info",
    "/k.jpg",
    "/?image/info",
    "/%FF?exif",
    "/k.jpg?image/info&x-oss-process=image/info",
]


def files_under(d):
    out = []
    if os.path.isdir(d):
        for root, _, names in os.walk(d):
            for n in sorted(names):
                out.append(os.path.join(root, n))
    return sorted(out)


def put(dest, data):
    os.makedirs(dest, exist_ok=True)
    path = os.path.join(dest, hashlib.sha1(data).hexdigest())
    if not os.path.exists(path):
        with open(path, "wb") as f:
            f.write(data)
        return 1
    return 0


def read(path, limit=MAX_SEED):
    with open(path, "rb") as f:
        return f.read(limit)


def tiff_block(data):
    """The first TIFF-structured block in a file (an EXIF payload), up to 64 KiB."""
    best = None
    for magic in (b"Exif\x00\x00II*\x00", b"Exif\x00\x00MM\x00*", b"II*\x00", b"MM\x00*"):
        i = data.find(magic)
        if i >= 0 and (best is None or i < best):
            best = i
    if best is None:
        return None
    return data[best : best + MAX_EXIF_SEED]


def main():
    root = os.path.abspath(sys.argv[1])
    wanted = set(sys.argv[2:])
    images = os.environ.get("IMGINFO_CORPUS_IMAGES") or os.path.join(
        os.path.dirname(root), "shared", "corpus", "images"
    )
    samples = os.path.join(root, "samples")
    out = os.path.join(root, "fuzz", "corpus")
    have_corpus = os.path.isdir(images)
    if not have_corpus:
        print(f"[seeds] no shared corpus at {images}: seeding from samples/ only", file=sys.stderr)

    def want(t):
        return not wanted or t in wanted or "all" in wanted

    sample_files = [p for p in files_under(samples) if not p.endswith("README.md")]
    all_images = []
    for target, (folders, exts) in FORMATS.items():
        files = [p for f in folders for p in files_under(os.path.join(images, f))]
        files += [p for p in sample_files if os.path.splitext(p)[1].lower() in exts]
        all_images += files
        if want(target):
            n = sum(put(os.path.join(out, target), read(p)) for p in files)
            print(f"[seeds] {target}: {n} new", file=sys.stderr)
    if want("probe"):
        n = sum(put(os.path.join(out, "probe"), read(p)) for p in all_images + sample_files)
        print(f"[seeds] probe: {n} new", file=sys.stderr)
    if want("exif"):
        n = 0
        for p in all_images:
            block = tiff_block(read(p, 4 * MAX_SEED))
            if block:
                n += put(os.path.join(out, "exif"), block)
        print(f"[seeds] exif: {n} new", file=sys.stderr)
    if want("request"):
        n = sum(put(os.path.join(out, "request"), r.encode("utf-8", "surrogateescape")) for r in REQUESTS)
        print(f"[seeds] request: {n} new", file=sys.stderr)
    if want("auth"):
        n = sum(put(os.path.join(out, "auth"), s) for s in auth_seeds(root))
        print(f"[seeds] auth: {n} new", file=sys.stderr)


def auth_seeds(root):
    """Signed requests made by the vendors' SDKs (the core's test vectors) in the auth
    target's form: method, path, query, host, style byte, then `name:value` headers, all
    separated by NUL bytes (see fuzz_targets/auth.rs)."""
    path = os.path.join(root, "crates", "imginfo", "tests", "fixtures", "auth", "sdk-vectors.json")
    with open(path, encoding="utf-8") as f:
        vectors = json.load(f)["vectors"]
    for v in vectors:
        style = {"path": "p", "vhost": "v"}.get(v["style"], "c")
        fields = [v["method"], v["path"], v["query"], v["authority"], style]
        fields += [f"{k}:{val}" for k, val in v["headers"].items()]
        yield "\0".join(fields).encode("utf-8")


if __name__ == "__main__":
    main()

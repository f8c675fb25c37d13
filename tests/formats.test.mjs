// One integration test per format: a real local R2 object through the built Worker in
// workerd, checked against what Pillow (which wrote the samples) says about each file.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWorker, readCost } from "./support/worker.mjs";

let w;
before(async () => { w = await startWorker(); });
after(async () => { await w?.close(); });

const CASES = [
  // file, format, width, height, extra expectations
  ["photo.jpg", "jpeg", 400, 267, { colorSpace: "ycbcr", orientation: 1 }],
  ["progressive.jpg", "jpeg", 120, 90, { progressive: true }],
  ["cmyk.jpg", "jpeg", 80, 60, { colorSpace: "cmyk" }],
  ["gray.jpg", "jpeg", 64, 48, { colorSpace: "gray" }],
  ["alpha.png", "png", 300, 200, { alpha: true, orientation: 8, displayWidth: 200 }],
  ["palette.png", "png", 50, 40, { colorSpace: "palette" }],
  ["gray16.png", "png", 40, 30, { colorSpace: "gray", bitDepth: 16 }],
  ["anim.gif", "gif", 60, 40, { frames: 3, animated: true }],
  ["anim.webp", "webp", 60, 40, { frames: 3, animated: true }],
  ["lossy.webp", "webp", 256, 160, { orientation: 3 }],
  ["lossless.webp", "webp", 64, 64, {}],
  ["image.bmp", "bmp", 48, 32, { bitDepth: 24 }],
  ["image.tiff", "tiff", 64, 40, { orientation: 1 }],
  ["image.avif", "avif", 128, 96, {}],
  ["image.heic", "heic", 128, 96, { orientation: 6 }],
];

for (const [file, format, width, height, extra] of CASES) {
  test(`${format}: ${file}`, async () => {
    const res = await w.get(`/${file}?info`);
    assert.equal(res.status, 200);
    const cost = readCost(res);
    const j = await res.json();
    assert.equal(j.format, format);
    assert.equal(j.width, width);
    assert.equal(j.height, height);
    for (const [k, v] of Object.entries(extra)) assert.equal(j[k], v, k);
    assert.equal(cost.ranges, 1, "small samples answer in one read");
    // The OSS dialect agrees.
    const oss = await (await w.get(`/${file}?x-oss-process=image/info`)).json();
    assert.equal(oss.ImageWidth.value, String(width));
    assert.equal(oss.Format.value, format === "jpeg" ? "jpg" : format);
  });
}

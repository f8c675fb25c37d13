// Average colour in workerd, one test per dialect: OSS and TOS `image/average-hue`, OBS
// `x-image-process=image/average-hue`, COS and Qiniu `imageAve`, native `?info&hue`; the
// same colour in every dialect's spelling, each vendor's request-id header and error
// shape, the method in Server-Timing, and the value checked against an independent mean
// (a 24-bit BMP's pixels summed here). With the shared corpus present, a 3 MB baseline
// JPEG is read in bounded ranged reads and a progressive one only up to its DC scans.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { startWorker, readCost, ROOT } from "./support/worker.mjs";
import { startOrigin } from "./support/origin.mjs";

const CORPUS = process.env.IMGINFO_CORPUS ?? join(ROOT, "..", "shared", "corpus");
const BIG = join(CORPUS, "images", "jpeg", "mei_Nikon_D90.jpg");
const PROGRESSIVE = join(CORPUS, "images", "jpeg", "pillow_icc_profile_big.jpg");

let w;
before(async () => {
  w = await startWorker();
  for (const [key, path] of [["big.jpg", BIG], ["big-progressive.jpg", PROGRESSIVE]]) {
    if (existsSync(path)) await w.r2.put(key, new Uint8Array(readFileSync(path)));
  }
});
after(async () => { await w?.close(); });

/** `hue;desc="dc"` from Server-Timing. */
function hueMethod(res) {
  const m = (res.headers.get("server-timing") ?? "").match(/hue;desc="([a-z]+)/);
  return m ? m[1] : null;
}

async function hue(path, { status = 200, reqId, type = "application/json", cost = true } = {}) {
  const res = await w.get(path);
  const text = await res.text();
  assert.equal(res.status, status, `${path}: ${text}`);
  assert.equal(res.headers.get("content-type"), type, path);
  if (reqId) assert.match(res.headers.get(reqId) ?? "", /^[0-9A-F]{24}$/, `${path} ${reqId}`);
  // Requests refused by the grammar read nothing and carry no cost.
  if (cost) assert.ok(readCost(res), `${path}: Server-Timing read cost`);
  return { text, res, body: type === "application/json" ? JSON.parse(text) : null };
}

/** The native answer's colour, `#rrggbb`. */
async function native(key) {
  const { body, res } = await hue(`/${key}?info&hue`, { reqId: "x-request-id" });
  return { color: body.averageColor, body, res };
}

/** Mean colour of an uncompressed bottom-up 24-bit BMP, computed here. */
function bmpMean(buf) {
  const off = buf.readUInt32LE(10);
  const w = buf.readInt32LE(18);
  const h = Math.abs(buf.readInt32LE(22));
  assert.equal(buf.readUInt16LE(28), 24, "24-bit BMP");
  assert.equal(buf.readUInt32LE(30), 0, "uncompressed");
  const stride = Math.ceil((w * 3) / 4) * 4;
  const s = [0, 0, 0];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const p = off + y * stride + x * 3;
      s[0] += buf[p + 2]; s[1] += buf[p + 1]; s[2] += buf[p]; // BGR
    }
  }
  return s.map((v) => Math.floor(v / (w * h) + 0.5));
}
const hex = (rgb) => rgb.map((c) => c.toString(16).padStart(2, "0")).join("");

test("native ?info&hue: the info answer plus averageColor, checked against a BMP summed here", async () => {
  const want = hex(bmpMean(readFileSync(join(ROOT, "samples", "image.bmp"))));
  const { color, body, res } = await native("image.bmp");
  assert.equal(color.rgb, `#${want}`);
  assert.equal(color.method, "full");
  assert.equal(color.bytes, readCost(res).bytes);
  assert.equal(color.firstFrameOf, null);
  assert.equal(body.format, "bmp");
  assert.equal(body.width, 48);
  assert.equal(hueMethod(res), "full");
  // Every decodable sample answers, with the method its format calls for.
  for (const [key, method] of [
    ["photo.jpg", "dc"], ["progressive.jpg", "dc"], ["cmyk.jpg", "dc"], ["gray.jpg", "dc"],
    ["alpha.png", "full"], ["palette.png", "full"], ["gray16.png", "full"],
    ["anim.gif", "full"], ["anim.webp", "full"], ["lossy.webp", "full"], ["lossless.webp", "full"],
    ["image.tiff", "full"],
  ]) {
    const n = await native(key);
    assert.equal(n.color.method, method, key);
    assert.match(n.color.rgb, /^#[0-9a-f]{6}$/, key);
    assert.equal(hueMethod(n.res), method, key);
  }
  const anim = await native("anim.gif");
  assert.equal(anim.color.firstFrameOf, 3);
  assert.match(anim.res.headers.get("server-timing"), /hue;desc="full, first of 3 frames"/);
});

test("OSS and TOS: {\"RGB\":\"0xrrggbb\"}, the native colour", async () => {
  const { color } = await native("photo.jpg");
  const want = color.rgb.slice(1);
  for (const [q, rid] of [
    ["x-oss-process=image/average-hue", "x-oss-request-id"],
    ["image/average-hue", "x-oss-request-id"],
    ["x-tos-process=image/average-hue", "x-tos-request-id"],
  ]) {
    const { body, text, res } = await hue(`/photo.jpg?${q}`, { reqId: rid });
    assert.deepEqual(body, { RGB: `0x${want}` }, q);
    assert.equal(text, `{"RGB":"0x${want}"}`);
    // The bare spelling is the same OSS answer: a Cache API hit, nothing decoded.
    const hit = /cache;desc="hit"/.test(res.headers.get("server-timing"));
    assert.equal(hueMethod(res), hit ? null : "dc", q);
    assert.match(res.headers.get("etag") ?? "", /-(oss|tos)-hue"$/);
  }
  const missing = await hue("/nope.jpg?x-oss-process=image/average-hue", {
    status: 404, reqId: "x-oss-request-id", type: "application/xml",
  });
  assert.match(missing.text, /<Code>NoSuchKey<\/Code>/);
  const tos = await hue("/nope.jpg?x-tos-process=image/average-hue", { status: 404, reqId: "x-tos-request-id" });
  assert.equal(tos.body.Code, "NoSuchKey");
});

test("OBS: {\"RGB\":\"#RRGGBB\"}", async () => {
  const { color } = await native("alpha.png");
  const { body } = await hue("/alpha.png?x-image-process=image/average-hue", { reqId: "x-obs-request-id" });
  assert.deepEqual(body, { RGB: color.rgb.toUpperCase() });
  const e = await hue("/not-an-image.txt?x-image-process=image/average-hue", {
    status: 400, reqId: "x-obs-request-id", type: "application/xml",
  });
  assert.match(e.text, /<Code>InvalidArgument<\/Code>/);
});

test("COS: imageAve on a COS-signed request", async () => {
  const { color } = await native("lossy.webp");
  const { body } = await hue("/lossy.webp?q-sign-algorithm=sha1&q-ak=AK&q-signature=s&imageAve", {
    reqId: "x-cos-request-id",
  });
  assert.deepEqual(body, { RGB: `0x${color.rgb.slice(1)}` });
  const e = await hue("/nope.webp?q-sign-algorithm=sha1&imageAve", {
    status: 404, reqId: "x-cos-request-id", type: "application/xml",
  });
  assert.match(e.text, /<Code>NoSuchKey<\/Code>/);
});

test("Qiniu: imageAve, Cache-Control no-store, JSON errors", async () => {
  const { color } = await native("anim.gif");
  const { body, res } = await hue("/anim.gif?imageAve", { reqId: "x-reqid" });
  assert.deepEqual(body, { RGB: `0x${color.rgb.slice(1)}` });
  assert.match(res.headers.get("cache-control") ?? "", /(^|, )no-store(,|$)/);
  const bad = await hue("/anim.gif?imageAve/1", { status: 400, reqId: "x-reqid", cost: false });
  assert.equal(bad.body.code, 400);
});

test("HEIC without an EXIF thumbnail: each vendor's unsupported error, no invented colour", async () => {
  const oss = await hue("/image.heic?x-oss-process=image/average-hue", {
    status: 400, reqId: "x-oss-request-id", type: "application/xml",
  });
  assert.match(oss.text, /<Code>BadRequest<\/Code>/);
  assert.match(oss.text, /HEVC/);
  const n = await hue("/image.heic?info&hue", { status: 415, reqId: "x-request-id" });
  assert.equal(n.body.error.code, "no_decoder");
  assert.equal(hueMethod(n.res), null);
});

test("limits: MAX_HUE_BYTES refuses a bigger object before reading its pixels", async () => {
  const small = await startWorker({ bindings: { MAX_HUE_BYTES: "5000" } });
  try {
    const res = await small.get("/photo.jpg?x-oss-process=image/average-hue");
    const text = await res.text();
    assert.equal(res.status, 400);
    assert.match(text, /<Code>ImageTooLarge<\/Code>/);
    assert.ok(readCost(res).bytes <= 5000, "no more read than the budget");
    const n = await small.get("/photo.jpg?info&hue");
    assert.equal(n.status, 422);
    assert.equal((await n.json()).error.code, "image_too_large");
  } finally {
    await small.close();
  }
});

test("from an HTTP origin (no bucket): same colour as from R2", async () => {
  const origin = await startOrigin(join(ROOT, "samples"));
  const ow = await startWorker({ bucket: false, bindings: { ORIGIN: `${origin.url}/o` } });
  try {
    const fromR2 = (await native("photo.jpg")).color.rgb;
    const res = await ow.get("/plain/photo.jpg?info&hue");
    const j = await res.json();
    assert.equal(res.status, 200, JSON.stringify(j));
    assert.equal(j.averageColor.rgb, fromR2);
    assert.equal(j.object.source, "origin");
  } finally {
    await ow.close();
    await origin.close();
  }
});

test("large baseline JPEG: bounded ranged reads; progressive: only up to its DC scans", { skip: !existsSync(BIG) && "corpus not found" }, async () => {
  const size = readFileSync(BIG).length;
  const { color, res } = await native("big.jpg");
  const cost = readCost(res);
  assert.equal(color.method, "dc");
  assert.equal(cost.bytes, size, "a baseline scan is read to its end");
  assert.ok(cost.ranges > 2, `read in several bounded reads, got ${cost.ranges}`);
  if (existsSync(PROGRESSIVE)) {
    const p = await native("big-progressive.jpg");
    const psize = readFileSync(PROGRESSIVE).length;
    // The header phase reads the ICC segment series before the frame header in one go
    // (the info route's choice); the pixel phase stops at the end of the DC scans, so the
    // AC scans that make up the rest of the file are never read.
    assert.equal(p.color.method, "dc");
    assert.ok(readCost(p.res).bytes < psize, `progressive: ${readCost(p.res).bytes} of ${psize}`);
  }
});

test("two Workers: the info Worker passes the request to the hue Worker and its answer back as it came", async () => {
  const CORS_RULES = JSON.stringify([{ allowedOrigins: ["*"], allowedMethods: ["GET", "HEAD"], exposeHeaders: ["x-oss-request-id"] }]);
  const pair = await startWorker({ bindings: { CORS_RULES } });
  try {
    const init = { headers: { Origin: "https://app.example" } };
    const res = await pair.get("/photo.jpg?x-oss-process=image/average-hue", init);
    assert.equal(res.status, 200, await res.clone().text());
    assert.match((await res.json()).RGB, /^0x[0-9a-f]{6}$/);
    assert.equal(hueMethod(res), "dc");
    assert.ok(readCost(res), "the hue Worker's own read cost");
    // The hue Worker's CORS headers, once (the info Worker adds nothing on the way back).
    assert.equal(res.headers.get("access-control-allow-origin"), "*");
    assert.equal(res.headers.get("vary"), "Origin");
    assert.equal(res.headers.get("access-control-expose-headers"), "x-oss-request-id");
    const head = await pair.get("/photo.jpg?x-oss-process=image/average-hue", { ...init, method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal((await head.text()).length, 0);
    assert.match(head.headers.get("x-oss-request-id") ?? "", /^[0-9A-F]{24}$/);
    // The info route is the info Worker's own answer, with the same CORS headers.
    const info = await pair.get("/photo.jpg?x-oss-process=image/info", init);
    assert.equal(info.status, 200);
    assert.equal(info.headers.get("vary"), "Origin");
  } finally {
    await pair.close();
  }
});

test("the info Worker alone (no HUE binding): each dialect's cannot-decode error, nothing read", async () => {
  const solo = await startWorker({ hue: false });
  try {
    for (const [q, status, rid, re] of [
      ["x-oss-process=image/average-hue", 400, "x-oss-request-id", /<Code>BadRequest<\/Code>.*HUE service binding/s],
      ["x-tos-process=image/average-hue", 400, "x-tos-request-id", /"Code":"BadRequest"/],
      ["x-image-process=image/average-hue", 400, "x-obs-request-id", /<Code>InvalidArgument<\/Code>/],
      ["q-sign-algorithm=sha1&imageAve", 400, "x-cos-request-id", /<Code>InvalidImageFormat<\/Code>/],
      ["imageAve", 400, "x-reqid", /unsupported image format/],
      ["info&hue", 415, "x-request-id", /"code":"no_decoder".*HUE service binding/s],
    ]) {
      const res = await solo.get(`/photo.jpg?${q}`);
      const text = await res.text();
      assert.equal(res.status, status, `${q}: ${text}`);
      assert.match(text, re, q);
      assert.match(res.headers.get(rid) ?? "", /^[0-9A-F]{24}$/, `${q} ${rid}`);
      assert.equal(readCost(res), null, `${q}: nothing read`);
    }
    // Every other route is unchanged.
    const info = await solo.get("/photo.jpg?x-oss-process=image/info");
    assert.equal(info.status, 200);
  } finally {
    await solo.close();
  }
});

// Every dialect through the built Worker in workerd: routes, request-id headers, content
// types, typed fields, and each dialect's own error shape for a missing key.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startWorker, readCost, ROOT } from "./support/worker.mjs";

let w;
before(async () => { w = await startWorker(); });
after(async () => { await w?.close(); });

const photo = readFileSync(join(ROOT, "samples", "photo.jpg"));

async function json(path, { status = 200, reqId } = {}) {
  const res = await w.get(path);
  const text = await res.text();
  assert.equal(res.status, status, `${path}: ${text}`);
  assert.equal(res.headers.get("content-type"), "application/json", path);
  if (reqId) assert.match(res.headers.get(reqId) ?? "", /^[0-9A-F]{24}$/, `${path} ${reqId}`);
  assert.ok(readCost(res), `${path}: Server-Timing`);
  return { body: JSON.parse(text), res };
}

test("OSS and TOS: string members", async () => {
  for (const [q, rid] of [["x-oss-process=image/info", "x-oss-request-id"], ["x-tos-process=image/info", "x-tos-request-id"]]) {
    const { body } = await json(`/photo.jpg?${q}`, { reqId: rid });
    assert.deepEqual(body.ImageWidth, { value: "400" });
    assert.deepEqual(body.Format, { value: "jpg" });
    assert.deepEqual(body.GPSLatitudeRef, { value: "North" });
  }
});

test("QingStor: typed fields, exact application/json", async () => {
  const { body } = await json("/photo.jpg?image&action=info", { reqId: "x-qs-request-id" });
  assert.equal(body.width, 400);
  assert.equal(body.height, 267);
  assert.equal(body.orientation, 1);
  assert.equal(body.alpha, false);
  assert.equal(body.gpslatitude, "40/1 0/1 1397/25"); // as stored (Pillow reduced 5588/100)
  assert.equal(body.gpslatituderef, "N");
  // Parameters in any order.
  const again = await json("/photo.jpg?action=info&image");
  assert.deepEqual(again.body, body);
});

test("OBS image processing: integers and upper-case format", async () => {
  const { body } = await json("/photo.jpg?x-image-process=image/info", { reqId: "x-obs-request-id" });
  assert.equal(body.format, "JPEG");
  assert.equal(body.width, 400);
  assert.equal(body.height, 267);
  assert.equal(body.size, photo.length);
});

test("Qiniu imageInfo and exif, with X-Reqid and no-store (never transformed)", async () => {
  const { body, res } = await json("/photo.jpg?imageInfo", { reqId: "X-Reqid" });
  assert.equal(res.headers.get("cache-control"), "no-store, no-transform");
  assert.equal(body.width, 400);
  assert.equal(body.format, "jpeg");
  assert.equal(body.size, photo.length);
  const exif = await json("/photo.jpg?exif", { reqId: "X-Reqid" });
  assert.equal(exif.body.Model.val, "Sample Camera 1");
  assert.equal(exif.body.Model.type, 2);
  assert.equal(exif.body.ExposureTime.val, "1/50 sec.");
  const none = await w.get("/gray.jpg?exif");
  assert.equal(none.status, 400);
  assert.ok(none.headers.get("x-reqid"));
  assert.match((await none.json()).error, /no exif/i);
});

test("COS imageInfo (selected by a q-sign signature): strings and the stored MD5", async () => {
  const { body } = await json("/photo.jpg?imageInfo&q-sign-algorithm=sha1&q-ak=x", { reqId: "x-cos-request-id" });
  assert.equal(body.width, "400");
  assert.equal(body.size, String(photo.length));
  assert.equal(body.format, "jpeg");
  assert.equal(body.frame_count, "1");
  // R2 stores the MD5 of a single-part upload: COS's md5 comes from it, not from reading the object.
  assert.equal(body.md5, createHash("md5").update(photo).digest("hex"));
});

test("native ?info: everything typed", async () => {
  const { body } = await json("/rotated.jpg?info", { reqId: "x-request-id" });
  assert.equal(body.format, "jpeg");
  assert.equal(body.width, 320);
  assert.equal(body.displayWidth, 240);
  assert.equal(body.orientation, 6);
  assert.equal(body.object.source, "r2");
  assert.match(body.object.etag, /^"[0-9a-f]{32}"$/);
  assert.equal(body.read.ranges, 1);
  assert.ok(Math.abs(body.gps.lat - 40.0155) < 1e-4);
  assert.ok(body.exif.gps);
});

test("each dialect's missing-key error", async () => {
  const cases = [
    ["image/info", 404, /<Code>NoSuchKey<\/Code>/],
    ["x-tos-process=image/info", 404, /"Code":"NoSuchKey"/],
    ["image&action=info", 404, /"code":"object_not_exists"/],
    ["x-image-process=image/info", 404, /<Code>NoSuchKey<\/Code>/],
    ["imageInfo", 404, /"error"/],
    ["info", 404, /"error":\{"code"/],
  ];
  for (const [q, status, re] of cases) {
    const res = await w.get(`/missing.jpg?${q}`);
    assert.equal(res.status, status, q);
    assert.match(await res.text(), re, q);
  }
});

test("unknown processing parameters are each dialect's 400", async () => {
  for (const q of ["x-oss-process=image/rotate,90", "x-image-process=image/resize,w_1", "x-tos-process=image/crop", "image&action=resize"]) {
    const res = await w.get(`/photo.jpg?${q}`);
    assert.equal(res.status, 400, q);
    await res.arrayBuffer();
  }
});

// The slice end to end in workerd: info from R2 and from a Range-honouring (and a
// Range-ignoring) origin, HEAD, GET with Range, 404, non-image 400, origin 5xx.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { startWorker, readCost, ROOT } from "./support/worker.mjs";
import { startOrigin } from "./support/origin.mjs";

const SAMPLES = join(ROOT, "samples");
let w, origin, wo;

before(async () => {
  origin = await startOrigin(SAMPLES);
  w = await startWorker();
  // R2 bound but empty-for-these-keys, with the origin as fallback.
  wo = await startWorker({ bindings: { ORIGIN: `${origin.url}/o` }, seed: false });
});
after(async () => {
  await w?.close();
  await wo?.close();
  await origin?.close();
});

const oss = async (res) => {
  assert.equal(res.status, 200, await res.clone().text());
  assert.equal(res.headers.get("content-type"), "application/json");
  const j = await res.json();
  for (const [k, v] of Object.entries(j)) assert.equal(typeof v.value, "string", k);
  return Object.fromEntries(Object.entries(j).map(([k, v]) => [k, v.value]));
};

test("JPEG info from R2 in the OSS shape, one ranged read", async () => {
  const res = await w.get("/photo.jpg?image/info");
  const cost = readCost(res);
  const j = await oss(res);
  assert.equal(j.Format, "jpg");
  assert.equal(j.ImageWidth, "400");
  assert.equal(j.ImageHeight, "267");
  assert.equal(j.FileSize, String(statSync(join(SAMPLES, "photo.jpg")).size));
  assert.equal(j.Make, "imginfo");
  assert.equal(j.Model, "Sample Camera 1");
  assert.equal(j.Orientation, "1");
  assert.equal(j.GPSLatitudeRef, "North");
  assert.equal(j.GPSLatitude, "40deg 0' 55.880\" ");
  assert.equal(j.XResolution, "72/1");
  assert.deepEqual(cost, { ranges: 1, bytes: statSync(join(SAMPLES, "photo.jpg")).size });
  assert.ok(res.headers.get("x-oss-request-id"));
});

test("the x-oss-process spelling answers the same", async () => {
  const a = await oss(await w.get("/photo.jpg?image/info"));
  const b = await oss(await w.get("/photo.jpg?x-oss-process=image%2Finfo"));
  assert.deepEqual(a, b);
});

test("SOF beyond the first window takes exactly one more ranged read", async () => {
  const size = statSync(join(SAMPLES, "big-header.jpg")).size;
  const res = await w.get("/big-header.jpg?x-oss-process=image/info");
  const cost = readCost(res);
  const j = await oss(res);
  assert.equal(j.ImageWidth, "200");
  assert.equal(j.ImageHeight, "150");
  assert.equal(cost.ranges, 2);
  assert.ok(cost.bytes < size, `read ${cost.bytes} of ${size}`);
});

test("PNG info with EXIF from an eXIf chunk", async () => {
  const j = await oss(await w.get("/alpha.png?image/info"));
  assert.equal(j.Format, "png");
  assert.equal(j.ImageWidth, "300");
  assert.equal(j.ImageHeight, "200");
  assert.equal(j.Orientation, "8");
});

test("HEAD answers OBS metadata headers from R2", async () => {
  const res = await w.get("/photo.jpg", { method: "HEAD" });
  assert.equal(res.status, 200);
  const h = res.headers;
  assert.equal(h.get("content-type"), "image/jpeg");
  assert.equal(h.get("content-length"), String(statSync(join(SAMPLES, "photo.jpg")).size));
  assert.match(h.get("etag"), /^"[0-9a-f]{32}"$/);
  assert.ok(Date.parse(h.get("last-modified")) > 0);
  assert.match(h.get("last-modified"), /GMT$/);
  assert.equal(h.get("accept-ranges"), "bytes");
  assert.ok(h.get("x-obs-request-id"));
  assert.ok(h.get("x-obs-id-2"));
  const obj = await w.r2.head("photo.jpg");
  assert.equal(h.get("x-obs-version-id"), obj.version);
  assert.equal(h.get("x-obs-meta-sample-name"), "photo.jpg");
});

test("GET streams the object and honours Range", async () => {
  const data = readFileSync(join(SAMPLES, "photo.jpg"));
  const full = await w.get("/photo.jpg");
  assert.equal(full.status, 200);
  assert.deepEqual(Buffer.from(await full.arrayBuffer()), data);
  const part = await w.get("/photo.jpg", { headers: { range: "bytes=100-199" } });
  assert.equal(part.status, 206);
  assert.equal(part.headers.get("content-range"), `bytes 100-199/${data.length}`);
  assert.deepEqual(Buffer.from(await part.arrayBuffer()), data.subarray(100, 200));
  const tail = await w.get("/photo.jpg", { headers: { range: "bytes=-10" } });
  assert.equal(tail.status, 206);
  assert.deepEqual(Buffer.from(await tail.arrayBuffer()), data.subarray(data.length - 10));
  const past = await w.get("/photo.jpg", { headers: { range: `bytes=${data.length + 5}-` } });
  assert.equal(past.status, 416);
  assert.equal(past.headers.get("content-range"), `bytes */${data.length}`);
  await past.arrayBuffer();
});

test("missing object: 404 NoSuchKey in OSS XML; HEAD 404", async () => {
  const res = await w.get("/missing.jpg?image/info");
  assert.equal(res.status, 404);
  const body = await res.text();
  assert.match(body, /<Code>NoSuchKey<\/Code>/);
  assert.match(body, new RegExp(`<RequestId>${res.headers.get("x-oss-request-id")}</RequestId>`));
  const head = await w.get("/missing.jpg", { method: "HEAD" });
  assert.equal(head.status, 404);
});

test("a file that is not an image: 400 with what was found", async () => {
  const res = await w.get("/not-an-image.txt?image/info");
  assert.equal(res.status, 400);
  const body = await res.text();
  assert.match(body, /<Code>BadRequest<\/Code>/);
  assert.match(body, /not an image/);
  assert.match(body, /<EC>0040-00000005<\/EC>/);
});

test("unsupported processing is a 400, never the object", async () => {
  const res = await w.get("/photo.jpg?x-oss-process=image/resize,w_10/info");
  assert.equal(res.status, 400);
  assert.match(await res.text(), /InvalidArgument/);
});

test("origin that honours Range: info through 206 reads", async () => {
  origin.log.length = 0;
  const res = await wo.get("/plain/big-header.jpg?image/info");
  const cost = readCost(res);
  const j = await oss(res);
  assert.equal(j.ImageWidth, "200");
  assert.equal(cost.ranges, 2);
  const reads = origin.log.filter((e) => e.url.endsWith("/big-header.jpg"));
  assert.equal(reads.length, 2);
  assert.ok(reads.every((e) => e.status === 206 && e.range));
});

test("origin that ignores Range: only the needed bytes are read, then the body is cancelled", async () => {
  origin.log.length = 0;
  const size = statSync(join(SAMPLES, "big-header.jpg")).size;
  const j = await oss(await wo.get("/ignore-range/photo.jpg?image/info"));
  assert.equal(j.ImageWidth, "400");
  assert.equal(j.Make, "imginfo");
  const big = await oss(await wo.get("/ignore-range/big-header.jpg?image/info"));
  assert.equal(big.ImageHeight, "150");
  const sent = origin.log.filter((e) => e.url.endsWith("/big-header.jpg"));
  assert.ok(sent.every((e) => e.status === 200));
  assert.ok(sent.length >= 1);
});

test("origin 5xx: 502 with a clear error", async () => {
  const res = await wo.get("/status-503/photo.jpg?image/info");
  assert.equal(res.status, 502);
  assert.match(await res.text(), /origin answered HTTP 503/);
  const missing = await wo.get("/plain/nope.jpg?image/info");
  assert.equal(missing.status, 404);
  await missing.text();
});

test("HEAD and GET through the origin carry OBS headers", async () => {
  const head = await wo.get("/plain/photo.jpg", { method: "HEAD" });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get("x-obs-meta-team"), "imaging");
  assert.match(head.headers.get("etag"), /^"[0-9a-f]{32}"$/);
  const part = await wo.get("/plain/photo.jpg", { headers: { range: "bytes=0-3" } });
  assert.equal(part.status, 206);
  assert.deepEqual([...new Uint8Array(await part.arrayBuffer())], [0xff, 0xd8, 0xff, 0xe0]);
});

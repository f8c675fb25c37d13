// An origin that misbehaves, case by case, through the built Worker in workerd: each
// fault gets an exact status and error, never a hang, a panic or an answer stitched
// together from wrong bytes.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync, copyFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startWorker, readCost, ROOT } from "./support/worker.mjs";
import { createHash } from "node:crypto";
import { startOrigin, swapVersion, CHUNK, PACE_MS } from "./support/origin.mjs";

const FIRST_WINDOW = 68 * 1024;
let dir, origin, w;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "imginfo-faults-"));
  for (const f of ["photo.jpg", "big-header.jpg", "alpha.png"]) copyFileSync(join(ROOT, "samples", f), join(dir, f));
  // A 16 MiB object whose header sits in its first bytes (a JPEG followed by padding).
  writeFileSync(join(dir, "huge.jpg"), Buffer.concat([readFileSync(join(ROOT, "samples", "photo.jpg")), Buffer.alloc(16 << 20)]));
  writeFileSync(join(dir, "big-header-16m.jpg"), Buffer.concat([readFileSync(join(ROOT, "samples", "big-header.jpg")), Buffer.alloc(16 << 20)]));
  origin = await startOrigin(dir);
  w = await startWorker({
    bucket: false,
    bindings: { ORIGIN: `${origin.url}/o`, ORIGIN_TIMEOUT_MS: "500", INFO_CACHE_TTL: "0" },
  });
});
after(async () => {
  await w?.close();
  await origin?.close();
  rmSync(dir, { recursive: true, force: true });
});

const info = (k) => w.get(`/${k}?x-oss-process=image/info`);
const entries = (k) => origin.log.filter((e) => e.url.endsWith(`/${k}`));

async function expectError(key, status, re) {
  const res = await info(key);
  const body = await res.text();
  assert.equal(res.status, status, `${key}: ${body}`);
  if (re) assert.match(body, re, key);
  return res;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The origin writes an ignored-Range body one CHUNK every PACE_MS (tests/support/
// origin.mjs), so its byte count says how far the Worker read before it closed the
// connection. The Worker has the bytes it needs once chunk ceil(need / CHUNK) is
// written; it then cancels the body and aborts the request within a few ms, well inside
// one PACE_MS, so the origin never writes the chunk after that one: the count is at
// most `need` rounded up to a chunk, that is below need + CHUNK ("the first window plus
// one chunk"). A Worker that kept reading, or stopped reading without closing the
// connection, lets the origin go on writing a chunk every PACE_MS.
test("ignores Range: reads what it needs, cancels the body, the origin stops within the window plus one chunk", async () => {
  const res = await info("ignore-range/huge.jpg");
  const j = await res.json();
  const answered = Date.now();
  assert.equal(j.ImageWidth.value, "400");
  assert.equal(readCost(res).bytes, FIRST_WINDOW);
  const [e] = entries("ignore-range/huge.jpg");
  const atAnswer = e.bytes;
  assert.ok(e.bytes >= FIRST_WINDOW, `origin sent ${e.bytes} bytes`);
  assert.ok(e.bytes <= FIRST_WINDOW + CHUNK, `origin sent ${e.bytes} bytes, more than the window plus one chunk`);
  // Closed, and nothing more written after the answer (several paces later).
  await sleep(4 * PACE_MS);
  assert.equal(e.bytes, atAnswer, "the origin kept writing after the answer");
  assert.ok(e.closedAt !== null, "the connection is closed");
  assert.ok(Date.now() - answered >= 4 * PACE_MS);
});

test("ignores Range: the cancel closes the connection at once, not when the request ends", async () => {
  // big-header.jpg's frame header lies past the first window: a second read (a second
  // whole-body request, skipped through to the offset) follows the first. The ranges
  // the Worker asks for are those it asks a Range-honouring origin for the same object.
  const plain = await info("plain/big-header-16m.jpg");
  assert.equal(plain.status, 200);
  await plain.arrayBuffer();
  const ends = entries("plain/big-header-16m.jpg").map((e) => Number(e.range.match(/^bytes=\d+-(\d+)$/)[1]) + 1);
  assert.equal(ends.length, 2);
  assert.equal(ends[0], FIRST_WINDOW);

  const key = "ignore-range/big-header-16m.jpg";
  const res = await info(key);
  const j = await res.json();
  assert.equal(j.ImageHeight.value, "150");
  assert.equal(readCost(res).ranges, 2);
  const [first, second] = entries(key);
  // Each connection stops within what its read needed plus one chunk...
  assert.ok(first.bytes >= ends[0] && first.bytes <= ends[0] + CHUNK, `first connection: ${first.bytes} bytes`);
  assert.ok(second.bytes >= ends[1] && second.bytes <= ends[1] + CHUNK, `second connection: ${second.bytes} bytes for a read ending at ${ends[1]}`);
  // ...and the first was closed when the Worker cancelled it, not at the end of the request:
  // it closed when the second read began, although that read then went on for several
  // paces (during which a connection left open would have taken a chunk every PACE_MS).
  assert.ok(first.closedAt !== null && first.closedAt <= second.at + PACE_MS, `first closed at ${first.closedAt} ms, second began at ${second.at} ms`);
  assert.ok(second.closedAt - second.at >= 4 * PACE_MS, "the second read lasted several paces");
  await sleep(4 * PACE_MS);
  assert.ok(second.bytes <= ends[1] + CHUNK, "nothing written after the answer");
});

test("a different range than asked: 502, not parsed", async () => {
  await expectError("wrong-range/photo.jpg", 502, /answered bytes 1-/);
});

test("a Content-Range total that changes between reads: 502", async () => {
  await expectError("total-change/big-header.jpg", 502, /size changed|Content-Range/);
});

test("fewer bytes than Content-Length, and a reset mid-body: 502", async () => {
  await expectError("short/photo.jpg", 502);
  await expectError("reset/big-header.jpg", 502);
});

test("slow headers and a trickling body: 504 within the bounds", async () => {
  let t0 = Date.now();
  await expectError("slow-headers/photo.jpg", 504, /GatewayTimeout/);
  assert.ok(Date.now() - t0 < 2500, "bounded by ORIGIN_TIMEOUT_MS");
  t0 = Date.now();
  await expectError("trickle/photo.jpg", 504, /too slow|stalled/);
  assert.ok(Date.now() - t0 < 2500, "bounded by the body deadline");
});

test("5xx, 403 and a bare 416", async () => {
  await expectError("status-500/photo.jpg", 502, /origin answered HTTP 500/);
  await expectError("status-403/photo.jpg", 403, /AccessDenied/);
  await expectError("status-416/photo.jpg", 502, /416/);
});

test("redirects: followed on the same host only, at most 3 hops", async () => {
  const ok = await info("redirect-same/photo.jpg");
  assert.equal(ok.status, 200);
  await ok.arrayBuffer();
  origin.log.length = 0;
  await expectError("redirect-other/photo.jpg", 502, /another host/);
  assert.equal(origin.log.filter((e) => e.url.includes("/o/plain/")).length, 0, "nothing fetched from the other host");
  origin.log.length = 0;
  await expectError("redirect-loop/photo.jpg", 502, /redirected more than 3 times/);
  assert.equal(origin.log.length, 4);
});

test("a huge response header: a clean 502", async () => {
  const res = await info("huge-header/photo.jpg");
  assert.ok([200, 502].includes(res.status), `status ${res.status}`);
  await res.arrayBuffer();
});

/** What a `swap*` key's version `v` is, from the file and the origin's rule. */
function version(file, v) {
  const { data, lastModified } = swapVersion(readFileSync(join(dir, file)), v);
  return { size: data.length, etag: createHash("md5").update(data).digest("hex"), lastModified };
}

test("the object changes once between two ranged reads: one restart, the new version's answer", async () => {
  for (const mode of ["swap", "swap-blind"]) {
    const key = `${mode}/big-header.jpg`;
    const res = await info(key);
    const body = await res.text();
    assert.equal(res.status, 200, `${key}: ${body}`);
    const v1 = version("big-header.jpg", 1);
    assert.equal(JSON.parse(body).FileSize.value, String(v1.size), `${key}: the new version's size`);
    assert.equal(res.headers.get("etag"), `"${v1.etag}-oss"`, `${key}: the new version's ETag`);
    assert.equal(res.headers.get("last-modified"), v1.lastModified, key);
    const reads = entries(key);
    // First attempt: a read of version 0, then a read conditional on it that fails
    // (412, or an answer with another ETag); the restart reads version 1 afresh, then
    // conditionally on version 1.
    assert.equal(reads.length, 4, key);
    assert.equal(readCost(res).ranges, 4, `${key}: Server-Timing counts every read`);
    assert.deepEqual(reads.map((e) => e.ifMatch), [null, `"${version("big-header.jpg", 0).etag}"`, null, `"${v1.etag}"`], key);
    assert.deepEqual(reads.map((e) => e.etag), [0, 1, 1, 1].map((v) => `"${version("big-header.jpg", v).etag}"`), key);
    if (mode === "swap") assert.equal(reads[1].status, 412);
  }
});

test("the object changes again during the restart: 503, never a stitched answer", async () => {
  for (const mode of ["swap-always", "swap-always-blind"]) {
    const key = `${mode}/big-header.jpg`;
    const res = await expectError(key, 503, /<Code>ServiceUnavailable<\/Code>[\s\S]*changed/);
    assert.equal(entries(key).length, 4, key);
    assert.equal(readCost(res).ranges, 4, key);
    assert.equal(res.headers.get("etag"), null, `${key}: no ETag on an error`);
  }
});

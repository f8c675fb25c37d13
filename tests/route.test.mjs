// Route mode (ORIGIN = "route") in front of an existing site, locally: Miniflare's
// `upstream` presents each request with the site's URL, as Cloudflare presents a routed
// request with the zone's, so the Worker's `fetch(request)` reaches the local site.
// Pass-through answers must be the site's own (status, headers, bytes, streamed); info
// and HEAD are the Worker's, read from the same site with ranged reads.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { startWorker, ROOT } from "./support/worker.mjs";
import { startOrigin } from "./support/origin.mjs";

let site, w;
before(async () => {
  site = await startOrigin(join(ROOT, "samples"));
  w = await startWorker({ bindings: { ORIGIN: "route", BUCKET_NAME: "imgs" }, upstream: site.url, seed: false });
});
after(async () => {
  await w?.close();
  await site?.close();
});

/** Headers that differ between two answers for reasons of transport or time only. */
const HOP = new Set(["date", "connection", "keep-alive", "transfer-encoding"]);
const headersOf = (res) => Object.fromEntries([...res.headers].filter(([k]) => !HOP.has(k)));

// `Accept-Encoding: identity`: the edge (and Miniflare's model of it) compresses text
// answers on the way out whatever the Worker does; that is not the Worker's doing.
async function same(path, init = {}) {
  init = { ...init, headers: { "Accept-Encoding": "identity", ...init.headers } };
  const direct = await fetch(`${site.url}${path}`, init);
  const routed = await w.get(path, init);
  assert.equal(routed.status, direct.status, path);
  assert.deepEqual(headersOf(routed), headersOf(direct), path);
  assert.deepEqual(Buffer.from(await routed.arrayBuffer()), Buffer.from(await direct.arrayBuffer()), path);
  return routed;
}

test("a plain GET passes through: the site's status, headers and bytes", async () => {
  const r = await same("/o/plain/photo.jpg");
  assert.equal(r.status, 200);
  assert.equal(r.headers.get("x-obs-request-id"), null, "nothing added");
  await same("/o/plain/alpha.png", { headers: { Range: "bytes=10-99" } });
  await same("/o/no-such-mode/photo.jpg");
  await same("/nothing/here");
  // A processing request the Worker does not answer goes to the site too.
  await same("/o/plain/photo.jpg?x-oss-process=image/resize,w_100");
});

test("other methods pass through with their query", async () => {
  site.log.length = 0;
  const res = await w.get("/o/plain/photo.jpg?x-oss-process=image/info", { method: "POST", body: "x" });
  assert.equal(res.status, 200);
  await res.arrayBuffer();
  assert.deepEqual(site.log.map((e) => [e.method, e.url]), [["POST", "/o/plain/photo.jpg?x-oss-process=image/info"]]);
});

test("pass-through is streamed: the first bytes arrive long before the site finishes", { timeout: 20000 }, async () => {
  // The trickle mode sends one byte every 100 ms: the whole photo would take minutes.
  const t0 = Date.now();
  const res = await w.get("/o/trickle/photo.jpg", { headers: { "Accept-Encoding": "identity" }, signal: AbortSignal.timeout(10000) });
  const reader = res.body.getReader();
  let got = 0;
  while (got < 5) {
    const { value, done } = await reader.read();
    if (done) break;
    got += value.length;
  }
  await reader.cancel();
  assert.ok(got >= 5);
  assert.ok(Date.now() - t0 < 5000, `first bytes after ${Date.now() - t0} ms`);
});

test("info requests read the same URL from the site with ranged reads, without the query", async () => {
  site.log.length = 0;
  const res = await w.get("/o/plain/photo.jpg?x-oss-process=image/info&OSSAccessKeyId=AK&Expires=1&Signature=s");
  assert.equal(res.status, 200);
  const info = await res.json();
  assert.equal(info.ImageWidth.value, "400");
  assert.equal(info.ImageHeight.value, "267");
  assert.ok(site.log.length > 0);
  for (const e of site.log) {
    assert.equal(e.url, "/o/plain/photo.jpg");
    assert.match(e.range ?? "", /^bytes=\d+-\d+$/);
  }
  const q = await (await w.get("/o/plain/alpha.png?image&action=info")).json();
  assert.equal(q.width, 300);
});

test("path style: the configured bucket segment is dropped before reading the site", async () => {
  site.log.length = 0;
  const res = await w.get("/imgs/o/plain/photo.jpg?x-image-process=image/info");
  assert.equal(res.status, 200);
  assert.equal((await res.json()).width, 400);
  assert.ok(site.log.every((e) => e.url === "/o/plain/photo.jpg"));
});

test("HEAD is the Worker's object metadata, from the site, in the signer's family", async () => {
  const anon = await w.get("/o/plain/photo.jpg", { method: "HEAD" });
  assert.equal(anon.status, 200);
  assert.match(anon.headers.get("x-obs-request-id"), /^[0-9A-F]{24}$/);
  assert.equal(anon.headers.get("x-obs-meta-team"), "imaging");
  const aws = await w.get("/o/plain/photo.jpg", { method: "HEAD", headers: { Authorization: "AWS4-HMAC-SHA256 Credential=AK/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0" } });
  assert.match(aws.headers.get("x-amz-request-id"), /^[0-9A-F]{24}$/);
  assert.equal(aws.headers.get("x-amz-meta-team"), "imaging");
  assert.equal(aws.headers.get("x-obs-meta-team"), null);
  const missing = await w.get("/o/plain/missing.jpg", { method: "HEAD" });
  assert.equal(missing.status, 404);
});

test("the site unreachable: a pass-through is a plain 500, nothing of the site's", async () => {
  const probe = await startOrigin(join(ROOT, "samples"));
  const gone = probe.url;
  await probe.close(); // a port nothing listens on any more
  const dead = await startWorker({ bindings: { ORIGIN: "route" }, upstream: gone, seed: false });
  try {
    const res = await dead.get("/o/plain/photo.jpg");
    assert.equal(res.status, 500);
    assert.equal(await res.text(), "INTERNAL SERVER ERROR");
  } finally {
    await dead.close();
  }
});

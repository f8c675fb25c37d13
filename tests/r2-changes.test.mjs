// An R2 object replaced while the Worker reads it (issue 10, "the object changes between
// two ranged reads"), through the built Worker in workerd and the local R2 simulator.
// The simulator's objects change only when something puts them, so tests/support/
// r2-shim.mjs (between the Worker and the bucket) replaces an object marked `__swap`
// right before the Worker's next `get`; the ETag condition (`onlyIf`) is then checked by
// the simulator itself. One change: the Worker starts over once and answers the new
// version. A change at every read: 503, never an answer stitched from two versions.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startWorker, readCost, ROOT } from "./support/worker.mjs";

const FILE = readFileSync(join(ROOT, "samples", "big-header.jpg"));
let w;

before(async () => {
  w = await startWorker({ r2Shim: true, seed: false, bindings: { INFO_CACHE_TTL: "0" } });
});
after(async () => {
  await w?.close();
});

/** Puts `key` marked to change "once" or "always"; answers its first ETag. */
async function put(key, swap) {
  const o = await w.r2.put(key, new Uint8Array(FILE), { customMetadata: { __swap: swap, team: "imaging" } });
  return o.etag;
}

/** The `get`s the Worker made for `key`, in order, as the shim logged them. */
async function gets(key) {
  const out = [];
  const { objects } = await w.r2.list({ prefix: "__shim/log/" });
  for (const o of objects) {
    const e = await (await w.r2.get(o.key)).json();
    if (e.key === key) out.push(e);
  }
  return out;
}

test("R2: the object changes once between two reads: one restart, the new version's answer", async () => {
  const key = "once/big-header.jpg";
  const etag0 = await put(key, "once");
  const res = await w.get(`/${key}?x-oss-process=image/info`);
  const body = await res.text();
  assert.equal(res.status, 200, body);
  // The object as it is now: the version the answer must describe.
  const now = await w.r2.head(key);
  assert.notEqual(now.etag, etag0, "the shim replaced the object");
  assert.ok(now.size > FILE.length);
  assert.equal(JSON.parse(body).FileSize.value, String(now.size));
  assert.equal(res.headers.get("etag"), `"${now.etag}-oss"`);
  assert.equal(res.headers.get("last-modified"), now.uploaded.toUTCString());
  // First attempt: a read, then a read conditional on its ETag that R2 refuses; the
  // restart reads afresh, then conditionally on the new ETag.
  const log = await gets(key);
  assert.deepEqual(log.map((e) => e.onlyIf), [null, { etagMatches: etag0 }, null, { etagMatches: now.etag }]);
  assert.ok(log.every((e) => e.range), "every read is ranged");
  assert.equal(readCost(res).ranges, 4, "Server-Timing counts every read");
});

test("R2: the object changes at every read: 503 after one restart", async () => {
  const key = "always/big-header.jpg";
  await put(key, "always");
  const res = await w.get(`/${key}?x-oss-process=image/info`);
  const body = await res.text();
  assert.equal(res.status, 503, body);
  assert.match(body, /<Code>ServiceUnavailable<\/Code>[\s\S]*changed/);
  assert.equal(res.headers.get("etag"), null);
  assert.equal((await gets(key)).length, 4);
  assert.equal(readCost(res).ranges, 4);
});

test("R2: the average colour restarts the same way", async () => {
  const key = "once/hue.jpg";
  await put(key, "once");
  const res = await w.get(`/${key}?x-oss-process=image/average-hue`);
  const body = await res.text();
  assert.equal(res.status, 200, body);
  const now = await w.r2.head(key);
  assert.equal(res.headers.get("etag"), `"${now.etag}-oss-hue"`);
  // The same answer as for the object read alone (the bytes added past EOI change no pixel).
  const still = "still/hue.jpg";
  await w.r2.put(still, new Uint8Array(FILE));
  const alone = await w.get(`/${still}?x-oss-process=image/average-hue`);
  assert.equal(body, await alone.text());
  assert.ok((await gets(key)).length >= 4);

  const always = "always/hue.jpg";
  await put(always, "always");
  const bad = await w.get(`/${always}?x-oss-process=image/average-hue`);
  assert.equal(bad.status, 503, await bad.text());
});

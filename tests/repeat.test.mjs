// Repeat requests cost nothing: a cached answer does zero ranged reads, If-None-Match
// gets 304 (from the cache, or from an R2 head without any ranged read).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWorker, readCost } from "./support/worker.mjs";

let w;
before(async () => { w = await startWorker(); });
after(async () => { await w?.close(); });

test("the second identical request is a cache hit with zero ranged reads", async () => {
  const a = await w.get("/rotated.jpg?x-oss-process=image/info");
  const bodyA = await a.text();
  assert.equal(a.status, 200);
  assert.ok(readCost(a).ranges >= 1);
  const etag = a.headers.get("etag");
  assert.match(etag, /^"[0-9a-f]{32}-oss"$/);
  let b;
  for (let i = 0; i < 20; i++) {
    // The entry is stored in the background (waitUntil): give it a moment.
    b = await w.get("/rotated.jpg?x-oss-process=image/info");
    if ((b.headers.get("server-timing") ?? "").includes('cache;desc="hit"')) break;
    await b.arrayBuffer();
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.match(b.headers.get("server-timing"), /cache;desc="hit"/);
  assert.deepEqual(readCost(b), { ranges: 0, bytes: 0 });
  assert.equal(await b.text(), bodyA);
  assert.notEqual(b.headers.get("x-oss-request-id"), a.headers.get("x-oss-request-id"));
  assert.equal(b.headers.get("etag"), etag);
  const c = await w.get("/rotated.jpg?x-oss-process=image/info", { headers: { "if-none-match": etag } });
  assert.equal(c.status, 304);
  assert.equal(readCost(c).ranges, 0);
});

test("If-None-Match without a cache entry: 304 from an R2 head, no ranged read", async () => {
  const a = await w.get("/gray.jpg?image&action=info");
  const etag = a.headers.get("etag");
  await a.arrayBuffer();
  assert.match(etag, /-qingstor"$/);
  // Native answers are never cached, so this exercises the head path.
  const n = await w.get("/gray.jpg?info");
  const netag = n.headers.get("etag");
  await n.arrayBuffer();
  const res = await w.get("/gray.jpg?info", { headers: { "if-none-match": netag } });
  assert.equal(res.status, 304);
  assert.equal(res.headers.get("server-timing"), null);
  assert.ok(res.headers.get("x-request-id"));
});

test("a changed object is answered anew: its ETag changes", async () => {
  const res1 = await w.get("/gray.jpg?info");
  const e1 = res1.headers.get("etag");
  await res1.arrayBuffer();
  const { readFileSync } = await import("node:fs");
  await w.r2.put("gray.jpg", new Uint8Array(readFileSync(new URL("../samples/palette.png", import.meta.url))));
  const res2 = await w.get("/gray.jpg?info");
  const j = await res2.json();
  assert.notEqual(res2.headers.get("etag"), e1);
  assert.equal(j.format, "png");
});

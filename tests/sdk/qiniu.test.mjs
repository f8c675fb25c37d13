// Qiniu through its official Node SDK (qiniu): download URLs built by BucketManager
// (public, and private with `e` and `token`) for `?imageInfo` and `?exif`, fetched with
// the SDK's own HTTP client (`qiniu.rpc.qnHttpClient`, urllib, JSON parsing, gzip
// accepted), which is how the SDK reads fop results. Qiniu serves a bucket only on a
// bound domain, so custom-domain style is its one style. Qiniu's Python client treats a
// 200 without `X-Reqid` as "not Qiniu" and returns nothing: checked on every answer.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startSdkWorker, require, IMAGES, key, dims, MISSING } from "./support.mjs";

const qiniu = require("qiniu");
const BUCKET = "imginfo-qiniu";
let w, bm, domain;
before(async () => {
  w = await startSdkWorker(BUCKET);
  bm = new qiniu.rs.BucketManager(new qiniu.auth.digest.Mac("AKIDEXAMPLE", "dummy-secret"), new qiniu.conf.Config());
  domain = `http://localhost:${w.port}`;
});
after(async () => { await w?.close(); });

const get = (url) => qiniu.rpc.qnHttpClient.get({ url });
const deadline = () => Math.floor(Date.now() / 1000) + 3600;

// Recorded: publicDownloadUrl keeps `+` as it is in the path (`/sdk/%E7%85%A7%E7%89%87%20a+b/…`):
// the Worker reads it as a plus, never a space.
test("imageInfo through public and private download URLs: JPEG, PNG, HEIC", async () => {
  for (const { file, format } of IMAGES) {
    const pub = `${bm.publicDownloadUrl(domain, key(file))}?imageInfo`;
    const priv = bm.privateDownloadUrl(domain, `${key(file)}?imageInfo`, deadline());
    assert.match(priv, /\?imageInfo&e=\d+&token=AKIDEXAMPLE:/);
    for (const url of [pub, priv]) {
      const r = await get(url);
      assert.ok(r.ok(), `${url}: ${r.resp.statusCode}`);
      assert.match(r.resp.headers["x-reqid"], /^[0-9A-F]{24}$/, url);
      const { width, height } = dims(file);
      assert.equal(r.data.width, width, url);
      assert.equal(r.data.height, height, url);
      assert.equal(r.data.format, format, url);
      assert.ok(Object.keys(r.data).length > 0);
    }
  }
});

test("exif through a private download URL: libexif strings", async () => {
  const r = await get(bm.privateDownloadUrl(domain, `${key("photo.jpg")}?exif`, deadline()));
  assert.ok(r.ok());
  assert.match(r.resp.headers["x-reqid"], /^[0-9A-F]{24}$/);
  assert.equal(r.data.Model.val, "Sample Camera 1");
  assert.equal(r.data.ExposureTime.val, "1/50 sec.");
});

test("the object itself through a private download URL, with its metadata", async () => {
  const stored = await w.head(key("alpha.png"));
  const url = bm.privateDownloadUrl(domain, key("alpha.png"), deadline());
  const res = await fetch(url);
  assert.equal(res.status, 200);
  assert.equal(Number(res.headers.get("content-length")), stored.size);
  assert.equal(res.headers.get("etag"), `"${stored.etag}"`);
  assert.match(res.headers.get("x-reqid"), /^[0-9A-F]{24}$/);
  assert.equal(res.headers.get("x-qn-meta-team"), "imaging");
  await res.arrayBuffer();
});

test("a missing key is Qiniu's 404 with an error message and X-Reqid", async () => {
  const r = await get(bm.privateDownloadUrl(domain, `${MISSING}?imageInfo`, deadline()));
  assert.equal(r.ok(), false);
  assert.equal(r.resp.statusCode, 404);
  assert.match(r.resp.headers["x-reqid"], /^[0-9A-F]{24}$/);
  assert.equal(r.data.error, "Document not found");
  const plain = await get(bm.privateDownloadUrl(domain, MISSING, deadline()));
  assert.equal(plain.resp.statusCode, 404);
  assert.match(plain.resp.headers["x-reqid"], /^[0-9A-F]{24}$/);
  assert.equal(typeof plain.data.error, "string");
});

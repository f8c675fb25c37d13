// Volcengine TOS through its official JavaScript SDK (@volcengine/tos-sdk), unchanged
// but for the endpoint: getObjectV2 with `process: "image/info"` in every addressing
// style the SDK has, the CRC check TOS makes (`x-tos-hash-crc64ecma` against TOS's own
// CRC-64 of the body), an answer that stays uncompressed when gzip is offered (TOS asks
// for it and does not decompress), headObject, and NoSuchKey as a TosServerError (TOS
// counts an error without `x-tos-request-id` as a network failure and retries it).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startSdkWorker, require, IMAGES, key, dims, MISSING, crc64 } from "./support.mjs";

const { TosClient, TosServerError } = require("@volcengine/tos-sdk");
const BUCKET = "imginfo-tos";
let w;
before(async () => { w = await startSdkWorker(BUCKET); });
after(async () => { await w?.close(); });

// Recorded: cname -> Host localhost:P /<key>; path -> /<bucket>/<key>; ip -> Host 127.0.0.1:P
// /<bucket>/<key>; vhost -> Host <bucket>.localhost:P /<key>. TOS encodes `/` as %2F.
const STYLES = {
  cname: () => ({ endpoint: `localhost:${w.port}`, isCustomDomain: true }),
  path: () => ({ endpoint: `localhost:${w.port}`, forcePathStyle: true }),
  ip: () => ({ endpoint: `127.0.0.1:${w.port}` }),
  vhost: () => ({ endpoint: `localhost:${w.port}` }),
};
const client = (style) =>
  new TosClient({ accessKeyId: "AKIDEXAMPLE", accessKeySecret: "dummy-secret", region: "cn-beijing", bucket: BUCKET, secure: false, maxRetryCount: 0, requestTimeout: 10000, enableCRC: true, ...STYLES[style]() });

for (const style of Object.keys(STYLES)) {
  test(`getObjectV2 image/info, ${style} style: JPEG, PNG, HEIC; CRC-64 matches; uncompressed under gzip`, async () => {
    const c = client(style);
    for (const { file } of IMAGES) {
      const r = await c.getObjectV2({ key: key(file), process: "image/info", dataType: "buffer", headers: { "accept-encoding": "gzip" } });
      assert.equal(r.statusCode, 200);
      const body = r.data.content;
      const info = JSON.parse(body.toString());
      const { width, height } = dims(file);
      assert.deepEqual(info.ImageWidth, { value: String(width) }, file);
      assert.deepEqual(info.ImageHeight, { value: String(height) }, file);
      assert.equal(r.data.hashCrc64ecma, crc64(body), file);
      // The JSON above parsed: nothing compressed it, though gzip was offered.
      assert.equal(r.headers["content-encoding"], "identity", file);
      assert.match(r.headers["cache-control"], /no-transform/);
      assert.match(r.requestId, /^[0-9A-F]{24}$/);
    }
  });

  test(`headObject, ${style} style: ETag, length, Last-Modified, version id, metadata (x-tos-*)`, async () => {
    const stored = await w.head(key("photo.jpg"));
    const r = await client(style).headObject({ key: key("photo.jpg") });
    assert.equal(r.statusCode, 200);
    assert.equal(r.data.etag, `"${stored.etag}"`);
    assert.equal(Number(r.data["content-length"]), stored.size);
    assert.equal(new Date(r.data["last-modified"]).getTime(), Math.floor(stored.uploaded.getTime() / 1000) * 1000);
    assert.equal(r.data["x-tos-version-id"], stored.version);
    assert.equal(r.data["x-tos-meta-team"], "imaging");
  });

  test(`a missing key is a TosServerError NoSuchKey, ${style} style`, async () => {
    const c = client(style);
    let err;
    await assert.rejects(c.getObjectV2({ key: MISSING, process: "image/info", dataType: "buffer" }), (e) => (err = e, true));
    assert.ok(err instanceof TosServerError, `${err.name}: ${err.message}`);
    assert.equal(err.statusCode, 404);
    assert.match(err.requestId, /^[0-9A-F]{24}$/);
    // getObjectV2 always asks axios for a stream, so the SDK leaves the error body
    // unread (err.code stays undefined against TOS too); the body is TOS's JSON error.
    const chunks = [];
    for await (const ch of err.data) chunks.push(ch);
    const body = JSON.parse(Buffer.concat(chunks).toString());
    assert.equal(body.Code, "NoSuchKey");
    assert.equal(body.RequestId, err.requestId);
    await assert.rejects(c.headObject({ key: MISSING }), (e) => {
      assert.ok(e instanceof TosServerError, `${e.name}: ${e.message}`);
      assert.equal(e.statusCode, 404);
      return true;
    });
  });
}

test("presigned URL (getPreSignedUrl with x-tos-process) is plain GET-able", async () => {
  const url = client("path").getPreSignedUrl({ key: key("image.heic"), query: { "x-tos-process": "image/info" } });
  // TOS's presigner always puts the bucket in the host (it ignores forcePathStyle).
  assert.match(url, new RegExp(`^http://${BUCKET}\\.localhost:`));
  const res = await fetch(url);
  assert.equal(res.status, 200, url);
  assert.equal((await res.json()).ImageWidth.value, String(dims("image.heic").width));
});

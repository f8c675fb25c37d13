// QingStor through its official JavaScript SDK (qingstor-sdk), unchanged but for the
// endpoint: imageProcess with `action: "info"` (`?image&action=info`, signed `QS`),
// headObject metadata in `x-qs-*`, and object_not_exists. QingStor's Python SDK fills
// its result only when Content-Type is exactly `application/json`: checked here too.
//
// The JS SDK always sends `Host: <zone>.<host>` without the port, even in its virtual-host
// mode (where it connects to `<bucket>.<zone>.<host>`): there the bucket reaches the
// Worker in neither the path nor the Host, and the request is read as custom-domain style.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startSdkWorker, require, IMAGES, key, dims, MISSING } from "./support.mjs";

const { QingStor, Config } = require("qingstor-sdk");
const BUCKET = "imginfo-qs";
const ZONE = "pek3b";
let w;
before(async () => { w = await startSdkWorker(BUCKET); });
after(async () => { await w?.close(); });

// Recorded: path -> Host pek3b.localhost, /<bucket>/<key with / as %2F>?image&action=info;
// vhost -> connects to <bucket>.pek3b.localhost:P, Host pek3b.localhost, /<key>?image&action=info.
const STYLES = { path: {}, vhost: { enable_virtual_host_style: true } };
const bucket = (style) =>
  new QingStor(new Config({ access_key_id: "AKIDEXAMPLE", secret_access_key: "dummy-secret", endpoint: `http://localhost:${w.port}`, ...STYLES[style] })).Bucket(BUCKET, ZONE);

for (const style of Object.keys(STYLES)) {
  test(`imageProcess action=info, ${style} style: filled result for JPEG, PNG, HEIC`, async () => {
    const b = bucket(style);
    for (const { file, format } of IMAGES) {
      const r = await b.imageProcess(key(file), { action: "info" });
      assert.equal(r.status, 200);
      assert.equal(r.headers["content-type"], "application/json", file);
      assert.match(r.headers["x-qs-request-id"], /^[0-9A-F]{24}$/);
      const { width, height } = dims(file);
      assert.equal(r.data.width, width, file);
      assert.equal(r.data.height, height, file);
      assert.equal(r.data.type, format, file);
    }
  });

  test(`headObject, ${style} style: ETag, length, Last-Modified, version id, x-qs-meta-*`, async () => {
    const stored = await w.head(key("photo.jpg"));
    const r = await bucket(style).headObject(key("photo.jpg"));
    assert.equal(r.status, 200);
    assert.equal(r.headers.etag, `"${stored.etag}"`);
    assert.equal(Number(r.headers["content-length"]), stored.size);
    assert.equal(new Date(r.headers["last-modified"]).getTime(), Math.floor(stored.uploaded.getTime() / 1000) * 1000);
    assert.equal(r.headers["x-qs-version-id"], stored.version);
    assert.equal(r.headers["x-qs-meta-team"], "imaging");
    assert.match(r.headers["x-qs-request-id"], /^[0-9A-F]{24}$/);
  });

  test(`a missing key is object_not_exists, ${style} style`, async () => {
    const b = bucket(style);
    await assert.rejects(b.imageProcess(MISSING, { action: "info" }), (e) => {
      assert.equal(e.response.status, 404);
      assert.equal(e.response.data.code, "object_not_exists");
      assert.match(e.response.data.request_id, /^[0-9A-F]{24}$/);
      assert.equal(e.response.headers["x-qs-request-id"], e.response.data.request_id);
      return true;
    });
    await assert.rejects(b.headObject(MISSING), (e) => {
      assert.equal(e.response.status, 404);
      assert.match(e.response.headers["x-qs-request-id"], /^[0-9A-F]{24}$/);
      return true;
    });
  });
}

test("presigned URL (signQuery) is plain GET-able", async () => {
  const signer = await bucket("path").imageProcessRequest(key("alpha.png"), { action: "info" }).signQuery(600);
  const url = signer.operation.uri;
  assert.match(url, /access_key_id=AKIDEXAMPLE/);
  const res = await fetch(url);
  assert.equal(res.status, 200, url);
  assert.equal((await res.json()).width, dims("alpha.png").width);
});

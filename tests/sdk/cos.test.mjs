// Tencent COS through its official Node SDK (cos-nodejs-sdk-v5), unchanged but for the
// domain: `?imageInfo` and `?exif` (signed the COS way, which is what tells COS from
// Qiniu), a presigned URL, headObject metadata in `x-cos-*`, the CRC-64 COS sends, and
// NoSuchKey with the COS error fields. The SDK (3.x) refuses path style
// ("ForcePathStyle is not supported"), so its two styles are a custom domain and
// virtual host (`{Bucket}.<domain>`).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startSdkWorker, require, IMAGES, key, dims, MISSING, crc64 } from "./support.mjs";

const COS = require("cos-nodejs-sdk-v5");
// COS bucket names end in the account's APPID.
const BUCKET = "imginfo-1250000000";
const REGION = "ap-guangzhou";
let w;
before(async () => { w = await startSdkWorker(BUCKET); });
after(async () => { await w?.close(); });

// Recorded: cname -> Host localhost:P /<key>; vhost -> Host <bucket>.localhost:P /<key>;
// `Query: { imageInfo: "" }` is sent as `?imageInfo=`; Authorization: q-sign-algorithm=sha1&…
const STYLES = {
  cname: () => ({ Domain: `localhost:${w.port}`, Protocol: "http:" }),
  vhost: () => ({ Domain: `{Bucket}.localhost:${w.port}`, Protocol: "http:" }),
};
const client = (style) => new COS({ SecretId: "AKIDEXAMPLE", SecretKey: "dummy-secret", Timeout: 10000, ...STYLES[style]() });
const call = (c, method, params) =>
  new Promise((ok, fail) => c[method]({ Bucket: BUCKET, Region: REGION, ...params }, (err, data) => (err ? fail(err) : ok(data))));

for (const style of Object.keys(STYLES)) {
  test(`imageInfo, ${style} style: width and height (COS strings) for JPEG, PNG, HEIC; CRC-64`, async () => {
    const c = client(style);
    for (const { file } of IMAGES) {
      const r = await call(c, "request", { Method: "GET", Key: key(file), Query: { imageInfo: "" }, RawBody: true });
      assert.equal(r.statusCode, 200);
      const info = JSON.parse(r.Body.toString());
      const { width, height } = dims(file);
      assert.equal(info.width, String(width), file);
      assert.equal(info.height, String(height), file);
      assert.equal(r.headers["x-cos-hash-crc64ecma"], crc64(r.Body), file);
      assert.match(r.headers["x-cos-request-id"], /^[0-9A-F]{24}$/);
    }
  });

  test(`exif and getObject with QueryString, ${style} style`, async () => {
    const c = client(style);
    const exif = await call(c, "request", { Method: "GET", Key: key("photo.jpg"), Query: { exif: "" }, RawBody: true });
    assert.equal(JSON.parse(exif.Body.toString()).Model.val, "Sample Camera 1");
    const g = await call(c, "getObject", { Key: key("alpha.png"), QueryString: "imageInfo" });
    assert.equal(JSON.parse(g.Body.toString()).width, String(dims("alpha.png").width));
  });

  test(`headObject, ${style} style: ETag, length, Last-Modified, version id, x-cos-meta-*`, async () => {
    const stored = await w.head(key("photo.jpg"));
    const h = await call(client(style), "headObject", { Key: key("photo.jpg") });
    assert.equal(h.statusCode, 200);
    assert.equal(h.ETag, `"${stored.etag}"`);
    assert.equal(Number(h.headers["content-length"]), stored.size);
    assert.equal(new Date(h.headers["last-modified"]).getTime(), Math.floor(stored.uploaded.getTime() / 1000) * 1000);
    assert.equal(h.headers["x-cos-version-id"], stored.version);
    assert.equal(h.headers["x-cos-meta-team"], "imaging");
  });

  test(`a missing key is NoSuchKey with COS's fields, ${style} style`, async () => {
    const c = client(style);
    await assert.rejects(call(c, "request", { Method: "GET", Key: MISSING, Query: { imageInfo: "" } }), (e) => {
      assert.equal(e.statusCode, 404);
      assert.equal(e.code, "NoSuchKey");
      assert.match(e.RequestId, /^[0-9A-F]{24}$/);
      return true;
    });
    await assert.rejects(call(c, "getObject", { Key: MISSING }), (e) => {
      assert.equal(e.statusCode, 404);
      assert.equal(e.code, "NoSuchKey");
      assert.match(e.message, /does not exist/);
      return true;
    });
  });
}

test("presigned URL (getObjectUrl, Sign) carries q-sign-* and answers in the COS shape", async () => {
  const c = client("vhost");
  const url = c.getObjectUrl({ Bucket: BUCKET, Region: REGION, Key: key("image.heic"), Sign: true, Query: { imageInfo: "" } });
  assert.match(url, /q-sign-algorithm=sha1.*imageInfo=/);
  const res = await fetch(url);
  assert.equal(res.status, 200, url);
  const info = await res.json();
  assert.equal(info.width, String(dims("image.heic").width));
  assert.equal(info.format, "heic");
});

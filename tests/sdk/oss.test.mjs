// Alibaba OSS through its official Node SDK (ali-oss), unchanged but for the endpoint:
// image info (`get` with `process: "image/info"`, V1 and V4 signatures, presigned URL)
// in every addressing style ali-oss has, HEAD metadata, NoSuchKey, and the CRC check
// oss2 makes on downloads (`x-oss-hash-crc64ecma` must match the body).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startSdkWorker, require, IMAGES, key, dims, MISSING, crc64 } from "./support.mjs";

const OSS = require("ali-oss");
const BUCKET = "imginfo-oss";
let w;
before(async () => { w = await startSdkWorker(BUCKET); });
after(async () => { await w?.close(); });

// What ali-oss sends in each style (recorded against a logging server):
//   cname:  Host localhost:P,                      /<key>
//   vhost:  Host <bucket>.localhost:P,             /<key>
//   sld:    Host localhost:P,                      /<bucket>/<key>   (second-level-domain mode)
//   ip:     Host <bucket>.oss-cn-hangzhou.aliyuncs.com (ali-oss sets it for IP endpoints), /<key>
const STYLES = {
  cname: () => ({ endpoint: `http://localhost:${w.port}`, cname: true }),
  vhost: () => ({ endpoint: `http://localhost:${w.port}` }),
  sld: () => ({ endpoint: `http://localhost:${w.port}`, sldEnable: true }),
  ip: () => ({ endpoint: `http://127.0.0.1:${w.port}` }),
};
const client = (style, extra = {}) =>
  new OSS({ accessKeyId: "AKIDEXAMPLE", accessKeySecret: "dummy-secret", bucket: BUCKET, secure: false, timeout: 10000, ...STYLES[style](), ...extra });

for (const style of Object.keys(STYLES)) {
  for (const sig of ["v1", "v4"]) {
    test(`image/info, ${style} style, ${sig} signature: width and height for JPEG, PNG, HEIC under a key with / space + and Chinese`, async () => {
      const c = client(style, sig === "v4" ? { authorizationV4: true, region: "oss-cn-hangzhou" } : {});
      for (const { file } of IMAGES) {
        const res = await c.get(key(file), { process: "image/info" });
        assert.equal(res.res.status, 200);
        const info = JSON.parse(res.content.toString());
        const { width, height } = dims(file);
        assert.deepEqual(info.ImageWidth, { value: String(width) }, file);
        assert.deepEqual(info.ImageHeight, { value: String(height) }, file);
        // oss2's get_object_to_file compares this with the CRC of what it wrote.
        assert.equal(res.res.headers["x-oss-hash-crc64ecma"], crc64(res.content), file);
        assert.match(res.res.headers["x-oss-request-id"], /^[0-9A-F]{24}$/);
      }
    });
  }
}

test("presigned URL (signatureUrl with process) is plain GET-able", async () => {
  const c = client("vhost");
  const url = c.signatureUrl(key("photo.jpg"), { process: "image/info", expires: 600 });
  assert.match(url, /OSSAccessKeyId=.*Signature=.*x-oss-process=image%2Finfo/);
  const res = await fetch(url);
  assert.equal(res.status, 200);
  assert.equal((await res.json()).ImageWidth.value, String(dims("photo.jpg").width));
});

test("head and getObjectMeta: ETag, length, Last-Modified, user metadata in x-oss-*", async () => {
  const c = client("cname");
  const stored = await w.head(key("photo.jpg"));
  const h = await c.head(key("photo.jpg"));
  assert.equal(h.status, 200);
  assert.deepEqual(h.meta, { team: "imaging" });
  assert.equal(h.res.headers.etag, `"${stored.etag}"`);
  assert.equal(Number(h.res.headers["content-length"]), stored.size);
  assert.equal(new Date(h.res.headers["last-modified"]).getTime(), Math.floor(stored.uploaded.getTime() / 1000) * 1000);
  assert.equal(h.res.headers["x-oss-version-id"], stored.version);
  const m = await c.getObjectMeta(key("photo.jpg"));
  assert.equal(m.status, 200);
  assert.equal(Number(m.res.headers["content-length"]), stored.size);
});

test("a missing key is NoSuchKey, on GET (XML body) and on HEAD (x-oss-err)", async () => {
  const c = client("vhost");
  await assert.rejects(c.get(MISSING, { process: "image/info" }), (e) => {
    assert.equal(e.code, "NoSuchKey");
    assert.equal(e.status, 404);
    assert.match(e.requestId, /^[0-9A-F]{24}$/);
    assert.equal(e.ecCode, "0026-00000001");
    return true;
  });
  await assert.rejects(c.head(MISSING), (e) => e.code === "NoSuchKey" && e.status === 404);
  // oss2 raises NoSuchKey on a HEAD 404 only from x-oss-err (the base64 of the error XML).
  const res = await fetch(`${w.url}/${encodeURI(MISSING)}`, {
    method: "HEAD",
    headers: { Authorization: "OSS AKIDEXAMPLE:c2lnbmF0dXJl", Date: new Date().toUTCString() },
  });
  assert.equal(res.status, 404);
  const xml = Buffer.from(res.headers.get("x-oss-err"), "base64").toString();
  assert.match(xml, /<Code>NoSuchKey<\/Code>/);
  assert.match(xml, /<RequestId>[0-9A-F]{24}<\/RequestId>/);
  assert.match(res.headers.get("x-oss-request-id"), /^[0-9A-F]{24}$/);
});

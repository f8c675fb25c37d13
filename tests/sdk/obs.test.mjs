// Huawei OBS through its official Node SDK (esdk-obs-nodejs), unchanged but for the
// endpoint. In custom-domain, path-style and IP-endpoint modes the SDK signs AWS V2 and
// reads the `x-amz-*` family; in virtual-host mode it first asks the bucket for its API
// version (`HEAD /?apiversion`), and the Worker's `x-obs-api: 3.0` makes it sign the OBS
// way and read `x-obs-*`, as against OBS itself. Each mode: image info (getObject with
// ImageProcess, and a presigned URL), getObjectMetadata, and NoSuchKey.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startSdkWorker, require, IMAGES, key, dims, MISSING, tick } from "./support.mjs";

const ObsClient = require("esdk-obs-nodejs");
const BUCKET = "imginfo-obs";
let w;
before(async () => { w = await startSdkWorker(BUCKET); });
after(async () => { await w?.close(); });

// What the SDK sends (recorded against a logging server; its Host header drops the port):
//   cname: Host localhost, /<key>, AWS V2          path: Host localhost, /<bucket>/<key>, AWS V2
//   ip:    Host 127.0.0.1, /<bucket>/<key>, AWS V2  vhost: Host <bucket>.localhost, /<key>, OBS
const STYLES = {
  cname: { opts: () => ({ server: `http://localhost:${w.port}`, is_cname: true }), family: "x-amz-", sign: "AWS " },
  path: { opts: () => ({ server: `http://localhost:${w.port}`, path_style: true }), family: "x-amz-", sign: "AWS " },
  ip: { opts: () => ({ server: `http://127.0.0.1:${w.port}` }), family: "x-amz-", sign: "AWS " },
  vhost: { opts: () => ({ server: `http://localhost:${w.port}` }), family: "x-obs-", sign: "OBS " },
};

async function client(style) {
  const c = new ObsClient({ access_key_id: "AKIDEXAMPLE", secret_access_key: "dummy-secret", timeout: 10, max_retry_count: 0, ...STYLES[style].opts() });
  // The constructor's set-up is asynchronous; a call made at once fails inside the SDK
  // ("Cannot read properties of null (reading 'signature')").
  await tick();
  return c;
}

for (const style of Object.keys(STYLES)) {
  test(`getObject with ImageProcess image/info, ${style} style: width and height for JPEG, PNG, HEIC`, async () => {
    const c = await client(style);
    for (const { file } of IMAGES) {
      const r = await c.getObject({ Bucket: BUCKET, Key: key(file), ImageProcess: "image/info" });
      assert.equal(r.CommonMsg.Status, 200, `${file}: ${JSON.stringify(r.CommonMsg)}`);
      // The SDK fills RequestId from its signature family's header.
      assert.match(r.CommonMsg.RequestId, /^[0-9A-F]{24}$/, file);
      const info = JSON.parse(r.InterfaceResult.Content);
      const { width, height } = dims(file);
      assert.equal(info.width, width, file);
      assert.equal(info.height, height, file);
    }
    c.close();
  });

  test(`getObjectMetadata, ${style} style: ETag, length, Last-Modified, VersionId, metadata (${STYLES[style].family}*)`, async () => {
    const c = await client(style);
    const stored = await w.head(key("photo.jpg"));
    let auth;
    const r = await c.getObjectMetadata({ Bucket: BUCKET, Key: key("photo.jpg"), RequestHook: (req) => { auth = req.getHeader("authorization"); } });
    assert.ok(auth.startsWith(STYLES[style].sign), `signed ${auth}`);
    assert.equal(r.CommonMsg.Status, 200);
    assert.match(r.CommonMsg.RequestId, /^[0-9A-F]{24}$/);
    const m = r.InterfaceResult;
    assert.equal(m.ETag, `"${stored.etag}"`);
    assert.equal(Number(m.ContentLength), stored.size);
    assert.equal(new Date(m.LastModified).getTime(), Math.floor(stored.uploaded.getTime() / 1000) * 1000);
    assert.equal(m.VersionId, stored.version);
    assert.deepEqual(m.Metadata, { team: "imaging" });
    assert.equal(m.ContentType, "image/jpeg");
    c.close();
  });

  test(`a missing key is NoSuchKey, ${style} style (getObject body and getObjectMetadata headers)`, async () => {
    const c = await client(style);
    const g = await c.getObject({ Bucket: BUCKET, Key: MISSING, ImageProcess: "image/info" });
    assert.equal(g.CommonMsg.Status, 404);
    assert.equal(g.CommonMsg.Code, "NoSuchKey");
    assert.match(g.CommonMsg.RequestId, /^[0-9A-F]{24}$/);
    const h = await c.getObjectMetadata({ Bucket: BUCKET, Key: MISSING });
    assert.equal(h.CommonMsg.Status, 404);
    assert.equal(h.CommonMsg.Code, "NoSuchKey");
    c.close();
  });
}

test("presigned URL (createSignedUrlSync with x-image-process) is plain GET-able, both signatures", async () => {
  for (const style of ["path", "vhost"]) {
    const c = await client(style);
    const { SignedUrl } = c.createSignedUrlSync({ Method: "GET", Bucket: BUCKET, Key: key("alpha.png"), Expires: 600, QueryParams: { "x-image-process": "image/info" } });
    const res = await fetch(SignedUrl);
    assert.equal(res.status, 200, SignedUrl);
    assert.equal((await res.json()).width, dims("alpha.png").width);
    c.close();
  }
});

// AWS S3 through the official JavaScript SDK v3 (@aws-sdk/client-s3 and
// s3-request-presigner), unchanged but for the endpoint: HeadObject metadata in the
// `x-amz-*` family, a presigned GetObject URL carrying an image-info parameter (the S3
// SDK has no image call; the parameter is added before signing), the object itself, and
// the SDK's own NotFound / NoSuchKey errors. Path style (forcePathStyle, and an IP
// endpoint) and virtual-host style (the default with a named endpoint).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startSdkWorker, require, IMAGES, key, dims, MISSING, sample } from "./support.mjs";

const { S3Client, GetObjectCommand, HeadObjectCommand } = require("@aws-sdk/client-s3");
const { getSignedUrl } = require("@aws-sdk/s3-request-presigner");
const BUCKET = "imginfo-s3";
let w;
before(async () => { w = await startSdkWorker(BUCKET); });
after(async () => { await w?.close(); });

// Recorded: path -> Host localhost:P /<bucket>/<key>; ip -> Host 127.0.0.1:P /<bucket>/<key>;
// vhost -> Host <bucket>.localhost:P /<key>. Keys keep `/`, encode space, `+` and UTF-8.
const STYLES = {
  path: () => ({ endpoint: `http://localhost:${w.port}`, forcePathStyle: true }),
  ip: () => ({ endpoint: `http://127.0.0.1:${w.port}` }),
  vhost: () => ({ endpoint: `http://localhost:${w.port}` }),
};
const client = (style) =>
  new S3Client({ region: "us-east-1", credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "dummy-secret" }, maxAttempts: 1, ...STYLES[style]() });

/** Adds a processing parameter to every request the client builds (signed with it). */
function withQuery(c, name, value) {
  c.middlewareStack.add((next) => async (args) => {
    args.request.query[name] = value;
    return next(args);
  }, { step: "build", name: `add-${name}` });
  return c;
}

for (const style of Object.keys(STYLES)) {
  test(`presigned GetObject with x-image-process=image/info, ${style} style: JPEG, PNG, HEIC`, async () => {
    const c = withQuery(client(style), "x-image-process", "image/info");
    for (const { file } of IMAGES) {
      const url = await getSignedUrl(c, new GetObjectCommand({ Bucket: BUCKET, Key: key(file) }), { expiresIn: 600 });
      assert.match(url, /X-Amz-Signature=.*x-image-process=image%2Finfo|x-image-process=image%2Finfo.*X-Amz-Signature=/, url);
      const res = await fetch(url);
      assert.equal(res.status, 200, url);
      assert.match(res.headers.get("x-amz-request-id") ?? "", /^[0-9A-F]{24}$/);
      const info = await res.json();
      const { width, height } = dims(file);
      assert.equal(info.width, width, file);
      assert.equal(info.height, height, file);
    }
  });

  test(`HeadObject, ${style} style: ETag, ContentLength, LastModified, VersionId, Metadata`, async () => {
    const c = client(style);
    const stored = await w.head(key("photo.jpg"));
    const h = await c.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key("photo.jpg") }));
    assert.equal(h.$metadata.httpStatusCode, 200);
    assert.match(h.$metadata.requestId, /^[0-9A-F]{24}$/);
    assert.equal(h.ETag, `"${stored.etag}"`);
    assert.equal(h.ContentLength, stored.size);
    assert.equal(h.LastModified.getTime(), Math.floor(stored.uploaded.getTime() / 1000) * 1000);
    assert.equal(h.VersionId, stored.version);
    assert.deepEqual(h.Metadata, { team: "imaging" });
    assert.equal(h.ContentType, "image/jpeg");
  });

  test(`a missing key, ${style} style: HeadObject NotFound, GetObject NoSuchKey`, async () => {
    const c = client(style);
    await assert.rejects(c.send(new HeadObjectCommand({ Bucket: BUCKET, Key: MISSING })), (e) => {
      assert.equal(e.name, "NotFound");
      assert.equal(e.$metadata.httpStatusCode, 404);
      assert.match(e.$metadata.requestId, /^[0-9A-F]{24}$/);
      return true;
    });
    await assert.rejects(c.send(new GetObjectCommand({ Bucket: BUCKET, Key: MISSING })), (e) => {
      assert.equal(e.name, "NoSuchKey");
      assert.equal(e.Code, "NoSuchKey");
      assert.equal(e.$metadata.httpStatusCode, 404);
      assert.match(e.$metadata.requestId, /^[0-9A-F]{24}$/);
      return true;
    });
  });
}

test("GetObject returns the object's bytes (signed SigV4, path style)", async () => {
  const r = await client("path").send(new GetObjectCommand({ Bucket: BUCKET, Key: key("alpha.png") }));
  assert.deepEqual(Buffer.from(await r.Body.transformToByteArray()), sample("alpha.png"));
  assert.deepEqual(r.Metadata, { team: "imaging" });
});

// HEAD /<key> as Huawei OBS answers GetObjectMetadata, end to end in workerd: every
// header of the answer, CORS (preflight allowed and refused, actual requests), SSE-C
// (validation, missing/wrong/right key), versionId, each precondition header, 404, and
// the origin mode's header mapping.
//
// `w` reads the real local R2 bucket through tests/support/r2-shim.mjs, which adds what
// the simulator cannot do (SSE-C enforcement and `ssecKeyMd5`, storage classes), as
// Cloudflare documents them; `wk` uses the simulator directly.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { startWorker, ROOT } from "./support/worker.mjs";
import { startOrigin } from "./support/origin.mjs";

const SAMPLES = join(ROOT, "samples");
const PHOTO = readFileSync(join(SAMPLES, "photo.jpg"));
const DAY = 86_400_000;

// OBS's documented example key, and a second one.
const KEY = "K7QkYpBkM5+hca27fsNkUnNVaobncnLht/rCB2o/9Cw=";
const OTHER_KEY = Buffer.alloc(32, 7).toString("base64");
const md5 = (b) => createHash("md5").update(b);
const keyMd5B64 = (k) => md5(Buffer.from(k, "base64")).digest("base64");
const keyMd5Hex = (k) => md5(Buffer.from(k, "base64")).digest("hex");
const ssecHeaders = (k) => ({
  "x-obs-server-side-encryption-customer-algorithm": "AES256",
  "x-obs-server-side-encryption-customer-key": k,
  "x-obs-server-side-encryption-customer-key-MD5": keyMd5B64(k),
});

const CORS_RULES = JSON.stringify([
  {
    id: "app",
    allowedOrigins: ["https://*.example.com"],
    allowedMethods: ["GET", "HEAD"],
    allowedHeaders: ["x-obs-*", "range", "if-none-match"],
    exposeHeaders: ["ETag", "x-obs-request-id", "x-obs-version-id", "x-obs-meta-team"],
    maxAgeSeconds: 600,
  },
  { allowedOrigins: ["http://localhost:*"], allowedMethods: ["GET"] },
]);
const LIFECYCLE_RULES = JSON.stringify([
  { id: "expire-logs", prefix: "logs/", days: 7 },
  { id: "expire-all", prefix: "", days: 365 },
]);
const CONFIG = { CORS_RULES, LIFECYCLE_RULES, WEBSITE: "true" };

let w, wk, wo, origin;
const EXPIRY = new Date(Date.UTC(2030, 0, 2, 3, 4, 5));

before(async () => {
  origin = await startOrigin(SAMPLES);
  w = await startWorker({ r2Shim: true, bindings: CONFIG });
  wk = await startWorker({ bindings: { SSE_KMS: "true", SSE_KMS_KEY_ID: "cn-north-4:0123:key/abcd" } });
  wo = await startWorker({ seed: false, bindings: { ...CONFIG, ORIGIN: `${origin.url}/o` } });
  const data = new Uint8Array(PHOTO);
  await w.r2.put("meta.jpg", data, {
    httpMetadata: {
      contentType: "image/jpeg",
      contentLanguage: "en-GB",
      contentDisposition: 'attachment; filename="meta.jpg"',
      cacheControl: "max-age=60",
      cacheExpiry: EXPIRY,
    },
    customMetadata: { team: "imaging", "website-redirect-location": "/other.jpg" },
  });
  await w.r2.put("logs/today.jpg", data, { httpMetadata: { contentType: "image/jpeg" } });
  await w.r2.put("ia.jpg", data, { customMetadata: { "__storage-class": "InfrequentAccess" } });
  await w.r2.put("secret.jpg", data, {
    httpMetadata: { contentType: "image/jpeg" },
    customMetadata: { "__ssec-md5": keyMd5Hex(KEY), secret: "yes" },
  });
});
after(async () => {
  await w?.close();
  await wk?.close();
  await wo?.close();
  await origin?.close();
});

const head = (wk_, path, headers = {}) => wk_.get(path, { method: "HEAD", headers });
const names = (res) => [...res.headers.keys()];
const errorCode = async (res) => (await res.text()).match(/<Code>([^<]+)<\/Code>/)?.[1];

test("HEAD answers every GetObjectMetadata header R2 can give", async () => {
  const res = await head(w, "/meta.jpg");
  assert.equal(res.status, 200);
  const h = res.headers;
  const obj = await w.r2.head("meta.jpg");
  assert.equal(h.get("content-type"), "image/jpeg");
  assert.equal(h.get("content-length"), String(PHOTO.length));
  assert.equal(h.get("etag"), `"${md5(PHOTO).digest("hex")}"`);
  assert.equal(h.get("last-modified"), new Date(Math.floor(obj.uploaded.getTime() / 1000) * 1000).toUTCString());
  assert.equal(h.get("accept-ranges"), "bytes");
  assert.ok(Math.abs(Date.parse(h.get("date")) - Date.now()) < 60_000, h.get("date"));
  assert.equal(h.get("server"), "OBS");
  assert.match(h.get("x-obs-request-id"), /^[0-9A-F]{24}$/);
  assert.ok(h.get("x-obs-id-2").endsWith(h.get("x-obs-request-id").slice(0, 8)));
  assert.equal(h.get("content-language"), "en-GB");
  assert.equal(h.get("content-disposition"), 'attachment; filename="meta.jpg"');
  assert.equal(h.get("cache-control"), "max-age=60");
  assert.equal(h.get("expires"), EXPIRY.toUTCString());
  assert.equal(h.get("x-obs-version-id"), obj.version);
  assert.equal(h.get("x-obs-meta-team"), "imaging");
  assert.equal(h.get("x-obs-website-redirect-location"), "/other.jpg");
  // Standard storage: no x-obs-storage-class. Everything R2 cannot give: absent.
  for (const absent of [
    "x-obs-storage-class", "x-obs-restore", "x-obs-object-type", "x-obs-next-append-position",
    "x-obs-uploadid", "x-obs-server-side-encryption", "x-obs-server-side-encryption-customer-algorithm",
    "__ssec-md5", "x-obs-meta-__storage-class",
  ]) {
    assert.equal(h.get(absent), null, absent);
  }
  // The reserved shim entries never leak.
  assert.ok(!names(res).some((n) => n.includes("__")), names(res).join());
});

test("storage class: R2 InfrequentAccess is WARM", async () => {
  const res = await head(w, "/ia.jpg");
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("x-obs-storage-class"), "WARM");
});

test("x-obs-expiration from the first-expiring matching lifecycle rule", async () => {
  const obj = await w.r2.head("logs/today.jpg");
  const at = (days) => new Date((Math.floor(obj.uploaded.getTime() / DAY) + 1 + days) * DAY).toUTCString();
  const logs = await head(w, "/logs/today.jpg");
  assert.equal(logs.headers.get("x-obs-expiration"), `expiry-date="${at(7)}", rule-id="expire-logs"`);
  const other = await head(w, "/meta.jpg");
  const m = await w.r2.head("meta.jpg");
  const otherAt = new Date((Math.floor(m.uploaded.getTime() / DAY) + 1 + 365) * DAY).toUTCString();
  assert.equal(other.headers.get("x-obs-expiration"), `expiry-date="${otherAt}", rule-id="expire-all"`);
  // No lifecycle rules configured: no header.
  assert.equal((await head(wk, "/photo.jpg")).headers.get("x-obs-expiration"), null);
});

test("website redirect only in website mode; KMS only when configured", async () => {
  await wk.r2.put("redir.jpg", new Uint8Array(PHOTO), { customMetadata: { "website-redirect-location": "/x.jpg" } });
  const res = await head(wk, "/redir.jpg");
  assert.equal(res.headers.get("x-obs-website-redirect-location"), null);
  assert.equal(res.headers.get("x-obs-meta-website-redirect-location"), "/x.jpg");
  assert.equal(res.headers.get("x-obs-server-side-encryption"), "kms");
  assert.equal(res.headers.get("x-obs-server-side-encryption-kms-key-id"), "cn-north-4:0123:key/abcd");
  assert.equal((await head(w, "/meta.jpg")).headers.get("x-obs-server-side-encryption"), null);
});

test("versionId: the current version answers, any other is 404 NoSuchVersion", async () => {
  const { version } = await w.r2.head("meta.jpg");
  const cur = await head(w, `/meta.jpg?versionId=${version}`);
  assert.equal(cur.status, 200);
  assert.equal(cur.headers.get("x-obs-version-id"), version);
  const other = await head(w, "/meta.jpg?versionId=0000000000000000000000000000000a");
  assert.equal(other.status, 404);
  assert.equal(other.headers.get("etag"), null);
  const get = await w.get("/meta.jpg?versionId=0000000000000000000000000000000a");
  assert.equal(get.status, 404);
  assert.equal(await errorCode(get), "NoSuchVersion");
  const getCur = await w.get(`/meta.jpg?versionId=${version}`);
  assert.equal(getCur.status, 200);
  assert.deepEqual(Buffer.from(await getCur.arrayBuffer()), PHOTO);
});

test("404 for a missing key, HEAD and GET", async () => {
  const h = await head(w, "/nope.jpg");
  assert.equal(h.status, 404);
  assert.ok(h.headers.get("x-obs-request-id"));
  const g = await w.get("/nope.jpg");
  assert.equal(g.status, 404);
  assert.equal(await errorCode(g), "NoSuchKey");
});

test("preconditions on HEAD and GET, in RFC 9110's order", async () => {
  const base = await head(w, "/meta.jpg");
  const etag = base.headers.get("etag");
  const lm = base.headers.get("last-modified");
  const before = new Date(Date.parse(lm) - 10_000).toUTCString();
  const after = new Date(Date.parse(lm) + 10_000).toUTCString();
  const cases = [
    [{ "if-match": etag }, 200],
    [{ "if-match": '"0000"' }, 412],
    [{ "if-match": "*" }, 200],
    [{ "if-none-match": etag }, 304],
    [{ "if-none-match": `W/${etag}` }, 304],
    [{ "if-none-match": '"0000"' }, 200],
    [{ "if-modified-since": lm }, 304],
    [{ "if-modified-since": after }, 304],
    [{ "if-modified-since": before }, 200],
    [{ "if-unmodified-since": lm }, 200],
    [{ "if-unmodified-since": before }, 412],
    // If-Match fails before If-None-Match could say 304.
    [{ "if-match": '"0000"', "if-none-match": etag }, 412],
    // If-None-Match present: If-Modified-Since ignored.
    [{ "if-none-match": '"0000"', "if-modified-since": after }, 200],
    // If-Match present: If-Unmodified-Since ignored.
    [{ "if-match": etag, "if-unmodified-since": before }, 200],
  ];
  for (const [headers, status] of cases) {
    const h = await head(w, "/meta.jpg", headers);
    assert.equal(h.status, status, `HEAD ${JSON.stringify(headers)}`);
    const g = await w.get("/meta.jpg", { headers });
    assert.equal(g.status, status, `GET ${JSON.stringify(headers)}`);
    const body = Buffer.from(await g.arrayBuffer());
    if (status === 200) assert.deepEqual(body, PHOTO);
    if (status === 304) {
      assert.equal(body.length, 0);
      assert.equal(g.headers.get("etag"), etag);
      assert.equal(g.headers.get("x-obs-meta-team"), null);
    }
    if (status === 412) assert.match(body.toString(), /<Code>PreconditionFailed<\/Code>/);
  }
});

test("If-Range: a matching validator keeps the range, another gets the whole object", async () => {
  const etag = (await head(w, "/meta.jpg")).headers.get("etag");
  const part = await w.get("/meta.jpg", { headers: { range: "bytes=0-9", "if-range": etag } });
  assert.equal(part.status, 206);
  assert.deepEqual(Buffer.from(await part.arrayBuffer()), PHOTO.subarray(0, 10));
  const whole = await w.get("/meta.jpg", { headers: { range: "bytes=0-9", "if-range": '"0000"' } });
  assert.equal(whole.status, 200);
  assert.deepEqual(Buffer.from(await whole.arrayBuffer()), PHOTO);
});

test("CORS preflight: allowed per the first matching rule", async () => {
  const res = await w.get("/meta.jpg", {
    method: "OPTIONS",
    headers: {
      origin: "https://app.example.com",
      "access-control-request-method": "HEAD",
      "access-control-request-headers": "X-Obs-Server-Side-Encryption-Customer-Key, Range",
    },
  });
  assert.equal(res.status, 200);
  const h = res.headers;
  assert.equal(h.get("access-control-allow-origin"), "https://app.example.com");
  assert.equal(h.get("access-control-allow-methods"), "GET, HEAD");
  assert.equal(h.get("access-control-allow-headers"), "x-obs-server-side-encryption-customer-key, range");
  assert.equal(h.get("access-control-expose-headers"), "ETag, x-obs-request-id, x-obs-version-id, x-obs-meta-team");
  assert.equal(h.get("access-control-max-age"), "600");
  assert.equal(h.get("vary"), "Origin");
  // The second rule: localhost on any port, GET only.
  const local = await w.get("/anything?image/info", {
    method: "OPTIONS",
    headers: { origin: "http://localhost:5173", "access-control-request-method": "GET" },
  });
  assert.equal(local.status, 200);
  assert.equal(local.headers.get("access-control-allow-origin"), "http://localhost:5173");
});

test("CORS preflight: refused with 403 (or 400 when incomplete)", async () => {
  const pre = (headers) => w.get("/meta.jpg", { method: "OPTIONS", headers });
  const cases = [
    [{ origin: "https://evil.test", "access-control-request-method": "GET" }, 403, "AccessForbidden"],
    [{ origin: "https://app.example.com", "access-control-request-method": "PUT" }, 403, "AccessForbidden"],
    [{ origin: "http://localhost:5173", "access-control-request-method": "HEAD" }, 403, "AccessForbidden"],
    [
      { origin: "https://app.example.com", "access-control-request-method": "GET", "access-control-request-headers": "authorization" },
      403,
      "AccessForbidden",
    ],
    [{ "access-control-request-method": "GET" }, 400, "BadRequest"],
    [{ origin: "https://app.example.com" }, 400, "BadRequest"],
  ];
  for (const [headers, status, code] of cases) {
    const res = await pre(headers);
    assert.equal(res.status, status, JSON.stringify(headers));
    assert.equal(res.headers.get("access-control-allow-origin"), null);
    assert.equal(await errorCode(res), code);
  }
  // No CORS rules configured at all.
  const none = await wk.get("/photo.jpg", {
    method: "OPTIONS",
    headers: { origin: "https://app.example.com", "access-control-request-method": "GET" },
  });
  assert.equal(none.status, 403);
  assert.match(await none.text(), /CORS is not enabled/);
});

test("CORS on actual HEAD, GET, info and error answers; none without a match", async () => {
  const o = { origin: "https://app.example.com" };
  for (const [method, path] of [["HEAD", "/meta.jpg"], ["GET", "/meta.jpg"], ["GET", "/photo.jpg?image/info"], ["GET", "/nope.jpg"]]) {
    const res = await w.get(path, { method, headers: o });
    assert.equal(res.headers.get("access-control-allow-origin"), "https://app.example.com", `${method} ${path}`);
    assert.equal(res.headers.get("access-control-allow-methods"), "GET, HEAD");
    assert.equal(res.headers.get("access-control-allow-headers"), "x-obs-*, range, if-none-match");
    assert.match(res.headers.get("access-control-expose-headers"), /x-obs-meta-team/);
    assert.equal(res.headers.get("access-control-max-age"), "600");
    assert.match(res.headers.get("vary"), /Origin/);
    await res.arrayBuffer();
  }
  // HEAD from the localhost rule (GET only): no CORS headers.
  const noMethod = await head(w, "/meta.jpg", { origin: "http://localhost:5173" });
  assert.equal(noMethod.headers.get("access-control-allow-origin"), null);
  const noOrigin = await head(w, "/meta.jpg", { origin: "https://evil.test" });
  assert.equal(noOrigin.status, 200);
  assert.ok(!names(noOrigin).some((n) => n.startsWith("access-control-")), names(noOrigin).join());
});

test("SSE-C request headers are validated: 400 with OBS codes", async () => {
  const good = ssecHeaders(KEY);
  const cases = [
    [{ "x-obs-server-side-encryption-customer-algorithm": "AES256" }, "InvalidArgument"],
    [{ ...good, "x-obs-server-side-encryption-customer-algorithm": "SM4" }, "InvalidEncryptionAlgorithmError"],
    [{ ...good, "x-obs-server-side-encryption-customer-key": Buffer.alloc(16).toString("base64") }, "InvalidArgument"],
    [{ ...good, "x-obs-server-side-encryption-customer-key-MD5": keyMd5B64(OTHER_KEY) }, "InvalidArgument"],
    [{ "x-obs-server-side-encryption-customer-key": KEY, "x-obs-server-side-encryption-customer-key-MD5": keyMd5B64(KEY) }, "InvalidArgument"],
  ];
  for (const [headers, code] of cases) {
    const g = await w.get("/photo.jpg", { headers });
    assert.equal(g.status, 400, JSON.stringify(headers));
    assert.equal(await errorCode(g), code);
    const h = await head(w, "/photo.jpg", headers);
    assert.equal(h.status, 400);
    assert.equal(h.headers.get("etag"), null);
  }
});

test("SSE-C object: missing key 400, wrong key 403, never bytes or metadata; right key served", async () => {
  for (const method of ["HEAD", "GET"]) {
    const missing = await w.get("/secret.jpg", { method });
    assert.equal(missing.status, 400, method);
    const wrong = await w.get("/secret.jpg", { method, headers: ssecHeaders(OTHER_KEY) });
    assert.equal(wrong.status, 403, method);
    for (const res of [missing, wrong]) {
      assert.equal(res.headers.get("etag"), null);
      assert.equal(res.headers.get("x-obs-meta-secret"), null);
      assert.equal(res.headers.get("content-type"), "application/xml");
      const body = await res.text();
      assert.ok(!body.includes("JFIF") && body.length < 2000, body);
    }
    if (method === "GET") {
      assert.equal(await errorCode(await w.get("/secret.jpg")), "InvalidRequest");
      assert.equal(await errorCode(await w.get("/secret.jpg", { headers: ssecHeaders(OTHER_KEY) })), "AccessDenied");
    }
  }
  const h = await head(w, "/secret.jpg", ssecHeaders(KEY));
  assert.equal(h.status, 200);
  assert.equal(h.headers.get("x-obs-server-side-encryption-customer-algorithm"), "AES256");
  assert.equal(h.headers.get("x-obs-server-side-encryption-customer-key-md5"), keyMd5B64(KEY));
  assert.equal(h.headers.get("x-obs-meta-secret"), "yes");
  const g = await w.get("/secret.jpg", { headers: ssecHeaders(KEY) });
  assert.equal(g.status, 200);
  assert.deepEqual(Buffer.from(await g.arrayBuffer()), PHOTO);
  // The Worker handed R2 the key itself, as 64 hex digits.
  const logs = await w.r2.list({ prefix: "__shim/log/" });
  const last = await (await w.r2.get(logs.objects.at(-1).key)).json();
  assert.equal(last.key, "secret.jpg");
  assert.equal(last.ssecKey, Buffer.from(KEY, "base64").toString("hex"));
});

test("local simulator: a valid SSE-C key is passed through for a plain object", async () => {
  // The simulator keeps no SSE-C: the key reaches R2's get and is ignored there.
  const g = await wk.get("/photo.jpg", { headers: ssecHeaders(KEY) });
  assert.equal(g.status, 200);
  assert.deepEqual(Buffer.from(await g.arrayBuffer()), PHOTO);
  assert.equal(g.headers.get("x-obs-server-side-encryption-customer-algorithm"), null);
});

test("origin mode: S3 headers mapped to OBS names", async () => {
  const res = await head(wo, "/s3-archive/photo.jpg");
  assert.equal(res.status, 200);
  const h = res.headers;
  assert.equal(h.get("content-length"), String(PHOTO.length));
  assert.equal(h.get("etag"), `"${md5(PHOTO).digest("hex")}"`);
  assert.equal(h.get("last-modified"), "Fri, 02 Jan 2026 03:04:05 GMT");
  assert.equal(h.get("x-obs-version-id"), "3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY");
  assert.equal(h.get("x-obs-storage-class"), "COLD");
  assert.equal(h.get("x-obs-restore"), 'ongoing-request="false", expiry-date="Fri, 21 Dec 2012 00:00:00 GMT"');
  assert.equal(h.get("x-obs-website-redirect-location"), "/elsewhere.jpg");
  assert.equal(h.get("x-obs-meta-team"), "imaging");
  assert.equal(h.get("x-obs-expiration"), `expiry-date="${new Date(Date.UTC(2027, 0, 3)).toUTCString()}", rule-id="expire-all"`);
  const oss = await head(wo, "/oss-ia/photo.jpg");
  assert.equal(oss.headers.get("x-obs-storage-class"), "WARM");
  assert.equal(oss.headers.get("x-obs-meta-owner"), "oss-user");
  assert.equal(oss.headers.get("x-obs-restore"), null);
  const plain = await head(wo, "/plain/photo.jpg");
  assert.equal(plain.headers.get("x-obs-storage-class"), null);
  assert.equal(plain.headers.get("x-obs-version-id"), null);
});

test("origin mode: preconditions, versionId and 404", async () => {
  const etag = `"${md5(PHOTO).digest("hex")}"`;
  const lm = "Fri, 02 Jan 2026 03:04:05 GMT";
  for (const method of ["HEAD", "GET"]) {
    const req = (path, headers = {}) => wo.get(path, { method, headers });
    assert.equal((await req("/s3-archive/photo.jpg", { "if-none-match": etag })).status, 304);
    assert.equal((await req("/s3-archive/photo.jpg", { "if-match": '"0000"' })).status, 412);
    assert.equal((await req("/s3-archive/photo.jpg", { "if-modified-since": lm })).status, 304);
    assert.equal((await req("/s3-archive/photo.jpg", { "if-unmodified-since": "Thu, 01 Jan 2026 00:00:00 GMT" })).status, 412);
    const ok = await req("/s3-archive/photo.jpg", { "if-match": etag });
    assert.equal(ok.status, 200);
    await ok.arrayBuffer();
    assert.equal((await req("/s3-archive/photo.jpg?versionId=3HL4kqtJlcpXroDTDmJ%2BrmSpXd3dIbrHY")).status, 200);
    assert.equal((await req("/s3-archive/photo.jpg?versionId=other")).status, 404);
    assert.equal((await req("/plain/photo.jpg?versionId=any")).status, 404);
    assert.equal((await req("/plain/missing.jpg")).status, 404);
  }
  const part = await wo.get("/plain/photo.jpg", { headers: { range: "bytes=0-3", "if-range": '"0000"' } });
  assert.equal(part.status, 200, "If-Range mismatch: the whole object");
  assert.equal(Buffer.from(await part.arrayBuffer()).length, PHOTO.length);
});

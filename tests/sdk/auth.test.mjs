// Private buckets through the vendors' official SDKs: the Worker in workerd with
// ACCESS_MODE = "signed" and two test keys, every signature made by the SDK itself
// (ali-oss V1 and V4, esdk-obs-nodejs OBS and AWS V2, @aws-sdk/client-s3 and its
// presigner, @volcengine/tos-sdk, cos-nodejs-sdk-v5, qiniu, qingstor-sdk), header and
// query forms. For each: the right key passes (the SDK parses the answer); a wrong
// secret, an unknown id, a tampered key, a tampered query, an expired URL (query forms)
// and a skewed clock (header forms) each get the vendor's error and status; a key
// outside its `prefixes` gets the vendor's "access denied".
//
// Header-form requests go through a small proxy that forwards them to the Worker as the
// SDK sent them (or with the key or query changed after signing) and keeps the Worker's
// answer; query forms are presigned URLs fetched as they are (or changed). Clocks are
// moved with node:test's Date mock while the SDK signs.
import { test, before, after, mock } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { startSdkWorker, require, key, dims, sample, tick } from "./support.mjs";
import { launch, browserMissing } from "../support/browser.mjs";

const BUCKET = "imginfo-auth";
const ID = "AKIDAUTHSDK0001";
const SECRET = "auth-sdk-secret/+=0001";
const PID = "AKIDAUTHPREFIX01";
const PSECRET = "auth-sdk-secret/+=0002";
const FILE = "photo.jpg";
const KEY = key(FILE); // "sdk/照片 a+b/photo.jpg": a slash, a space, a plus, Chinese
const OTHER = key("alpha.png");
const OUTSIDE = "photo.jpg"; // the seeded sample at the bucket's root
const KEYS = JSON.stringify([
  { id: ID, secret: SECRET },
  { id: PID, secret: PSECRET, prefixes: [KEY.slice(0, KEY.lastIndexOf("/") + 1)] },
]);

let w, proxy, port;

/** Forwards requests to the Worker, optionally changing path or query, and keeps the answer. */
async function startProxy(target) {
  const p = { mutate: null, last: null };
  const server = http.createServer((req, res) => {
    let path = req.url;
    if (p.mutate) path = p.mutate(path);
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const up = http.request({ host: "127.0.0.1", port: target, method: req.method, path, headers: req.headers }, (r) => {
        const body = [];
        r.on("data", (c) => body.push(c));
        r.on("end", () => {
          const buf = Buffer.concat(body);
          p.last = { status: r.statusCode, body: buf.toString("utf8"), headers: r.headers };
          res.writeHead(r.statusCode, r.headers);
          res.end(buf);
        });
      });
      up.on("error", (e) => { res.writeHead(502); res.end(String(e)); });
      up.end(Buffer.concat(chunks));
    });
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  p.port = server.address().port;
  p.close = () => new Promise((ok) => server.close(ok));
  return p;
}

const missing = ["ali-oss", "esdk-obs-nodejs", "@aws-sdk/client-s3", "@aws-sdk/s3-request-presigner", "@volcengine/tos-sdk", "cos-nodejs-sdk-v5", "qiniu", "qingstor-sdk"].filter((m) => {
  try {
    require.resolve(m);
    return false;
  } catch {
    return true;
  }
});
const SKIP = missing.length ? `vendor SDKs not installed (${missing.join(", ")}): run npm ci` : false;

before(async () => {
  if (SKIP) return;
  w = await startSdkWorker(BUCKET, { ACCESS_MODE: "signed", ACCESS_KEYS: KEYS, LIST_OBJECTS: "true" });
  port = Number(new URL(w.url).port);
  proxy = await startProxy(port);
});
after(async () => {
  await proxy?.close();
  await w?.close();
});

/** Runs `fn` with the clock `ms` away from now (the SDK signs with it). */
async function at(ms, fn) {
  if (!ms) return fn();
  mock.timers.enable({ apis: ["Date"], now: Date.now() + ms });
  try {
    return await fn();
  } finally {
    mock.timers.reset();
  }
}
const HOUR = 3600e3;
const SKEW = 20 * 60e3;

/** A header-form call through the proxy: the Worker's answer, whatever the SDK made of it. */
async function viaProxy(call, mutate = null) {
  proxy.mutate = mutate;
  proxy.last = null;
  let result, error;
  try {
    result = await call();
  } catch (e) {
    error = e;
  }
  proxy.mutate = null;
  assert.ok(proxy.last, `the SDK sent nothing: ${error?.stack ?? error}`);
  return { ...proxy.last, result, error };
}

/** A query-form URL fetched as it is or changed. */
async function fetchUrl(url, mutate = null) {
  const u = mutate ? mutate(url) : url;
  const res = await fetch(u);
  return { status: res.status, body: await res.text(), headers: Object.fromEntries(res.headers) };
}

const swapKey = (s) => s.replace(encodeURIComponent(FILE), encodeURIComponent("rotated.jpg")).replace(FILE, "rotated.jpg");

/**
 * The vendors' refusals. S3-style codes for OSS, OBS, AWS, TOS and COS; QingStor and
 * Qiniu have their own.
 */
const S3ISH = {
  mismatch: [403, /SignatureDoesNotMatch/],
  unknown: [403, /InvalidAccessKeyId/],
  expired: [403, /Request has expired/],
  skewed: [403, /RequestTimeTooSkewed/],
  prefix: [403, /AccessDenied/],
};
const CODES = {
  oss: S3ISH,
  obs: S3ISH,
  s3: S3ISH,
  tos: S3ISH,
  // COS's header form carries a validity window, not a date: a skewed clock is a window
  // that has passed.
  cos: { ...S3ISH, skewed: [403, /Request has expired/] },
  qiniu: { mismatch: [401, /download token auth failed/], unknown: [401, /download token auth failed/], expired: [401, /token out of date/], prefix: [403, /access denied/] },
  native: { mismatch: [403, /signature_does_not_match/], prefix: [403, /access_denied/], anonymous: [403, /access_denied/] },
  qingstor: { mismatch: [401, /signature_not_matched/], unknown: [401, /invalid_access_key_id/], expired: [403, /request_expired/], skewed: [403, /request_expired/], prefix: [403, /permission_denied/] },
};

function refused(r, [status, re], what) {
  assert.equal(r.status, status, `${what}: ${r.body.slice(0, 300)}`);
  assert.match(r.body, re, what);
  assert.ok(!r.body.includes(SECRET) && !r.body.includes(PSECRET), `${what}: a secret in the body`);
  for (const v of Object.values(r.headers ?? {})) assert.ok(!String(v).includes(SECRET), what);
}

const width = String(dims(FILE).width);

// ------------------------------------------------------------------ the schemes

/** Each scheme: how its SDK signs (`header(creds, k)` calls through the proxy, `query(creds, k)`
 * presigns), how a passing answer looks, how the query is tampered with. */
const SCHEMES = [];

{
  const OSS = require("ali-oss");
  for (const [name, extra] of [["OSS V1", {}], ["OSS V4", { authorizationV4: true, region: "oss-cn-hangzhou" }]]) {
    for (const style of ["cname", "vhost"]) {
      const client = ({ id, secret }, p) =>
        new OSS({ accessKeyId: id, accessKeySecret: secret, bucket: BUCKET, secure: false, timeout: 10000, endpoint: `http://localhost:${p}`, ...(style === "cname" ? { cname: true } : {}), ...extra });
      SCHEMES.push({
        name: `${name}, ${style}`,
        codes: CODES.oss,
        header: (c, k) => client(c, proxy.port).get(k, { process: "image/info" }),
        query: (c, k) =>
          extra.authorizationV4
            ? client(c, port).signatureUrlV4("GET", 3600, { headers: {}, queries: { "x-oss-process": "image/info" } }, k)
            : client(c, port).signatureUrl(k, { process: "image/info", expires: 3600 }),
        okHeader: (r) => assert.equal(JSON.parse(r.result.content.toString()).ImageWidth.value, width),
        okQuery: (r) => assert.equal(JSON.parse(r.body).ImageWidth.value, width),
        tamperQuery: (s) => s.replace("image%2Finfo", "image%2Finfx").replace("image/info", "image/infx"),
      });
    }
  }
}

{
  const ObsClient = require("esdk-obs-nodejs");
  for (const [name, opts] of [
    ["AWS V2 (OBS SDK, custom domain)", (p) => ({ server: `http://localhost:${p}`, is_cname: true })],
    ["OBS (virtual host)", (p) => ({ server: `http://localhost:${p}`, signature: "obs", is_signature_negotiation: false })],
  ]) {
    const client = async ({ id, secret }, p) => {
      const c = new ObsClient({ access_key_id: id, secret_access_key: secret, timeout: 10, max_retry_count: 0, ...opts(p) });
      await tick();
      return c;
    };
    SCHEMES.push({
      name,
      codes: CODES.obs,
      header: async (c, k) => (await client(c, proxy.port)).getObject({ Bucket: BUCKET, Key: k, ImageProcess: "image/info" }),
      query: async (c, k) => (await client(c, port)).createSignedUrlSync({ Method: "GET", Bucket: BUCKET, Key: k, Expires: 3600, QueryParams: { "x-image-process": "image/info" } }).SignedUrl,
      okHeader: (r) => assert.equal(JSON.parse(r.result.InterfaceResult.Content).width, dims(FILE).width),
      okQuery: (r) => assert.equal(JSON.parse(r.body).width, dims(FILE).width),
      tamperQuery: (s) => s.replace("image/info", "image/infx"),
    });
  }
}

{
  const { S3Client, GetObjectCommand } = require("@aws-sdk/client-s3");
  const { getSignedUrl } = require("@aws-sdk/s3-request-presigner");
  for (const style of ["path", "vhost"]) {
    const client = ({ id, secret }, p) =>
      new S3Client({ region: "auto", endpoint: `http://localhost:${p}`, forcePathStyle: style === "path", credentials: { accessKeyId: id, secretAccessKey: secret }, maxAttempts: 1 });
    SCHEMES.push({
      name: `AWS SigV4, ${style} style`,
      codes: CODES.s3,
      header: async (c, k) => {
        const r = await client(c, proxy.port).send(new GetObjectCommand({ Bucket: BUCKET, Key: k }));
        return Buffer.from(await r.Body.transformToByteArray());
      },
      query: (c, k) => getSignedUrl(client(c, port), new GetObjectCommand({ Bucket: BUCKET, Key: k }), { expiresIn: 3600 }),
      okHeader: (r) => assert.deepEqual(r.result, sample(FILE)),
      okQuery: (r) => assert.equal(r.body.length > 0 && r.status, 200),
      // Every parameter is signed: one more changes the signature.
      tamperQuery: (s) => (s.includes("?") ? `${s}&x-oss-process=image%2Finfo` : s.replace(/(\/[^/?]*)$/, "$1?x-oss-process=image%2Finfo")),
    });
  }
}

{
  const { TosClient } = require("@volcengine/tos-sdk");
  const client = ({ id, secret }, p) =>
    new TosClient({ accessKeyId: id, accessKeySecret: secret, region: "cn-beijing", endpoint: `localhost:${p}`, secure: false, bucket: BUCKET, isCustomDomain: true, maxRetryCount: 0, requestTimeout: 10000 });
  SCHEMES.push({
    name: "TOS V4, custom domain",
    codes: CODES.tos,
    header: (c, k) => client(c, proxy.port).getObjectV2({ key: k, process: "image/info", dataType: "buffer" }),
    query: (c, k) => client(c, port).getPreSignedUrl({ key: k, isCustomDomain: true, expires: 3600, query: { "x-tos-process": "image/info" } }),
    okHeader: (r) => assert.equal(JSON.parse(r.result.data.content.toString()).ImageWidth.value, width),
    okQuery: (r) => assert.equal(JSON.parse(r.body).ImageWidth.value, width),
    tamperQuery: (s) => s.replace("image%2Finfo", "image%2Finfx"),
  });
}

{
  const COS = require("cos-nodejs-sdk-v5");
  const client = ({ id, secret }, p) => new COS({ SecretId: id, SecretKey: secret, Domain: `localhost:${p}`, Protocol: "http:", Timeout: 10000 });
  const call = (c, method, params) => new Promise((ok, ko) => c[method](params, (e, d) => (e ? ko(e) : ok(d))));
  const where = { Bucket: "imginfo-1250000000", Region: "ap-beijing" };
  SCHEMES.push({
    name: "COS",
    codes: CODES.cos,
    header: (c, k) => call(client(c, proxy.port), "request", { ...where, Method: "GET", Key: k, Query: { imageInfo: "" }, RawBody: true }),
    query: (c, k) => client(c, port).getObjectUrl({ ...where, Key: k, Sign: true, Expires: 3600, Query: { imageInfo: "" } }),
    okHeader: (r) => assert.equal(JSON.parse(r.result.Body.toString()).width, width),
    okQuery: (r) => assert.equal(JSON.parse(r.body).width, width),
    // `imageinfo` is in q-url-param-list: asking for `exif` instead breaks it.
    tamperQuery: (s) => s.replace("imageInfo=", "exif="),
  });
}

{
  const qiniu = require("qiniu");
  SCHEMES.push({
    name: "Qiniu private URL",
    codes: CODES.qiniu,
    query: ({ id, secret }, k) => {
      const bm = new qiniu.rs.BucketManager(new qiniu.auth.digest.Mac(id, secret), new qiniu.conf.Config());
      return bm.privateDownloadUrl(`http://localhost:${port}`, `${k}?imageInfo`, Math.floor(Date.now() / 1000) + 3600);
    },
    okQuery: (r) => assert.equal(JSON.parse(r.body).width, dims(FILE).width),
    tamperQuery: (s) => s.replace("?imageInfo&", "?exif&"),
  });
}

{
  const { QingStor, Config } = require("qingstor-sdk");
  const ZONE = "pek3b";
  const bucket = ({ id, secret }, p, vhost) =>
    new QingStor(new Config({ access_key_id: id, secret_access_key: secret, endpoint: `http://localhost:${p}`, ...(vhost ? { enable_virtual_host_style: true } : {}) })).Bucket(BUCKET, ZONE);
  for (const style of ["path", "vhost"]) {
    SCHEMES.push({
      name: `QingStor, ${style} style`,
      codes: CODES.qingstor,
      header: (c, k) => bucket(c, proxy.port, style === "vhost").imageProcess(k, { action: "info" }),
      // Presigned in path style (the SDK's virtual-host presigning leaves the bucket out).
      query:
        style === "path"
          ? async (c, k) => {
              const r = bucket(c, port, false).imageProcessRequest(k, { action: "info" });
              await r.signQuery(3600);
              return r.operation.uri;
            }
          : null,
      okHeader: (r) => assert.equal(r.result.data.width, dims(FILE).width),
      okQuery: (r) => assert.equal(JSON.parse(r.body).width, dims(FILE).width),
      // `action` is not signed (QingStor signs `?image` and its sub-resources): adding a
      // sub-resource changes the signature.
      tamperQuery: (s) => s.replace("action=info", "action=info&acl"),
    });
  }
}

const GOOD = { id: ID, secret: SECRET };
const WRONG = { id: ID, secret: `${SECRET}x` };
const UNKNOWN = { id: "AKIDNOTLISTED000", secret: SECRET };
const PREFIXED = { id: PID, secret: PSECRET };

for (const s of SCHEMES) {
  if (s.header) {
    test(`${s.name}, header form: right key passes; wrong secret, unknown id, tampered key and query, skewed clock, prefixes`, { skip: SKIP }, async () => {
      const ok = await viaProxy(() => s.header(GOOD, KEY));
      assert.equal(ok.status, 200, `${s.name}: ${ok.body.slice(0, 300)} ${ok.error ?? ""}`);
      s.okHeader(ok);
      refused(await viaProxy(() => s.header(WRONG, KEY)), s.codes.mismatch, "wrong secret");
      refused(await viaProxy(() => s.header(UNKNOWN, KEY)), s.codes.unknown, "unknown id");
      refused(await viaProxy(() => s.header(GOOD, KEY), swapKey), s.codes.mismatch, "tampered key");
      refused(await viaProxy(() => s.header(GOOD, KEY), s.tamperQuery), s.codes.mismatch, "tampered query");
      refused(await at(-SKEW, () => viaProxy(() => s.header(GOOD, KEY))), s.codes.skewed, "skewed clock");
      refused(await viaProxy(() => s.header(PREFIXED, OUTSIDE)), s.codes.prefix, "outside the key's prefixes");
      const inside = await viaProxy(() => s.header(PREFIXED, KEY));
      assert.equal(inside.status, 200, `inside the prefixes: ${inside.body.slice(0, 300)}`);
    });
  }
  if (s.query) {
    test(`${s.name}, query form: right key passes; wrong secret, unknown id, tampered key and query, expired, prefixes`, { skip: SKIP }, async () => {
      const url = await s.query(GOOD, KEY);
      const ok = await fetchUrl(url);
      assert.equal(ok.status, 200, `${s.name}: ${ok.body.slice(0, 300)}`);
      s.okQuery(ok);
      refused(await fetchUrl(await s.query(WRONG, KEY)), s.codes.mismatch, "wrong secret");
      refused(await fetchUrl(await s.query(UNKNOWN, KEY)), s.codes.unknown, "unknown id");
      refused(await fetchUrl(url, swapKey), s.codes.mismatch, "tampered key");
      refused(await fetchUrl(url, s.tamperQuery), s.codes.mismatch, "tampered query");
      refused(await fetchUrl(await at(-2 * HOUR, () => s.query(GOOD, KEY))), s.codes.expired, "expired");
      refused(await fetchUrl(await s.query(PREFIXED, OUTSIDE)), s.codes.prefix, "outside the key's prefixes");
      const inside = await fetchUrl(await s.query(PREFIXED, KEY));
      assert.equal(inside.status, 200, `inside the prefixes: ${inside.body.slice(0, 300)}`);
    });
  }
}

test("a presigned GET reads byte ranges (no vendor signs Range), so the page can read through it", { skip: SKIP }, async () => {
  const { S3Client, GetObjectCommand } = require("@aws-sdk/client-s3");
  const { getSignedUrl } = require("@aws-sdk/s3-request-presigner");
  const s3 = new S3Client({ region: "auto", endpoint: `http://localhost:${port}`, forcePathStyle: true, credentials: { accessKeyId: ID, secretAccessKey: SECRET }, maxAttempts: 1 });
  const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: BUCKET, Key: KEY }), { expiresIn: 600 });
  const res = await fetch(url, { headers: { range: "bytes=0-9" } });
  assert.equal(res.status, 206);
  assert.deepEqual(Buffer.from(await res.arrayBuffer()), sample(FILE).subarray(0, 10));
});

test("listing obeys the same rules: a signed request whose key covers the listed prefix", { skip: SKIP }, async () => {
  const qiniu = require("qiniu");
  const signer = (id, secret) => new qiniu.rs.BucketManager(new qiniu.auth.digest.Mac(id, secret), new qiniu.conf.Config());
  const dir = KEY.slice(0, KEY.lastIndexOf("/") + 1);
  const list = (id, secret, prefix) =>
    signer(id, secret).privateDownloadUrl(w.url, `_/api/list?prefix=${encodeURIComponent(prefix)}`, Math.floor(Date.now() / 1000) + 600);
  const ok = await fetch(list(PID, PSECRET, dir));
  const body = await ok.json();
  assert.equal(ok.status, 200, JSON.stringify(body));
  assert.ok(body.objects.length >= 1);
  assert.ok(body.objects.every((o) => o.key.startsWith(dir)), JSON.stringify(body.objects));
  // The whole bucket, or another prefix, is not this key's to list.
  refused(await fetchUrl(list(PID, PSECRET, "")), CODES.native.prefix, "the root");
  refused(await fetchUrl(list(PID, PSECRET, "photo")), CODES.native.prefix, "another prefix");
  // Qiniu leaves what follows the token unsigned: a second prefix there is refused too.
  refused(await fetchUrl(`${list(PID, PSECRET, dir)}&prefix=`), CODES.native.prefix, "a prefix after the token");
  // A key without prefixes may list everything; a wrong secret nothing.
  assert.equal((await fetch(list(ID, SECRET, ""))).status, 200);
  refused(await fetchUrl(list(ID, `${SECRET}x`, "")), CODES.native.mismatch, "wrong secret");
  // Unsigned: refused.
  refused(await fetchUrl(`${w.url}/_/api/list`), CODES.native.anonymous, "unsigned");
});

test("the inspector page stays open in signed mode and reads an object through a pasted presigned URL", { skip: SKIP }, async (t) => {
  const why = browserMissing();
  if (why) return t.skip(why);
  const browser = await launch();
  t.after(() => browser.close());
  const page = await browser.context.newPage();
  await page.goto(`${w.url}/`);
  // A key alone is refused (the bucket is private)...
  await page.fill("#key", KEY);
  await page.press("#key", "Enter");
  await page.locator("#error").waitFor({ state: "visible" });
  // ...a presigned URL of the object (Qiniu's, on this Worker's own origin) is read.
  const qiniu = require("qiniu");
  const bm = new qiniu.rs.BucketManager(new qiniu.auth.digest.Mac(ID, SECRET), new qiniu.conf.Config());
  const url = bm.privateDownloadUrl(w.url, KEY, Math.floor(Date.now() / 1000) + 600);
  await page.fill("#key", url);
  await page.press("#key", "Enter");
  await page.locator("#result").waitFor({ state: "visible" });
  const { width, height } = dims(FILE);
  assert.equal(await page.locator("#dims").innerText(), `${width} × ${height}`);
  assert.match(await page.locator("#result-title").innerText(), /signed URL/);
  assert.match(await page.locator("#cost-line").innerText(), /^Read /);
  // A presigned URL with a wrong signature is the Worker's refusal, shown as such.
  await page.fill("#key", url.replace(/token=([^:]+):./, "token=$1:A"));
  await page.press("#key", "Enter");
  await page.locator("#error", { hasText: "refused" }).waitFor();
});

test("average colour, signed: checked by the info Worker, then by the hue Worker it passes the request to", { skip: SKIP }, async () => {
  const OSS = require("ali-oss");
  const url = (secret) =>
    new OSS({ accessKeyId: ID, accessKeySecret: secret, bucket: BUCKET, secure: false, endpoint: `http://localhost:${port}`, cname: true })
      .signatureUrl(KEY, { process: "image/average-hue", expires: 3600 });
  const ok = await fetchUrl(url(SECRET));
  assert.equal(ok.status, 200, ok.body);
  assert.match(JSON.parse(ok.body).RGB, /^0x[0-9a-f]{6}$/);
  assert.match(ok.headers["server-timing"] ?? "", /hue;desc="dc"/);
  refused(await fetchUrl(url(`${SECRET}x`)), CODES.oss.mismatch, "wrong secret");
});

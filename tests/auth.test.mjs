// Access control through the built Worker in workerd, the parts that need no vendor
// SDK: in signed mode an unsigned or forged request gets each dialect's refusal and
// nothing about the object, while the page and CORS preflights stay open; only GET,
// HEAD and OPTIONS are answered (and nothing is ever written); a key cannot leave
// ORIGIN's path, host, port or query, and redirects stay under that path (a logging
// origin proves it); secrets never show. Signatures made by the vendors' SDKs, passing
// and failing, are in tests/auth_sdk.test.mjs.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWorker, ROOT } from "./support/worker.mjs";
import { startOrigin } from "./support/origin.mjs";
import { join } from "node:path";

const SECRET = "s3cr3t-never-shown/+=";
const KEYS = JSON.stringify([
  { id: "AKIDAUTHTEST", secret: SECRET },
  { id: "AKIDPHOTOS", secret: `${SECRET}2`, prefixes: ["photos/"] },
]);
const CORS_RULES = JSON.stringify([{ allowedOrigins: ["*"], allowedMethods: ["GET", "HEAD"], allowedHeaders: ["*"] }]);

let signed, origin, viaOrigin, redirecting, wide;

before(async () => {
  signed = await startWorker({
    bindings: { ACCESS_MODE: "signed", ACCESS_KEYS: KEYS, BUCKET_NAME: "imginfo-test", LIST_OBJECTS: "true", CORS_RULES },
  });
  origin = await startOrigin(join(ROOT, "samples"));
  // An ORIGIN with a path: every read must stay under /o/plain/.
  viaOrigin = await startWorker({ bucket: false, bindings: { ORIGIN: `${origin.url}/o/plain`, INFO_CACHE_TTL: "0" } });
  // Its redirects point to /o/plain/…: outside this ORIGIN's path.
  redirecting = await startWorker({ bucket: false, bindings: { ORIGIN: `${origin.url}/o/redirect-same`, INFO_CACHE_TTL: "0" } });
  wide = await startWorker({ bucket: false, bindings: { ORIGIN: `${origin.url}/o`, INFO_CACHE_TTL: "0" } });
});

after(async () => {
  await signed?.close();
  await viaOrigin?.close();
  await redirecting?.close();
  await wide?.close();
  await origin?.close();
});

function noSecret(res, body) {
  assert.ok(!body.includes(SECRET.slice(0, 12)), `secret in body: ${body}`);
  for (const [k, v] of res.headers) assert.ok(!v.includes(SECRET.slice(0, 12)), `secret in ${k}`);
}

/** Each route's refusal of an unsigned request, in its dialect's shape. */
const UNSIGNED = [
  ["/photo.jpg?x-oss-process=image/info", 403, /<Code>AccessDenied<\/Code>/, "x-oss-request-id"],
  ["/photo.jpg?image/info", 403, /<Code>AccessDenied<\/Code>/, "x-oss-request-id"],
  ["/photo.jpg?x-tos-process=image/info", 403, /"Code":"AccessDenied"/, "x-tos-request-id"],
  ["/photo.jpg?image&action=info", 403, /"code":"permission_denied"/, "x-qs-request-id"],
  ["/photo.jpg?x-image-process=image/info", 403, /<Code>AccessDenied<\/Code>/, "x-obs-request-id"],
  ["/photo.jpg?imageInfo", 401, /"error":"download token not specified"/, "x-reqid"],
  ["/photo.jpg?exif", 401, /"error":"download token not specified"/, "x-reqid"],
  ["/photo.jpg?info", 403, /"code":"access_denied"/, "x-request-id"],
  ["/photo.jpg?x-oss-process=image/average-hue", 403, /<Code>AccessDenied<\/Code>/, "x-oss-request-id"],
  ["/photo.jpg?imageAve", 401, /"error":"download token not specified"/, "x-reqid"],
  ["/photo.jpg?info&hue", 403, /"code":"access_denied"/, "x-request-id"],
  ["/photo.jpg", 403, /<Code>AccessDenied<\/Code>/, "x-obs-request-id"],
];

test("signed mode: an unsigned request gets each dialect's refusal and nothing about the object", async () => {
  for (const [path, status, re, rid] of UNSIGNED) {
    const res = await signed.get(path);
    const body = await res.text();
    assert.equal(res.status, status, `${path}: ${body}`);
    assert.match(body, re, path);
    assert.ok(res.headers.get(rid), `${path}: ${rid}`);
    // Nothing about the object leaks: no size, no ETag, no image members.
    assert.equal(res.headers.get("etag"), null, path);
    assert.doesNotMatch(body, /"width"|ImageWidth|11103|FileSize|RGB|"hue"/, path);
    noSecret(res, body);
    const head = await signed.get(path, { method: "HEAD" });
    assert.equal(head.status, status, `HEAD ${path}`);
    assert.equal(head.headers.get("content-length") ?? "0", "0", `HEAD ${path}`);
    assert.equal(head.headers.get("etag"), null, `HEAD ${path}`);
  }
  // A missing object is refused the same way: no existence oracle.
  const missing = await signed.get("/no-such-key.jpg?x-oss-process=image/info");
  assert.equal(missing.status, 403);
});

test("signed mode: forged and malformed signatures are refused in the signer's terms", async () => {
  const now = new Date().toUTCString();
  const cases = [
    // A signature nobody made, from a listed key: OSS's SignatureDoesNotMatch.
    [{ authorization: "OSS AKIDAUTHTEST:bm90IGEgc2lnbmF0dXJlIGF0IGFsbA==", "x-oss-date": now }, 403, /SignatureDoesNotMatch/],
    // A key that is not listed.
    [{ authorization: "OSS AKIDNOBODY:bm90IGEgc2lnbmF0dXJlIGF0IGFsbA==", "x-oss-date": now }, 403, /InvalidAccessKeyId/],
    // A date far from now (checked before the signature).
    [{ authorization: "OSS AKIDAUTHTEST:bm90IGEgc2lnbmF0dXJlIGF0IGFsbA==", "x-oss-date": "Sat, 01 Jan 2000 00:00:00 GMT" }, 403, /RequestTimeTooSkewed/],
    // No date at all.
    [{ authorization: "OSS AKIDAUTHTEST:bm90IGEgc2lnbmF0dXJlIGF0IGFsbA==" }, 403, /AccessDenied/],
    // No scheme we know.
    [{ authorization: "Bearer abc" }, 400, /InvalidArgument/],
  ];
  for (const [headers, status, re] of cases) {
    const res = await signed.get("/photo.jpg?x-oss-process=image/info", { headers });
    const body = await res.text();
    assert.equal(res.status, status, `${JSON.stringify(headers)}: ${body}`);
    assert.match(body, re);
    noSecret(res, body);
  }
  // A presigned URL whose expiry has passed: expiry is checked before the signature.
  const res = await signed.get("/photo.jpg?OSSAccessKeyId=AKIDAUTHTEST&Expires=946684800&Signature=AAAA&x-oss-process=image%2Finfo");
  const body = await res.text();
  assert.equal(res.status, 403);
  assert.match(body, /<Code>AccessDenied<\/Code>/);
  assert.match(body, /Request has expired/);
});

test("signed mode: the page and CORS preflights need no signature; listing does", async () => {
  const page = await signed.get("/");
  assert.equal(page.status, 200);
  assert.match(page.headers.get("content-type") ?? "", /text\/html/);
  await page.text();
  const pre = await signed.get("/photo.jpg?x-oss-process=image/info", {
    method: "OPTIONS",
    headers: { origin: "https://app.example", "access-control-request-method": "GET" },
  });
  assert.equal(pre.status, 200, await pre.text());
  const list = await signed.get("/_/api/list");
  const body = await list.text();
  assert.equal(list.status, 403, body);
  assert.match(body, /"code":"access_denied"/);
  assert.doesNotMatch(body, /photo\.jpg/);
});

test("only GET, HEAD and OPTIONS: anything else is 405 in the dialect's shape and writes nothing", async () => {
  const before = await (await signed.r2.get("photo.jpg")).arrayBuffer();
  const routes = [
    ["/photo.jpg?x-oss-process=image/info", /<Code>MethodNotAllowed<\/Code>/],
    ["/photo.jpg?x-tos-process=image/info", /"Code":"MethodNotAllowed"/],
    ["/photo.jpg?image&action=info", /"code":"method_not_allowed"/],
    ["/photo.jpg?imageInfo", /"error":"method not allowed"/],
    ["/photo.jpg?info", /"code":"method_not_allowed"/],
    ["/photo.jpg", /<Code>MethodNotAllowed<\/Code>/],
  ];
  for (const method of ["PUT", "POST", "DELETE", "PATCH"]) {
    for (const [path, re] of routes) {
      for (const w of [signed, wide]) {
        // No body: the method alone is refused. (With a body the Worker never reads, fetch
        // failed now and then locally: "fetch failed" before the answer arrived.)
        const res = await w.get(path, { method });
        const body = await res.text();
        assert.equal(res.status, 405, `${method} ${path}: ${body}`);
        assert.match(body, re, `${method} ${path}`);
      }
    }
  }
  const after = await (await signed.r2.get("photo.jpg")).arrayBuffer();
  assert.deepEqual(Buffer.from(after), Buffer.from(before), "the object is untouched");
  assert.ok(origin.log.every((e) => e.method === "GET" || e.method === "HEAD"), "the origin only ever sees reads");
});

test("keys cannot leave ORIGIN's path, host, port or query (the origin's log proves it)", async () => {
  origin.log.length = 0;
  const ok = await viaOrigin.get("/photo.jpg?info");
  assert.equal(ok.status, 200, await ok.text());
  const refused = [
    "/..%2F..%2Fetc%2Fpasswd",
    "/a%2F..%2Fphoto.jpg",
    "/%2E%2E%2Fphoto.jpg",
    "/.%2Fphoto.jpg",
    "/a%2F%2Fphoto.jpg",
    "/photo.jpg%00.png",
    "/photo.jpg%0D%0AX-Injected:%201",
    "/a%5C..%5Cphoto.jpg",
    "/a%5Cphoto.jpg",
    `/${"k".repeat(1025)}`,
  ];
  for (const path of refused) {
    for (const q of ["?info", "?x-oss-process=image/info", ""]) {
      const res = await viaOrigin.get(path + q);
      const body = await res.text();
      assert.equal(res.status, 400, `${path}${q}: ${body}`);
    }
  }
  // Characters that would change the URL's meaning stay inside one path segment.
  for (const path of ["/photo.jpg%3Fx%3D1", "/photo.jpg%23frag", "/%40evil.example%2Fphoto.jpg", "/http:%2Fevil.example:81%2Fphoto.jpg", "/x%3A99%2Fphoto.jpg"]) {
    const res = await viaOrigin.get(`${path}?info`);
    await res.text();
    assert.equal(res.status, 404, path);
  }
  assert.ok(origin.log.length > 0);
  for (const e of origin.log) {
    const u = new URL(e.url, "http://origin");
    assert.ok(u.pathname.startsWith("/o/plain/"), `left the prefix: ${e.url}`);
    assert.equal(u.search, "", `query reached the origin: ${e.url}`);
    const segs = u.pathname.split("/").slice(1).map(decodeURIComponent);
    assert.ok(!segs.some((s) => s === "" || s === "." || s === ".."), e.url);
  }
});

test("redirects are followed only under ORIGIN's path", async () => {
  origin.log.length = 0;
  // ORIGIN=/o/redirect-same: its redirects go to /o/plain/, outside that path.
  const res = await redirecting.get("/photo.jpg?x-oss-process=image/info");
  const body = await res.text();
  assert.equal(res.status, 502, body);
  assert.match(body, /outside the configured path/);
  assert.ok(origin.log.length > 0);
  assert.ok(origin.log.every((e) => e.url.startsWith("/o/redirect-same/")), JSON.stringify(origin.log.map((e) => e.url)));
  // ORIGIN=/o: the same redirect stays under /o and is followed; another host is not.
  origin.log.length = 0;
  const inside = await wide.get("/redirect-same/photo.jpg?x-oss-process=image/info");
  assert.equal(inside.status, 200, await inside.text());
  const other = await wide.get("/redirect-other/photo.jpg?x-oss-process=image/info");
  assert.equal(other.status, 502, await other.text());
  assert.ok(origin.log.every((e) => e.url.startsWith("/o/")));
  assert.equal(origin.log.filter((e) => e.url === "/o/plain/photo.jpg").length > 0, true, "the same-path redirect was followed");
});

// The inspector page (www/) in a real browser: headless Debian Chromium driven by
// playwright-core, against the built Worker in workerd (Miniflare) with the seeded local
// R2 bucket and the page's static assets. Also the reserved prefix /_/ over plain HTTP,
// the page weight budget, and screenshots at 1280×800 and 375×800 (tests/out/).
import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync, statSync, mkdirSync, existsSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { join, relative } from "node:path";
import { startWorker, ROOT } from "./support/worker.mjs";
import { startOrigin } from "./support/origin.mjs";
import { launch, browserMissing } from "./support/browser.mjs";

const SAMPLES = join(ROOT, "samples");
const WWW = join(ROOT, "www");
const OUT = join(ROOT, "tests", "out");
/** The budget: the page without the optional WASM, gzip. */
const PAGE_BUDGET_GZIP = 100_000;

let w; // seeded bucket, listing off
let wl; // seeded bucket, listing on
let wo; // no bucket, an origin that fails on demand
let origin;

before(async () => {
  origin = await startOrigin(SAMPLES);
  w = await startWorker();
  wl = await startWorker({ bindings: { LIST_OBJECTS: "true" } });
  wo = await startWorker({ bucket: false, bindings: { ORIGIN: `${origin.url}/o` } });
});
after(async () => {
  await w?.close();
  await wl?.close();
  await wo?.close();
  await origin?.close();
});

function files(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)],
  );
}

describe("serving and the reserved prefix /_/", () => {
  test("GET / answers the page with a policy that allows this Worker only", async () => {
    const res = await w.get("/");
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type"), /^text\/html/);
    const csp = res.headers.get("content-security-policy");
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /connect-src 'self'/);
    const html = await res.text();
    assert.match(html, /<script type="module" src="\/_\/app\.js">/);
    // Every URL the page names is under /_/ or data: — nothing from another host.
    for (const [, url] of html.matchAll(/(?:src|href)="([^"]+)"/g)) {
      assert.ok(url.startsWith("/_/") || url.startsWith("data:") || url.startsWith("#"), url);
    }
    const head = await w.get("/", { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), "");
  });

  test("the page's files are served under /_/, also percent-encoded, and nothing else is", async () => {
    for (const path of ["/_/app.js", "/%5F/app.js", "/_/format.js", "/_/local.js"]) {
      const res = await w.get(path);
      assert.equal(res.status, 200, path);
      assert.match(res.headers.get("content-type"), /javascript/, path);
      assert.equal(res.headers.get("x-content-type-options"), "nosniff");
    }
    const css = await w.get("/_/style.css");
    assert.match(css.headers.get("content-type"), /^text\/css/);
    const missing = await w.get("/_/no-such-file.js");
    assert.equal(missing.status, 404);
    assert.equal((await missing.json()).error.code, "not_found");
    const post = await w.get("/_/app.js", { method: "POST", body: "x" });
    assert.equal(post.status, 405);
  });

  test("the web build of the core is served as application/wasm", async (t) => {
    if (!existsSync(join(WWW, "_", "wasm", "imginfo_web_bg.wasm"))) {
      if (process.env.CI) assert.fail("www/_/wasm missing: scripts/build.sh builds it");
      return t.skip("www/_/wasm not built (scripts/build.sh)");
    }
    const res = await w.get("/_/wasm/imginfo_web_bg.wasm");
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/wasm");
    const buf = new Uint8Array(await res.arrayBuffer());
    assert.deepEqual([...buf.slice(0, 4)], [0, 0x61, 0x73, 0x6d]);
  });

  test("no asset shadows an object key, and keys under _/ are the page's", async () => {
    // The page's HTML is not reachable as an object path...
    const idx = await w.get("/index.html");
    assert.equal(idx.status, 404);
    assert.match(await idx.text(), /NoSuchKey/);
    // ...and an object whose key starts with `_/` is not served: the prefix is reserved.
    await w.r2.put("_/app.js", new Uint8Array([1, 2, 3]));
    const res = await w.get("/_/app.js");
    assert.notDeepEqual(new Uint8Array(await res.arrayBuffer()), new Uint8Array([1, 2, 3]));
    await w.r2.delete("_/app.js");
    // Objects elsewhere are untouched.
    const obj = await w.get("/photo.jpg");
    assert.equal(obj.status, 200);
    assert.equal(obj.headers.get("content-type"), "image/jpeg");
  });

  test("listing is off by default and lists the bucket when LIST_OBJECTS is true", async () => {
    const off = await w.get("/_/api/list");
    assert.equal(off.status, 404);
    assert.equal((await off.json()).error.code, "listing_disabled");
    const on = await wl.get("/_/api/list");
    assert.equal(on.status, 200);
    const { objects, truncated } = await on.json();
    const keys = objects.map((o) => o.key);
    assert.ok(keys.includes("photo.jpg"));
    assert.equal(truncated, false);
    const photo = objects.find((o) => o.key === "photo.jpg");
    assert.equal(photo.size, statSync(join(SAMPLES, "photo.jpg")).size);
    const pre = await (await wl.get("/_/api/list?prefix=anim")).json();
    assert.deepEqual(pre.objects.map((o) => o.key).sort(), ["anim.gif", "anim.webp"]);
  });
});

test("the page's cost sentence and units (www/_/format.js)", async () => {
  const { costLine, bytes, objectPath } = await import("../www/_/format.js");
  // Numbers and units are joined by no-break spaces, so they never part at a line break.
  const nb = (x) => x.replace(/ (KB|MB|GB|B|%)/g, "\u00a0$1");
  assert.equal(costLine({ ranges: 1, bytes: 12_300, ms: 3.14 }, 4_200_000), nb("Read 12.3 KB of 4.2 MB (0.29 %) in 1 range, 3.1 ms"));
  assert.equal(costLine({ ranges: 2, bytes: 73_139, ms: 3 }, 106_487), nb("Read 73.1 KB of 106 KB (69 %) in 2 ranges, 3.0 ms"));
  assert.equal(costLine({ ranges: 1, bytes: 68_000, ms: 0.4 }, 4_000_000, "slice"), nb("Read 68.0 KB of 4.0 MB (1.7 %) in 1 slice, 0.4 ms"));
  assert.equal(bytes(999), nb("999 B"));
  assert.equal(bytes(1_500_000_000), nb("1.5 GB"));
  // Keys keep their slashes; everything else a URL would misread is encoded once.
  assert.equal(objectPath("a b/c+d/%/ü?#.jpg"), "/a%20b/c%2Bd/%25/%C3%BC%3F%23.jpg");
});

test("page weight: HTML, CSS and JS within 100 KB gzip (the WASM is separate and optional)", () => {
  const page = files(WWW).filter((f) => !relative(WWW, f).startsWith(join("_", "wasm")));
  let total = 0;
  const sizes = [];
  for (const f of page) {
    const gz = gzipSync(readFileSync(f), { level: 9 }).length;
    total += gz;
    sizes.push(`${relative(WWW, f)} ${gz} B`);
  }
  const wasm = join(WWW, "_", "wasm", "imginfo_web_bg.wasm");
  const wasmNote = existsSync(wasm)
    ? `; web wasm ${statSync(wasm).size} B (${gzipSync(readFileSync(wasm), { level: 9 }).length} B gzip)`
    : "";
  console.log(`# page weight ${total} B gzip (${sizes.join(", ")})${wasmNote}`);
  assert.ok(total <= PAGE_BUDGET_GZIP, `page weighs ${total} B gzip, budget ${PAGE_BUDGET_GZIP}`);
});

describe("the page in Chromium", () => {
  let browser;
  let skip = null;
  const pageErrors = [];
  const foreign = [];

  before(async () => {
    skip = browserMissing();
    if (skip) return;
    browser = await launch();
    browser.context.on("page", (p) => p.on("pageerror", (e) => pageErrors.push(String(e))));
    mkdirSync(OUT, { recursive: true });
  });
  after(async () => {
    await browser?.close();
  });

  /** A fresh tab on `path` of worker `wk`, waiting until the page settles. */
  async function open(t, path, wk = w) {
    if (skip) {
      t.skip(skip);
      return null;
    }
    const page = await browser.context.newPage();
    t.after(() => page.close());
    page.on("request", (r) => {
      const u = new URL(r.url());
      if (!["blob:", "data:"].includes(u.protocol) && u.origin !== wk.url) foreign.push(r.url());
    });
    await page.goto(`${wk.url}${path}`);
    return page;
  }
  const text = (page, sel) => page.locator(sel).innerText();
  /** The Worker's own native answer, to compare what the page shows with. */
  const native = async (key, wk = w) => (await wk.get(`/${key}?info`)).json();

  test("a key in the URL: format, dimensions, GPS tag in the EXIF table", async (t) => {
    const page = await open(t, "/?key=photo.jpg");
    if (!page) return;
    await page.locator("#result").waitFor({ state: "visible" });
    const truth = await native("photo.jpg");
    assert.match(await text(page, "#facts"), /JPEG/);
    assert.equal(await text(page, "#dims"), `${truth.width} × ${truth.height}`);
    assert.equal(await text(page, "#dims"), "400 × 267");
    assert.equal(await text(page, "#display-dims"), `${truth.displayWidth} × ${truth.displayHeight}`);
    assert.equal(await page.inputValue("#key"), "photo.jpg");
    // GPS: the tag in the GPS IFD table, and decimal coordinates with a plain map link.
    assert.equal(await page.locator('#ifd-gps tr[data-tag="GPSLatitude"]').count(), 1);
    assert.equal(await page.locator('#ifd-gps tr[data-tag="GPSLongitude"]').count(), 1);
    assert.match(await text(page, "#gps-decimal"), /^40\.0155\d*, 116\.3888\d*$/);
    const href = await page.locator("#gps a").getAttribute("href");
    assert.match(href, /^https:\/\/www\.openstreetmap\.org\/\?mlat=40\.0155/);
    // The image is shown, with EXIF orientation applied by CSS.
    const img = page.locator("#preview img");
    await assert.doesNotReject(img.evaluate((el) => el.decode()));
    assert.equal(await img.evaluate((el) => getComputedStyle(el).imageOrientation), "from-image");
  });

  test("keys with folders, spaces, plus signs and non-ASCII letters round-trip through the page", async (t) => {
    const key = "photos/a b+c ü.jpg";
    await w.r2.put(key, new Uint8Array(readFileSync(join(SAMPLES, "photo.jpg"))));
    t.after(() => w.r2.delete(key));
    const page = await open(t, `/?key=${encodeURIComponent(key)}`);
    if (!page) return;
    await page.locator("#result").waitFor({ state: "visible" });
    assert.equal(await text(page, "#result-title"), key);
    assert.equal(await text(page, "#dims"), "400 × 267");
    await page.locator('#head-table tr[data-header="etag"]').waitFor();
    await page.locator("#tab-native").click();
    await page.locator('#panel-native .answer-status', { hasText: "HTTP 200" }).waitFor();
  });

  test("the cost line shows a byte count below the file size", async (t) => {
    const page = await open(t, "/?key=big-header.jpg");
    if (!page) return;
    await page.locator("#result").waitFor({ state: "visible" });
    const size = statSync(join(SAMPLES, "big-header.jpg")).size;
    const line = await text(page, "#cost-line");
    const m = line.match(/^Read ([\d.]+)\s(B|KB) of ([\d.]+)\s(KB) \(([\d.]+)\s%\) in (\d+) ranges?, [\d.]+ ms$/);
    assert.ok(m, line);
    const read = Number(m[1]) * (m[2] === "KB" ? 1000 : 1);
    assert.ok(read < size, `${line} (file ${size} B)`);
    assert.equal(m[3], (size / 1000).toFixed(0));
    assert.equal(Number(m[6]), 2);
    const bar = await page.locator("#cost-bar .fill").evaluate((el) => parseFloat(el.style.width));
    assert.ok(bar > 0 && bar < 100, `bar ${bar}%`);
  });

  test("each dialect tab shows the JSON its route answers; the HEAD panel shows OBS headers", async (t) => {
    const page = await open(t, "/?key=photo.jpg");
    if (!page) return;
    await page.locator("#result").waitFor({ state: "visible" });
    const tabs = page.locator('#tabs [role="tab"]');
    const n = await tabs.count();
    assert.ok(n >= 6, `${n} tabs`);
    const labels = await tabs.allInnerTexts();
    for (const l of ["OSS", "TOS", "QingStor", "OBS IMG", "COS", "Qiniu"]) assert.ok(labels.includes(l), l);
    for (let i = 0; i < n; i++) {
      await tabs.nth(i).click();
      const panel = page.locator('[role="tabpanel"]:not([hidden])');
      await panel.locator(".answer-status", { hasText: "HTTP" }).waitFor();
      const body = await panel.locator("pre.body").innerText();
      const status = await panel.getAttribute("data-status");
      assert.equal(status, "200", `${labels[i]}: ${body.slice(0, 200)}`);
      assert.doesNotThrow(() => JSON.parse(body), `${labels[i]} body is JSON: ${body.slice(0, 200)}`);
      const cmd = await panel.locator(".cmd code").innerText();
      assert.match(cmd, /^curl -s 'http:\/\/[^']+\/photo\.jpg\?[^']+'$/);
      // The command is the same request: its answer is the body shown.
      const url = cmd.match(/'([^']+)'/)[1];
      const again = await w.get(new URL(url).pathname + new URL(url).search);
      // The same answer, but for the time it took (native `read.ms`).
      const timeless = (j) => (j.read ? { ...j, read: { ...j.read, ms: null } } : j);
      assert.deepEqual(timeless(JSON.parse(await again.text())), timeless(JSON.parse(body)));
    }
    const headRows = page.locator("#head-table tbody tr[data-header]");
    await headRows.first().waitFor();
    const names = await headRows.evaluateAll((rows) => rows.map((r) => r.dataset.header));
    assert.ok(names.includes("x-obs-version-id"), names.join());
    assert.ok(names.includes("etag"), names.join());
    const etag = await page.locator('#head-table tr[data-header="etag"] td').innerText();
    const head = await w.get("/photo.jpg", { method: "HEAD" });
    assert.equal(etag, head.headers.get("etag"));
  });

  test("keyboard only: arrows move between dialect tabs", async (t) => {
    const page = await open(t, "/?key=photo.jpg");
    if (!page) return;
    await page.locator("#result").waitFor({ state: "visible" });
    await page.locator("#tab-oss").focus();
    await page.keyboard.press("ArrowRight");
    assert.equal(await page.evaluate(() => document.activeElement.id), "tab-tos");
    assert.equal(await page.locator("#tab-tos").getAttribute("aria-selected"), "true");
    assert.equal(await page.locator("#panel-tos").isVisible(), true);
    await page.keyboard.press("End");
    assert.equal(await page.evaluate(() => document.activeElement.getAttribute("aria-selected")), "true");
  });

  test("errors read as sentences: missing object, not an image, origin down", async (t) => {
    const page = await open(t, "/?key=no/such-photo.jpg");
    if (!page) return;
    const err = page.locator("#error");
    await err.waitFor({ state: "visible" });
    assert.match(await err.innerText(), /There is no object named “no\/such-photo\.jpg”/);
    assert.equal(await page.locator("#result").isVisible(), false);

    await page.goto(`${w.url}/?key=not-an-image.txt`);
    await err.waitFor({ state: "visible" });
    assert.match(await err.innerText(), /“not-an-image\.txt” is not an image this service can read/);

    const down = await open(t, "/?key=status-503/photo.jpg", wo);
    await down.locator("#error").waitFor({ state: "visible" });
    assert.match(await down.locator("#error").innerText(), /origin server .* did not answer properly/);
  });

  for (const name of ["photo.jpg", "alpha.png"]) {
    test(`a local file (${name}) is parsed in the browser: same answer as the Worker, no request for it`, async (t) => {
      const page = await open(t, "/");
      if (!page) return;
      const requests = [];
      page.on("request", (r) => requests.push({ url: r.url(), method: r.method(), body: r.postData() }));
      await page.setInputFiles("#file", join(SAMPLES, name));
      await page.locator("#result-title", { hasText: "Your file" }).waitFor();
      const truth = await native(name);
      assert.equal(await text(page, "#dims"), `${truth.width} × ${truth.height}`);
      assert.equal(await text(page, "#display-dims"), `${truth.displayWidth} × ${truth.displayHeight}`);
      assert.match(await text(page, "#facts"), new RegExp(truth.format === "png" ? "PNG" : "JPEG"));
      assert.match(await text(page, "#cost-line"), /^Read [\d.]+\sK?B of [\d.]+\sKB \(100\s%\) in 1 slice, [\d.]+ ms of your file$/);
      // Nothing about the file went to the Worker: the only requests are the page's own
      // static files (the WASM core, loaded on first use), and none carries a body.
      for (const r of requests) {
        const u = new URL(r.url);
        if (u.protocol === "blob:") continue;
        assert.ok(u.pathname.startsWith("/_/"), `unexpected request ${r.method} ${r.url}`);
        assert.equal(r.method, "GET", r.url);
        assert.equal(r.body, null, r.url);
        assert.ok(!r.url.includes(name), r.url);
      }
      // The preview comes from the File itself (a blob: URL).
      assert.match(await page.locator("#preview img").getAttribute("src"), /^blob:/);
      assert.equal(await page.locator("#dialects").isVisible(), false);
    });
  }

  test("the web build answers every sample exactly as the Worker's ?info, reading the same ranges", async (t) => {
    const page = await open(t, "/");
    if (!page) return;
    const names = readdirSync(SAMPLES).filter((n) => !n.endsWith(".md"));
    assert.ok(names.length >= 10);
    for (const name of names) {
      const b64 = readFileSync(join(SAMPLES, name)).toString("base64");
      const local = await page.evaluate(
        async ({ name, b64 }) => {
          const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
          const { inspectFile } = await import("/_/local.js");
          return inspectFile(new File([bytes], name));
        },
        { name, b64 },
      );
      const res = await w.get(`/${name}?info`);
      const worker = await res.json();
      // Everything but what only the store knows (ETag, version…) and the clock.
      const comparable = (j) => (j.error ? j : { ...j, object: null, read: { ranges: j.read.ranges, bytes: j.read.bytes } });
      assert.deepEqual(comparable(local), comparable(worker), name);
    }
  });

  test("a local file that is not an image gets a sentence, not a trace", async (t) => {
    const page = await open(t, "/");
    if (!page) return;
    await page.setInputFiles("#file", join(SAMPLES, "not-an-image.txt"));
    const err = page.locator("#error");
    await err.waitFor({ state: "visible" });
    assert.match(await err.innerText(), /your file “not-an-image\.txt” is not an image this service can read/i);
  });

  test("keyboard only: tab to the key field, type, Enter loads the object", async (t) => {
    const page = await open(t, "/");
    if (!page) return;
    let tabs = 0;
    while ((await page.evaluate(() => document.activeElement?.id)) !== "key") {
      assert.ok(++tabs <= 5, "the key field is among the first controls");
      await page.keyboard.press("Tab");
    }
    assert.ok(tabs >= 1);
    await page.keyboard.type("rotated.jpg");
    await page.keyboard.press("Enter");
    await page.locator("#result").waitFor({ state: "visible" });
    assert.equal(new URL(page.url()).searchParams.get("key"), "rotated.jpg");
    const truth = await native("rotated.jpg");
    assert.equal(await text(page, "#display-dims"), `${truth.displayWidth} × ${truth.displayHeight}`);
    assert.match(await text(page, "#facts"), /6 — viewers turn it 90° clockwise/);
    // Back goes back to the empty page.
    await page.goBack();
    await page.locator("#result").waitFor({ state: "hidden" });
  });

  test("labels on every control", async (t) => {
    const page = await open(t, "/?key=photo.jpg");
    if (!page) return;
    await page.locator("#result").waitFor({ state: "visible" });
    const unlabeled = await page.evaluate(() =>
      [...document.querySelectorAll("input, button, select, textarea")]
        .filter((el) => el.offsetParent !== null || el.type === "file")
        .filter((el) => !(el.labels?.length || el.getAttribute("aria-label") || el.textContent.trim()))
        .map((el) => el.outerHTML),
    );
    assert.deepEqual(unlabeled, []);
  });

  test("text contrast meets WCAG AA in the light and the dark scheme", async (t) => {
    const page = await open(t, "/?key=photo.jpg");
    if (!page) return;
    await page.locator("#result").waitFor({ state: "visible" });
    await page.locator("#head-table tbody tr[data-header]").first().waitFor();
    await page.fill("#key", ""); // the placeholder is text too
    for (const colorScheme of ["light", "dark"]) {
      await page.emulateMedia({ colorScheme });
      const failures = await page.evaluate(() => {
        const rgb = (c) => (c.match(/[\d.]+/g) ?? []).map(Number);
        const lum = ([r, g, b]) => {
          const f = (v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
          return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
        };
        const background = (el) => {
          for (let e = el; e; e = e.parentElement) {
            const c = rgb(getComputedStyle(e).backgroundColor);
            if (c.length === 3 || c[3] === 1) return c.slice(0, 3);
          }
          return [255, 255, 255];
        };
        const out = [];
        const check = (el, color, what) => {
          const st = getComputedStyle(el);
          const size = parseFloat(st.fontSize);
          const large = size >= 24 || (size >= 18.66 && Number(st.fontWeight) >= 700);
          const [a, b] = [lum(rgb(color)), lum(background(el))];
          const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
          if (ratio < (large ? 3 : 4.5)) out.push(`${what} ${ratio.toFixed(2)}: ${el.outerHTML.slice(0, 80)}`);
        };
        for (const el of document.querySelectorAll("body *")) {
          if (!el.checkVisibility?.() || el.closest("figure")) continue;
          const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
          if (own) check(el, getComputedStyle(el).color, "text");
        }
        check(document.querySelector("#key"), getComputedStyle(document.querySelector("#key"), "::placeholder").color, "placeholder");
        return out;
      });
      assert.deepEqual(failures, [], colorScheme);
    }
  });

  test("listing, when enabled, links the bucket's objects", async (t) => {
    const page = await open(t, "/", wl);
    if (!page) return;
    await page.locator("#listing").waitFor({ state: "visible" });
    await page.locator("#listing summary").click();
    await page.locator('#objects a[data-key="anim.gif"]').click();
    await page.locator("#result").waitFor({ state: "visible" });
    assert.match(await text(page, "#facts"), /GIF/);
    assert.match(await text(page, "#facts"), /\(animated\)/);
  });

  test("screenshots at 1280×800 and 375×800 (tests/out/), no sideways scrolling on a phone", async (t) => {
    const page = await open(t, "/?key=photo.jpg");
    if (!page) return;
    await page.locator("#result").waitFor({ state: "visible" });
    await page.locator("#head-table tbody tr[data-header]").first().waitFor();
    await page.locator("#preview img").evaluate((el) => el.decode());
    await page.screenshot({ path: join(OUT, "www-1280x800.png") });
    await page.screenshot({ path: join(OUT, "www-1280x800-full.png"), fullPage: true });
    await page.setViewportSize({ width: 375, height: 800 });
    await page.screenshot({ path: join(OUT, "www-375x800.png") });
    await page.screenshot({ path: join(OUT, "www-375x800-full.png"), fullPage: true });
    await page.setViewportSize({ width: 360, height: 800 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - innerWidth);
    assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px at 360 px`);
  });

  test("from another origin, the OBS headers of HEAD are readable only because CORS exposes them", async (t) => {
    if (skip) return t.skip(skip);
    const rules = JSON.stringify([
      { allowedOrigins: ["*"], allowedMethods: ["GET", "HEAD"], exposeHeaders: ["ETag", "x-obs-version-id"] },
    ]);
    const withCors = await startWorker({ bindings: { CORS_RULES: rules } });
    const noCors = await startWorker({ bindings: { CORS_RULES: "" } });
    t.after(() => Promise.all([withCors.close(), noCors.close()]));
    const page = await browser.context.newPage();
    t.after(() => page.close());
    // A document on the test origin server: a different origin from either Worker.
    await page.goto(`${origin.url}/o/status-200/page`);
    const head = (url) =>
      page.evaluate(async (u) => {
        try {
          const r = await fetch(u, { method: "HEAD" });
          return { version: r.headers.get("x-obs-version-id"), etag: r.headers.get("etag") };
        } catch (e) {
          return { failed: String(e) };
        }
      }, url);
    const direct = await withCors.get("/photo.jpg", { method: "HEAD" });
    const seen = await head(`${withCors.url}/photo.jpg`);
    assert.equal(seen.version, direct.headers.get("x-obs-version-id"));
    assert.ok(seen.version);
    assert.equal(seen.etag, direct.headers.get("etag"));
    const refused = await head(`${noCors.url}/photo.jpg`);
    assert.ok(refused.failed, "without CORS the browser refuses the cross-origin answer");
  });

  test("no script errors, and no request left this Worker", async (t) => {
    if (skip) return t.skip(skip);
    assert.deepEqual(pageErrors, []);
    assert.deepEqual(foreign, []);
  });
});

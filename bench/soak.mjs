// Load test (README "Load test"): 50 concurrent keep-alive clients for 30 s against the
// built Worker in workerd (Miniflare's API, no DevTools inspector), with a mix of valid,
// broken and missing keys in every dialect, read from R2 and from a local Range-honouring
// origin. Checks: no 5xx, every answer byte-identical (status and body) to the same
// request made alone, the workerd process's memory steady; reports requests/s, p50/p99
// latency and CPU per request (workerd's utime+stime from /proc).
//
//   node bench/soak.mjs [--clients 50] [--seconds 30]      (after scripts/build.sh)
import { readFileSync, writeFileSync, mkdtempSync, copyFileSync, readdirSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir, cpus } from "node:os";
import { join } from "node:path";
import { startWorker, ROOT } from "../tests/support/worker.mjs";
import { startOrigin } from "../tests/support/origin.mjs";

const arg = (n, d) => { const i = process.argv.indexOf(`--${n}`); return i > 0 ? Number(process.argv[i + 1]) : d; };
const CLIENTS = arg("clients", 50);
const SECONDS = arg("seconds", 30);
const CLK_TCK = 100;

// Objects: the samples, a truncated JPEG and a non-image (in R2 and at the origin), and missing keys.
const dir = mkdtempSync(join(tmpdir(), "imginfo-soak-"));
const samples = readdirSync(join(ROOT, "samples")).filter((f) => !f.endsWith(".md"));
for (const f of samples) copyFileSync(join(ROOT, "samples", f), join(dir, f));
writeFileSync(join(dir, "truncated.jpg"), readFileSync(join(ROOT, "samples", "photo.jpg")).subarray(0, 300));
const keys = [...samples, "truncated.jpg", "missing.jpg"];
const QUERIES = [
  "x-oss-process=image/info", "x-tos-process=image/info", "image&action=info",
  "x-image-process=image/info", "imageInfo", "exif", "imageInfo&q-sign-algorithm=sha1", "info",
  "x-oss-process=image/resize,w_10",
];

const origin = await startOrigin(dir);
const w = await startWorker({ bindings: { ORIGIN: `${origin.url}/o`, INFO_CACHE_TTL: "0" }, seed: false });
await w.r2.put("truncated.jpg", new Uint8Array(readFileSync(join(dir, "truncated.jpg"))));
for (const f of samples) await w.r2.put(f, new Uint8Array(readFileSync(join(dir, f))));

// R2 keys, and origin keys ("plain/<file>" is not in the bucket, so it is read from the origin).
const paths = [];
const ONLY = process.env.SOAK_ONLY; // "r2" or "origin", for diagnosis
for (const k of keys) for (const q of QUERIES) {
  if (ONLY !== "origin") paths.push(`/${encodeURIComponent(k)}?${q}`);
  if (ONLY !== "r2") paths.push(`/plain/${encodeURIComponent(k)}?${q}`);
}
paths.push("/photo.jpg", "/plain/photo.jpg", "/missing.jpg");
if (ONLY === "reject") paths.splice(0, paths.length, "/photo.jpg?x-oss-process=image/resize,w_10");

const RID_HEADERS = ["x-oss-request-id", "x-tos-request-id", "x-qs-request-id", "x-obs-request-id", "x-cos-request-id", "x-reqid", "x-request-id", "x-amz-request-id"];
/** A response as compared between runs: status and body, with this response's own
 * request id (which error bodies repeat) and the native answer's read time masked. */
async function answer(path, r) {
  let body = await r.text();
  for (const h of RID_HEADERS) {
    const id = r.headers.get(h);
    if (id) body = body.split(id).join("<request-id>");
  }
  return canonical(path, r.status, body);
}

// Answers that legitimately differ between two requests: request ids, timings.
function canonical(path, status, body) {
  if (path.includes("?info") || path.endsWith("&info")) {
    try { const j = JSON.parse(body); if (j.read) delete j.read.ms; return `${status} ${JSON.stringify(j)}`; } catch {}
  }
  return `${status} ${body}`;
}

const baseline = new Map();
for (const p of paths) {
  const r = await fetch(w.url + p);
  baseline.set(p, await answer(p, r));
}
const baseStatuses = {};
for (const v of baseline.values()) { const s = v.slice(0, 3); baseStatuses[s] = (baseStatuses[s] ?? 0) + 1; }

/** The workerd process Miniflare started for this run (a child of this process). */
function workerdPid() {
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (comm.startsWith("workerd") && ppid === process.pid) return Number(d);
    } catch {}
  }
  throw new Error("no workerd child process found");
}
const pid = workerdPid();
const cpuTicks = () => { const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" "); return Number(f[11]) + Number(f[12]); };
const rssKiB = () => Number(readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+)/)[1]);

const rss0 = rssKiB();
const cpu0 = cpuTicks();
const lat = [];
const statuses = {};
let mismatches = 0, fiveXX = 0, errors = 0, n = 0;
const memSamples = [];
const end = Date.now() + SECONDS * 1000;
const memTimer = setInterval(() => memSamples.push(rssKiB()), 1000);
let next = 0;
await Promise.all(Array.from({ length: CLIENTS }, async () => {
  while (Date.now() < end) {
    // Round-robin over every distinct request, shared by all clients.
    const p = paths[next++ % paths.length];
    const t = performance.now();
    try {
      const r = await fetch(w.url + p);
      const got = await answer(p, r);
      lat.push(performance.now() - t);
      statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      if (r.status >= 500) fiveXX++;
      if (got !== baseline.get(p)) { mismatches++; if (mismatches < 5) console.error("mismatch", p, r.status); }
    } catch (e) { errors++; }
    n++;
  }
}));
clearInterval(memTimer);
const cpuMs = ((cpuTicks() - cpu0) * 1000) / CLK_TCK;
const rss1 = rssKiB();
lat.sort((a, b) => a - b);
const q = (x) => lat[Math.min(lat.length - 1, Math.floor(x * lat.length))].toFixed(1);
const result = {
  note: "rssKiBPerRequest is our workerd's RSS growth per request; floor is a trivial JS Worker under the same load",
  machine: `${cpus().length} × ${cpus()[0].model}`,
  clients: CLIENTS, seconds: SECONDS, distinctRequests: paths.length, requests: n,
  rps: (n / SECONDS).toFixed(0), p50ms: q(0.5), p99ms: q(0.99), cpuMsPerRequest: (cpuMs / n).toFixed(3),
  statusesAlone: baseStatuses, statuses, fiveXX, mismatches, clientErrors: errors,
  rssKiB: { before: rss0, max: Math.max(...memSamples, rss1), after: rss1, perSecond: memSamples },
};
await w.close();
await origin.close();

// The floor: the same load on a trivial JS Worker in the same runtime. workerd under
// Miniflare grows its RSS with request count on its own (measured ~6 KB a request with
// nothing but a console.log), so memory is judged against this, not against zero.
{
  const { Miniflare } = await import("miniflare");
  const mf = new Miniflare({
    modules: true,
    compatibilityDate: "2026-05-01",
    script: `export default { fetch(req) { console.log(JSON.stringify({ url: req.url })); return new Response("<Error/>", { status: 400 }); } }`,
  });
  const url = (await mf.ready).toString().replace(/\/$/, "");
  const fpid = workerdPid();
  const frss = () => Number(readFileSync(`/proc/${fpid}/status`, "utf8").match(/VmRSS:\s+(\d+)/)[1]);
  const before = frss();
  const fend = Date.now() + SECONDS * 1000;
  let fn = 0;
  await Promise.all(Array.from({ length: CLIENTS }, async () => {
    while (Date.now() < fend) { const r = await fetch(url + "/x"); await r.text(); fn++; }
  }));
  const after = frss();
  await mf.dispose();
  result.floor = { requests: fn, rssKiB: { before, after }, kibPerRequest: ((after - before) / fn).toFixed(2) };
  result.rssKiBPerRequest = ((rss1 - rss0) / n).toFixed(2);
}
rmSync(dir, { recursive: true, force: true });
mkdirSync(join(ROOT, "bench", "out"), { recursive: true });
writeFileSync(join(ROOT, "bench", "out", "soak.json"), JSON.stringify(result, null, 2));
console.log(JSON.stringify(result, null, 2));
const ok = fiveXX === 0 && mismatches === 0 && errors === 0;
console.log(ok ? "soak: OK" : "soak: FAILED");
process.exit(ok ? 0 : 1);

// Load test (README "Load test"): 50 concurrent keep-alive clients for 30 s against the
// built Worker in workerd (Miniflare's API, no DevTools inspector), with a mix of valid,
// broken and missing keys in every dialect, read from R2 and from a local Range-honouring
// origin. Checks: no 5xx, no Worker exception in the runtime's log, every answer
// byte-identical (status and body) to the same request made alone, and memory steady
// (below). Reports requests/s, p50/p99 latency, workerd CPU per request under load
// (utime+stime from /proc), and the CPU of each request of the mix made alone (p50/p99
// of the isolate thread's schedstat time, against the free plan's 10 ms).
//
// Memory steady, judged after --warmup seconds of the same load (answers not judged
// then), over the second half of the --seconds run: (1) the Worker's WebAssembly memory
// (`wasmMemKiB` of its log lines), which only ever grows, does not grow; (2) workerd's
// RSS grows per request no more than MEM_MARGIN times (plus one RSS_STEP_KIB) that of a
// floor Worker doing the same I/O (bench/floor.js: one 68 KiB ranged read from R2, or
// the origin for keys R2 lacks) over the same stretch of requests, in a fresh runtime
// right after. workerd's RSS grows under any load, with no Worker code at all, for a
// minute or two (the V8 heaps of every isolate in the process, the local R2 simulator's
// and Miniflare's entry worker's among them, growing to their working size; allocator
// caches), so the floor, not zero, is the reference, and the warm-up comes first.
//
//   node bench/soak.mjs [--clients 50] [--seconds 30] [--warmup 60] [--reps 3]   (after scripts/build.sh)
//   SOAK_ONLY=r2|origin|reject   only R2 keys, only origin keys, or one request that reads nothing
import { readFileSync, writeFileSync, mkdtempSync, copyFileSync, readdirSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir, cpus } from "node:os";
import { join } from "node:path";
import { Miniflare } from "miniflare";
import { startWorker } from "../tests/support/worker.mjs";
import { startOrigin } from "../tests/support/origin.mjs";
import { ROOT, COMPATIBILITY_DATE, FREE_PLAN_CPU_MS, childWorkerd, cpuMs, rssKiB, cpuSamples, q } from "./lib.mjs";

const arg = (n, d) => { const i = process.argv.indexOf(`--${n}`); return i > 0 ? Number(process.argv[i + 1]) : d; };
const CLIENTS = arg("clients", 50);
const SECONDS = arg("seconds", 30);
const REPS = arg("reps", 3);
const WARMUP = arg("warmup", 60);
/** RSS growth per request allowed above the floor's, as a factor, plus one RSS_STEP_KIB
 * over the requests of the half: workerd's RSS moves in steps of tens of MiB (heap and
 * arena growth), so one step more or less in a half-run is noise, not a leak. A leak
 * that matters (a 64 KiB read buffer kept per request) is far above both. */
const MEM_MARGIN = 1.5;
const RSS_STEP_KIB = 32 * 1024;

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

/** Reads the runtime's output line by line: the Worker's log lines (wasm memory) and errors. */
const runtime = { lines: 0, wasmKiB: 0, errors: [] };
function stdio(out, err) {
  const lines = (stream, each) => {
    let buf = "";
    stream.on("data", (d) => {
      buf += d;
      let i;
      while ((i = buf.indexOf("\n")) >= 0) {
        each(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
    });
  };
  lines(out, (l) => {
    runtime.lines++;
    const m = l.match(/"wasmMemKiB":(\d+)/);
    if (m) runtime.wasmKiB = Math.max(runtime.wasmKiB, Number(m[1]));
  });
  // The Worker logs errors (a 500's line, a panic) with console.error; workerd prints
  // uncaught exceptions here too.
  lines(err, (l) => { if (l.trim()) runtime.errors.push(l.slice(0, 300)); });
}

const origin = await startOrigin(dir);
const w = await startWorker({ bindings: { ORIGIN: `${origin.url}/o`, INFO_CACHE_TTL: "0" }, seed: false, stdio });
const objects = [["truncated.jpg", join(dir, "truncated.jpg")], ...samples.map((f) => [f, join(dir, f)])];
for (const [k, p] of objects) await w.r2.put(k, new Uint8Array(readFileSync(p)));

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

const [pid] = childWorkerd();
if (!pid) throw new Error("no workerd child process found");
const ctx = { url: w.url, pids: [pid] };

// Every distinct request alone: its answer (the reference under load) and its CPU.
const baseline = new Map();
const cpuAlone = [];
for (const p of paths) {
  const r = await fetch(w.url + p);
  baseline.set(p, await answer(p, r));
  cpuAlone.push(...(await cpuSamples(ctx, w.url + p, REPS)));
}
const baseStatuses = {};
for (const v of baseline.values()) { const s = v.slice(0, 3); baseStatuses[s] = (baseStatuses[s] ?? 0) + 1; }


/**
 * `CLIENTS` clients for `seconds` (or until `requests` were sent) over `paths`
 * (round-robin, shared) against `url`; `check(path, response)` judges each answer.
 * Samples RSS, cumulative requests and the Worker's wasm memory every second.
 */
async function load(url, rssOf, check, seconds = SECONDS, requests = Infinity) {
  const lat = [];
  const mem = [];
  let n = 0, next = 0;
  const t0 = Date.now();
  const end = t0 + seconds * 1000;
  const timer = setInterval(() => mem.push({ t: (Date.now() - t0) / 1000, rssKiB: rssOf(), requests: n, wasmKiB: runtime.wasmKiB }), 1000);
  await Promise.all(Array.from({ length: CLIENTS }, async () => {
    while (Date.now() < end && next < requests) {
      const p = paths[next++ % paths.length];
      const t = performance.now();
      try {
        const r = await fetch(url + p);
        await check(p, r);
        lat.push(performance.now() - t);
      } catch (e) { check.errors = (check.errors ?? 0) + 1; }
      n++;
    }
  }));
  clearInterval(timer);
  return { n, lat, mem };
}

/** Least-squares slope of RSS (KiB) against requests over the second half of the samples. */
function secondHalfSlope(mem, from = Math.floor(mem.length / 2)) {
  const s = mem.slice(from);
  if (s.length < 3) return NaN;
  const mx = s.reduce((a, x) => a + x.requests, 0) / s.length;
  const my = s.reduce((a, x) => a + x.rssKiB, 0) / s.length;
  let num = 0, den = 0;
  for (const x of s) { num += (x.requests - mx) * (x.rssKiB - my); den += (x.requests - mx) ** 2; }
  return den ? num / den : NaN;
}

const statuses = {};
let mismatches = 0, fiveXX = 0;
const check = async (p, r) => {
  const got = await answer(p, r);
  statuses[r.status] = (statuses[r.status] ?? 0) + 1;
  if (r.status >= 500) fiveXX++;
  if (got !== baseline.get(p)) { mismatches++; if (mismatches < 5) console.error("mismatch", p, r.status); }
};
// Warm-up: the same load, answers not judged. workerd's RSS grows steeply in the first
// tens of seconds of any load (every isolate's V8 heap growing to its working size),
// with or without this Worker; memory is judged after it.
const drain = async (_, r) => { await r.arrayBuffer(); };
const warm = WARMUP > 0 ? await load(w.url, () => rssKiB(pid), drain, WARMUP) : { n: 0 };
const rss0 = rssKiB(pid);
const cpu0 = cpuMs([pid]);
const ours = await load(w.url, () => rssKiB(pid), check);
const errors = check.errors ?? 0;
const cpuUsedMs = cpuMs([pid]) - cpu0;
const rss1 = rssKiB(pid);
const n = ours.n;
const lat = ours.lat.sort((a, b) => a - b);
const lq = (x) => lat[Math.min(lat.length - 1, Math.floor(x * lat.length))].toFixed(1);
const half = ours.mem[Math.floor(ours.mem.length / 2) - 1] ?? ours.mem[0];
const wasm = {
  afterFirstHalfKiB: half?.wasmKiB ?? null,
  endKiB: runtime.wasmKiB,
  perSecond: ours.mem.map((m) => m.wasmKiB),
};
const logLines = runtime.lines;
const workerErrors = runtime.errors.filter((l) => /"status":5\d\d|panicked|Uncaught|Error/.test(l));
const result = {
  machine: `${cpus().length} × ${cpus()[0].model}`,
  clients: CLIENTS, seconds: SECONDS, warmupSeconds: WARMUP, distinctRequests: paths.length, requests: n,
  rps: Number((n / SECONDS).toFixed(0)), p50ms: Number(lq(0.5)), p99ms: Number(lq(0.99)),
  cpuMsPerRequestUnderLoad: Number((cpuUsedMs / n).toFixed(3)),
  cpuAlone: {
    note: `each of the ${paths.length} distinct requests made alone ${REPS} times: schedstat time of workerd's main thread (the isolate's, what Workers bill; it also runs the local R2 simulator)`,
    requests: cpuAlone.length,
    p50ms: Number(q(cpuAlone, 50).toFixed(3)),
    p99ms: Number(q(cpuAlone, 99).toFixed(3)),
    maxMs: Number(Math.max(...cpuAlone).toFixed(3)),
    overFreePlan: cpuAlone.filter((x) => x > FREE_PLAN_CPU_MS).length,
  },
  statusesAlone: baseStatuses, statuses, fiveXX, mismatches, clientErrors: errors,
  logLines, workerErrors: workerErrors.slice(0, 5), workerErrorCount: workerErrors.length,
  wasmMemKiB: wasm,
  rssKiB: { before: rss0, after: rss1, perSecond: ours.mem.map((m) => m.rssKiB), secondHalfKiBPerRequest: Number(secondHalfSlope(ours.mem).toFixed(2)), wholeKiBPerRequest: Number(secondHalfSlope(ours.mem, 0).toFixed(2)) },
};
await w.close();

// The floor: bench/floor.js doing one ranged read per request from the same objects (R2,
// else the origin), under the same load, in a fresh runtime.
{
  const mf = new Miniflare({
    modules: true,
    scriptPath: join(ROOT, "bench", "floor.js"),
    compatibilityDate: COMPATIBILITY_DATE,
    r2Buckets: { BUCKET: "imginfo-soak-floor" },
    bindings: { READ: "1", ORIGIN: `${origin.url}/o` },
    handleRuntimeStdio(out, err) { out.resume(); err.resume(); },
  });
  const url = (await mf.ready).toString().replace(/\/$/, "");
  const bucket = await mf.getR2Bucket("BUCKET");
  for (const [k, p] of objects) await bucket.put(k, new Uint8Array(readFileSync(p)));
  const [fpid] = childWorkerd();
  // The same number of requests as ours, warm-up and measured window alike, so both
  // RSS curves are compared over the same stretch of requests (the floor is faster:
  // the same seconds would take it further along its own warm-up).
  const cap = 10 * (SECONDS + WARMUP);
  if (warm.n > 0) await load(url, () => rssKiB(fpid), drain, cap, warm.n);
  const before = rssKiB(fpid);
  const floor = await load(url, () => rssKiB(fpid), drain, cap, n);
  const after = rssKiB(fpid);
  await mf.dispose();
  result.floor = {
    worker: "bench/floor.js, READ=1",
    requests: floor.n,
    rssKiB: { before, after, perSecond: floor.mem.map((m) => m.rssKiB), secondHalfKiBPerRequest: Number(secondHalfSlope(floor.mem).toFixed(2)), wholeKiBPerRequest: Number(secondHalfSlope(floor.mem, 0).toFixed(2)) },
  };
}
await origin.close();
rmSync(dir, { recursive: true, force: true });

const wasmFlat = wasm.afterFirstHalfKiB !== null && wasm.endKiB === wasm.afterFirstHalfKiB && wasm.endKiB > 0;
const ours2 = result.rssKiB.secondHalfKiBPerRequest;
const floor2 = result.floor.rssKiB.secondHalfKiBPerRequest;
const halfRequests = n - (half?.requests ?? 0);
const allowed = Math.max(floor2, 0) * MEM_MARGIN + RSS_STEP_KIB / Math.max(halfRequests, 1);
const rssSteady = ours2 <= allowed;
result.memory = {
  criterion: `after ${WARMUP} s of warm-up, in the second half of the run: the Worker's wasm memory does not grow, and workerd's RSS grows per request no more than ${MEM_MARGIN} × the same-I/O floor's over the same requests, plus one ${RSS_STEP_KIB / 1024} MiB step`,
  wasmFlat,
  rssSecondHalfKiBPerRequest: { ours: ours2, floor: floor2, allowed: Number(allowed.toFixed(2)) },
  rssSteady,
  steady: wasmFlat && rssSteady,
};
mkdirSync(join(ROOT, "bench", "out"), { recursive: true });
writeFileSync(join(ROOT, "bench", "out", "soak.json"), JSON.stringify(result, null, 2));
const { perSecond: _a, ...rssShort } = result.rssKiB;
const { perSecond: _b, ...wasmShort } = result.wasmMemKiB;
console.log(JSON.stringify({ ...result, rssKiB: rssShort, wasmMemKiB: wasmShort, floor: { ...result.floor, rssKiB: { ...result.floor.rssKiB, perSecond: undefined } } }, null, 2));
const ok = fiveXX === 0 && mismatches === 0 && errors === 0 && workerErrors.length === 0 && result.memory.steady;
console.log(ok ? "soak: OK" : "soak: FAILED");
process.exit(ok ? 0 : 1);

// Helpers shared by the benchmark commands (bench/hue.mjs, bench/cpu.mjs, bench/soak.mjs):
// the workerd process Miniflare started, its CPU from /proc, the corpus, and the built
// Worker over an in-memory R2 bucket seeded with corpus files.
import { Miniflare } from "miniflare";
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
export const CORPUS = process.env.IMGINFO_CORPUS ?? join(ROOT, "..", "shared", "corpus");
export const BUILD = process.env.IMGINFO_BUILD_DIR ?? join(ROOT, "build");
// IMGINFO_BUILD_DIR / IMGINFO_HUE_BUILD_DIR: other builds of the info and hue Workers
// (A/B runs while profiling).
export const BUILD_HUE = process.env.IMGINFO_HUE_BUILD_DIR ?? join(ROOT, "build-hue");
/** Miniflare's rule for worker-build's output: the .wasm is a compiled module. */
export const WASM_RULES = [{ type: "CompiledWasm", include: ["**/*.wasm"] }];
export const COMPATIBILITY_DATE = "2026-05-01";
/** CPU time per request of the Workers free plan. */
export const FREE_PLAN_CPU_MS = 10;

/** The workerd processes this process started (Miniflare's children). */
export function childWorkerd() {
  const found = [];
  for (const p of readdirSync("/proc")) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const s = readFileSync(`/proc/${p}/stat`, "utf8");
      const comm = s.slice(s.indexOf("(") + 1, s.lastIndexOf(")"));
      const ppid = s.slice(s.lastIndexOf(")") + 2).split(" ")[1];
      if (comm === "workerd" && ppid === String(process.pid)) found.push(Number(p));
    } catch {
      // raced with exit
    }
  }
  return found;
}

/** Clock ticks per second of /proc's utime and stime (Linux's USER_HZ). */
const CLK_TCK = 100;

/** utime+stime of the processes (all threads, live and exited), in ms. */
export function cpuMs(pids) {
  let ticks = 0;
  for (const pid of pids) {
    const s = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
    ticks += Number(f[11]) + Number(f[12]);
  }
  return (ticks * 1000) / CLK_TCK;
}

/** Time on CPU of each process's main thread (the isolate's: what Workers bill), ms. */
export function schedMs(pids) {
  let ns = 0;
  for (const pid of pids) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, "utf8").split(" ")[0]);
    } catch {
      // gone
    }
  }
  return ns / 1e6;
}

/** Resident memory of a process, KiB. */
export function rssKiB(pid) {
  return Number(readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+)/)[1]);
}

export const keyPath = (rel) => "/" + rel.split("/").map(encodeURIComponent).join("/");

/** Nearest-rank percentile `p` (0-100) of `v`. */
export const q = (v, p) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.round(((s.length - 1) * p) / 100))] : NaN;
};

/** GET without compression (workerd would gzip the answers): status, body, Server-Timing. */
export async function get(url) {
  const res = await fetch(url, { headers: { "accept-encoding": "identity" } });
  const body = await res.text();
  return { status: res.status, body, timing: res.headers.get("server-timing") ?? "" };
}

/** CPU of the isolate's thread for each of `reps` serial requests of `url`, ms. */
export async function cpuSamples(ctx, url, reps) {
  const out = [];
  for (let i = 0; i < reps; i++) {
    const s0 = schedMs(ctx.pids);
    await get(typeof url === "function" ? url(i) : url);
    out.push(schedMs(ctx.pids) - s0);
  }
  return out;
}

/** Corpus files from truth/summary.json: `{rel, format, size, pixels, valid}`. */
export function corpusFiles() {
  const summary = JSON.parse(readFileSync(join(CORPUS, "truth", "summary.json"), "utf8"));
  return Object.entries(summary).map(([rel, t]) => ({
    rel,
    format: rel.split("/")[0],
    size: t.file_size,
    pixels: (t.width ?? 0) * (t.height ?? 0),
    valid: t.category === "valid",
  }));
}

/**
 * The built Workers in workerd as deployed (scripts/build.sh: the info Worker, build/,
 * with its HUE service binding to the hue Worker, build-hue/), or with `direct` the hue
 * Worker alone, over an in-memory R2 bucket holding `files` (corpus paths), Cache API
 * off: `{url, pids, mf, startToReadyMs}`.
 */
export async function startCorpusWorker(files, { bindings = {}, direct = false } = {}) {
  for (const dir of direct ? [BUILD_HUE] : [BUILD, BUILD_HUE]) {
    if (!existsSync(join(dir, "index.js"))) throw new Error(`${dir}/index.js missing: run scripts/build.sh first`);
  }
  const worker = (name, dir) => ({
    name,
    modules: true,
    scriptPath: join(dir, "index.js"),
    modulesRoot: dir,
    modulesRules: WASM_RULES,
    compatibilityDate: COMPATIBILITY_DATE,
    r2Buckets: { BUCKET: "imginfo-corpus-bench" },
    bindings: { ORIGIN: "", INFO_CACHE_TTL: "0", ...bindings },
  });
  const t0 = performance.now();
  const mf = new Miniflare({
    workers: direct
      ? [worker("hue", BUILD_HUE)]
      : [{ ...worker("info", BUILD), serviceBindings: { HUE: "hue" } }, worker("hue", BUILD_HUE)],
    handleRuntimeStdio(out, err) {
      out.resume();
      err.resume();
    },
  });
  const url = (await mf.ready).toString().replace(/\/$/, "");
  const startToReadyMs = performance.now() - t0;
  const bucket = await mf.getR2Bucket("BUCKET");
  for (const f of files) await bucket.put(f.rel, new Uint8Array(readFileSync(join(CORPUS, "images", f.rel))));
  const pids = childWorkerd();
  if (!pids.length) throw new Error("no workerd child process found");
  return { mf, url, pids, startToReadyMs };
}

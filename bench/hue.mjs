// Average-colour benchmark in workerd: the two Workers as deployed (scripts/build.sh: the
// info Worker, build/, passing these requests through its HUE service binding to the hue
// Worker, build-hue/) answer `?x-oss-process=image/average-hue` for every valid corpus
// file from a local R2 bucket; `--direct` asks the hue Worker itself (no info Worker in
// front). Per file: CPU of the isolate thread per request (workerd main-thread
// schedstat delta: both Workers' isolates run on it, so the pair's figure is the info
// Worker's pass-through plus the hue Worker's answer, each billed to its own Worker in
// production; median of --reps serial requests),
// ranged reads and bytes per request (Server-Timing), method (`?info&hue`). Then
// requests/s with --conc concurrent clients for --duration seconds. Prints a per-format
// table (CPU p50/p99, bytes read as a share of the file), the slowest files, and which
// JPEG sizes stay under the free plan's 10 ms CPU; writes bench/out/hue.json.
//
//   bash scripts/build.sh && node bench/hue.mjs [--reps 5] [--conc 8] [--duration 10] [--direct]
//
// Standalone (its own Miniflare, in-memory R2, the same /proc measurements as the
// main benchmark, bench/run.mjs); `measureHue(ctx, files, reps)` is exported so a
// harness that already runs a Worker can call it with `{url, pids}`.
import { writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ROOT, FREE_PLAN_CPU_MS, keyPath, q, get, cpuSamples, corpusFiles, startCorpusWorker } from "./lib.mjs";

const QUERY = "?x-oss-process=image/average-hue";

/** Per file: CPU samples, reads, bytes, method, status. `ctx = {url, pids}`. */
export async function measureHue(ctx, files, reps = 5) {
  const out = [];
  for (const f of files) {
    const u = ctx.url + keyPath(f.rel);
    const n = await get(u + "?info&hue");
    let method = null;
    try {
      method = JSON.parse(n.body).averageColor?.method ?? null;
    } catch {
      method = null;
    }
    const first = await get(u + QUERY);
    const m = first.timing.match(/read;desc="(\d+) ranges?, (\d+) B"/);
    // An unknown parameter per request: no Cache API hit.
    const cpu = await cpuSamples(ctx, (i) => u + QUERY + `&r=${i}`, reps);
    out.push({
      ...f,
      status: first.status,
      answer: first.status === 200 ? first.body : first.body.slice(0, 160),
      method,
      reads: m ? Number(m[1]) : null,
      bytes: m ? Number(m[2]) : null,
      cpuMs: q(cpu, 50),
      cpuSamples: cpu,
    });
  }
  return out;
}

/** Requests/s with `conc` clients cycling over `paths` for `seconds`. */
export async function throughput(url, paths, conc, seconds) {
  let n = 0;
  let bad = 0;
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: conc }, async (_, c) => {
      let i = Math.floor((c * paths.length) / conc);
      while (performance.now() < end) {
        const r = await get(url + paths[i++ % paths.length] + `&c=${c}-${i}`);
        if (r.status !== 200) bad++;
        n++;
      }
    }),
  );
  return { requests: n, rps: n / seconds, non200: bad };
}

async function main() {
  const argv = process.argv.slice(2);
  const opt = (k, d) => {
    const i = argv.indexOf(`--${k}`);
    return i >= 0 ? argv[i + 1] : d;
  };
  const reps = Number(opt("reps", 5));
  const conc = Number(opt("conc", 8));
  const duration = Number(opt("duration", 10));
  const direct = argv.includes("--direct");
  const files = corpusFiles().filter((f) => f.valid);
  // No Cache API: every request computes its answer.
  const ctx = await startCorpusWorker(files, { direct });
  const { mf, url } = ctx;
  const tFirst0 = performance.now();
  const firstAnswer = await get(url + keyPath(files[0].rel) + QUERY);
  const cold = { startToReady: ctx.startToReadyMs, firstMs: performance.now() - tFirst0, status: firstAnswer.status };
  console.log(`[hue] ${direct ? "hue Worker alone" : "info Worker → HUE binding → hue Worker"}: workerd start → ready ${cold.startToReady.toFixed(0)} ms, first average-hue answer ${cold.firstMs.toFixed(0)} ms`);
  console.log(`[hue] ${files.length} valid corpus files, ${reps} serial requests each`);
  const rows = await measureHue(ctx, files, reps);
  const ok = rows.filter((r) => r.status === 200);
  const paths = ok.map((r) => keyPath(r.rel) + QUERY);
  console.log(`[hue] load: ${conc} clients for ${duration}s over ${paths.length} answered files`);
  const load = await throughput(url, paths, conc, duration);
  await mf.dispose();

  const lines = [];
  lines.push(`| format | files | answered | method | CPU ms p50 | CPU ms p99 | reads/req | bytes/req | bytes read / file |`);
  lines.push(`|---|---|---|---|---|---|---|---|---|`);
  for (const fmt of [...new Set(rows.map((r) => r.format))].sort()) {
    const all = rows.filter((r) => r.format === fmt);
    const a = all.filter((r) => r.status === 200);
    const methods = [...new Set(a.map((r) => r.method))].join(", ") || "–";
    const cpu = a.map((r) => r.cpuMs);
    const bytes = a.reduce((s, r) => s + r.bytes, 0);
    const size = a.reduce((s, r) => s + r.size, 0);
    lines.push(
      `| ${fmt} | ${all.length} | ${a.length} | ${methods} | ${a.length ? q(cpu, 50).toFixed(2) : "–"} | ${a.length ? q(cpu, 99).toFixed(2) : "–"} | ${a.length ? (a.reduce((s, r) => s + r.reads, 0) / a.length).toFixed(2) : "–"} | ${a.length ? Math.round(bytes / a.length) : "–"} | ${size ? ((100 * bytes) / size).toFixed(1) + " %" : "–"} |`,
    );
  }
  const cpuAll = ok.map((r) => r.cpuMs);
  lines.push("");
  lines.push(`All answered${direct ? " (the hue Worker alone)" : " (info Worker passing to the hue Worker: both Workers' CPU)"}: CPU p50 ${q(cpuAll, 50).toFixed(2)} ms, p99 ${q(cpuAll, 99).toFixed(2)} ms; ${load.rps.toFixed(1)} requests/s with ${conc} clients (${load.non200} non-200).`);
  lines.push("");
  lines.push("Slowest files (CPU ms, bytes read of the file, method):");
  for (const r of [...ok].sort((x, y) => y.cpuMs - x.cpuMs).slice(0, 8)) {
    lines.push(`- ${r.cpuMs.toFixed(2)} ms  ${r.bytes} of ${r.size} B  ${(r.pixels / 1e6).toFixed(1)} MP  ${r.method}  ${r.rel}`);
  }
  const jpeg = ok.filter((r) => r.format === "jpeg").sort((x, y) => x.size - y.size);
  const over = jpeg.filter((r) => r.cpuMs > FREE_PLAN_CPU_MS);
  const under = jpeg.filter((r) => r.cpuMs <= FREE_PLAN_CPU_MS);
  lines.push("");
  lines.push(`JPEG under ${FREE_PLAN_CPU_MS} ms CPU: ${under.length} of ${jpeg.length}, largest ${under.length ? Math.max(...under.map((r) => r.size)) : 0} B; over: ${over.map((r) => `${r.rel} (${r.size} B, ${r.cpuMs.toFixed(1)} ms)`).join(", ") || "none"}.`);
  console.log(lines.join("\n"));
  mkdirSync(join(ROOT, "bench", "out"), { recursive: true });
  writeFileSync(join(ROOT, "bench", "out", direct ? "hue-direct.json" : "hue.json"), JSON.stringify({ direct, cold, rows, load, conc, duration, reps }, null, 1));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}

// Where the time goes: runs one Worker (ours or the peer) in workerd with the V8
// inspector on, takes a CPU profile (V8 sampling profiler over the inspector protocol)
// while it answers every valid corpus file `--rounds` times, serially or with
// `--conc` connections, and prints self time by function and by kind (WASM, JS glue,
// runtime builtins, GC). The inspector slows everything down: read the shares, not the
// absolute figures (bench/run.mjs measures those without it). The profile is saved as
// bench/out/<worker>-<source>.cpuprofile (open it in Chrome DevTools). Build with
// IMGINFO_KEEP_NAMES=1 bash scripts/build.sh to see WASM function names.
//
//   node --experimental-websocket bench/profile.mjs [--worker ours|peer] [--source origin|r2]
//        [--rounds N] [--conc N] [--top N] [--build DIR]
import { Miniflare } from "miniflare";
import { readFileSync, writeFileSync, mkdirSync, existsSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { homedir } from "node:os";
import { startOrigin } from "./origin.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const OUT = join(ROOT, "bench", "out");
const argv = process.argv.slice(2);
const opt = (n, d) => (argv.includes(`--${n}`) ? argv[argv.indexOf(`--${n}`) + 1] : d);
const worker = opt("worker", "ours");
const buildDir = opt("build", join(ROOT, "build"));
const source = opt("source", "origin");
const rounds = Number(opt("rounds", 3));
const conc = Number(opt("conc", 1));
const top = Number(opt("top", 40));
const CORPUS = process.env.IMGINFO_CORPUS ?? join(ROOT, "..", "shared", "corpus");
const STATE = process.env.IMGINFO_BENCH_STATE ?? join(homedir(), ".cache", "imginfo-edge", "bench");
const WS = globalThis.WebSocket ?? (await import("ws")).default;

const truth = JSON.parse(readFileSync(join(CORPUS, "truth", "summary.json"), "utf8"));
const keys = Object.keys(truth).filter((k) => truth[k].category === "valid").sort();
const origin = await startOrigin(join(CORPUS, "images"));
const port = 9300 + Math.floor(Math.random() * 500);
const common = {
  compatibilityDate: "2026-05-01",
  inspectorPort: port,
  r2Buckets: source === "r2" ? { BUCKET: "imginfo-bench" } : {},
  r2Persist: join(STATE, "r2"),
  handleRuntimeStdio(out, err) {
    out.resume();
    err.resume();
  },
};
const mf =
  worker === "peer"
    ? new Miniflare({
        ...common,
        modules: [{ type: "ESModule", path: join(OUT, "peer", "index.js") }],
        bindings: { ORIGIN: source === "origin" ? `${origin.url}/c` : "" },
      })
    : new Miniflare({
        ...common,
        modules: true,
        scriptPath: join(buildDir, "index.js"),
        modulesRoot: buildDir,
        modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"] }],
        bindings: {
          ORIGIN: source === "origin" ? `${origin.url}/c` : "",
          MAX_READ_BYTES: "4194304",
          ORIGIN_TIMEOUT_MS: "10000",
          INFO_CACHE_TTL: "0",
        },
      });
const url = (await mf.ready).toString().replace(/\/$/, "");
const path = (k) => "/" + k.split("/").map(encodeURIComponent).join("/") + "?x-oss-process=image/info";
for (const k of keys) await (await fetch(url + path(k))).arrayBuffer(); // warm

const targets = await (await fetch(`http://127.0.0.1:${port}/json`)).json();
const target = targets.find((t) => t.title?.includes("core:user")) ?? targets[0];
const ws = new WS(target.webSocketDebuggerUrl);
await new Promise((ok, fail) => {
  ws.onopen = ok;
  ws.onerror = fail;
});
let id = 0;
const pending = new Map();
ws.onmessage = (ev) => {
  const m = JSON.parse(typeof ev.data === "string" ? ev.data : ev.data.toString());
  if (m.id && pending.has(m.id)) {
    pending.get(m.id)(m.result);
    pending.delete(m.id);
  }
};
const cdp = (method, params = {}) =>
  new Promise((ok) => {
    const i = ++id;
    pending.set(i, ok);
    ws.send(JSON.stringify({ id: i, method, params }));
  });
await cdp("Profiler.enable");
await cdp("Profiler.setSamplingInterval", { interval: 50 });
await cdp("Profiler.start");
const t0 = performance.now();
let n = 0;
const queue = [];
for (let r = 0; r < rounds; r++) queue.push(...keys);
await Promise.all(
  Array.from({ length: conc }, async () => {
    while (queue.length) {
      const k = queue.shift();
      await (await fetch(url + path(k))).arrayBuffer();
      n++;
    }
  }),
);
const wall = performance.now() - t0;
const { profile } = await cdp("Profiler.stop");
ws.close();
await mf.dispose();
await origin.close();
mkdirSync(OUT, { recursive: true });
writeFileSync(join(OUT, `${worker}-${source}.cpuprofile`), JSON.stringify(profile));

// Self time per node from the samples.
const byId = new Map(profile.nodes.map((x) => [x.id, x]));
const self = new Map();
for (let i = 0; i < profile.samples.length; i++) {
  const dt = profile.timeDeltas[i + 1] ?? 0;
  self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + dt);
}
const fnTotals = new Map();
const kinds = new Map();
let total = 0;
for (const [nid, us] of self) {
  const node = byId.get(nid);
  const cf = node.callFrame;
  const name = cf.functionName || "(anonymous)";
  const isWasm = cf.url?.startsWith("wasm://") || /^\$?[a-z_]+::|wasm-function/.test(name);
  const kind = name === "(idle)" ? "idle"
    : name === "(program)" ? "runtime (program)"
    : name === "(garbage collector)" ? "GC"
    : isWasm ? "WASM"
    : cf.url ? `JS ${cf.url.split("/").pop()}`
    : "builtins/native";
  kinds.set(kind, (kinds.get(kind) ?? 0) + us);
  if (kind !== "idle") total += us;
  const key = `${name.slice(0, 110)}  [${kind}]`;
  fnTotals.set(key, (fnTotals.get(key) ?? 0) + us);
}
console.log(`${worker} × ${source}: ${n} requests in ${wall.toFixed(0)} ms with the inspector on; isolate busy ${(total / 1000).toFixed(0)} ms = ${(total / 1000 / n).toFixed(3)} ms per request`);
console.log("\nby kind (share of busy time):");
for (const [k, us] of [...kinds].sort((a, b) => b[1] - a[1])) if (k !== "idle") console.log(`  ${((100 * us) / total).toFixed(1).padStart(5)} %  ${k}`);
console.log(`\ntop ${top} functions by self time:`);
for (const [k, us] of [...fnTotals].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  if (k.startsWith("(idle)")) continue;
  console.log(`  ${((100 * us) / total).toFixed(1).padStart(5)} %  ${(us / n).toFixed(1).padStart(6)} µs/req  ${k}`);
}

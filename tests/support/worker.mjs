// Runs the built Worker (build/index.js + wasm, from scripts/build.sh) in workerd through
// Miniflare's API, with a real local R2 bucket (in memory per instance) seeded from samples/.
import { Miniflare } from "miniflare";
import { join, dirname } from "node:path";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { seedSamples } from "./seed.mjs";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const COMPATIBILITY_DATE = "2026-05-01";

export async function startWorker({ bindings = {}, bucket = true, seed = true } = {}) {
  const script = join(ROOT, "build", "index.js");
  if (!existsSync(script)) throw new Error("build/index.js missing: run scripts/build.sh first");
  const mf = new Miniflare({
    modules: true,
    scriptPath: script,
    modulesRoot: join(ROOT, "build"),
    modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"] }],
    compatibilityDate: COMPATIBILITY_DATE,
    r2Buckets: bucket ? { BUCKET: "imginfo-test" } : {},
    bindings: { ORIGIN: "", MAX_READ_BYTES: "4194304", ORIGIN_TIMEOUT_MS: "5000", ...bindings },
  });
  const url = await mf.ready;
  const r2 = bucket ? await mf.getR2Bucket("BUCKET") : null;
  if (r2 && seed) await seedSamples(r2);
  const get = (path, init) => fetch(new URL(path, url), init);
  return { mf, url: url.toString().replace(/\/$/, ""), r2, get, close: () => mf.dispose() };
}

/** Parses `Server-Timing: read;desc="2 ranges, 70144 B";dur=3.1, parse;dur=0.4`. */
export function readCost(res) {
  const st = res.headers.get("server-timing") ?? "";
  const m = st.match(/read;desc="(\d+) ranges?, (\d+) B"/);
  return m ? { ranges: Number(m[1]), bytes: Number(m[2]) } : null;
}

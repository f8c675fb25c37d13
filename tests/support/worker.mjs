// Runs the built Worker (build/index.js + wasm, from scripts/build.sh) in workerd through
// Miniflare's API, with a real local R2 bucket (in memory per instance) seeded from samples/.
import { Miniflare } from "miniflare";
import { join, dirname } from "node:path";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { seedSamples } from "./seed.mjs";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const COMPATIBILITY_DATE = "2026-05-01";

/** The inspector page's static assets, as wrangler.toml's `[assets]` serves them: the
 * Worker runs first for every request and reaches the files through `env.ASSETS`. */
export const ASSETS = {
  directory: join(ROOT, "www"),
  binding: "ASSETS",
  routerConfig: { has_user_worker: true, invoke_user_worker_ahead_of_assets: true },
  assetConfig: { html_handling: "none", not_found_handling: "none" },
};

/**
 * `r2Shim: true` puts tests/support/r2-shim.mjs between the Worker and the local bucket
 * (SSE-C and storage classes, which the simulator lacks); `r2` is then the bucket itself.
 * `assets: false` leaves the inspector page out (GET / then answers plain text).
 * `upstream` (route mode tests): Miniflare rewrites each request's URL onto that origin,
 * as Cloudflare presents a routed request with the zone's URL, so `fetch(request)` in
 * the Worker reaches it.
 */
export async function startWorker({ bindings = {}, bucket = true, seed = true, r2Shim = false, assets = true, upstream } = {}) {
  const script = join(ROOT, "build", "index.js");
  if (!existsSync(script)) throw new Error("build/index.js missing: run scripts/build.sh first");
  const main = {
    name: "main",
    modules: true,
    scriptPath: script,
    modulesRoot: join(ROOT, "build"),
    modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"] }],
    compatibilityDate: COMPATIBILITY_DATE,
    bindings: { ORIGIN: "", MAX_READ_BYTES: "4194304", ORIGIN_TIMEOUT_MS: "5000", LIST_OBJECTS: "false", ...bindings },
    ...(assets ? { assets: ASSETS } : {}),
    ...(upstream ? { upstream } : {}),
  };
  let mf;
  if (r2Shim) {
    mf = new Miniflare({
      workers: [
        { ...main, wrappedBindings: { BUCKET: { scriptName: "r2-shim" } } },
        {
          name: "r2-shim",
          modules: true,
          scriptPath: join(ROOT, "tests", "support", "r2-shim.mjs"),
          r2Buckets: { INNER: "imginfo-test" },
        },
      ],
    });
  } else {
    mf = new Miniflare({ ...main, r2Buckets: bucket ? { BUCKET: "imginfo-test" } : {} });
  }
  const url = await mf.ready;
  const r2 = r2Shim ? await mf.getR2Bucket("INNER", "r2-shim") : bucket ? await mf.getR2Bucket("BUCKET") : null;
  if (r2 && seed) await seedSamples(r2);
  const get = (path, init) => fetch(new URL(path, url), init);
  return { mf, url: url.toString().replace(/\/$/, ""), port: Number(url.port), r2, get, close: () => mf.dispose() };
}

/** Parses `Server-Timing: read;desc="2 ranges, 70144 B";dur=3.1, parse;dur=0.4`. */
export function readCost(res) {
  const st = res.headers.get("server-timing") ?? "";
  const m = st.match(/read;desc="(\d+) ranges?, (\d+) B"/);
  return m ? { ranges: Number(m[1]), bytes: Number(m[2]) } : null;
}

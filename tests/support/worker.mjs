// Runs the built Workers (scripts/build.sh) in workerd through Miniflare's API, as they are
// deployed: the info Worker (build/) answering every request, with its HUE service binding
// to the hue Worker (build-hue/: average colour), both with the same bindings and one real
// local R2 bucket (in memory per instance) seeded from samples/.
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
 * `hue: false` runs the info Worker alone, without its HUE binding.
 * `stdio(stdout, stderr)`: Miniflare's `handleRuntimeStdio`, to read the runtime's output
 * (the Workers' log lines) instead of printing it.
 */
export async function startWorker({ bindings = {}, bucket = true, seed = true, r2Shim = false, assets = true, upstream, hue = true, stdio } = {}) {
  const built = (dir) => {
    const script = join(ROOT, dir, "index.js");
    if (!existsSync(script)) throw new Error(`${dir}/index.js missing: run scripts/build.sh first`);
    return {
      modules: true,
      scriptPath: script,
      modulesRoot: join(ROOT, dir),
      modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"] }],
      compatibilityDate: COMPATIBILITY_DATE,
      // The same configuration for both, as wrangler.toml and wrangler.hue.toml give it.
      bindings: { ORIGIN: "", MAX_READ_BYTES: "4194304", ORIGIN_TIMEOUT_MS: "5000", LIST_OBJECTS: "false", ...bindings },
      ...(r2Shim
        ? { wrappedBindings: { BUCKET: { scriptName: "r2-shim" } } }
        : { r2Buckets: bucket ? { BUCKET: "imginfo-test" } : {} }),
    };
  };
  const workers = [
    {
      name: "main",
      ...built("build"),
      ...(hue ? { serviceBindings: { HUE: "hue" } } : {}),
      ...(assets ? { assets: ASSETS } : {}),
    },
  ];
  if (hue) workers.push({ name: "hue", ...built("build-hue") });
  if (r2Shim) {
    workers.push({
      name: "r2-shim",
      modules: true,
      scriptPath: join(ROOT, "tests", "support", "r2-shim.mjs"),
      r2Buckets: { INNER: "imginfo-test" },
    });
  }
  // `upstream` is one of Miniflare's shared options: it applies to the entry Worker.
  const mf = new Miniflare({ workers, ...(upstream ? { upstream } : {}), ...(stdio ? { handleRuntimeStdio: stdio } : {}) });
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

// Bundles the peer Worker (bench/peer/index.js + exifr + probe-image-size) into one ES
// module with esbuild, minified, as `wrangler deploy --minify` would: bench/out/peer/index.js.
import { build } from "esbuild";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
await build({
  entryPoints: [join(here, "index.js")],
  bundle: true,
  format: "esm",
  platform: "browser",
  conditions: ["workerd", "worker", "browser"],
  target: "es2022",
  minify: true,
  outfile: join(here, "..", "out", "peer", "index.js"),
  logLevel: "warning",
});

// Seeds a local R2 bucket (Miniflare's persistence, the same files `wrangler dev` reads)
// with the committed samples and their metadata, so `curl localhost:8787/<sample>?image/info`
// works at once. Usage: node tests/support/seed.mjs [persistDir]
import { Miniflare } from "miniflare";
import { readFileSync, readdirSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const SAMPLES = join(root, "samples");

export const CONTENT_TYPES = {
  jpg: "image/jpeg", png: "image/png", gif: "image/gif", webp: "image/webp",
  bmp: "image/bmp", tiff: "image/tiff", heic: "image/heic", avif: "image/avif", txt: "text/plain",
};

/** Puts every sample into an R2 bucket binding (Miniflare's `getR2Bucket`). */
export async function seedSamples(bucket) {
  const names = readdirSync(SAMPLES).filter((n) => !n.endsWith(".md"));
  for (const name of names) {
    const ext = name.split(".").pop();
    await bucket.put(name, new Uint8Array(readFileSync(join(SAMPLES, name))), {
      httpMetadata: { contentType: CONTENT_TYPES[ext] ?? "application/octet-stream" },
      customMetadata: { origin: "imginfo-edge samples", "sample-name": name },
    });
  }
  return names;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const persist = process.argv[2] ?? join(root, ".wrangler", "state", "v3", "r2");
  const mf = new Miniflare({
    modules: true,
    script: "export default { fetch() { return new Response('seed') } }",
    compatibilityDate: "2026-05-01",
    r2Buckets: { BUCKET: "imginfo-samples" },
    r2Persist: persist,
  });
  await mf.ready;
  const names = await seedSamples(await mf.getR2Bucket("BUCKET"));
  await mf.dispose();
  console.log(`seeded ${names.length} samples into the local R2 bucket imginfo-samples (${persist})`);
}

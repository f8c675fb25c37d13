// Shared set-up for the vendor SDK suites: a Worker in workerd with BUCKET_NAME set and
// the objects every suite reads, the names each addressing style needs, the expected
// sizes read straight from the sample bytes, and CRC-64/ECMA-182 from TOS's own package.
//
// Virtual-host style needs `<bucket>.localhost` to reach the Worker. Node's resolver does
// not map `*.localhost` to loopback, so `dns.lookup` (which `http`, `urllib`, `axios` and
// `fetch` all use) answers 127.0.0.1 for names under `.localhost` and nothing else:
// no request of these suites leaves the loopback interface.
import dns from "node:dns";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createRequire } from "node:module";
import { startWorker, ROOT } from "../support/worker.mjs";

const lookup = dns.lookup;
dns.lookup = function loopbackLocalhost(host, options, callback) {
  if (typeof options === "function") [callback, options] = [options, {}];
  if (typeof host === "string" && /(^|\.)localhost$/i.test(host)) {
    const opts = typeof options === "number" ? { family: options } : options ?? {};
    if (opts.all) return process.nextTick(callback, null, [{ address: "127.0.0.1", family: 4 }]);
    return process.nextTick(callback, null, "127.0.0.1", 4);
  }
  return lookup.call(this, host, options, callback);
};

export const require = createRequire(import.meta.url);
/** TOS's own CRC-64/ECMA-182 (the package its SDK checks downloads with). */
export const crc64 = (buf) => require("tos-crc64-js").crc64(buf);

/** A directory name with `/`, a space, `+` and Chinese characters. */
export const DIR = "sdk/照片 a+b";
export const IMAGES = [
  { file: "photo.jpg", type: "image/jpeg", format: "jpeg" },
  { file: "alpha.png", type: "image/png", format: "png" },
  { file: "image.heic", type: "image/heic", format: "heic" },
];
export const key = (file) => `${DIR}/${file}`;
export const MISSING = `${DIR}/missing.jpg`;
export const META = { team: "imaging" };

/** Width and height of a sample, read from its bytes here (not by the Worker). */
export function dims(file) {
  const b = readFileSync(join(ROOT, "samples", file));
  if (b.subarray(1, 4).toString() === "PNG") return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
  if (b[0] === 0xff && b[1] === 0xd8) {
    for (let i = 2; i + 9 < b.length; ) {
      const m = b[i + 1];
      if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) {
        return { width: b.readUInt16BE(i + 7), height: b.readUInt16BE(i + 5) };
      }
      i += 2 + b.readUInt16BE(i + 2);
    }
  }
  const ispe = b.indexOf("ispe");
  if (ispe > 0) return { width: b.readUInt32BE(ispe + 8), height: b.readUInt32BE(ispe + 12) };
  throw new Error(`no size in ${file}`);
}

export const sample = (file) => readFileSync(join(ROOT, "samples", file));

/**
 * Starts the Worker with `BUCKET_NAME = bucket` and puts the SDK objects into its R2
 * bucket (content type, `team` metadata), besides the usual samples.
 */
export async function startSdkWorker(bucket, bindings = {}) {
  const w = await startWorker({ bindings: { BUCKET_NAME: bucket, ...bindings } });
  for (const { file, type } of IMAGES) {
    await w.r2.put(key(file), new Uint8Array(sample(file)), {
      httpMetadata: { contentType: type },
      customMetadata: META,
    });
  }
  w.head = async (k) => w.r2.head(k);
  return w;
}

/** Waits a moment: the OBS SDK finishes its own set-up asynchronously after `new`. */
export const tick = (ms = 20) => new Promise((ok) => setTimeout(ok, ms));

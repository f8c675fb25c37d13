// A wrapped R2 binding for the integration tests: it stands between the Worker and the
// real local R2 bucket (Miniflare's simulator) and adds, as Cloudflare documents them,
// the two things the simulator does not do:
//   * SSE-C: an object put with the reserved custom metadata entry `__ssec-md5` (hex MD5
//     of its 32-byte key) reports `ssecKeyMd5`, and `get` refuses it without `ssecKey`
//     or with another key (an error, as R2 throws); `head` takes no key, as in workerd.
//   * storage class: `__storage-class` is reported as the object's `storageClass`
//     (default "Standard").
//   * an object that changes while the Worker reads it (the simulator's objects change
//     only when a test puts them, never between two reads of one request): `__swap`
//     "once" replaces the object before its 2nd `get`, "always" before every `get`
//     after its 1st, by the same object with SWAP_GROWTH more bytes at its end (new
//     size, ETag and upload time). Conditions (`onlyIf`) are then the simulator's own.
// Reserved entries are hidden from `customMetadata`. Every `get` is logged into the bucket
// as `__shim/log/<n>` (options as JSON, key hex included) so a test can check what the
// Worker passed to R2. Everything else is the simulator's own behaviour.
const SSEC = "__ssec-md5";
const CLASS = "__storage-class";
const SWAP = "__swap";
/** Bytes each replacement adds (as tests/support/origin.mjs's swap modes). */
export const SWAP_GROWTH = 100;
let seq = 0;
/** `get`s per key of `__swap` objects. */
const gets = new Map();

/** Replaces `key` by itself plus SWAP_GROWTH bytes, keeping its metadata. */
async function replace(inner, key) {
  const cur = await inner.get(key);
  const old = new Uint8Array(await cur.arrayBuffer());
  const next = new Uint8Array(old.length + SWAP_GROWTH);
  next.set(old);
  next.fill(gets.get(key) & 0xff, old.length);
  await inner.put(key, next, { httpMetadata: cur.httpMetadata, customMetadata: cur.customMetadata });
}

/** Hex MD5 of a key given as 64 hex digits (Workers' WebCrypto has MD5). */
async function md5Hex(keyHex) {
  const raw = new Uint8Array(keyHex.match(/../g).map((h) => parseInt(h, 16)));
  const d = new Uint8Array(await crypto.subtle.digest("MD5", raw));
  return [...d].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function view(inner, obj) {
  if (obj === null) return null;
  const custom = { ...(obj.customMetadata ?? {}) };
  const ssec = custom[SSEC];
  const storageClass = custom[CLASS] ?? "Standard";
  delete custom[SSEC];
  delete custom[CLASS];
  delete custom[SWAP];
  const out = {
    key: obj.key,
    version: obj.version,
    size: obj.size,
    etag: obj.etag,
    httpEtag: obj.httpEtag,
    checksums: obj.checksums,
    uploaded: obj.uploaded,
    httpMetadata: obj.httpMetadata,
    customMetadata: custom,
    range: obj.range,
    storageClass,
  };
  if (ssec) out.ssecKeyMd5 = ssec;
  if ("body" in obj) {
    out.body = obj.body;
    out.arrayBuffer = () => obj.arrayBuffer();
    out.text = () => obj.text();
  }
  return out;
}

export default function (env) {
  const inner = env.INNER;
  return {
    async head(key) {
      return view(inner, await inner.head(key));
    },
    async get(key, options = {}) {
      const { ssecKey, ...rest } = options;
      const log = { key, ssecKey: ssecKey ?? null, onlyIf: rest.onlyIf ?? null, range: rest.range ?? null };
      await inner.put(`__shim/log/${String(++seq).padStart(6, "0")}`, JSON.stringify(log));
      const meta = await inner.head(key);
      if (meta === null) return null;
      const swap = meta.customMetadata?.[SWAP];
      if (swap) {
        const n = (gets.get(key) ?? 0) + 1;
        gets.set(key, n);
        if ((swap === "once" && n === 2) || (swap === "always" && n > 1)) await replace(inner, key);
      }
      const stored = meta.customMetadata?.[SSEC];
      if (ssecKey !== undefined && !/^[0-9a-f]{64}$/.test(ssecKey)) throw new Error("SSE-C Key has invalid format");
      if (stored) {
        if (ssecKey === undefined) throw new Error("get: The object was stored using SSE-C; a key is required");
        if ((await md5Hex(ssecKey)) !== stored) throw new Error("get: The SSE-C key does not match the object's key");
      }
      return view(inner, await inner.get(key, rest));
    },
  };
}

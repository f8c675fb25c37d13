// The JavaScript peer: the image-info Worker a competent team would write instead of
// imginfo-edge, with the best-known npm libraries — exifr 7.1.3 for EXIF and
// probe-image-size 7.5.0 (its `sync` entry: the stream entry needs nodejs_compat) for
// format and dimensions. It answers `GET /<key>?x-oss-process=image/info` (and the bare
// `?image/info`) in the Alibaba OSS shape from R2 (binding BUCKET) or, for keys not in
// the bucket, from ORIGIN, with ranged reads only:
//
// * read a first window of 64 KiB (exifr's browser default first chunk);
// * run both libraries on what is in memory; while one of them says it needs more
//   (probe-image-size found no size, or exifr failed on a segment or offset past the
//   bytes it was given) and the object goes on, double the window (cap 16 MiB) and read
//   only the bytes not yet held;
// * exifr has no WebP parser: the RIFF `EXIF` chunk is found by walking the chunks and
//   handed to exifr as TIFF.
//
// The libraries' own limits are kept as they are (exifr ignores `iloc` base offsets, so
// it misreads the EXIF of libheif-written HEIC; probe-image-size reports HEIF's coded
// `ispe` size and ignores `clap`). It reports its reads in `Server-Timing` in the same
// format as imginfo-edge, for the benchmark. Built by bench/run.mjs with esbuild.
import exifr from "exifr";
import probe from "probe-image-size/sync.js";

const FIRST_WINDOW = 64 * 1024;
const MAX_WINDOW = 16 * 1024 * 1024;

// EXIF the OSS answer prints: IFD0, Exif and GPS IFDs, raw (untranslated) values.
const EXIFR_OPTIONS = {
  tiff: true, ifd0: true, exif: true, gps: true,
  ifd1: false, interop: false, makerNote: false, userComment: false,
  xmp: false, icc: false, iptc: false, jfif: false, ihdr: false,
  translateKeys: true, translateValues: false, reviveValues: false,
  sanitize: true, mergeOutput: true, silentErrors: true,
};

// Messages exifr (or the DataView under it) gives when an offset lies past the bytes held.
const NEEDS_MORE = /outside|out of range|unreachable|bounds|beyond/i;

const OSS_FORMAT = { jpg: "jpg", png: "png", gif: "gif", bmp: "bmp", webp: "webp", tiff: "tiff", heic: "heic", heif: "heic", avif: "avif" };

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const q = url.search.slice(1);
    const isInfo = q === "image/info" || /(^|&)x-oss-process=image(%2F|\/)info(&|$)/.test(q);
    const key = decodeURIComponent(url.pathname.slice(1));
    const requestId = crypto.randomUUID().replace(/-/g, "").slice(0, 24).toUpperCase();
    if (!isInfo || !key) return ossError(400, "InvalidArgument", "Only ?x-oss-process=image/info is served.", requestId);
    const src = await openSource(env, key);
    if (!src) return ossError(404, "NoSuchKey", "The specified key does not exist.", requestId);
    try {
      const info = await inspect(src);
      return new Response(JSON.stringify(info), {
        headers: {
          "content-type": "application/json",
          "x-oss-request-id": requestId,
          "server-timing": `read;desc="${src.reads} ranges, ${src.bytes} B"`,
        },
      });
    } catch (e) {
      const res = ossError(400, "BadRequest", e.message || "The image is not supported.", requestId);
      res.headers.set("server-timing", `read;desc="${src.reads} ranges, ${src.bytes} B"`);
      return res;
    }
  },
};

/** A ranged reader over R2 (when the key is in the bucket) or the origin. */
async function openSource(env, key) {
  const src = { reads: 0, bytes: 0, size: undefined, first: null };
  if (env.BUCKET) {
    const obj = await env.BUCKET.get(key, { range: { offset: 0, length: FIRST_WINDOW } });
    if (obj) {
      src.first = new Uint8Array(await obj.arrayBuffer());
      src.size = obj.size;
      src.read = async (offset, length) => {
        const o = await env.BUCKET.get(key, { range: { offset, length } });
        if (!o) throw new Error("The object went away.");
        return new Uint8Array(await o.arrayBuffer());
      };
    }
  }
  if (!src.read && env.ORIGIN) {
    const target = `${env.ORIGIN}/${key.split("/").map(encodeURIComponent).join("/")}`;
    src.read = async (offset, length) => {
      const res = await fetch(target, { headers: { range: `bytes=${offset}-${offset + length - 1}` } });
      if (res.status === 404) return null;
      if (res.status === 416) { await res.body?.cancel(); return new Uint8Array(0); }
      if (res.status !== 206 && res.status !== 200) throw new Error(`Origin answered ${res.status}.`);
      const body = new Uint8Array(await res.arrayBuffer());
      const total = res.headers.get("content-range")?.split("/")[1];
      src.size = total && total !== "*" ? Number(total) : res.status === 200 ? body.length : src.size;
      return res.status === 200 ? body.subarray(offset, offset + length) : body;
    };
    const first = await src.read(0, FIRST_WINDOW);
    if (!first) return null;
    src.first = first;
  }
  if (!src.read) return null;
  src.reads = 1;
  src.bytes = src.first.length;
  return src;
}

/** Reads a growing window until both libraries have what they need, and renders OSS. */
async function inspect(src) {
  let buf = src.first;
  let window = FIRST_WINDOW;
  for (;;) {
    const complete = src.size !== undefined ? buf.length >= src.size : buf.length < window;
    let dims = null;
    try { dims = probe(buf); } catch { dims = null; }
    const exif = await readExif(buf, dims);
    const needMore = !dims || exif.needMore;
    if (!needMore || complete || window >= MAX_WINDOW) return render(dims, exif.tags, src.size ?? buf.length);
    // Double the window; read only what is not held yet.
    const next = Math.min(window * 2, MAX_WINDOW);
    const want = src.size !== undefined ? Math.min(next, src.size) - buf.length : next - buf.length;
    const more = await src.read(buf.length, want);
    src.reads += 1;
    src.bytes += more.length;
    const joined = new Uint8Array(buf.length + more.length);
    joined.set(buf, 0);
    joined.set(more, buf.length);
    buf = joined;
    window = next;
    if (more.length < want) src.size = buf.length;
  }
}

/** EXIF with exifr; `needMore` when exifr hit the end of the bytes it was given. */
async function readExif(buf, dims) {
  let input = buf;
  if (isWebp(buf)) {
    const chunk = webpExifChunk(buf);
    if (chunk === "more") return { tags: null, needMore: true };
    if (!chunk) return { tags: null, needMore: false };
    input = chunk;
  }
  let out;
  try {
    out = await exifr.parse(input, EXIFR_OPTIONS);
  } catch (e) {
    return { tags: null, needMore: NEEDS_MORE.test(String(e?.message ?? e)) };
  }
  const errors = (out?.errors ?? []).map((e) => String(e?.message ?? e));
  if (out) delete out.errors;
  const tags = out && Object.keys(out).length ? out : null;
  return { tags, needMore: errors.some((m) => NEEDS_MORE.test(m)) && input === buf };
}

function isWebp(b) {
  return b.length >= 12 && str(b, 0, 4) === "RIFF" && str(b, 8, 4) === "WEBP";
}

/** The WebP `EXIF` chunk's data (without an `Exif\0\0` prefix), null, or "more". */
function webpExifChunk(b) {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let hasExif = true;
  let off = 12;
  while (off + 8 <= b.length) {
    const id = str(b, off, 4);
    const size = dv.getUint32(off + 4, true);
    if (id === "VP8X" && off + 9 <= b.length) hasExif = (b[off + 8] & 0x08) !== 0;
    if (id === "EXIF") {
      if (off + 8 + size > b.length) return "more";
      let data = b.subarray(off + 8, off + 8 + size);
      if (str(data, 0, 6) === "Exif\0\0") data = data.subarray(6);
      return data;
    }
    off += 8 + size + (size & 1);
  }
  return hasExif && off > b.length - 8 ? "more" : null;
}

function str(b, off, n) {
  let s = "";
  for (let i = off; i < off + n && i < b.length; i++) s += String.fromCharCode(b[i]);
  return s;
}

/** The OSS `image/info` shape: sorted keys, every member `{"value": "<string>"}`. */
function render(dims, tags, size) {
  if (!dims) throw new Error("The image format is not supported or the header is damaged.");
  const m = {};
  for (const [k, v] of Object.entries(tags ?? {})) {
    if (v === undefined || v === null || typeof v === "object" && !Array.isArray(v) && !(v instanceof Uint8Array)) continue;
    m[k] = ossValue(k, v, tags);
  }
  m.FileSize = String(size);
  m.Format = OSS_FORMAT[dims.type] ?? dims.type;
  m.ImageHeight = String(dims.height);
  m.ImageWidth = String(dims.width);
  if (m.Orientation === undefined && dims.orientation) m.Orientation = String(dims.orientation);
  const out = {};
  for (const k of Object.keys(m).sort()) out[k] = { value: m[k] };
  return out;
}

function ossValue(k, v, tags) {
  if ((k === "GPSLatitude" || k === "GPSLongitude") && Array.isArray(v) && v.length === 3) {
    return `${v[0]}deg ${v[1]}' ${Number(v[2]).toFixed(3)}" `;
  }
  if (k === "GPSLatitudeRef") return { N: "North", S: "South" }[v] ?? String(v);
  if (k === "GPSLongitudeRef") return { E: "East", W: "West" }[v] ?? String(v);
  if (v instanceof Uint8Array) return Array.from(v).join(" ");
  if (Array.isArray(v)) return v.join(" ");
  return String(v);
}

function ossError(status, code, message, requestId) {
  const esc = (s) => String(s).replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error>\n  <Code>${code}</Code>\n  <Message>${esc(message)}</Message>\n  <RequestId>${requestId}</RequestId>\n</Error>\n`;
  return new Response(body, { status, headers: { "content-type": "application/xml", "x-oss-request-id": requestId } });
}

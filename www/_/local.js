// Local files, parsed in the browser and never uploaded: loads the web build of the Rust
// parsing core (./wasm/, built by scripts/build-web.sh) on first use and runs its driver
// over the File, which reads each byte range the probes ask for with File.slice().

let core = null;

async function load() {
  if (!core) {
    core = (async () => {
      const m = await import("./wasm/imginfo_web.js");
      await m.default({ module_or_path: new URL("./wasm/imginfo_web_bg.wasm", import.meta.url) });
      return m;
    })();
    core.catch(() => (core = null));
  }
  return core;
}

/** The native (`?info`) answer for a File, or its `{ error: { code, message } }` shape. */
export async function inspectFile(file) {
  const m = await load();
  return JSON.parse(await m.inspect(file));
}

/**
 * A signed URL of an object on this Worker (a presigned GET, any vendor's) as a
 * Blob-shaped source: the same driver reads each range it needs with `Range`, which no
 * vendor's presigned URL signs. `size` comes from the caller's first ranged read.
 */
function remoteBlob(url, size, counter) {
  return {
    size,
    slice(start, end) {
      return {
        async arrayBuffer() {
          if (end <= start) return new ArrayBuffer(0);
          counter.ranges += 1;
          const res = await fetch(url, { headers: { range: `bytes=${start}-${end - 1}` }, cache: "no-store" });
          if (res.status !== 206 && res.status !== 200) throw new Error(`the Worker answered ${res.status}`);
          const buf = await res.arrayBuffer();
          // A 200 (Range ignored) is the whole object: keep the asked part only.
          return res.status === 200 ? buf.slice(start, end) : buf;
        },
      };
    },
  };
}

/** The native answer for the object a signed URL names, read range by range. */
export async function inspectSignedUrl(url, size) {
  const m = await load();
  const counter = { ranges: 0 };
  return JSON.parse(await m.inspect(remoteBlob(url, size, counter)));
}

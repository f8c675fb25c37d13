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

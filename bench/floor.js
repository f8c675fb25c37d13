// Floors for the benchmark table: what any Worker costs in this runtime before it does
// any work of its own. With READ unset it answers every request with a constant
// OSS-shaped body (workerd's own cost per request: HTTP in and out, isolate entry).
// With READ = "1" it first does one ranged read of the first 68 KiB (imginfo-edge's
// first window) from R2, or else from ORIGIN (also for a key R2 does not have, when both
// are bound, as imginfo-edge falls back), and answers the number of bytes read: the
// least a Worker that reads each object once can cost. Neither parses anything.
const WINDOW = 68 * 1024;
// (WINDOW_BYTES overrides the window, to see what bytes cost against round trips.)
const BODY = '{"FileSize":{"value":"1"},"Format":{"value":"jpg"},"ImageHeight":{"value":"1"},"ImageWidth":{"value":"1"}}';

export default {
  async fetch(request, env) {
    let n = 0;
    const window = Number(env.WINDOW_BYTES) || WINDOW;
    if (env.READ === "1") {
      const key = decodeURIComponent(new URL(request.url).pathname.slice(1));
      const obj = env.BUCKET ? await env.BUCKET.get(key, { range: { offset: 0, length: window } }) : null;
      if (obj) {
        n = (await obj.arrayBuffer()).byteLength;
      } else if (env.ORIGIN) {
        const res = await fetch(`${env.ORIGIN}/${key}`, { headers: { range: `bytes=0-${window - 1}` } });
        n = (await res.arrayBuffer()).byteLength;
      }
    }
    return new Response(env.READ === "1" ? `{"read":${n}}` : BODY, { headers: { "content-type": "application/json" } });
  },
};

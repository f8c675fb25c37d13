// The benchmark's local origin: serves the corpus under /c/<relative path>, honours a
// single `Range: bytes=a-b` (206 / 416), keeps connections alive and sets TCP_NODELAY
// (without it small responses stall ~40 ms on delayed ACKs). Files are held in memory
// with their MD5 ETag computed once, so the origin adds no per-request hashing or disk
// reads to the latency of either Worker. It counts requests and body bytes per key, so
// the harness measures reads and bytes on the wire, not as a Worker reports them.
import http from "node:http";
import { readFileSync, existsSync, statSync } from "node:fs";
import { join, normalize } from "node:path";
import { createHash } from "node:crypto";

export async function startOrigin(root) {
  const files = new Map();
  const counters = { reads: 0, bytes: 0, byKey: new Map() };
  const load = (rel) => {
    let f = files.get(rel);
    if (f) return f;
    const path = normalize(join(root, rel));
    if (!path.startsWith(normalize(root)) || !existsSync(path) || !statSync(path).isFile()) return null;
    const data = readFileSync(path);
    f = { data, etag: `"${createHash("md5").update(data).digest("hex")}"` };
    files.set(rel, f);
    return f;
  };
  const server = http.createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
    const rel = path.startsWith("/c/") ? path.slice(3) : null;
    const f = rel && load(rel);
    counters.reads++;
    const c = counters.byKey.get(rel) ?? { reads: 0, bytes: 0 };
    c.reads++;
    counters.byKey.set(rel, c);
    if (!f) {
      res.writeHead(404, { "content-type": "text/plain", "content-length": 10 });
      return res.end("not found\n");
    }
    const base = {
      "content-type": "application/octet-stream",
      etag: f.etag,
      "last-modified": "Fri, 02 Jan 2026 03:04:05 GMT",
      "accept-ranges": "bytes",
    };
    const inm = req.headers["if-match"];
    if (inm && inm !== f.etag && inm !== "*") {
      res.writeHead(412, { ...base, "content-length": 0 });
      return res.end();
    }
    const size = f.data.length;
    const m = req.headers.range?.match(/^bytes=(\d*)-(\d*)$/);
    let status = 200;
    let body = f.data;
    const headers = { ...base };
    if (m) {
      let start;
      let end;
      if (m[1] === "") {
        start = Math.max(0, size - Number(m[2]));
        end = size - 1;
      } else {
        start = Number(m[1]);
        end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
      }
      if (start >= size) {
        res.writeHead(416, { ...base, "content-range": `bytes */${size}`, "content-length": 0 });
        return res.end();
      }
      status = 206;
      body = f.data.subarray(start, end + 1);
      headers["content-range"] = `bytes ${start}-${end}/${size}`;
    }
    headers["content-length"] = body.length;
    counters.bytes += body.length;
    c.bytes += body.length;
    res.writeHead(status, headers);
    res.end(req.method === "HEAD" ? undefined : body);
  });
  server.keepAliveTimeout = 60_000;
  server.on("connection", (s) => s.setNoDelay(true));
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    counters,
    reset() {
      counters.reads = 0;
      counters.bytes = 0;
      counters.byKey.clear();
    },
    close: () =>
      new Promise((ok) => {
        server.closeAllConnections?.();
        server.close(ok);
      }),
  };
}

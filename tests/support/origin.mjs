// A real local HTTP origin for the integration tests: serves files from a directory,
// honours single `Range` requests (206 / 416), and misbehaves on purpose when the
// request path starts with a mode segment, so one Worker configured with
// ORIGIN=http://127.0.0.1:<port>/o reaches every behaviour through the object key:
//   /o/plain/<file>         honours Range
//   /o/ignore-range/<file>  always 200 with the whole body, written in CHUNK-byte chunks
//                           PACE_MS apart (see `send`)
//   /o/status-<NNN>/<file>  answers NNN
//   /o/s3-archive/<file>    honours Range and adds S3 headers: version id, GLACIER storage
//                           class, a finished restore, a website redirect, x-amz-meta-*
//   /o/oss-ia/<file>        honours Range and adds OSS headers: IA storage class, x-oss-meta-*
// Faults (each answers a Range request wrongly in one way):
//   /o/wrong-range/<file>   206 for a range one byte later than asked
//   /o/total-change/<file>  206 whose Content-Range total grows on every request
//   /o/short/<file>         Content-Length promises more bytes than are sent
//   /o/reset/<file>         sends part of the body, then resets the connection
//   /o/slow-headers/<file>  waits 3 s before the status line
//   /o/trickle/<file>       sends one byte every 100 ms
//   /o/swap/<file>          the object changes once, after the first request (version 1:
//                           `swapVersion(data, 1)`, new size, ETag and Last-Modified);
//                           honours If-Match with 412
//   /o/swap-blind/<file>    the same, ignoring If-Match
//   /o/swap-always/<file>   a new version on every request (version n-1 for the n-th),
//                           honours If-Match with 412
//   /o/swap-always-blind/<file> the same, ignoring If-Match
//   /o/redirect-same/<file> 302 to /o/plain/<file> on the same host
//   /o/redirect-other/<file> 302 to the same path on another host name (localhost)
//   /o/redirect-loop/<file> 302 to itself
//   /o/huge-header/<file>   a 128 KiB response header
// Every request is logged with the bytes actually written before the client went away
// (`bytes`), and the time its connection closed (`closedAt`, ms since the origin started).
import http from "node:http";
import { readFileSync, existsSync, statSync } from "node:fs";
import { join, normalize } from "node:path";
import { createHash } from "node:crypto";

/** Size of each body write. */
export const CHUNK = 16 * 1024;
/** Pause between two chunks of a paced body (`ignore-range/`): far longer than the
 * Worker takes to react to a chunk (a few ms), so a client that stops after the chunk
 * it needs closes the connection before the next one is written. */
export const PACE_MS = 50;

/** Bytes each version of a `swap*` object adds at its end (after a JPEG's EOI). */
export const SWAP_GROWTH = 100;
/** Last-Modified of the fixtures, and of version 0 of a `swap*` object. */
export const LAST_MODIFIED = Date.UTC(2026, 0, 2, 3, 4, 5);

/** Version `v` of a `swap*` object: `v * SWAP_GROWTH` bytes longer than the file
 * (new size, new ETag), modified `v` days after LAST_MODIFIED. */
export function swapVersion(data, v) {
  return {
    data: v === 0 ? data : Buffer.concat([data, Buffer.alloc(v * SWAP_GROWTH, v)]),
    lastModified: new Date(LAST_MODIFIED + v * 86400_000).toUTCString(),
  };
}

export async function startOrigin(root) {
  const log = [];
  const seen = new Map();
  const t0 = Date.now();
  const server = http.createServer((req, res) => {
    const entry = { method: req.method, url: req.url, at: Date.now() - t0, range: req.headers.range ?? null, ifMatch: req.headers["if-match"] ?? null, status: 0, bytes: 0, closedAt: null };
    log.push(entry);
    res.on("close", () => { entry.closedAt = Date.now() - t0; });
    const send = (status, headers, body, paced = false) => {
      entry.status = status;
      res.writeHead(status, headers);
      if (req.method === "HEAD" || !body) return res.end();
      // Chunked writes with back-pressure. `paced` writes one chunk every PACE_MS
      // whatever the socket accepts: loopback socket buffers take megabytes from a
      // writer that goes as fast as `drain` allows, so only a paced body makes the
      // count of bytes written say how far the client read before it closed the
      // connection (the Worker reading ahead of its parser cannot go past what was
      // written).
      let off = 0;
      let closed = false;
      res.on("close", () => { closed = true; });
      const pump = () => {
        while (off < body.length && !closed) {
          const part = body.subarray(off, off + CHUNK);
          off += part.length;
          entry.bytes += part.length;
          const next = paced ? () => setTimeout(pump, PACE_MS) : pump;
          if (!res.write(part)) return res.once("drain", next);
          if (paced) return next();
        }
        if (!closed) res.end();
      };
      pump();
    };
    const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
    const m = path.match(/^\/o\/([^/]+)\/(.+)$/);
    if (!m) return send(404, { "content-type": "text/plain" }, Buffer.from("no such path\n"));
    const [, mode, rel] = m;
    const file = normalize(join(root, rel));
    if (!file.startsWith(normalize(root)) || !existsSync(file) || !statSync(file).isFile()) {
      return send(404, { "content-type": "text/plain" }, Buffer.from("not found\n"));
    }
    const status = mode.match(/^status-(\d{3})$/);
    if (status) return send(Number(status[1]), { "content-type": "text/plain" }, Buffer.from("forced status\n"));
    let data = readFileSync(file);
    const count = (seen.get(path) ?? 0) + 1;
    seen.set(path, count);
    let lastModified = new Date(LAST_MODIFIED).toUTCString();
    if (mode.startsWith("swap")) {
      const v = mode.startsWith("swap-always") ? count - 1 : Math.min(count - 1, 1);
      ({ data, lastModified } = swapVersion(data, v));
    }
    const etag = `"${createHash("md5").update(data).digest("hex")}"`;
    entry.etag = etag;
    const sameHost = `http://127.0.0.1:${server.address().port}`;
    const otherHost = `http://localhost:${server.address().port}`;
    switch (mode) {
      case "redirect-same":
        return send(302, { location: `${sameHost}/o/plain/${rel}` });
      case "redirect-other":
        return send(302, { location: `${otherHost}/o/plain/${rel}` });
      case "redirect-loop":
        return send(302, { location: req.url });
      case "huge-header":
        return send(200, { "x-filler": "a".repeat(128 * 1024), "content-length": data.length }, data);
      case "slow-headers":
        return setTimeout(() => send(200, { "content-length": data.length }, data), 3000);
      case "reset": {
        entry.status = 200;
        res.writeHead(200, { "content-length": data.length, etag });
        res.write(data.subarray(0, Math.min(1000, data.length >> 1)));
        return setTimeout(() => req.socket.destroy(), 20);
      }
      case "short": {
        entry.status = 206;
        const n = Math.min(data.length, 69632);
        res.writeHead(206, { "content-length": n, "content-range": `bytes 0-${n - 1}/${data.length}`, etag });
        res.write(data.subarray(0, n >> 1));
        return setTimeout(() => res.destroy(), 20);
      }
      case "trickle": {
        entry.status = 200;
        res.writeHead(200, { "content-length": data.length, etag });
        let i = 0;
        const t = setInterval(() => {
          if (i >= data.length || res.destroyed) return clearInterval(t);
          res.write(data.subarray(i, i + 1));
          i += 1;
          entry.bytes += 1;
        }, 100);
        res.on("close", () => clearInterval(t));
        return;
      }
    }
    const ifMatch = req.headers["if-match"];
    if ((mode === "swap" || mode === "swap-always") && ifMatch && ifMatch !== etag) {
      return send(412, { etag, "content-type": "text/plain" }, Buffer.from("precondition failed\n"));
    }
    const base = {
      "content-type": "application/octet-stream",
      etag,
      "last-modified": lastModified,
      "accept-ranges": "bytes",
      "x-amz-meta-team": "imaging",
    };
    if (mode === "s3-archive") {
      Object.assign(base, {
        "x-amz-version-id": "3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY",
        "x-amz-storage-class": "GLACIER",
        "x-amz-restore": 'ongoing-request="false", expiry-date="Fri, 21 Dec 2012 00:00:00 GMT"',
        "x-amz-website-redirect-location": "/elsewhere.jpg",
      });
    } else if (mode === "oss-ia") {
      Object.assign(base, { "x-oss-storage-class": "IA", "x-oss-meta-owner": "oss-user" });
    }
    if (mode === "ignore-range") {
      return send(200, { ...base, "content-length": data.length }, data, true);
    }
    const r = req.headers.range?.match(/^bytes=(\d*)-(\d*)$/);
    if (!r) return send(200, { ...base, "content-length": data.length }, data);
    let start, end;
    if (r[1] === "") { start = Math.max(0, data.length - Number(r[2])); end = data.length - 1; }
    else { start = Number(r[1]); end = r[2] === "" ? data.length - 1 : Math.min(Number(r[2]), data.length - 1); }
    if (start >= data.length) return send(416, { ...base, "content-range": `bytes */${data.length}` });
    if (mode === "wrong-range") { start += 1; end = Math.min(end + 1, data.length - 1); }
    const total = mode === "total-change" ? data.length + count : data.length;
    const body = data.subarray(start, end + 1);
    send(206, { ...base, "content-length": body.length, "content-range": `bytes ${start}-${end}/${total}` }, body);
  });
  server.on("connection", (s) => s.setNoDelay(true));
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}`, log, close: () => new Promise((ok) => server.close(ok)) };
}

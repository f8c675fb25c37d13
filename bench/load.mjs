// One load cell, in its own process so the generator's CPU never mixes with the
// harness (which also serves the origin): autocannon (pinned in package.json) with
// keep-alive connections, each connection cycling round-robin through every path,
// connection i starting i/connections of the way through the list (so connections do
// not move through the list in step).
// Usage: node bench/load.mjs <config.json>  ({url, paths, connections, duration})
// Prints autocannon's result as one JSON line.
import autocannon from "autocannon";
import { readFileSync } from "node:fs";

const cfg = JSON.parse(readFileSync(process.argv[2], "utf8"));
const requests = cfg.paths.map((path) => ({ method: "GET", path }));
let nextClient = 0;
const result = await autocannon({
  url: cfg.url,
  connections: cfg.connections,
  duration: cfg.duration,
  pipelining: 1,
  timeout: 30,
  requests,
  setupClient(client) {
    const shift = Math.floor((nextClient++ * requests.length) / cfg.connections) % requests.length;
    client.setRequests([...requests.slice(shift), ...requests.slice(0, shift)]);
  },
});
process.stdout.write(JSON.stringify({
  duration: result.duration,
  requests: result.requests,
  latency: result.latency,
  non2xx: result.non2xx,
  errors: result.errors,
  timeouts: result.timeouts,
  statusCodeStats: result.statusCodeStats,
}) + "\n");

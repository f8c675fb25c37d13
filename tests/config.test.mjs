// The two Workers' configurations (README "Two Workers"): the hue Worker answers the
// average-colour requests the info Worker passes to it unchanged, so it must read the
// same objects with the same settings and secrets. wrangler's own reader parses both.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { unstable_readConfig } from "wrangler";
import { ROOT } from "./support/worker.mjs";

const read = (file) => unstable_readConfig({ config: join(ROOT, file) }, { hideWarnings: true });

test("wrangler.hue.toml: the same bindings and vars as wrangler.toml, bound as HUE", () => {
  const info = read("wrangler.toml");
  const hue = read("wrangler.hue.toml");
  assert.deepEqual(info.services, [{ binding: "HUE", service: hue.name }]);
  assert.equal(hue.compatibility_date, info.compatibility_date);
  assert.deepEqual(hue.vars, info.vars);
  assert.deepEqual(hue.r2_buckets, info.r2_buckets);
  assert.match(info.main, /[/\\]build[/\\]index\.js$/);
  assert.match(hue.main, /[/\\]build-hue[/\\]index\.js$/);
  assert.match(info.build.command, /scripts\/build\.sh info$/);
  assert.match(hue.build.command, /scripts\/build\.sh hue$/);
  // Reached through the binding only.
  assert.equal(hue.workers_dev, false);
  assert.deepEqual(hue.routes ?? [], []);
});

// Drives Debian's headless Chromium (installed by `scripts/setup.sh --browser`) with
// playwright-core (pinned in package.json; it downloads no browser of its own). The
// machine's network is closed, so everything that would phone home is off, and each run
// gets a fresh profile directory.
import { chromium } from "playwright-core";
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const CHROMIUM = process.env.CHROMIUM_BIN ?? "/usr/bin/chromium";

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Why the browser tests cannot run here, or null. In CI (CI=true) a missing browser is
 * a failure, not a skip: scripts/test.sh installs it. */
export function browserMissing() {
  if (existsSync(CHROMIUM)) return null;
  const why = `${CHROMIUM} not found: run scripts/setup.sh --browser (Debian chromium)`;
  if (process.env.CI) throw new Error(why);
  return why;
}

/** A persistent context on a fresh, throw-away profile (`--user-data-dir`). */
export async function launch({ viewport = { width: 1280, height: 800 } } = {}) {
  const profile = mkdtempSync(join(tmpdir(), "imginfo-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
    acceptDownloads: false,
    serviceWorkers: "block",
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

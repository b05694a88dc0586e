/**
 * Debian's Chromium for the browser tests (test/package/browser-bundle.test.ts,
 * test/local/browser.test.ts), driven by playwright-core: one launch with one
 * set of flags. In CI (CI=true) the browser tests always run (a missing
 * Chromium fails them); locally they are skipped only when /usr/bin/chromium
 * is absent.
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** Where Debian's `chromium` package installs the browser. */
export const CHROMIUM = '/usr/bin/chromium';

/** Whether the browser tests run here. */
export const runsBrowser = process.env.CI === 'true' || existsSync(CHROMIUM);

/** Launches headless Chromium without sandbox, GPU, QUIC or any background networking. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

/**
 * Debian's Chromium for the browser tests (test/package/browser-bundle.test.ts,
 * test/local/browser.test.ts, test/learn/browser.test.ts), driven by playwright-core: one launch with one
 * set of flags, one loopback page server and one way to read a page's `window.__result`. In CI (CI=true) the browser tests always run (a missing
 * Chromium fails them); locally they are skipped only when /usr/bin/chromium
 * is absent.
 */
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
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

/** A page server on 127.0.0.1: GET of a listed path answers its body; anything else is 404. */
export interface PageServer {
  readonly origin: string;
  close(): Promise<void>;
}

/** Serves `files` (path → body; `/` is HTML, every other path JavaScript) on a free loopback port. */
export async function servePages(files: Readonly<Record<string, string>>): Promise<PageServer> {
  const server = createServer((request, response) => {
    const body = files[request.url ?? ''];
    if (request.method !== 'GET' || body === undefined) {
      response.writeHead(404).end();
      return;
    }
    const type = request.url === '/' ? 'text/html' : 'text/javascript';
    response.writeHead(200, { 'content-type': `${type}; charset=utf-8` }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** Opens `url`, waits for the page to set `window.__result`, and returns it with the page errors seen. */
export async function pageResult(browser: Browser, url: string): Promise<{ result: unknown; errors: string[] }> {
  const tab = await browser.newPage();
  const errors: string[] = [];
  tab.on('pageerror', (e) => errors.push(String(e)));
  await tab.goto(url);
  await tab.waitForFunction(() => (window as unknown as { __result?: unknown }).__result !== undefined, undefined, { timeout: 90_000 });
  const result = await tab.evaluate(() => (window as unknown as { __result: unknown }).__result);
  await tab.close();
  return { result, errors };
}

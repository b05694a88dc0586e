import { join } from 'node:path';
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, type PageServer, pageResult, runsBrowser, servePages } from '../_chromium.js';
import { workload } from './_browser-learn-workload.js';

type Result = ReturnType<typeof workload> & { error?: string };

describe.runIf(runsBrowser)('tsdp/learn in Chromium', () => {
  let server: PageServer | undefined;
  let browser: Browser;

  beforeAll(async () => {
    const bundle = await build({
      entryPoints: [join(import.meta.dirname, '_browser-learn-workload.ts')],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      write: false,
    });
    const code = bundle.outputFiles[0]?.text ?? '';
    const page = `<!doctype html><html><head><meta charset="utf-8"></head><body><script type="module">
try { const { workload } = await import('./learn.js'); window.__result = workload(); }
catch (e) { window.__result = { error: String((e && e.stack) || e) }; }
</script></body></html>`;
    server = await servePages({ '/': page, '/learn.js': code });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('an esbuild browser bundle trains DP steps in a page (wasm SIMD kernels) and gets the same clipped sums and weights as Node', async () => {
    const { result, errors } = await pageResult(browser, `${server?.origin}/`);
    const inBrowser = result as Result;
    expect(errors).toEqual([]);
    expect(inBrowser.error).toBeUndefined();
    const inNode = workload();
    expect(inBrowser.backend).toBe('wasm');
    expect(inNode.backend).toBe('wasm');
    expect(inBrowser.steps).toBe(4);
    expect(Math.abs(inBrowser.epsilon - inNode.epsilon)).toBeLessThanOrEqual(1e-9 * inNode.epsilon); // the accountant uses Math.exp/log
    expect(inBrowser.clipped.length).toBe(inNode.clipped.length);
    // IEEE arithmetic in the same wasm module and the same TypeScript: equal up to Math.exp/log's last bit.
    inNode.clipped.forEach((x, j) => {
      expect(Math.abs((inBrowser.clipped[j] as number) - x)).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(x)));
    });
    inNode.weights.forEach((x, j) => {
      expect(Math.abs((inBrowser.weights[j] as number) - x)).toBeLessThanOrEqual(1e-9 * (1 + Math.abs(x)));
    });
  }, 180_000);
});

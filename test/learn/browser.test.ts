import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, type PageServer, pageResult, runsBrowser, servePages } from '../_chromium.js';
import { workload } from './_browser-learn-workload.js';

type Result = ReturnType<typeof workload> & { error?: string };
type Page = { plain: Result; relaxed: Result; error?: string };

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
try { const { workload } = await import('./learn.js'); window.__result = { plain: workload(), relaxed: workload(true) }; }
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
    const page = result as Page;
    expect(errors).toEqual([]);
    expect(page.error).toBeUndefined();
    const inBrowser = page.plain;
    const inNode = workload();
    expect(inBrowser.backend).toBe('wasm');
    expect(inNode.backend).toBe('wasm');
    expect(inBrowser.relaxed).toBe(false); // the default kernels unless asked
    expect(inNode.relaxed).toBe(false);
    expectSame(inBrowser, inNode);
  }, 180_000);

  it('with setRelaxedSimd(true) both run the relaxed-SIMD kernels (Node 20 behind its flag) and still agree', async () => {
    const { result } = await pageResult(browser, `${server?.origin}/`);
    const inBrowser = (result as Page).relaxed;
    setFlagsFromString('--experimental-wasm-relaxed-simd');
    const inNode = workload(true);
    expect(inBrowser.relaxed).toBe(true); // Chromium ≥ 114 ships relaxed SIMD
    expect(inNode.relaxed).toBe(true);
    // The same V8 code generator on the same CPU fuses (or not) the same multiply-adds: equal as the default kernels are.
    expectSame(inBrowser, inNode);
    // And within rounding of the default kernels' run (a fused multiply-add moves products by ≤ 2⁻²⁴ relative).
    const plain = workload();
    inNode.clipped.forEach((x, j) => {
      expect(Math.abs((plain.clipped[j] as number) - x)).toBeLessThanOrEqual(1e-4 * (1 + Math.abs(x)));
    });
  }, 180_000);
});

/** The page's and Node's runs agree: the same steps, ε up to Math.exp/log, the clipped sums and weights to rounding. */
function expectSame(inBrowser: Result, inNode: Result): void {
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
}

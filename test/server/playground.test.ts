/**
 * The playground in Debian's Chromium (playwright-core), served by the query
 * server from a fresh Vite build: each view loads without page errors and
 * draws a non-blank screen; a query runs end to end (table, chart, budget
 * meter); the attack demo shows the leak (the server's plain SQL demo endpoint
 * gives Zoe's age) and its
 * defeat (DP answers, then the server's refusal once the budget is spent); the
 * local-DP demo posts a randomised report and draws the estimate; the
 * accountant computes ε; every control has a label and the tabs work from the
 * keyboard.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, runsBrowser } from '../_chromium.js';
import { inkOf } from './_png.js';
import { EXAMPLES, ROOT, type Running, startServer } from './_server.js';

let s: Running;
let browser: Browser;
let page: Page;
const errors: string[] = [];

describe.runIf(runsBrowser)('the playground in Chromium', () => {
  beforeAll(async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'tsdp-playground-'));
    await build({ configFile: join(ROOT, 'web/vite.config.ts'), logLevel: 'error', build: { outDir, emptyOutDir: true } });
    s = await startServer(
      {
        datasets: {
          adult: {
            schema: join(EXAMPLES, 'adult.schema.json'),
            files: { adult: join(EXAMPLES, 'adult.csv') },
            analysts: { demo: { epsilon: 3, delta: 1e-7 } },
          },
          donors: {
            schema: join(EXAMPLES, 'server/donors.schema.yaml'),
            files: { donors: join(EXAMPLES, 'server/donors.csv') },
            nonPrivateDemo: true,
            analysts: { demo: { epsilon: 1 } },
          },
        },
      },
      { playgroundDir: outDir },
    );
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${s.url}/#key=${s.key('demo')}`);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await s?.close();
  });

  it('takes the key from the fragment and drops it from the address', async () => {
    await expect.poll(() => page.evaluate(() => location.hash)).toBe('#/query');
    expect(await page.textContent('#key-status')).toBe('key set');
  });

  it('loads each view with a non-blank screen and no page error', async () => {
    for (const view of ['query', 'attack', 'accountant', 'ldp']) {
      await page.click(`#tab-${view}`);
      await page.waitForSelector(`#view-${view}:not([hidden]) h2`);
      const { ink, colours } = inkOf(await page.screenshot());
      expect(ink, view).toBeGreaterThan(0.01);
      expect(colours, view).toBeGreaterThan(8);
    }
    expect(errors).toEqual([]);
  });

  it('runs a query end to end: table, chart with intervals, budget meter', async () => {
    await page.click('#tab-query');
    await page.waitForSelector('#dataset option[value="adult"]', { state: 'attached' });
    await page.selectOption('#dataset', 'adult');
    const before = Number(await page.getAttribute('[data-testid="budget-adult"]', 'value'));
    await page.click('#run');
    await page.waitForSelector('[data-testid="result-table"] tbody tr, #query-output [role="alert"]');
    expect(await page.locator('#query-output [role="alert"]').count(), (await page.textContent('#query-output')) ?? '').toBe(0);
    expect(await page.locator('[data-testid="result-table"] tbody tr').count()).toBe(16);
    expect(await page.locator('#query-output svg').count()).toBeGreaterThan(0);
    expect(await page.textContent('[data-testid="guarantee"]')).toContain('ε = 0.5');
    await expect.poll(async () => Number(await page.getAttribute('[data-testid="budget-adult"]', 'value'))).toBeCloseTo(before - 0.5, 9);
    await page.click('#explain');
    expect(await page.textContent('[data-testid="explain"]')).toContain('rewritten SQL');
  });

  it('shows the leak with plain SQL and its defeat with DP SQL, until the server refuses', async () => {
    await page.click('#tab-attack');
    // The exact side comes from the server's non-private demo endpoint, on the same engine and data as the DP side.
    await page.waitForSelector('[data-testid="leaked-age"]', { timeout: 30_000 });
    expect(await page.textContent('[data-testid="leaked-age"]')).toBe('67');
    await page.click('#attack-drain');
    await page.waitForSelector('[data-testid="refused"]', { timeout: 60_000 });
    expect(await page.textContent('[data-testid="refused"]')).toContain('BUDGET_EXHAUSTED');
    // ε = 0.25 per query, 1 for the analyst on donors: two rounds of two queries, then the refusal.
    expect(await page.locator('#attack-chart svg circle').count()).toBe(2);
    const { ink } = inkOf(await page.screenshot());
    expect(ink).toBeGreaterThan(0.01);
  });

  it('randomises a value in the page, posts the report and draws the estimate', async () => {
    await page.click('#tab-ldp');
    await page.waitForSelector('#ldp-v0');
    await page.check('#ldp-v2');
    await page.click('#ldp-send');
    await page.waitForSelector('[data-testid="ldp-sent"]');
    await expect.poll(() => page.textContent('[data-testid="ldp-count"]')).toContain('1 reports');
    await page.click('#ldp-simulate');
    await expect.poll(() => page.textContent('[data-testid="ldp-count"]')).toContain('201 reports');
    expect(await page.locator('#ldp-chart svg').count()).toBe(1);
  });

  it('computes ε of DP-SGD with both accountants', async () => {
    await page.click('#tab-accountant');
    await page.fill('#acc-epochs', '1');
    await page.click('#acc-compute');
    await page.waitForSelector('[data-testid="acc-result"]', { timeout: 60_000 });
    const text = (await page.textContent('[data-testid="acc-result"]')) ?? '';
    expect(text).toMatch(/ε = [0-9.]+ \(PLD\)/);
    expect(await page.locator('#acc-chart svg path').count()).toBeGreaterThan(0);
  });

  it('labels every control and moves between tabs with the arrow keys', async () => {
    const unlabelled = await page.evaluate(() =>
      Array.from(document.querySelectorAll('input, select, textarea'))
        .filter((el) => !(el.id && document.querySelector(`label[for="${el.id}"]`)) && !el.getAttribute('aria-label'))
        .map((el) => el.id || el.outerHTML.slice(0, 60)),
    );
    expect(unlabelled).toEqual([]);
    await page.focus('#tab-query');
    await page.keyboard.press('ArrowRight');
    expect(await page.getAttribute('#tab-attack', 'aria-selected')).toBe('true');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('tab-attack');
    await page.keyboard.press('ArrowLeft');
    expect(await page.getAttribute('#tab-query', 'aria-selected')).toBe('true');
    expect(errors).toEqual([]);
  });
});

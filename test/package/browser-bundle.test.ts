/**
 * The browser-safe entries (`tsdp`, `tsdp/local`, `tsdp/local/client`) bundle
 * for the browser and run there. The class this closes: Node-only code
 * (`node:fs`, `stream`, a database driver, …) reachable from an entry a web
 * developer imports — statically or through a dynamic `import()`, which
 * bundlers follow too. Each entry is bundled with esbuild for
 * `platform: 'browser'` with every Node built-in recorded (the list must be
 * empty), then Chromium loads the three bundles and runs mechanisms,
 * accountants, a budget and the local-DP client and aggregator; the
 * deterministic answers must equal Node's on the same sources.
 *
 * In CI (CI=true) the Chromium part always runs; locally it is skipped only
 * when /usr/bin/chromium is absent. The bundling part always runs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as rootEntry from '../../src/index.js';
import * as clientEntry from '../../src/local/client.js';
import * as localEntry from '../../src/local/index.js';
import { launchChromium, type PageServer, pageResult, runsBrowser, servePages } from '../_chromium.js';
import { bernsteinRadius } from '../local/_simulate.js';
import { BROWSER_ENTRIES, type BrowserEntry, bundleForBrowser, isNodeBuiltin, root } from './_browser-entries.js';
// @ts-expect-error plain JavaScript shared with the page (no declaration file)
import { workload } from './_browser-workload.js';

const entries = Object.keys(BROWSER_ENTRIES) as BrowserEntry[];

type WorkloadResult = Record<string, unknown> & { localEstimates: number[]; clientEpsilon: number };

const bundles = new Map<BrowserEntry, Awaited<ReturnType<typeof bundleForBrowser>>>();

describe('browser-safe entries bundle for the browser without Node built-ins', () => {
  beforeAll(async () => {
    for (const entry of entries) bundles.set(entry, await bundleForBrowser(entry));
  }, 120_000);

  it.each(entries)('%s reaches no Node built-in (static or dynamic import)', (entry) => {
    const bundle = bundles.get(entry);
    expect(bundle?.nodeImports).toEqual([]);
    expect(bundle?.bytes).toBeGreaterThan(1000);
  });

  it('the recorder recognises every Node built-in, with or without node:, and no package name (generative)', () => {
    const builtins = ['fs', 'node:fs', 'stream', 'node:stream/web', 'fs/promises', 'crypto', 'node:crypto', 'path', 'os', 'child_process'];
    fc.assert(
      fc.property(fc.constantFrom(...builtins), (s) => isNodeBuiltin(s)),
      { seed: 1 },
    );
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/), (name) => {
        fc.pre(
          !['fs', 'os', 'vm', 'tls', 'net', 'dns', 'url', 'util', 'zlib', 'http', 'http2', 'https', 'path', 'repl', 'tty', 'v8'].includes(
            name,
          ),
        );
        fc.pre(!isNodeBuiltin(name));
        return !isNodeBuiltin(`@scope/${name}`) && !isNodeBuiltin(`./${name}`);
      }),
      { seed: 2 },
    );
  });

  it('a module that imports node:fs only dynamically is still caught (the recorder sees dynamic imports)', async () => {
    const { build } = await import('esbuild');
    const found: string[] = [];
    await build({
      stdin: {
        contents: "export async function f() { return (await import('node:fs')).readFileSync('x'); }",
        resolveDir: root,
        loader: 'ts',
      },
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      logLevel: 'silent',
      plugins: [
        {
          name: 'probe',
          setup(b) {
            b.onResolve({ filter: /^[^./]/ }, (args) => {
              if (!isNodeBuiltin(args.path)) return undefined;
              found.push(`${args.path} (${args.kind})`);
              return { path: args.path, external: true };
            });
          },
        },
      ],
    });
    expect(found).toEqual(['node:fs (dynamic-import)']);
  });
});

describe.runIf(runsBrowser)('browser-safe entries run in Chromium', () => {
  let server: PageServer | undefined;
  let browser: Browser;
  const workloadSource = readFileSync(join(import.meta.dirname, '_browser-workload.js'), 'utf8');
  const page = `<!doctype html><html><head><meta charset="utf-8"><title>tsdp bundles</title></head><body>
<script type="module">
// Dynamic imports, so that a bundle that fails to load (an unresolved node: import) is reported, not waited for.
try {
  const [root, local, client, { workload }] = await Promise.all(['./tsdp.js', './tsdp-local.js', './tsdp-local-client.js', './workload.js'].map((m) => import(m)));
  window.__result = await workload(root, local, client);
} catch (e) { window.__result = { error: String((e && e.stack) || e) }; }
</script></body></html>`;

  beforeAll(async () => {
    for (const entry of entries) if (!bundles.has(entry)) bundles.set(entry, await bundleForBrowser(entry));
    const files: Record<string, string> = {
      '/': page,
      '/tsdp.js': bundles.get('tsdp')?.code ?? '',
      '/tsdp-local.js': bundles.get('tsdp/local')?.code ?? '',
      '/tsdp-local-client.js': bundles.get('tsdp/local/client')?.code ?? '',
      '/workload.js': workloadSource,
    };
    server = await servePages(files);
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('mechanisms, accountants, a budget and the OLH client and aggregator give in Chromium what they give in Node; estimates within their Bernstein radius (false failure ≤ 1e-6, union bound over 16 values)', async () => {
    const { result, errors } = await pageResult(browser, `${server?.origin}/`);
    const inBrowser = result as WorkloadResult;
    expect(errors).toEqual([]);
    expect(inBrowser.error).toBeUndefined();

    const inNode = (await workload(rootEntry, localEntry, clientEntry)) as WorkloadResult;
    for (const key of [
      'laplaceMap',
      'gaussianMap',
      'discreteLaplace',
      'budgetOverrun',
      'localAccepted',
      'laplaceReleaseFinite',
      'gaussianFinite',
    ]) {
      expect(inBrowser[key], key).toEqual(inNode[key]);
    }
    for (const key of ['rdpEpsilon', 'pldEpsilon', 'zcdpEpsilon', 'clientEpsilon']) {
      const b = inBrowser[key] as number;
      const n = inNode[key] as number;
      expect(Number.isFinite(b), key).toBe(true);
      expect(Math.abs(b - n), key).toBeLessThanOrEqual(1e-12 * Math.abs(n));
    }
    expect(inBrowser.budgetOverrun).toBe('BUDGET_EXHAUSTED');
    expect(inBrowser.localAccepted).toBe(4000);

    // The page sent 4000 reports of values i mod 4 over a domain of 16: 1000 each for 0..3, none for 4..15.
    const aggregator = localEntry.createAggregator({ protocol: 'olh', epsilon: 2, domainSize: 16 });
    const { p, q } = aggregator.params as { p: number; q: number };
    inBrowser.localEstimates.forEach((estimate, value) => {
      const truth = value < 4 ? 1000 : 0;
      const radius = bernsteinRadius(aggregator.theoreticalVariance(4000, truth), 1 / (p - q), 1e-6 / 16);
      expect(Math.abs(estimate - truth), `value ${value}`).toBeLessThanOrEqual(radius);
    });
  });
});

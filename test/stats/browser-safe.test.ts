/**
 * Issue 11: `import { makeLaplace } from 'tsdp'` must bundle for the browser.
 * The CSV reader (node:fs, csv-parse) lives in src/stats/csv-source.ts and is
 * exported only from `tsdp/node` (src/node/index.ts).
 */
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

describe('the root entry is browser-safe', () => {
  it('bundles src/index.ts for platform browser without reaching a Node built-in or the CSV reader', async () => {
    const result = await build({
      entryPoints: ['src/index.ts'],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((f) => f.endsWith('src/stats/index.ts'))).toBe(true);
    expect(inputs.some((f) => f.endsWith('src/session/index.ts'))).toBe(true);
    expect(inputs.filter((f) => f.includes('csv-source') || f.startsWith('node:') || f.includes('csv-parse'))).toEqual([]);
  });

  it('the Node entry still reaches the CSV reader', async () => {
    const result = await build({
      entryPoints: ['src/node/index.ts'],
      bundle: true,
      platform: 'node',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
      // Every npm package stays external (tsdp/node also reaches DuckDB's native bindings, for writeSynthetic).
      packages: 'external',
    });
    expect(Object.keys(result.metafile.inputs).some((f) => f.endsWith('src/stats/csv-source.ts'))).toBe(true);
  });
});

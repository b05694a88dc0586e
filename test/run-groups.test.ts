import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runsAlone, serialFiles } from './run-groups.js';

const root = join(import.meta.dirname, '..');

describe('test run groups (test/run-groups.ts)', () => {
  const serial = new Set(serialFiles(root));

  it.each([
    'test/clickhouse/totality.test.ts',
    'test/sql/totality.test.ts',
    'test/package/pack.test.ts',
    'test/package/browser-bundle.test.ts',
    'test/learn/browser.test.ts',
  ])('%s runs alone', (file) => {
    expect(serial.has(file)).toBe(true);
  });

  it.each(['test/accounting/agreement.test.ts', 'test/learn/relaxed-simd.test.ts', 'test/sql/typed-csv-reader.test.ts'])(
    '%s may run beside another file',
    (file) => {
      expect(serial.has(file)).toBe(false);
    },
  );

  it('follows relative imports of test helpers, transitively', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsdp-run-groups-'));
    mkdirSync(join(dir, 'test', 'x'), { recursive: true });
    writeFileSync(join(dir, 'test', 'x', 'a.test.ts'), "import { h } from '../helpers/one.js';\n");
    writeFileSync(join(dir, 'test', 'x', 'b.test.ts'), "import { h } from '../helpers/plain.js';\n");
    mkdirSync(join(dir, 'test', 'helpers'));
    writeFileSync(join(dir, 'test', 'helpers', 'one.ts'), "export { h } from './two.js';\n");
    writeFileSync(join(dir, 'test', 'helpers', 'two.ts'), 'export const h = process.env.TSDP_TEST_CLICKHOUSE_URL;\n');
    writeFileSync(join(dir, 'test', 'helpers', 'plain.ts'), 'export const h = 1;\n');
    const testRoot = join(dir, 'test');
    expect(runsAlone(join(testRoot, 'x', 'a.test.ts'), testRoot)).toBe(true);
    expect(runsAlone(join(testRoot, 'x', 'b.test.ts'), testRoot)).toBe(false);
  });
});

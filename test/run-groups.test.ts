import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { groupFiles, runGroup, runsAlone, serialFiles } from './run-groups.js';

const root = join(import.meta.dirname, '..');

describe('test run groups (test/run-groups.ts)', () => {
  const serial = new Set(serialFiles(root));
  const servers = new Set(groupFiles(root, 'servers'));

  it.each([
    'test/clickhouse/totality.test.ts',
    'test/package/pack.test.ts',
    'test/package/browser-bundle.test.ts',
    'test/learn/browser.test.ts',
    // PostgreSQL outside one database: roles, grants, other sessions, server settings.
    'test/cli/reader-role.test.ts',
    'test/ledger/postgres-roles.test.ts',
    'test/ledger/postgres-races.test.ts',
    'test/review/postgres-session-settings.test.ts',
    'test/sql/public-checks.test.ts',
    // the clock
    'test/server/gate-padding.test.ts',
  ])('%s runs alone', (file) => {
    expect(serial.has(file)).toBe(true);
  });

  it.each([
    'test/accounting/agreement.test.ts',
    'test/learn/relaxed-simd.test.ts',
    'test/sql/typed-csv-reader.test.ts',
    // name a dialect, touch no server
    'test/sql/compile-overflow.test.ts',
    'test/sql/golden.test.ts',
    // DuckDB only, through test/sql/data.ts (whose PostgreSQL loader is test/sql/data-postgres.ts)
    'test/sql/gaussian.test.ts',
  ])('%s may run beside another file', (file) => {
    expect(serial.has(file)).toBe(false);
    expect(servers.has(file)).toBe(false);
  });

  it.each([
    'test/sql/engines.test.ts',
    'test/sql/totality.test.ts',
    'test/ledger/ledger.test.ts',
    'test/cli/budget-pinned.test.ts',
    'test/review/pg-bpchar-key.test.ts',
  ])('%s runs in the servers group (PostgreSQL in its worker’s own database)', (file) => {
    expect(servers.has(file)).toBe(true);
  });

  it('no two files of the servers group create a database of the same name (they may run at once)', () => {
    const owner = new Map<string, string>();
    let named = 0;
    for (const file of servers) {
      for (const m of readFileSync(join(root, file), 'utf8').matchAll(/\bconst [A-Za-z_]*DB[A-Za-z_]* = '([a-z0-9_]+)'/g)) {
        const name = m[1] as string;
        named += 1;
        expect(owner.get(name) ?? file, `${name}: ${file} and ${owner.get(name)}`).toBe(file);
        owner.set(name, file);
      }
    }
    expect(named).toBeGreaterThan(5); // the check sees the files' database constants
  });

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

  it('puts a PostgreSQL file in the servers group unless it touches roles, grants, settings or other sessions', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsdp-run-groups-'));
    const testRoot = join(dir, 'test');
    mkdirSync(join(testRoot, 'helpers'), { recursive: true });
    writeFileSync(join(testRoot, 'helpers', 'pg-url.ts'), 'export const url = process.env.TSDP_TEST_POSTGRES_URL;\n');
    writeFileSync(join(testRoot, 'helpers', 'role.ts'), "export const sql = 'CREATE ROLE r';\n");
    const files: Record<string, string> = {
      'own-db.test.ts': "import { url } from './helpers/pg-url.js';\nconst t = 'CREATE TABLE visits (a int)';\n",
      'client.test.ts': "import pg from 'pg';\n",
      'dialect.test.ts': "const d = 'postgres'; const e = 'clickhouse';\n",
      'role.test.ts': "import { url } from './helpers/pg-url.js';\nimport { sql } from './helpers/role.js';\n",
      'grant.test.ts': "import { url } from './helpers/pg-url.js';\nconst g = 'GRANT SELECT ON t TO reader';\n",
      'sessions.test.ts': "import pg from 'pg';\nconst q = 'SELECT count(*) FROM pg_stat_activity';\n",
      'settings.test.ts': "import pg from 'pg';\nconst q = 'ALTER SYSTEM SET work_mem = 1';\n",
      'clickhouse.test.ts': "import pg from 'pg';\nconst u = process.env.TSDP_TEST_CLICKHOUSE_URL;\n",
    };
    for (const [name, text] of Object.entries(files)) writeFileSync(join(testRoot, name), text);
    const group = (name: string) => runGroup(join(testRoot, name), testRoot);
    expect(group('own-db.test.ts')).toBe('servers');
    expect(group('client.test.ts')).toBe('servers');
    expect(group('dialect.test.ts')).toBe('parallel');
    for (const name of ['role.test.ts', 'grant.test.ts', 'sessions.test.ts', 'settings.test.ts', 'clickhouse.test.ts'])
      expect(group(name), name).toBe('serial');
  });
});

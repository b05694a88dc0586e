/**
 * `tsdp sql --db clickhouse://…` reaches a real ClickHouse cluster (issue 11 re-check: the CLI's file check took every
 * URL that was not PostgreSQL for a DuckDB file and refused it as "DuckDB database not found"), answers a DP count
 * there, and charges the file ledger once.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickhouseAvailable, loadVisits, type TestCluster, testCluster, visitsTable } from '../clickhouse/cluster.js';
import { tsdp } from './run-cli.js';

const DB = `tsdp_cli_${process.pid}`;
let cluster: TestCluster | undefined;

describe.skipIf(!clickhouseAvailable)('tsdp sql on a ClickHouse cluster', () => {
  beforeAll(async () => {
    cluster = testCluster();
    await loadVisits(cluster, DB);
  }, 120_000);
  afterAll(() => {
    cluster?.stop?.();
  });

  it('answers a DP COUNT from the cluster and charges the file ledger once', async () => {
    const home = mkdtempSync(join(tmpdir(), 'tsdp-ch-cli-'));
    const schema = join(home, 'visits.schema.json');
    writeFileSync(schema, JSON.stringify({ dataset: 'visits_cli', budget: { epsilon: 10 }, tables: { visits: visitsTable(2) } }));
    const http = new URL(cluster?.shards[0] as string);
    const db = `clickhouse://tsdp_reader@${http.host}/${DB}?cluster=tsdp`;
    const r = await tsdp(['sql', '--db', db, '--schema', schema, '--epsilon', '1', '--json', 'SELECT COUNT(*) AS n FROM visits'], home);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as { columns: string[]; rows: unknown[][]; spent: { epsilon: number } };
    expect(out.columns).toEqual(['n']);
    expect(out.rows).toHaveLength(1);
    expect(out.spent.epsilon).toBe(1);
    const journal = join(home, 'ledger', 'visits_cli.jsonl');
    expect(existsSync(journal) && readFileSync(journal, 'utf8').includes('"epsilon"')).toBe(true);
  }, 120_000);
});

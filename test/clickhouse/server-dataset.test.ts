/**
 * The query server's dataset config with a ClickHouse URL, end to end (issue 16:
 * "the server's dataset config accepts it"): a configuration whose data set is
 * `db: clickhouse://tsdp_reader@host:port/db?cluster=tsdp` over a real 3-shard
 * cluster, read through `tsdp/server`'s public API (`parseServerConfig`,
 * `createQueryServer`) and plain HTTP: the data set is listed with engine
 * `clickhouse`, a query answers within the stated noise of DuckDB's exact counts
 * on the same data and is charged once, and a table not sharded by its unit is
 * refused before the charge.
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileLedger } from '../../src/ledger/file-ledger.js';
import { createQueryServer, parseServerConfig, type QueryServer } from '../../src/server/index.js';
import { compileDpQuery } from '../../src/sql/compile.js';
import type { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { planDpQuery } from '../../src/sql/plan-query.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { duckdbWithVisits } from '../sql/data.js';
import {
  clickhouseAvailable,
  loadVisits,
  removeTemporaryDirs,
  type TestCluster,
  temporaryDir,
  testCluster,
  visitsTable,
} from './cluster.js';

const DB = 'tsdp_server_test';
const SCHEMA = {
  dataset: 'visits',
  budget: { epsilon: 100, delta: 1e-5 },
  tables: {
    visits: visitsTable(4),
    unsharded: { privacyUnit: 'person_id', columns: { person_id: { type: 'integer' }, region: { type: 'string' } } },
  },
};

let cluster: TestCluster;
let server: QueryServer;
let url: string;
let state: string;
let key: string;
let duck: DuckDbEngine;

async function post(sql: string, epsilon: number, confidence?: number) {
  const body = { dataset: 'visits', sql, epsilon, ...(confidence ? { confidence } : {}) };
  const r = await fetch(`${url}/v1/queries`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> & { error?: { code: string } } };
}

describe.skipIf(!clickhouseAvailable)("the query server's ClickHouse data set", () => {
  beforeAll(async () => {
    cluster = testCluster();
    await loadVisits(cluster, DB);
    duck = await duckdbWithVisits();
    state = temporaryDir('tsdp-ch-server-');
    const schemaPath = join(state, 'visits.schema.json');
    writeFileSync(schemaPath, JSON.stringify(SCHEMA));
    const http = new URL(cluster.shards[0] as string);
    const config = parseServerConfig(
      {
        server: { stateDir: state, padLatencyMs: 0, port: 0 },
        ledger: { kind: 'file' },
        datasets: {
          visits: {
            schema: schemaPath,
            db: `clickhouse://tsdp_reader@${http.host}/${DB}?cluster=tsdp`,
            analysts: { alice: { epsilon: 50 } },
          },
        },
      },
      resolve(import.meta.dirname, '../..'),
      'test config',
    );
    server = await createQueryServer(config, { playgroundDir: null });
    url = await server.listen(0);
    key = server.keys.create('alice').token;
  }, 300_000);

  afterAll(async () => {
    await server?.close();
    await duck?.close();
    cluster?.stop?.();
    removeTemporaryDirs();
  });

  it('lists the data set with engine clickhouse', async () => {
    const r = await fetch(`${url}/v1/datasets`, { headers: { authorization: `Bearer ${key}` } });
    const body = (await r.json()) as { datasets: { name: string; engine: string }[] };
    expect(r.status).toBe(200);
    expect(body.datasets.find((d) => d.name === 'visits')?.engine).toBe('clickhouse');
  });

  it("answers within the stated noise of DuckDB's exact counts, charged once (99.9999% intervals, false-failure probability ≤ 1e-6 per count)", async () => {
    const sql = 'SELECT region, COUNT(*) AS n FROM visits GROUP BY region ORDER BY region';
    const r = await post(sql, 10, 1 - 1e-6);
    expect(r.status).toBe(200);
    const rows = r.body.rows as [string, number][];
    const intervals = (r.body.intervals as Record<string, [number, number][]>).n as [number, number][];
    const schema = parseSqlSchema(SCHEMA);
    const compiled = compileDpQuery(planDpQuery(sql, schema), duck.dialect, 7n, schema);
    const exact = new Map((await duck.query(compiled.main)).map((row) => [String(row[compiled.keyColumns[0] as string]), row]));
    const count = compiled.inputs[1];
    if (count?.kind !== 'count') throw new Error('fixture');
    expect(rows.map((x) => x[0])).toEqual(['east', 'north', 'south']);
    for (const [i, [region]] of rows.entries()) {
      const truth = Number(exact.get(region)?.[count.count]);
      expect(truth).toBeGreaterThanOrEqual(intervals[i]?.[0] as number);
      expect(truth).toBeLessThanOrEqual(intervals[i]?.[1] as number);
    }
    const entries = await new FileLedger({ home: state }).entries('visits');
    expect(entries.map((e) => [e.analyst, e.memo, e.epsilon.toString()])).toEqual([['alice', sql, '10']]);
  });

  it('refuses a table not sharded by its privacy unit before the charge', async () => {
    const before = (await new FileLedger({ home: state }).entries('visits')).length;
    const r = await post('SELECT COUNT(*) AS n FROM unsharded', 1);
    expect(r.status).toBe(422);
    expect(r.body.error?.code).toBe('UNSUPPORTED_QUERY');
    expect((await new FileLedger({ home: state }).entries('visits')).length).toBe(before);
  });
});

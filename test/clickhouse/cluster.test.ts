/**
 * DP SQL on a real 3-shard ClickHouse cluster (scripts/clickhouse.sh; issue 16):
 * the exact bounded aggregates equal DuckDB's on the same data, a seeded DP run
 * releases the same table as DuckDB's, bounding depends only on each unit's own
 * rows (a neighbour without one unit changes only that unit's contribution),
 * a table not sharded by its unit is refused before the charge, and a shard
 * failing after the charge keeps the charge and returns one data-independent
 * error.
 */
import { createServer, type Server } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExactLoss } from '../../src/core/exact-loss.js';
import { FileLedger } from '../../src/ledger/file-ledger.js';
import type { LedgerScope } from '../../src/ledger/ledger.js';
import { type CompiledDpQuery, compileDpQuery } from '../../src/sql/compile.js';
import type { SqlDialect } from '../../src/sql/dialect.js';
import { clickhouseArraysDialect, clickhouseDialect } from '../../src/sql/dialects/clickhouse.js';
import type { EngineRow, SqlEngine } from '../../src/sql/engine.js';
import { ClickHouseEngine } from '../../src/sql/engines/clickhouse.js';
import type { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { openDataSource } from '../../src/sql/open-data.js';
import { planDpQuery } from '../../src/sql/plan-query.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema, type SqlSchema } from '../../src/sql/schema.js';
import { sumGrid } from '../../src/stats/fixed-point-grid.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { duckdbWithVisits, makeVisits } from '../sql/data.js';
import { scaledToCapReference } from '../sql/scaled-to-cap-reference.js';
import {
  adminExec,
  clickhouseAvailable,
  loadVisits,
  removeTemporaryDirs,
  type TestCluster,
  temporaryDir,
  testCluster,
  visitsTable,
} from './cluster.js';

const DB = 'tsdp_cluster_test';

function schemaWith(maxPartitions: number): SqlSchema {
  return parseSqlSchema({
    dataset: 'visits',
    budget: { epsilon: 1000, delta: 1e-5 },
    tables: {
      visits: visitsTable(maxPartitions),
      unsharded: { privacyUnit: 'person_id', columns: { person_id: { type: 'integer' }, region: { type: 'string' } } },
      nodistributed: { privacyUnit: 'person_id', columns: { person_id: { type: 'integer' } } },
      randarg: { privacyUnit: 'person_id', columns: { person_id: { type: 'integer' } } },
      twice: { privacyUnit: 'person_id', columns: { person_id: { type: 'integer' } } },
    },
  });
}

let cluster: TestCluster;
let ch: ClickHouseEngine;
let duck: DuckDbEngine;

describe.skipIf(!clickhouseAvailable)('DP SQL on a 3-shard ClickHouse cluster', () => {
  beforeAll(async () => {
    cluster = testCluster();
    await loadVisits(cluster, DB);
    ch = await ClickHouseEngine.open({ url: cluster.shards[0] as string, database: DB, cluster: 'tsdp', schema: schemaWith(4) });
    duck = await duckdbWithVisits();
  }, 300_000);

  afterAll(async () => {
    await duck?.close();
    await ch?.close();
    cluster?.stop?.();
    removeTemporaryDirs();
  });

  /** Each output's exact inputs, by output index and role (the compilers name their columns differently). */
  function exactInputs(compiled: CompiledDpQuery, rows: readonly EngineRow[]): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const r of rows) {
      const key = JSON.stringify(compiled.keyColumns.map((k) => (r[k] === null ? null : String(r[k]))));
      const values = [String(r[compiled.unitsColumn])];
      compiled.inputs.forEach((inp, i) => {
        if (!inp || inp.kind === 'quantile') return;
        for (const [role, col] of Object.entries(inp))
          if (role !== 'kind' && role !== 'bounds') values.push(`${i}.${role}=${String(r[col as string])}`);
      });
      out.set(key, values);
    }
    return out;
  }

  async function both(sql: string, schema: SqlSchema, salt = 7n): Promise<[Map<string, string[]>, Map<string, string[]>]> {
    const plan = planDpQuery(sql, schema);
    const run = async (engine: SqlEngine) => {
      const compiled = compileDpQuery(plan, engine.dialect, salt, schema);
      return exactInputs(compiled, await engine.query(compiled.main));
    };
    return [await run(ch), await run(duck)];
  }

  const suite: [string, string][] = [
    [
      'counts, sums, means',
      'SELECT region, COUNT(*) AS n, COUNT(DISTINCT person_id) AS people, AVG(minutes) AS m, SUM(amount) AS s FROM visits WHERE amount IS NOT NULL GROUP BY region',
    ],
    [
      'filters',
      "SELECT region, COUNT(*) AS n, SUM(minutes) AS s, COUNT(city) AS c FROM visits WHERE city IS NOT NULL AND day BETWEEN 5 AND 25 AND city IN ('c1', 'c2', 'c3') GROUP BY region",
    ],
    [
      'CASE and CAST',
      "SELECT region, SUM(CASE WHEN day > 15 THEN minutes * 2 ELSE 0 END) AS s, AVG(CAST(day AS integer)) AS d FROM visits WHERE NOT (city LIKE 'c4') GROUP BY region",
    ],
    ['no GROUP BY', 'SELECT COUNT(*) AS n, STDDEV(minutes) AS sd, COUNT(DISTINCT person_id) AS u FROM visits'],
    ['GROUP BY an arithmetic expression', 'SELECT FLOOR(day / 10) * 10 AS d10, COUNT(*) AS n, SUM(minutes) AS s FROM visits GROUP BY 1'],
    [
      'GROUP BY a CASE and a condition',
      "SELECT CASE WHEN day > 15 THEN 'late' ELSE 'early' END AS half, minutes > 30 AS long, COUNT(*) AS n, VARIANCE(day) AS v FROM visits GROUP BY 1, 2",
    ],
  ];
  for (const [name, sql] of suite) {
    it(`computes DuckDB's exact bounded aggregates, summed over shards: ${name}`, async () => {
      const [a, b] = await both(sql, schemaWith(4));
      expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
      for (const [key, values] of a) expect(values, key).toEqual(b.get(key));
    });
  }

  it('adds nothing to SUM for a unit whose values in a group are all NULL (the exact reference computed in TypeScript)', async () => {
    const schema = schemaWith(4);
    const plan = planDpQuery('SELECT region, SUM(amount) AS s FROM visits GROUP BY region', schema);
    const compiled = compileDpQuery(plan, ch.dialect, 7n, schema);
    const rows = await ch.query(compiled.main);
    const g = sumGrid([0, 100]);
    const per = new Map<string, { units: number | null; n: number }>();
    for (const v of makeVisits().visits) {
      const k = `${v.region}|${v.person_id}`;
      const prev = per.get(k) ?? { units: null, n: 0 };
      per.set(k, v.amount === null ? prev : { units: (prev.units ?? 0) + g.toUnits(v.amount), n: prev.n + 1 });
    }
    const ref = new Map<string, bigint>();
    for (const [k, { units, n }] of per) {
      const region = k.split('|')[0] as string;
      const cap = 3 * g.maxUnits;
      // A unit with n > C = 3 values weighs its sum to 3 values (src/sql/scaled-to-cap.ts), then the clamp to ±C·M.
      const weighted = units === null ? null : scaledToCapReference(BigInt(units), BigInt(n), 3n);
      const b = BigInt(cap);
      ref.set(region, (ref.get(region) ?? 0n) + (weighted === null ? 0n : weighted < -b ? -b : weighted > b ? b : weighted));
    }
    const input = compiled.inputs[1];
    if (input?.kind !== 'sum') throw new Error('fixture');
    for (const r of rows) expect(r[input.units], String(r.tsdp_k0)).toBe(ref.get(String(r.tsdp_k0)));
  });

  it('computes the same capped quantile histograms as DuckDB when no group is dropped', async () => {
    const schema = schemaWith(4);
    const plan = planDpQuery('SELECT region, MEDIAN(minutes) AS m FROM visits GROUP BY region', schema);
    const hist = async (engine: SqlEngine) => {
      const c = compileDpQuery(plan, engine.dialect, 5n, schema);
      const rows = await engine.query(c.histograms[0] as CompiledDpQuery['histograms'][0]);
      const perGroup = new Map<string, bigint>();
      for (const r of rows)
        perGroup.set(
          String(r[c.keyColumns[0] as string]),
          (perGroup.get(String(r[c.keyColumns[0] as string])) ?? 0n) + BigInt(String(r.n)),
        );
      return perGroup;
    };
    // Per group the total kept is Σ_units min(rows, C): the same on both engines whichever bins the salt picks.
    expect(await hist(ch)).toEqual(await hist(duck));
  });

  it('releases the same table as DuckDB from the same seed, charged once (false-failure probability 0: seeded, exact inputs equal)', async () => {
    const sql = 'SELECT region, COUNT(*) AS n, AVG(minutes) AS m, SUM(amount) AS s FROM visits GROUP BY region ORDER BY region';
    const results = [];
    for (const engine of [ch, duck] as SqlEngine[]) {
      const ledger = new FileLedger({ home: temporaryDir('tsdp-ch-test-') });
      results.push(await runDpSql({ sql, schema: schemaWith(4), engine, ledger, epsilon: 3, rng: new SeededRandomSource(99) }));
      expect((await ledger.entries('visits')).length).toBe(1);
    }
    expect(results[0]?.rows).toEqual(results[1]?.rows);
    expect(results[0]?.spent).toEqual({ epsilon: 3, delta: 0 });
  });

  it('answers within the stated noise of the exact DuckDB counts (unseeded CSPRNG; 99.9999% intervals, false-failure probability ≤ 1e-6 per count)', async () => {
    const sql = 'SELECT region, COUNT(*) AS n FROM visits GROUP BY region ORDER BY region';
    const ledger = new FileLedger({ home: temporaryDir('tsdp-ch-test-') });
    const r = await runDpSql({ sql, schema: schemaWith(4), engine: ch, ledger, epsilon: 10, confidence: 1 - 1e-6 });
    const [exact] = await both(sql, schemaWith(4));
    expect(r.rows.length).toBe(3);
    for (const [i, row] of r.rows.entries()) {
      const iv = r.intervals.n?.[i];
      const truth = Number(exact.get(JSON.stringify([row[0]]))?.[1]?.split('=')[1] ?? 0);
      expect(iv).not.toBeNull();
      expect(truth).toBeGreaterThanOrEqual((iv as [number, number])[0]);
      expect(truth).toBeLessThanOrEqual((iv as [number, number])[1]);
    }
    expect(r.notForRelease).toBeUndefined();
  });

  it('bounds each unit on its own rows: the neighbour without one unit differs by that unit alone (fast-check, seed 16, both top-P strategies, a text key and an integer key — the one-column order of clickhouse-compile.ts groupHash)', async () => {
    const schema = schemaWith(2);
    const people = [...new Set(makeVisits().visits.map((v) => v.person_id))];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...people),
        fc.bigInt({ min: 1n, max: 2n ** 62n }),
        fc.boolean(),
        fc.constantFrom('region' as const, 'day' as const),
        async (person, salt, limitBy, key) => {
          const dialect: SqlDialect = limitBy ? clickhouseArraysDialect : clickhouseDialect;
          const engine: SqlEngine = { dialect, catalog: (t) => ch.catalog(t), query: (s) => ch.query(s), close: async () => {} };
          const run = async (where: string) => {
            const plan = planDpQuery(`SELECT ${key}, COUNT(*) AS n FROM visits${where} GROUP BY ${key}`, schema);
            const c = compileDpQuery(plan, engine.dialect, salt, schema);
            return new Map(
              (await engine.query(c.main)).map((r) => [String(r.tsdp_k0), [BigInt(String(r.tsdp_units)), BigInt(String(r.tsdp_a0))]]),
            );
          };
          const all = await run('');
          const without = await run(` WHERE person_id <> ${person}`);
          // The compiled statements keep only declared key values (S65, src/sql/declared-keys.ts): 'west' is not a
          // declared region, so a unit's kept groups are chosen among its declared ones.
          const declared = (v: { region: string }) => key !== 'region' || ['north', 'south', 'east'].includes(v.region);
          const mine = makeVisits().visits.filter((v) => v.person_id === person && declared(v));
          const groups = new Set(mine.map((v) => String(v[key])));
          let changed = 0n;
          for (const [g, [units, n]] of all) {
            const [u0, n0] = without.get(g) ?? [0n, 0n];
            const du = (units as bigint) - (u0 as bigint);
            const dn = (n as bigint) - (n0 as bigint);
            // Only this unit's own kept groups change, by one unit and at most C rows each.
            expect(du === 0n || du === 1n).toBe(true);
            if (du === 0n) expect(dn).toBe(0n);
            else {
              expect(groups.has(g)).toBe(true);
              expect(dn).toBe(BigInt(Math.min(3, mine.filter((v) => String(v[key]) === g).length)));
            }
            changed += du;
          }
          expect(changed).toBe(BigInt(Math.min(2, groups.size)));
        },
      ),
      { numRuns: 30, seed: 16 },
    );
  }, 300_000);

  it('refuses a private table not sharded by its unit before the charge (UNSUPPORTED_QUERY naming the fix, nothing charged)', async () => {
    for (const table of ['unsharded', 'nodistributed', 'randarg', 'twice']) {
      // unsharded: a Distributed table sharding by rand(); nodistributed: local tables and no Distributed table at all;
      // randarg: by rand(person_id) (rand ignores its argument; review S10); twice: one Distributed table by the unit
      // and another over the same table at random (review S10: every Distributed table over it must shard by the unit).
      const ledger = new FileLedger({ home: temporaryDir('tsdp-ch-test-') });
      const err = await runDpSql({
        sql: `SELECT COUNT(*) AS n FROM ${table}`,
        schema: schemaWith(4),
        engine: ch,
        ledger,
        epsilon: 1,
      }).catch((e: unknown) => e);
      expect(err, table).toMatchObject({ code: 'UNSUPPORTED_QUERY' });
      expect(String((err as Error).message)).toContain(`Distributed(tsdp, tsdp_cluster_test, ${table}, cityHash64(person_id))`);
      expect((await ledger.entries('visits')).length).toBe(0);
    }
  });

  it('keeps the charge when a shard fails after it, charges before any shard sees a data query, and returns one data-independent ENGINE_ERROR', async () => {
    // A loopback proxy in front of shard 3: it forwards catalog reads (system.*) and refuses every data query.
    const log: string[] = [];
    const target = new URL(cluster.shards[2] as string);
    const proxy: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const data = !/system\.|^SELECT 1 AS one/.test(body);
        log.push(data ? 'data' : 'catalog');
        if (data) {
          res.writeHead(500);
          res.end('Code: 999, e.displayText() = secret value 123456');
          return;
        }
        const r = await fetch(new URL(req.url ?? '/', target), { method: 'POST', body });
        res.writeHead(r.status);
        res.end(Buffer.from(await r.arrayBuffer()));
      });
    });
    await new Promise<void>((done) => proxy.listen(0, '127.0.0.1', done));
    const port = (proxy.address() as { port: number }).port;
    try {
      const engine = await ClickHouseEngine.open({
        url: cluster.shards[0] as string,
        database: DB,
        cluster: 'tsdp',
        schema: schemaWith(4),
        shards: [cluster.shards[0] as string, cluster.shards[1] as string, `http://127.0.0.1:${port}`],
      });
      const inner = new FileLedger({ home: temporaryDir('tsdp-ch-test-') });
      const ledger = Object.assign(Object.create(inner) as FileLedger, {
        charge: async (scope: LedgerScope, cost: ExactLoss, what: string) => {
          log.push('charge');
          return inner.charge(scope, cost, what);
        },
      });
      const err = await runDpSql({
        sql: 'SELECT region, COUNT(*) AS n FROM visits GROUP BY region',
        schema: schemaWith(4),
        engine,
        ledger,
        epsilon: 1,
      }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'ENGINE_ERROR' });
      expect(String((err as Error).message)).not.toMatch(/123456|secret|Code/);
      expect((await inner.entries('visits')).length).toBe(1);
      expect(log.indexOf('charge')).toBeGreaterThan(-1);
      expect(log.indexOf('data')).toBeGreaterThan(log.indexOf('charge'));
    } finally {
      await new Promise<void>((done) => proxy.close(() => done()));
    }
  });

  it('opens clickhouse://host:port/db?cluster=name from --db with the layout of system.clusters', async () => {
    const url = cluster.url.replace(/\/default\?/, `/${DB}?`);
    const home = temporaryDir('tsdp-ch-test-');
    const opened = await openDataSource({ db: url, home }, schemaWith(4));
    try {
      expect(opened.engine).toBeInstanceOf(ClickHouseEngine);
      expect((opened.engine as ClickHouseEngine).shards.length).toBe(3);
      const r = await runDpSql({
        sql: 'SELECT COUNT(*) AS n FROM visits',
        schema: schemaWith(4),
        engine: opened.engine,
        ledger: opened.ledger,
        epsilon: 1,
        rng: new SeededRandomSource(3),
      });
      expect(r.rows.length).toBe(1);
      expect(opened.ledgerDescription).toMatch(/^file /);
    } finally {
      await opened.engine.close();
      await opened.ledger.close();
    }
  });

  it("the slower path for a table not sharded by its unit: its Distributed table through one server computes DuckDB's exact aggregates", async () => {
    // The rows of `visits` again, scattered over the shards at random (rand()): per-shard bounding would be wrong here.
    await Promise.all(
      cluster.shards.map(async (s) => {
        await adminExec(s, `CREATE TABLE ${DB}.scattered AS ${DB}.visits`);
        await adminExec(s, `CREATE TABLE ${DB}.scattered_all AS ${DB}.scattered ENGINE = Distributed(tsdp, ${DB}, scattered, rand())`);
      }),
    );
    await adminExec(cluster.shards[0] as string, `INSERT INTO ${DB}.scattered_all SELECT * FROM ${DB}.visits_all`, {
      insert_distributed_sync: '1',
    });
    const visits = schemaWith(4);
    const scattered = parseSqlSchema({
      dataset: 'visits',
      budget: { epsilon: 1000, delta: 1e-5 },
      tables: {
        scattered_all: visitsTable(4),
      },
    });
    // No `cluster`: the whole statement runs on one server, which reads every shard's rows through the Distributed table.
    const one = await ClickHouseEngine.open({ url: cluster.shards[0] as string, database: DB, schema: scattered });
    const sql =
      'SELECT region, COUNT(*) AS n, COUNT(DISTINCT person_id) AS u, AVG(minutes) AS m, SUM(amount) AS s FROM visits GROUP BY region';
    const run = async (engine: SqlEngine, text: string, schema: SqlSchema) => {
      const compiled = compileDpQuery(planDpQuery(text, schema), engine.dialect, 7n, schema);
      return exactInputs(compiled, await engine.query(compiled.main));
    };
    const a = await run(one, sql.replace('FROM visits', 'FROM scattered_all'), scattered);
    expect(a.size).toBeGreaterThanOrEqual(3);
    expect(a).toEqual(await run(duck, sql, visits));
  });
});

/**
 * The compiled ClickHouse SQL is total (compile.proof.md's rule; the ClickHouse
 * column in src/sql/dialects/clickhouse.ts): every construct the planner accepts
 * runs without an engine error on a table of hostile values — the suite of
 * test/sql/totality.test.ts, on a real 3-shard cluster — and inlined literals
 * cannot escape their quotes (there are no bind parameters on 18.16): every
 * string, double and integer reaches the server as exactly itself.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DpError } from '../../src/core/errors.js';
import type { CompiledDpQuery } from '../../src/sql/compile.js';
import { clickhouseDialect } from '../../src/sql/dialects/clickhouse.js';
import { doubleLiteral, intLiteral, textLiteral } from '../../src/sql/dialects/clickhouse-literals.js';
import { ClickHouseEngine } from '../../src/sql/engines/clickhouse.js';
import type { QueryPlan } from '../../src/sql/plan.js';
import { explainDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { boundedShrinking } from '../sql/engine-timeout.js';
import { BINARY_OPS, expressionArbitrary, FUNCTIONS, HOSTILE_TABLE, hostileSchema } from '../sql/hostile.js';
import {
  castExpressions,
  countAll as countAllIn,
  functionExpressions,
  INPUTS,
  operatorExpressions,
  planOrNull as planOrNullIn,
  runsOn,
  SHAPES,
  shapedQuery,
} from '../sql/totality-harness.js';
import { adminExec, clickhouseAvailable, createSharded, type TestCluster, testCluster } from './cluster.js';
import { HOSTILE_STRINGS, hostileRows } from './hostile-data.js';

const DB = 'tsdp_totality_test';
const schema = hostileSchema();
let cluster: TestCluster;
let ch: ClickHouseEngine;

function planOrNull(sql: string): QueryPlan | null {
  return planOrNullIn(sql, schema);
}

/** Every statement of an accepted plan, compiled as runDpSql does before its charge, runs on every shard without error. */
function runs(plan: QueryPlan): Promise<'ran' | 'refused'> {
  return runsOn(ch, plan, schema);
}

async function countAll(expressions: readonly string[]): Promise<number> {
  return countAllIn(expressions, schema, runs, 15);
}

describe.skipIf(!clickhouseAvailable)('the compiled ClickHouse SQL raises no engine error on hostile rows (3 shards)', () => {
  beforeAll(async () => {
    cluster = testCluster();
    await createSharded(
      cluster.shards,
      DB,
      { [HOSTILE_TABLE]: 'id Int64, i Nullable(Int64), f Nullable(Float64), s Nullable(String), b Nullable(UInt8), d Nullable(Date)' },
      () => 'cityHash64(id)',
    );
    await adminExec(cluster.shards[0] as string, `INSERT INTO ${DB}.${HOSTILE_TABLE}_all VALUES ${hostileRows().join(', ')}`, {
      insert_distributed_sync: '1',
    });
    ch = await ClickHouseEngine.open({ url: cluster.shards[0] as string, database: DB, cluster: 'tsdp', schema });
  }, 120_000);

  afterAll(async () => {
    await ch?.close();
    cluster?.stop?.();
  });

  it('every cast of every column type and hostile literal', async () => {
    const n = await countAll(castExpressions());
    expect(n).toBeGreaterThan(INPUTS.length * 2);
  }, 300_000);

  it('every allow-listed function on every column type and hostile literal', async () => {
    // Pairs with a column on one side (pairs of literals fold to constants), and the date functions on every input.
    const exprs = functionExpressions('withColumn');
    for (const x of INPUTS) exprs.push(`YEAR(${x})`, `MONTH(${x})`, `DAY(${x})`, `DATE_TRUNC('quarter', ${x})`);
    const n = await countAll(exprs);
    expect(n).toBeGreaterThan(FUNCTIONS.length * 5);
  }, 300_000);

  it('every operator on every pair of column types and hostile literals (÷ and % by zero, NaN, ±inf)', async () => {
    // Every pair with a column on one side (pairs of literals fold to constants and add nothing per row).
    const n = await countAll(operatorExpressions('withColumn', ['%']));
    expect(n).toBeGreaterThan(BINARY_OPS.length * 10);
  }, 300_000);

  it('random expressions over the allow-list, in WHERE, as COUNT, SUM and MEDIAN arguments and as GROUP BY keys (fast-check, seed 10)', async () => {
    let ran = 0;
    await fc.assert(
      fc.asyncProperty(
        expressionArbitrary(),
        fc.constantFrom(...SHAPES),
        // Shrinking bounded in time (test/sql/engine-timeout.ts, rule 2).
        boundedShrinking(120_000, async (e, shape) => {
          const plan = planOrNull(shapedQuery(e, shape));
          if (plan && (await runs(plan)) === 'ran') ran++;
        }),
      ),
      { numRuns: 200, seed: 10 },
    );
    expect(ran).toBeGreaterThan(50);
  }, 300_000);

  it('groups by hostile text keys (invalid UTF-8 dropped by a fixed rule, never merged into another key, never an error)', async () => {
    const plan = planOrNull(`SELECT s AS k, COUNT(*) AS n FROM ${HOSTILE_TABLE} GROUP BY 1`) as QueryPlan;
    const compiled = explainDpSql(plan.text, schema, clickhouseDialect, { epsilon: 1, delta: 1e-6 }, 5n).compiled;
    const rows = await ch.query(compiled.main);
    const keys = rows.map((r) => r.tsdp_k0);
    expect(new Set(keys.map((k) => JSON.stringify(k))).size).toBe(keys.length);
    expect(keys).toContain("'; DROP TABLE x; --");
    expect(keys).toContain('a\tb\nc\0d');
    expect(keys.filter((k) => typeof k === 'string' && k.includes('\uFFFD'))).toEqual([]);
  });

  it('matches each hostile string exactly through WHERE s = literal (regression: quotes, backslashes, control bytes, long text)', async () => {
    for (const s of HOSTILE_STRINGS) {
      if (s === null || s.includes('\0')) continue;
      const expected = HOSTILE_STRINGS.filter((x) => x === s).length;
      const plan = planOrNull(`SELECT COUNT(*) AS n FROM ${HOSTILE_TABLE} WHERE s = '${s.replace(/'/g, "''")}'`);
      if (!plan) continue;
      const compiled = explainDpSql(plan.text, schema, clickhouseDialect, { epsilon: 1 }, 3n).compiled;
      const [row] = await ch.query(compiled.main);
      const input = compiled.inputs[0];
      if (input?.kind !== 'count') throw new Error('fixture');
      // Each hostile row is its own unit here (distinct ids), so the capped count is the number of rows holding s.
      expect(row?.[input.count], JSON.stringify(s.slice(0, 40))).toBe(BigInt(expected));
    }
  }, 120_000);

  it('inlines any string, double and Int64 exactly: the server reads back the same bytes and bits (fast-check, seed 1016)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.string({ unit: 'binary' }),
            fc.string({ unit: 'grapheme' }),
            fc.constantFrom("'", '\\', "\\'", '\\x27', '\n', '\0', '`', '--', '/*'),
          ),
          {
            minLength: 1,
            maxLength: 20,
          },
        ),
        fc.array(fc.double(), { minLength: 1, maxLength: 20 }),
        fc.array(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), { minLength: 1, maxLength: 20 }),
        async (strings, doubles, ints) => {
          const cols = [
            ...strings.map((s, i) => `hex(${textLiteral(s)}) AS s${i}`),
            ...doubles.map((x, i) => `toString(reinterpretAsUInt64(reinterpretAsString(${doubleLiteral(x)}))) AS d${i}`),
            ...ints.map((v, i) => `toString(${intLiteral(v)}) AS i${i}`),
          ];
          const out = (await adminExec(cluster.shards[0] as string, `SELECT ${cols.join(', ')} FORMAT JSONEachRow`)).trim();
          const row = JSON.parse(out) as Record<string, string>;
          strings.forEach((s, i) => {
            expect(row[`s${i}`]).toBe(Buffer.from(s, 'utf8').toString('hex').toUpperCase());
          });
          doubles.forEach((x, i) => {
            const b = Buffer.alloc(8);
            b.writeDoubleLE(x);
            expect(row[`d${i}`]).toBe(b.readBigUInt64LE().toString());
          });
          ints.forEach((v, i) => {
            expect(row[`i${i}`]).toBe(v.toString());
          });
        },
      ),
      { numRuns: 60, seed: 1016 },
    );
  }, 120_000);

  it('every join shape on hostile keys: links on each column type, non-link keys of mixed types, conditions on either side (INNER and LEFT)', async () => {
    // A public full copy of the hostile rows on every shard (NaN, ±inf, Int64 extremes, invalid UTF-8, NUL as join keys).
    await Promise.all(
      cluster.shards.map(async (s) => {
        await adminExec(s, `CREATE TABLE ${DB}.hcopy AS ${DB}.${HOSTILE_TABLE}`);
        await adminExec(s, `INSERT INTO ${DB}.hcopy VALUES ${hostileRows().join(', ')}`);
      }),
    );
    const publicCopy = parseSqlSchema({
      dataset: 'hostile',
      budget: { epsilon: 1, delta: 0 },
      tables: {
        dummy: { columns: { id: { type: 'integer' } } },
        hcopy: {
          public: true,
          columns: {
            id: { type: 'integer' },
            i: { type: 'integer' },
            f: { type: 'float' },
            s: { type: 'string' },
            b: { type: 'boolean' },
            d: { type: 'date' },
          },
        },
      },
    });
    const joined = { ...schema, tables: new Map([...schema.tables, ['hcopy', publicCopy.tables.get('hcopy')]]) } as typeof schema;
    const links = ['l.i = h.i', 'l.f = h.f', 'l.s = h.s', 'l.b = h.b', 'l.d = h.d', 'l.id = h.id'];
    const extras = ['', ' AND l.f = h.i + 0.5', " AND l.s <> 'x'", ' AND h.f / h.i > 1', ' AND l.i = h.id', ' AND (l.f > 0 OR h.f < 0)'];
    let ran = 0;
    for (const kind of ['JOIN', 'LEFT JOIN'])
      for (const link of links)
        for (const extra of extras) {
          const sql = `SELECT h.s AS k, COUNT(*) AS n, SUM(h.f) AS sf, COUNT(l.s) AS c FROM ${HOSTILE_TABLE} h ${kind} hcopy l ON ${link}${extra} GROUP BY h.s`;
          let compiled: CompiledDpQuery;
          try {
            compiled = explainDpSql(sql, joined, clickhouseDialect, { epsilon: 1, delta: 1e-6 }, 77n).compiled;
          } catch (e) {
            if (e instanceof DpError && e.code === 'UNSUPPORTED_QUERY') continue;
            throw e;
          }
          const rows = await ch.query(compiled.main).catch((e: unknown) => {
            throw new Error(`clickhouse raised ${(e as Error).message} on: ${sql}\n${compiled.main.sql.slice(0, 2000)}`);
          });
          expect(Array.isArray(rows)).toBe(true);
          ran++;
        }
    expect(ran).toBeGreaterThan(links.length * 4);
  }, 300_000);
});

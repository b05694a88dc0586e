/**
 * review3 (stop 19), commit 5e909da `scaledToCap`: compile.proof.md "Contribution bounding" claims that
 * FLOOR(CAST(s AS DOUBLE)·C/n + ½) "is the same correctly-rounded computation on DuckDB, PostgreSQL, ClickHouse and
 * in the TypeScript references, so the engines agree exactly". DuckDB's HUGEINT → DOUBLE cast is not correctly
 * rounded for negative values below −2⁵³ (it computes −fl(−s − 1) − 1: CAST(−9007199254740994::HUGEINT AS DOUBLE)
 * is −9007199254740992), so a unit whose per-group sum s is such a value gets an exact input 2 grid units away from
 * the reference (and from PostgreSQL, whose numeric → float8 is correctly rounded). Not a privacy hole: the clamp
 * after scaledToCap still bounds every unit to ±C·M. It breaks the stated exact agreement between engines.
 * Reachable: one unit, 2²² + 2 rows in one group, C = 2²² + 1, w in [−0.9, 0] (2³² grid units per 1).
 * Fix direction: compute the weighting in exact integer arithmetic (e.g. (2·s·C + n) div (2·n) with floor division
 * on the wide type), or cast s through a correctly-rounded path.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileDpQuery } from '../../src/sql/compile.js';
import { exactUnits } from '../../src/sql/engine-values.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import { planDpQuery } from '../../src/sql/plan-query.js';
import { parseSqlSchema } from '../../src/sql/schema.js';

const C = 2 ** 22 + 1;
const N = C + 1;

let duck: DuckDbEngine;
beforeAll(async () => {
  duck = await DuckDbEngine.open({ allowExternalAccess: true });
  await duck.connection.run('CREATE TABLE t (pid BIGINT, w DOUBLE)');
  // N − 1 rows at −0.5 (−2³¹ units) and one at −0.5 − 2⁻³¹ (−2³¹ − 2 units): s = −N·2³¹ − 2.
  await duck.connection.run(`INSERT INTO t SELECT 1, CASE WHEN i = 0 THEN -0.5 - pow(2, -31) ELSE -0.5 END FROM range(${N}) r(i)`);
}, 120_000);
afterAll(async () => {
  await duck?.close();
});

describe('scaledToCap rounds as the correctly-rounded reference on DuckDB (review3)', () => {
  it('a unit with s < −2⁵³ and n > C gets FLOOR(fl(s)·C/n + ½) exactly', async () => {
    const schema = parseSqlSchema({
      dataset: 'review3',
      budget: { epsilon: 100, delta: 1e-5 },
      tables: {
        t: {
          privacyUnit: 'pid',
          maxPartitions: 1,
          maxContributionsPerPartition: C,
          columns: { pid: { type: 'integer' }, w: { type: 'float', lower: -0.9, upper: 0 } },
        },
      },
    });
    const compiled = compileDpQuery(planDpQuery('SELECT SUM(w) AS s FROM t', schema), duck.dialect, 11n, schema);
    const input = compiled.inputs.find((x) => x !== null);
    if (!input || input.kind !== 'sum') throw new Error('expected one sum input');
    const rows = await duck.query(compiled.main);
    const got = exactUnits(rows[0] ?? {}, input);
    const s = -BigInt(N) * 2n ** 31n - 2n;
    // The reference the proof names: Number(s) is correctly rounded (here exact: s is even and above −2⁵⁴); DuckDB gives −9007201402224640, 2 units off.
    const expected = BigInt(Math.floor((Number(s) * C) / N + 0.5));
    expect(got).toBe(expected);
  }, 120_000);
});

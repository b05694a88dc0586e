/**
 * Review ML (reviewml, session 3, 2026-12-06), finding M10 — issue 16 / issue 10 class 18 ("one person is one unit":
 * the identity of a unit value must be the same on every engine and every reader). ClickHouse only; float units.
 * Owner: trust (S25c's share: the `unitRows` lines of `src/sql/dialects/clickhouse-compile.ts`), told clickhouse.
 *
 * Where: `unitRows` in `src/sql/dialects/clickhouse-compile.ts` bounds per raw value of a Float64 unit: it drops NULL
 * and NaN but (a) keeps −0.0 and +0.0 apart — ClickHouse 18.16 GROUPs BY them apart (S23 found it for keys and
 * normalised keys with `+ 0.`, not units), while `-0. = 0.` is true there and DuckDB, PostgreSQL and the Session's
 * readers (`unitText`: String(−0) = '0') hold them as ONE unit — so a person whose rows carry both spellings is
 * bounded as two people: COUNT(*) … GROUP BY k moves by 2·C (also `cityHash64(-0.) ≠ cityHash64(0.)`: a Distributed
 * table sharded by the unit puts the two spellings on different shards — member (c), which a `+ 0.` in the SQL alone
 * does not close: a float unit must be refused on a cluster, or sharded by a normalised value); (b) keeps ±∞ as a unit, while the rule of
 * compile.proof.md "Rows without a unit" (NULL, '' and NaN **or ±∞** of a float unit identify no one; DuckDB and
 * PostgreSQL drop `ABS(unit) > 1.797…e308`) drops them: every row whose id overflowed to +∞ is ONE pooled unit on
 * ClickHouse, and one more such row moves the pooled unit's kept group: 2 in L1 against P·C = 1 (S25's shape).
 *
 * Rule that would close the class: one canonical unit value on every engine, written once (the S25c rule trust is
 * writing): a float unit is normalised like a double key (`+ 0.`) before anything groups, hashes or shards by it,
 * and the "no unit" predicate is the same on every dialect (NULL, '', NaN, ±∞); a generative test over unit values
 * × engines (the same rows give the same exact aggregates on DuckDB and ClickHouse).
 *
 * Real 3-shard cluster (test/clickhouse/cluster.ts; TSDP_CH_DIR/TSDP_CH_PORT choose a private one). Exact aggregates
 * of the compiled main statement (no noise), P = C = 1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileDpQuery } from '../../src/sql/compile.js';
import { ClickHouseEngine } from '../../src/sql/engines/clickhouse.js';
import { planDpQuery } from '../../src/sql/plan-query.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { adminExec, clickhouseAvailable, createSharded, type TestCluster, testCluster } from '../clickhouse/cluster.js';

const DB = 'tsdp_review_ml_float_unit';
const schema = parseSqlSchema({
  dataset: 'ml_float_unit',
  budget: { epsilon: 100, delta: 1e-5 },
  tables: {
    fu: {
      privacyUnit: 'pid',
      maxPartitions: 1,
      maxContributionsPerPartition: 1,
      columns: { pid: { type: 'float' }, k: { type: 'string', categories: ['a', 'b'] } },
    },
  },
});

let cluster: TestCluster;
let engine: ClickHouseEngine;

/**
 * Exact COUNT(*) per key of the compiled main statement on `rows` (ClickHouse literals): all on shard 0's local table,
 * or inserted through the Distributed table `fu_all` (sharded by `cityHash64(pid)`: 0. lands on shard 0, −0. on shard 1).
 */
async function counts(rows: readonly string[], salt: bigint, through: 'fu' | 'fu_all' = 'fu'): Promise<Map<string, number>> {
  await Promise.all(cluster.shards.map((s) => adminExec(s, `TRUNCATE TABLE ${DB}.fu`)));
  if (rows.length)
    await adminExec(cluster.shards[0] as string, `INSERT INTO ${DB}.${through} VALUES ${rows.join(', ')}`, {
      insert_distributed_sync: '1',
    });
  const plan = planDpQuery('SELECT k, COUNT(*) AS n FROM fu GROUP BY k', schema);
  const compiled = compileDpQuery(plan, engine.dialect, salt, schema);
  const input = compiled.inputs[1];
  if (input?.kind !== 'count') throw new Error('fixture: the second output is the count');
  const out = new Map<string, number>();
  for (const r of await engine.query(compiled.main)) out.set(String(r[compiled.keyColumns[0] as string]), Number(r[input.count]));
  return out;
}

const l1 = (a: Map<string, number>, b: Map<string, number>) =>
  [...new Set([...a.keys(), ...b.keys()])].reduce((s, k) => s + Math.abs((a.get(k) ?? 0) - (b.get(k) ?? 0)), 0);

describe.skipIf(!clickhouseAvailable)('review ML M10: a float unit on ClickHouse is one unit as on DuckDB/PostgreSQL', () => {
  beforeAll(async () => {
    cluster = testCluster(process.env.TSDP_CH_DIR ?? undefined, process.env.TSDP_CH_PORT ? Number(process.env.TSDP_CH_PORT) : undefined);
    await createSharded(cluster.shards, DB, { fu: 'pid Float64, k String' }, () => 'cityHash64(pid)');
    engine = await ClickHouseEngine.open({ url: cluster.shards[0] as string, database: DB, cluster: 'tsdp', schema });
  }, 300_000);
  afterAll(async () => {
    if (cluster) await Promise.all(cluster.shards.map((s) => adminExec(s, `DROP DATABASE IF EXISTS ${DB}`)));
    cluster?.stop?.();
  });

  it('held: ClickHouse itself says −0. = 0. (the join/WHERE notion of one unit value)', async () => {
    expect((await adminExec(cluster.shards[0] as string, 'SELECT toFloat64(-0.) = toFloat64(0.)')).trim()).toBe('1');
  });

  it('BUG M10 (a), closed on main 8821b45 (clickhouse 937e768: the unit is `u + 0.`): one person whose rows carry 0.0 and −0.0 moves COUNT(*) GROUP BY k by 2 > P·C = 1', async () => {
    const without = await counts([], 1n);
    const withPerson = await counts(["(0., 'a')", "(-0., 'a')"], 1n);
    expect(l1(without, withPerson)).toBeLessThanOrEqual(1);
  }, 60_000);

  it('BUG M10 (c), closed on main 8821b45 (clickhouse 937e768): a float unit on several shards is refused before the charge — loaded through the unit-sharded Distributed table, its two spellings would sit on two shards, each bounding it to C', async () => {
    // Normalising the unit in the compiled SQL alone does not close this member: the shards never see each other's
    // rows. The rule's outcome is the catalog step's refusal (what checkPublicStructure runs before the charge).
    const refused = await engine.catalog(['fu']).then(
      () => null,
      (e: { code?: string }) => e.code,
    );
    if (refused === 'UNSUPPORTED_QUERY') return;
    const without = await counts([], 1n, 'fu_all');
    const withPerson = await counts(["(0., 'a')", "(-0., 'a')"], 1n, 'fu_all');
    expect(l1(without, withPerson)).toBeLessThanOrEqual(1);
  }, 60_000);

  it('BUG M10 (b), closed on main 8821b45 (clickhouse 937e768: ±∞ is no unit): rows with a +∞ unit are one pooled unit: one more such row moves the counts by 2 > P·C for some salt', async () => {
    const base = ["(inf, 'b')"];
    let worst = 0;
    for (let salt = 1n; salt <= 12n; salt++)
      worst = Math.max(worst, l1(await counts(base, salt), await counts([...base, "(inf, 'a')"], salt)));
    // With the rule (±∞ is no unit) both data sets answer 0 everywhere; pooled, the kept group flips for some salt.
    expect(worst).toBeLessThanOrEqual(1);
  }, 120_000);
});

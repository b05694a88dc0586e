/**
 * Review S25c on ClickHouse (class 18 "people merged into one unit"; rule `src/core/missing-unit.proof.md`): a text
 * unit id that is NULL or only BLANK characters (Unicode White_Space plus U+FEFF) is missing on ClickHouse exactly
 * as in JavaScript (`isMissingUnitText`, used by `unitText`) and on DuckDB/PostgreSQL (test/sql/blank-unit.test.ts).
 * ClickHouse's `match` reads bytes: the pattern is an alternation of the characters' own encodings, so it must
 * agree code point for code point — checked on random ids from a piece list (blanks, zero-width non-blanks, and
 * letters whose UTF-8 bytes overlap the blanks' bytes, e.g. '₂' = E2 82 82). Neighbours differing by blank-id rows
 * (all on shard 0's local table: the pooling case) give identical answers in every unit-level statement. Real
 * 3-shard cluster; exact aggregates.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BLANK_UNIT_PATTERN, isMissingUnitText } from '../../src/core/missing-unit.js';
import { compileBoundingReport } from '../../src/sql/bounding-report.js';
import { compileDpQuery } from '../../src/sql/compile.js';
import { clickhouseArraysDialect, clickhouseDialect } from '../../src/sql/dialects/clickhouse.js';
import type { SqlEngine } from '../../src/sql/engine.js';
import { ClickHouseEngine } from '../../src/sql/engines/clickhouse.js';
import { planDpQuery } from '../../src/sql/plan-query.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { adminExec, clickhouseAvailable, createSharded, insertRows, type TestCluster, testCluster } from './cluster.js';

const DB = 'tsdp_blank_unit_test';
const PIECES = [' ', '\u00A0', '\t', '\n', '\r', '\u000B', '\u000C', '\u0085', '\u1680', '\u2003', '\u2028', '\u202F', '\u3000', '\uFEFF'];
const NOT_BLANK = ['\u200B', '\u200C', '\u200D', '\u2060', '\u180E', 'a', 'é', '₂', '\u2082', '\u00C2'];
const blankId = fc.array(fc.constantFrom(...PIECES), { maxLength: 4 }).map((a) => a.join(''));
const anyId = fc.array(fc.constantFrom(...PIECES, ...NOT_BLANK), { maxLength: 4 }).map((a) => a.join(''));

const schema = parseSqlSchema({
  dataset: 'blank_unit',
  budget: { epsilon: 100, delta: 1e-5 },
  tables: {
    bu_txt: {
      privacyUnit: 'pid',
      maxPartitions: 1,
      maxContributionsPerPartition: 1,
      columns: { pid: { type: 'string' }, k: { type: 'string', categories: ['a', 'b'] }, v: { type: 'float', lower: 0, upper: 10 } },
    },
  },
});

type Row = readonly [string | null, 'a' | 'b', number];
let cluster: TestCluster;
let engines: SqlEngine[];

async function answers(rows: readonly Row[]): Promise<string[]> {
  await Promise.all(cluster.shards.map((s) => adminExec(s, `TRUNCATE TABLE ${DB}.bu_txt`)));
  if (rows.length) await insertRows(cluster.shards[0] as string, `${DB}.bu_txt`, rows);
  const out: string[] = [];
  for (const engine of engines) {
    const plan = planDpQuery('SELECT k, COUNT(*) AS n, SUM(v) AS s, MEDIAN(v) AS m FROM bu_txt GROUP BY k', schema);
    const compiled = compileDpQuery(plan, engine.dialect, 7n, schema);
    for (const st of [compiled.main, ...compiled.histograms, compileBoundingReport(plan, engine.dialect, schema)]) {
      const got = (await engine.query(st)).map((r) => JSON.stringify(Object.entries(r).map(([k, v]) => [k, String(v)])));
      out.push(got.sort().join('\n'));
    }
  }
  return out;
}

describe.skipIf(!clickhouseAvailable)('review S25c on ClickHouse: a blank text unit id is missing, as on every other reader', () => {
  beforeAll(async () => {
    cluster = testCluster('/tmp/tsdp-ch-trust', 18150);
    await createSharded(cluster.shards, DB, { bu_txt: 'pid Nullable(String), k String, v Float64' }, () => null);
    const ch = await ClickHouseEngine.open({ url: cluster.shards[0] as string, database: DB, cluster: 'tsdp', schema });
    engines = [ch, Object.create(ch, { dialect: { value: clickhouseArraysDialect } }) as SqlEngine];
  }, 300_000);
  afterAll(async () => {
    if (cluster) await Promise.all(cluster.shards.map((s) => adminExec(s, `DROP DATABASE IF EXISTS ${DB}`)));
    cluster?.stop?.();
  });

  it('generative (fast-check, seed 253): ClickHouse computes the same predicate as isMissingUnitText (byte-level match)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(anyId, { minLength: 1, maxLength: 20 }), async (ids) => {
        await Promise.all(cluster.shards.map((s) => adminExec(s, `TRUNCATE TABLE ${DB}.bu_txt`)));
        await insertRows(
          cluster.shards[0] as string,
          `${DB}.bu_txt`,
          ids.map((s, i) => [s, 'a', i]),
        );
        const text = await adminExec(
          cluster.shards[0] as string,
          `SELECT ${clickhouseDialect.regexFullMatch('assumeNotNull(pid)', BLANK_UNIT_PATTERN)} FROM ${DB}.bu_txt ORDER BY v FORMAT TSV`,
        );
        const rows = text.trim().split('\n');
        expect(rows.map((r) => r === '1')).toEqual(ids.map((s) => isMissingUnitText(s)));
      }),
      { seed: 253, numRuns: 10 },
    );
  }, 300_000);

  it('generative (fast-check, seed 254): neighbours differing by blank-id rows answer identically in every unit-level statement (both top-P strategies)', async () => {
    const row = (id: fc.Arbitrary<string | null>) =>
      fc.tuple(id, fc.constantFrom('a' as const, 'b' as const), fc.integer({ min: 0, max: 10 })) as fc.Arbitrary<Row>;
    const person = row(
      fc.oneof(
        fc.constantFrom('p1', 'p2', '\u200B'),
        anyId.filter((s) => !isMissingUnitText(s)),
      ),
    );
    const blank = row(fc.oneof(blankId, fc.constant(null)));
    await fc.assert(
      fc.asyncProperty(fc.array(person, { maxLength: 6 }), fc.array(blank, { minLength: 1, maxLength: 3 }), async (kept, blanks) => {
        expect(await answers([...kept, ...blanks])).toEqual(await answers(kept));
      }),
      { seed: 254, numRuns: 6 },
    );
  }, 300_000);
});

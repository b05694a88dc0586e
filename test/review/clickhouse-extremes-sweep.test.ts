/**
 * Review stop 19 (second shift): the class sweep of S54–S58 (class 3: one person's stored value fails a charged
 * query) on ClickHouse's stored types. One MergeTree table per (stored type, raw extreme): the extreme for person 1,
 * the type's default for 19 others; every declared type the catalog admits for the stored type is queried in
 * `SHAPES` (engine-extremes-sweep.ts). Every outcome must be answered or refused before the charge.
 *
 * Held on ClickHouse 18.16 (02:05–02:14 UTC, 492 s at load ≈ 20, as a one-test probe of the same cases): Int8–Int64 and UInt8–UInt32 at both extremes as integer and float (UInt8 at
 * 2 and 255 as boolean too); Float32/Float64 at nan, ±inf, the largest finite values (and Float32's smallest subnormal; 18.16 does not parse the literal 5e-324);
 * Decimal32/64/128 at ±(10^p − 1) with scale 0 and at the smallest unit with full scale; Nullable(Decimal128(10)),
 * Nullable(Int64); Date at 0, 49710 and 65535 days (Nullable too); String with invalid UTF-8, NUL, number- and
 * date-like spellings; Nullable(String), LowCardinality(String), LowCardinality(Nullable(String)). UInt64, DateTime,
 * Enum, FixedString (M15), Array, Tuple and Nested are refused at the catalog (`REFUSED`). Not on 18.16: Int256,
 * Decimal256, DateTime64, IPv4/IPv6, Map. The hole found on this engine is a public-cause one: S60
 * (clickhouse-lowcardinality-join.test.ts, a LowCardinality key in a LEFT JOIN).
 *
 * Runs on test/clickhouse/cluster.ts's server (TSDP_TEST_CLICKHOUSE_URL, or a private one it starts), its first
 * shard only; ≈ 8 min at load 20 (one engine per declared type and value; run it alone).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClickHouseEngine } from '../../src/sql/engines/clickhouse.js';
import { adminExec, clickhouseAvailable, type TestCluster, testCluster } from '../clickhouse/cluster.js';
import { chargedFailures, type Declared, outcome, SHAPES, sweepSchema } from './engine-extremes-sweep.js';

const CASES: readonly (readonly [string, readonly string[], readonly Declared[]])[] = [
  ['Int8', ['-128', '127'], ['integer', 'float']],
  ['Int16', ['-32768', '32767'], ['integer', 'float']],
  ['Int32', ['-2147483648', '2147483647'], ['integer', 'float']],
  ['Int64', ['-9223372036854775808', '9223372036854775807'], ['integer', 'float']],
  ['UInt8', ['255', '2'], ['integer', 'float', 'boolean']],
  ['UInt16', ['65535'], ['integer', 'float']],
  ['UInt32', ['4294967295'], ['integer', 'float']],
  ['Float32', ['nan', 'inf', '-inf', '3.4e38', '-3.4e38', '1e-45'], ['float']],
  ['Float64', ['nan', 'inf', '-inf', '1.7976931348623157e308', '-1.7976931348623157e308'], ['float']],
  ['Decimal32(0)', ['-999999999', '999999999'], ['float']],
  ['Decimal64(0)', ['-999999999999999999', '999999999999999999'], ['float']],
  ['Decimal64(18)', ['-0.999999999999999999', '0.000000000000000001'], ['float']],
  ['Decimal128(0)', [`-${'9'.repeat(38)}`, '9'.repeat(38)], ['float']],
  ['Decimal128(38)', [`-0.${'9'.repeat(38)}`], ['float']],
  ['Nullable(Decimal128(10))', [`-${'9'.repeat(28)}.9999999999`], ['float']],
  ['Nullable(Int64)', ['-9223372036854775808'], ['integer', 'float']],
  ['Date', ['0', '65535', '49710'], ['date']],
  ['Nullable(Date)', ['65535'], ['date']],
  ['String', ["'\\xFF\\xFE'", "'\\0'", "'\\xC3'", "'9223372036854775808'", "'1e400'", "'nan'", "'0000-00-00'", "'2020-13-45'"], ['string']],
  ['Nullable(String)', ["'\\xFF'"], ['string']],
  ['LowCardinality(String)', ["'\\xFF'", "'a'"], ['string']],
  ['LowCardinality(Nullable(String))', ["'\\xC3'"], ['string']],
];
/** Stored types the catalog refuses (checked once each: refused before the charge). */
const REFUSED: readonly (readonly [string, string, Declared])[] = [
  ['UInt64', '1', 'integer'],
  ['DateTime', '0', 'date'],
  ["Enum8('a' = 1, 'b' = 2)", "'a'", 'string'],
  ['FixedString(3)', "'a'", 'string'],
  ['Array(Int64)', '[1]', 'integer'],
  ['Tuple(Int64, String)', "(1, 'a')", 'string'],
];

const DB = `tsdp_review_ext_${process.pid}`;
const SETTINGS = { allow_experimental_low_cardinality_type: '1' };
let cluster: TestCluster | undefined;
let base = '';
beforeAll(async () => {
  if (!clickhouseAvailable) return;
  cluster = testCluster();
  base = cluster.shards[0] as string;
  await adminExec(base, `DROP DATABASE IF EXISTS ${DB}`);
  await adminExec(base, `CREATE DATABASE ${DB}`);
}, 60_000);
afterAll(async () => {
  if (base) await adminExec(base, `DROP DATABASE IF EXISTS ${DB}`);
  cluster?.stop?.();
});

async function load(stored: string, value: string): Promise<void> {
  await adminExec(base, `DROP TABLE IF EXISTS ${DB}.t`);
  await adminExec(base, `CREATE TABLE ${DB}.t (pid Int64, v ${stored}) ENGINE = MergeTree ORDER BY tuple()`, SETTINGS);
  await adminExec(base, `INSERT INTO ${DB}.t (pid, v) SELECT 1, CAST(${value} AS ${stored})`, SETTINGS);
  await adminExec(base, `INSERT INTO ${DB}.t (pid) SELECT toInt64(number + 2) FROM system.numbers LIMIT 19`);
}

async function outcomes(declared: Declared, shapes: readonly string[]): Promise<string[]> {
  const schema = sweepSchema(declared);
  const engine = await ClickHouseEngine.open({ url: base, database: DB, schema });
  try {
    const got: string[] = [];
    for (const sql of shapes) got.push(await outcome(engine, schema, sql));
    return got;
  } finally {
    await engine.close();
  }
}

describe.skipIf(!clickhouseAvailable)('review sweep: ClickHouse stored extremes × declared types (class 3)', () => {
  for (const [stored, values, declared] of CASES)
    it(`${stored}: ${values.length} extremes × ${declared.join(', ')}: answered or refused before the charge`, async () => {
      expect(
        await chargedFailures(
          values,
          declared,
          (v) => load(stored, v),
          (d) => outcomes(d, SHAPES[d]),
        ),
      ).toEqual([]);
    }, 300_000);
  for (const [stored, value, d] of REFUSED)
    it(`${stored} declared ${d}: refused at the catalog`, async () => {
      await load(stored, value);
      expect(await outcomes(d, [SHAPES[d][0] as string])).toEqual(['refused INVALID_SCHEMA']);
    }, 60_000);
});

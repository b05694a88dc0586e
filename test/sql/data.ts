/**
 * Deterministic synthetic data for the engine tests, loaded into DuckDB (here) and PostgreSQL
 * (test/sql/data-postgres.ts: kept apart so the DuckDB-only files that import this one stay in the
 * parallel run group, test/run-groups.ts).
 */
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';

export interface Visit {
  person_id: number;
  region: string;
  city: string | null;
  amount: number | null;
  minutes: number;
  day: number;
}

/** 40 people; some with many rows in one region (exercising the per-group cap), some in all three regions. */
export function makeVisits(): { visits: Visit[]; people: { person_id: number; age: number }[] } {
  const regions = ['north', 'south', 'east', 'west'];
  const visits: Visit[] = [];
  let k = 1;
  const next = () => {
    k = (k * 1103515245 + 12345) % 2147483648;
    return k;
  };
  for (let p = 1; p <= 40; p++) {
    const rows = p % 5 === 0 ? 12 : 1 + (next() % 4);
    const span = p % 3 === 0 ? 4 : p % 2 === 0 ? 2 : 1;
    for (let r = 0; r < rows; r++) {
      const region = regions[(p + r) % span === 0 ? 0 : ((p + r) % span) % 4] as string;
      visits.push({
        person_id: p,
        region,
        city: next() % 7 === 0 ? null : `c${next() % 5}`,
        amount: next() % 11 === 0 ? null : (next() % 15000) / 100 - 10, // some below 0 and above 100: clamped
        minutes: next() % 90,
        day: 1 + (next() % 31),
      });
    }
  }
  const people = Array.from({ length: 40 }, (_, i) => ({ person_id: i + 1, age: 18 + ((i * 7) % 70) }));
  return { visits, people };
}

/** The test tables (DuckDB types; test/sql/data-postgres.ts maps them to PostgreSQL). */
export const DDL = [
  'CREATE TABLE visits (person_id BIGINT, region VARCHAR, city VARCHAR, amount DOUBLE, minutes BIGINT, day BIGINT)',
  'CREATE TABLE people (person_id BIGINT, age BIGINT)',
  'CREATE TABLE regions (code VARCHAR, label VARCHAR)',
];

/** The rows of each test table. */
export function inserts(): { table: string; rows: unknown[][] }[] {
  const { visits, people } = makeVisits();
  return [
    { table: 'visits', rows: visits.map((v) => [v.person_id, v.region, v.city, v.amount, v.minutes, v.day]) },
    { table: 'people', rows: people.map((p) => [p.person_id, p.age]) },
    {
      table: 'regions',
      rows: [
        ['north', 'North'],
        ['south', 'South'],
        ['east', 'East'],
      ],
    },
  ];
}

/** A DuckDB engine with the test tables. */
export async function duckdbWithVisits(): Promise<DuckDbEngine> {
  const engine = await DuckDbEngine.open({ allowExternalAccess: true });
  for (const d of DDL) await engine.connection.run(d);
  for (const { table, rows } of inserts()) {
    for (const r of rows) {
      await engine.connection.run(`INSERT INTO ${table} VALUES (${r.map((_, i) => `$${i + 1}`).join(', ')})`, r as never);
    }
  }
  return engine;
}

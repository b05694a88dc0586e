/**
 * Review finding (issue 10 class 11, public-cause failures charged): a text literal holding U+0000
 * is accepted by the planner and the compiler, the query is charged, and then PostgreSQL refuses
 * the bind parameter ("invalid byte sequence for encoding UTF8: 0x00") — an ENGINE_ERROR after the
 * charge whose cause is the query text alone (public). DuckDB accepts the same literal.
 * Rule that closes the class: every literal of the query is checked against what every engine
 * accepts as a bind value (text without U+0000, well-formed UTF-16 as well) before the charge —
 * in the planner (src/sql/plan/expressions.ts, literal reading) or in Params.add (compile-expr.ts).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresEngine } from '../../src/sql/engines/postgres.js';
import { runDpSql } from '../../src/sql/run-dp-sql.js';
import { parseSqlSchema } from '../../src/sql/schema.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { MemoryLedger } from '../sql/fixtures.js';
import { postgresTestUrl } from '../sql/postgres-url.js';

let engine: PostgresEngine;
beforeAll(async () => {
  const url = postgresTestUrl();
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query('DROP TABLE IF EXISTS review_nul; CREATE TABLE review_nul (pid BIGINT, city TEXT)');
  await admin.query("INSERT INTO review_nul VALUES (1, 'a'), (2, 'b')");
  // The query role, when the cluster has it, must be able to read the table.
  await admin.query(
    "DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'tsdp_reader') THEN GRANT SELECT ON review_nul TO tsdp_reader; END IF; END $$",
  );
  await admin.end();
  engine = await PostgresEngine.open({ connectionString: url });
});
afterAll(async () => {
  await engine?.close();
});

const schema = parseSqlSchema({
  dataset: 'nul',
  budget: { epsilon: 10, delta: 1e-5 },
  tables: {
    review_nul: {
      privacyUnit: 'pid',
      maxPartitions: 1,
      maxContributionsPerPartition: 1,
      columns: { pid: { type: 'integer' }, city: { type: 'string' } },
    },
  },
});

describe('review: a literal PostgreSQL cannot bind', () => {
  it.fails('BUG: WHERE city = a NUL-holding literal is charged, then fails with ENGINE_ERROR (must be refused before the charge)', async () => {
    const ledger = new MemoryLedger();
    const outcome = await runDpSql({
      sql: "SELECT COUNT(*) FROM review_nul WHERE city = 'a\u0000b'",
      schema,
      engine,
      ledger,
      epsilon: 1,
      rng: new SeededRandomSource(1),
    }).then(
      () => 'answered',
      (e: { code?: string }) => e.code ?? 'thrown',
    );
    // Either answered, or refused with nothing charged; never an engine error after a charge.
    expect(outcome === 'answered' || ledger.charges.length === 0).toBe(true);
  });
});

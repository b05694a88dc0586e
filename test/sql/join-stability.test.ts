/**
 * Join stability (issue 10, item 1): a join is accepted only when the schema bounds how far one
 * privacy unit can move the joined rows (src/sql/plan/join-stability.proof.md). The generative
 * tests build random ON conditions (conjunctions, disjunctions, negations, tautologies,
 * self-comparisons, casts, COALESCE, arithmetic and functions on either side, one or two joined
 * tables, inner and left joins), plan them, and run every accepted query's compiled SQL on real
 * DuckDB over neighbouring data sets: the exact (un-noised) counts may move by at most the
 * sensitivity the plan declares.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DpError } from '../../src/core/errors.js';
import { compileDpQuery } from '../../src/sql/compile.js';
import { duckdbDialect } from '../../src/sql/dialects/duckdb.js';
import { DuckDbEngine } from '../../src/sql/engines/duckdb.js';
import type { QueryPlan } from '../../src/sql/plan.js';
import { planDpQuery } from '../../src/sql/plan-query.js';
import { parseSqlSchema, type SqlSchema } from '../../src/sql/schema.js';
import {
  type Col,
  EXTRA,
  EXTRA_COLUMNS,
  JOIN_COLUMNS,
  LOOKUP,
  LOOKUP_COLUMNS,
  LOOKUP2,
  LOOKUP2_COLUMNS,
  PEOPLE,
  PEOPLE_COLUMNS,
  type Value,
  VISITS,
  VISITS_COLUMNS,
} from './join-fixtures.js';

/** Row-level: `people` is private (each row its own unit); `lookup` and `lookup2` are public. */
const rowLevelSchema = (): SqlSchema =>
  parseSqlSchema({
    dataset: 'join-rows',
    budget: { epsilon: 100, delta: 1e-5 },
    tables: {
      people: { columns: PEOPLE_COLUMNS },
      lookup: { public: true, columns: LOOKUP_COLUMNS },
      lookup2: { public: true, columns: LOOKUP2_COLUMNS },
    },
  });

/** Unit-level: `visits` and `extra` are private with the unit `pid` (C = 2, P = 1); `lookup` is public. */
const unitSchema = (): SqlSchema =>
  parseSqlSchema({
    dataset: 'join-units',
    budget: { epsilon: 100, delta: 1e-5 },
    tables: {
      visits: { privacyUnit: 'pid', maxPartitions: 1, maxContributionsPerPartition: 2, columns: VISITS_COLUMNS },
      extra: { privacyUnit: 'pid', maxPartitions: 1, maxContributionsPerPartition: 2, columns: EXTRA_COLUMNS },
      lookup: { public: true, columns: LOOKUP_COLUMNS },
    },
  });

const smallInt = fc.constantFrom<Value>(-1, 0, 1, 2, null);
const smallText = fc.constantFrom<Value>('a', 'A', 'b', ' a', null);
const peopleRow = fc.tuple(fc.constant<Value>(99), smallInt, smallInt, smallText, fc.integer({ min: 0, max: 10 }));

let duck: DuckDbEngine;
beforeAll(async () => {
  duck = await DuckDbEngine.open({ allowExternalAccess: true });
  const c = duck.connection;
  await c.run('CREATE TABLE lookup (code BIGINT, x BIGINT, name VARCHAR, y BIGINT, label VARCHAR)');
  await c.run('CREATE TABLE lookup2 (k BIGINT, code BIGINT)');
  await c.run('CREATE TABLE people_base (id BIGINT, x BIGINT, code BIGINT, s VARCHAR, v BIGINT)');
  await c.run('CREATE TABLE visits_base (pid BIGINT, x BIGINT, s VARCHAR)');
  await c.run('CREATE TABLE extra_base (pid BIGINT, x BIGINT, tag VARCHAR)');
  await insert('lookup', LOOKUP);
  await insert('lookup2', LOOKUP2);
  await insert('people_base', PEOPLE);
  await insert('visits_base', VISITS);
  await insert('extra_base', EXTRA);
});
afterAll(async () => {
  await duck?.close();
});

async function insert(table: string, rows: readonly (readonly Value[])[]): Promise<void> {
  for (const r of rows) {
    await duck.connection.run(`INSERT INTO ${table} VALUES (${r.map((_, i) => `$${i + 1}`).join(', ')})`, r as never);
  }
}

/** The exact (un-noised) values of the plan's count outputs, through its compiled SQL on DuckDB. */
async function exactCounts(plan: QueryPlan, schema: SqlSchema): Promise<number[]> {
  const compiled = compileDpQuery(plan, duckdbDialect, 7n, schema);
  const [row] = await duck.query(compiled.main);
  return compiled.inputs.flatMap((input) => (input?.kind === 'count' ? [Number(row?.[input.count] ?? 0)] : []));
}

/** Loads `people` (row-level) or `visits`/`extra` (unit-level) as the base data plus `added`. */
async function loadPrivate(added: { people?: Value[][]; visits?: Value[][]; extra?: Value[][] }): Promise<void> {
  const c = duck.connection;
  await c.run('CREATE OR REPLACE TABLE people AS SELECT * FROM people_base');
  await c.run('CREATE OR REPLACE TABLE visits AS SELECT * FROM visits_base');
  await c.run('CREATE OR REPLACE TABLE extra AS SELECT * FROM extra_base');
  await insert('people', added.people ?? []);
  await insert('visits', added.visits ?? []);
  await insert('extra', added.extra ?? []);
}

function refusal(sql: string, schema: SqlSchema): DpError {
  try {
    planDpQuery(sql, schema);
  } catch (e) {
    if (e instanceof DpError) return e;
    throw e;
  }
  throw new Error(`accepted: ${sql}`);
}

const ROW_COLUMNS: Record<string, readonly Col[]> = { p: JOIN_COLUMNS.p, l: JOIN_COLUMNS.l, m: JOIN_COLUMNS.m };
const UNIT_COLUMNS: Record<string, readonly Col[]> = { a: JOIN_COLUMNS.a, b: JOIN_COLUMNS.b, l: JOIN_COLUMNS.l };

/** A column reference wrapped in a (type-preserving) cast, COALESCE, arithmetic or function, or bare. */
function operand(col: Col): fc.Arbitrary<string> {
  const c = col.ref;
  return col.type === 'int'
    ? fc.constantFrom(
        c,
        c,
        c,
        c,
        c,
        c,
        c,
        c,
        `CAST(${c} AS BIGINT)`,
        `COALESCE(${c}, 0)`,
        `${c} + 0`,
        `ABS(${c})`,
        `(${c})`,
        `-${c}`,
        `${c} * 1`,
      )
    : fc.constantFrom(c, c, c, c, c, c, c, `CAST(${c} AS VARCHAR)`, `COALESCE(${c}, '')`, `LOWER(${c})`, `TRIM(${c})`, `(${c})`);
}

/** A random condition over the columns of `aliases` (the joined table last). */
function condition(columns: Record<string, readonly Col[]>, aliases: readonly string[]): fc.Arbitrary<string> {
  const cols = aliases.flatMap((a) => columns[a] ?? []);
  const joined = columns[aliases[aliases.length - 1] ?? ''] ?? [];
  const sameType = (c: Col) => cols.filter((d) => d.type === c.type);
  // Comparisons biased towards ones that touch the joined table, including self-comparisons.
  const earlier = cols.filter((c) => !joined.includes(c));
  const comparison = fc.tuple(fc.constantFrom(...joined, ...cols), fc.nat(), fc.boolean()).chain(([c, i, link]) => {
    // Half the time a would-be link: a joined column against a column of an earlier table of the same type.
    const linkPeers = earlier.filter((d) => d.type === c.type);
    const peers = link && joined.includes(c) && linkPeers.length > 0 ? linkPeers : sameType(c);
    const d = peers[i % peers.length] ?? c;
    return fc.tuple(operand(c), operand(d), fc.constantFrom('=', '=', '=', '<>', '<=')).map(([l, r, op]) => `${l} ${op} ${r}`);
  });
  // A bare equality of a joined column with an earlier column of the same type (a link when the joined one is unique).
  const bareLink = fc
    .constantFrom(...joined)
    .chain((c) => fc.constantFrom(...earlier.filter((d) => d.type === c.type)).map((d) => ({ c, d })))
    .chain(({ c, d }) => fc.constantFrom(`${c.ref} = ${d.ref}`, `${d.ref} = ${c.ref}`));
  const atom = fc.oneof(
    { weight: 8, arbitrary: comparison },
    { weight: 4, arbitrary: bareLink },
    { weight: 1, arbitrary: fc.constantFrom('TRUE', '1 = 1', 'NOT FALSE', `${joined[0]?.ref} = ${joined[0]?.ref}`) },
    { weight: 1, arbitrary: fc.constantFrom(...joined).map((c) => `${c.ref} IS NOT NULL`) },
  );
  const { tree } = fc.letrec<{ tree: string }>((tie) => ({
    tree: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      atom,
      fc.tuple(tie('tree'), tie('tree')).map(([a, b]) => `(${a}) AND (${b})`),
      fc.tuple(tie('tree'), tie('tree')).map(([a, b]) => `(${a}) OR (${b})`),
      tie('tree').map((a) => `NOT (${a})`),
    ),
  }));
  // A top-level conjunction of one to three clauses, each an atom or a random tree.
  return fc
    .array(fc.oneof({ weight: 3, arbitrary: atom }, { weight: 1, arbitrary: tree }), { minLength: 1, maxLength: 3 })
    .map((clauses) => clauses.map((c) => `(${c})`).join(' AND '));
}

const joinKind = fc.constantFrom('JOIN', 'LEFT JOIN', 'INNER JOIN');

describe('join stability: the regression of issue 10, item 1', () => {
  it('refuses a self-comparison of the unique column (l.code = l.code) that fans a row out, naming the join and its position', async () => {
    const sql = 'SELECT COUNT(*) FROM people p JOIN lookup l ON l.code = l.code AND l.x = p.x';
    const e = refusal(sql, rowLevelSchema());
    expect(e.code).toBe('UNSUPPORTED_QUERY');
    expect(e.message).toMatch(/^UNSUPPORTED_QUERY: the join with "l" that may repeat rows at 1:36 /);
    // The refused query really fans out: one added row moves its raw count by more than 1.
    const raw = async () => {
      const [row] = await duck.query({
        sql: 'SELECT COUNT(*) AS n FROM people p JOIN lookup l ON l.code = l.code AND l.x = p.x',
        params: [],
      });
      return Number(row?.n);
    };
    await loadPrivate({});
    const before = await raw();
    await loadPrivate({ people: [[99, 0, 0, 'a', 1]] });
    expect((await raw()) - before).toBeGreaterThan(1);
  });

  it('refuses links through a cast, COALESCE, arithmetic or a function on the unique side, of different types, or under OR', () => {
    const schema = rowLevelSchema();
    for (const on of [
      'CAST(l.code AS BIGINT) = p.x',
      'COALESCE(l.code, 0) = p.x',
      'ABS(l.code) = p.x',
      'l.code + 0 = p.x',
      'LOWER(l.name) = p.s',
      'l.code = p.x OR l.x = p.x',
      'NOT (l.code <> p.x)',
      'l.code = l.x',
      'l.code = 1',
      'l.name = p.x',
      'l.x = p.x',
      'TRUE',
    ]) {
      const e = refusal(`SELECT COUNT(*) FROM people p JOIN lookup l ON ${on}`, schema);
      expect(e.message, on).toMatch(/the join with "l"/);
    }
    // USING a column that is not unique in the joined table, and a second join linked only to itself.
    expect(refusal('SELECT COUNT(*) FROM people p JOIN lookup l USING (x)', schema).message).toMatch(/join with "l"/);
    expect(
      refusal('SELECT COUNT(*) FROM people p JOIN lookup l ON l.code = p.code\n  LEFT JOIN lookup2 m ON m.k = m.k AND m.code = p.x', schema)
        .message,
    ).toMatch(/^UNSUPPORTED_QUERY: the join with "m" that may repeat rows at 2:13 /);
  });

  it('accepts a unique key equated with an earlier column, whatever else the ON filters, in inner and left joins and with USING', () => {
    const schema = rowLevelSchema();
    for (const sql of [
      'SELECT COUNT(*) FROM people p JOIN lookup l ON l.code = p.x',
      'SELECT COUNT(*) FROM people p LEFT JOIN lookup l ON p.s = l.name AND (l.x = 1 OR l.y > 0)',
      'SELECT COUNT(*) FROM people p JOIN lookup l USING (code)',
      'SELECT COUNT(*) FROM people p JOIN lookup l ON (l.code) = (p.code) JOIN lookup2 m ON m.k = l.x',
    ]) {
      expect(planDpQuery(sql, schema).joins.length, sql).toBeGreaterThan(0);
    }
  });

  it('refuses unit-level joins of private tables not linked by equal privacy units of the same type', () => {
    const schema = unitSchema();
    for (const on of ['b.pid = a.x', 'b.pid = b.pid', 'CAST(b.pid AS BIGINT) = a.pid', 'b.pid = a.pid OR b.x = a.x', 'b.x = a.x']) {
      expect(refusal(`SELECT COUNT(*) FROM visits a JOIN extra b ON ${on}`, schema).message, on).toMatch(
        /the join of private table "b" at 1:/,
      );
    }
    expect(planDpQuery('SELECT COUNT(*) FROM visits a JOIN extra b ON b.pid = a.pid AND b.x > 0', schema).joins).toHaveLength(1);
    const mixed = parseSqlSchema({
      dataset: 'mixed',
      budget: { epsilon: 1, delta: 0 },
      tables: {
        a: { privacyUnit: 'id', columns: { id: { type: 'integer' } } },
        b: { privacyUnit: 'id', columns: { id: { type: 'string' } } },
      },
    });
    expect(refusal('SELECT COUNT(*) FROM a JOIN b ON a.id = b.id', mixed).message).toMatch(/the join of private table "b"/);
  });

  it('refuses joins inside subqueries, right, full, cross and comma joins', () => {
    const schema = rowLevelSchema();
    for (const sql of [
      'SELECT COUNT(*) FROM (SELECT * FROM people p JOIN lookup l ON l.code = l.code) t',
      'SELECT COUNT(*) FROM people p WHERE p.x IN (SELECT l.x FROM lookup l JOIN people q ON TRUE)',
      'SELECT COUNT(*) FROM people p RIGHT JOIN lookup l ON l.code = p.x',
      'SELECT COUNT(*) FROM people p FULL JOIN lookup l ON l.code = p.x',
      'SELECT COUNT(*) FROM people p CROSS JOIN lookup l',
      'SELECT COUNT(*) FROM people p, lookup l WHERE l.code = p.x',
      'SELECT COUNT(*) FROM lookup l JOIN people p ON l.code = p.x',
    ]) {
      expect(refusal(sql, schema).code, sql).toBe('UNSUPPORTED_QUERY');
    }
  });
});

describe('join stability: generative (random ON conditions on real DuckDB, neighbouring data)', () => {
  it('row-level: every accepted join moves COUNT(*) and COUNT(v) by at most 1 when one row is added', async () => {
    const schema = rowLevelSchema();
    const query = fc
      .tuple(
        joinKind,
        condition(ROW_COLUMNS, ['p', 'l']),
        fc.option(fc.tuple(joinKind, condition(ROW_COLUMNS, ['p', 'l', 'm'])), { nil: undefined }),
      )
      .map(
        ([k1, on1, second]) =>
          `SELECT COUNT(*) AS n, COUNT(p.v) AS nv FROM people p ${k1} lookup l ON ${on1}${second ? ` ${second[0]} lookup2 m ON ${second[1]}` : ''}`,
      );
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(query, peopleRow, async (sql, added) => {
        let plan: QueryPlan;
        try {
          plan = planDpQuery(sql, schema);
        } catch (e) {
          if (e instanceof DpError && e.code === 'UNSUPPORTED_QUERY') return;
          throw e;
        }
        accepted++;
        await loadPrivate({});
        const before = await exactCounts(plan, schema);
        await loadPrivate({ people: [added] });
        const after = await exactCounts(plan, schema);
        expect(before).toHaveLength(2);
        for (let i = 0; i < before.length; i++) expect(Math.abs((after[i] ?? 0) - (before[i] ?? 0)), sql).toBeLessThanOrEqual(1);
      }),
      { numRuns: 300, seed: 20261205 },
    );
    // The property is not vacuous: the generator reaches accepted joins.
    expect(accepted).toBeGreaterThan(10);
  }, 120_000);

  it('unit-level: every accepted join moves COUNT(*) by at most C = 2 and COUNT(DISTINCT pid) by at most 1 when one unit is added', async () => {
    const schema = unitSchema();
    const unitRows = fc.tuple(
      fc.array(fc.tuple(fc.constant<Value>(99), smallInt, smallText), { minLength: 1, maxLength: 3 }),
      fc.array(fc.tuple(fc.constant<Value>(99), smallInt, smallText), { maxLength: 3 }),
    );
    const query = fc
      .tuple(
        fc.boolean(),
        joinKind,
        condition(UNIT_COLUMNS, ['a', 'b']),
        fc.option(fc.tuple(joinKind, condition(UNIT_COLUMNS, ['a', 'b', 'l'])), { nil: undefined }),
      )
      .map(([withExtra, k1, on1, second]) => {
        const ab = withExtra ? ` ${k1} extra b ON ${on1}` : '';
        const l = second ? ` ${second[0]} lookup l ON ${second[1].replace(/\bb\./g, withExtra ? 'b.' : 'a.')}` : '';
        return `SELECT COUNT(*) AS n, COUNT(DISTINCT a.pid) AS u FROM visits a${ab}${l}`;
      });
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(query, unitRows, async (sql, [visits, extra]) => {
        let plan: QueryPlan;
        try {
          plan = planDpQuery(sql, schema);
        } catch (e) {
          if (e instanceof DpError && e.code === 'UNSUPPORTED_QUERY') return;
          throw e;
        }
        accepted++;
        await loadPrivate({});
        const [n0, u0] = await exactCounts(plan, schema);
        await loadPrivate({ visits, extra });
        const [n1, u1] = await exactCounts(plan, schema);
        expect(Math.abs((n1 ?? 0) - (n0 ?? 0)), sql).toBeLessThanOrEqual(plan.privacy.maxContributionsPerPartition);
        expect(Math.abs((u1 ?? 0) - (u0 ?? 0)), sql).toBeLessThanOrEqual(1);
      }),
      { numRuns: 200, seed: 20261206 },
    );
    expect(accepted).toBeGreaterThan(10);
  }, 120_000);

  it('planner only: no accepted row-level join lacks a plain same-type link of a unique column to an earlier column', () => {
    const schema = rowLevelSchema();
    const unique = new Set(['l.code', 'l.name', 'l.label', 'm.k']);
    const query = fc
      .tuple(joinKind, condition(ROW_COLUMNS, ['p', 'l']))
      .map(([k, on]) => ({ sql: `SELECT COUNT(*) FROM people p ${k} lookup l ON ${on}`, on }));
    fc.assert(
      fc.property(query, ({ sql, on }) => {
        let accepted = true;
        try {
          planDpQuery(sql, schema);
        } catch (e) {
          if (!(e instanceof DpError) || e.code !== 'UNSUPPORTED_QUERY') throw e;
          accepted = false;
        }
        // An accepted ON has a top-level conjunct `l.<unique> = p.<col>` written without wrappers.
        const topLevel = on.split(/\) AND \(/).map((c) => c.replace(/^\(+|\)+$/g, ''));
        const hasLink = [on, ...topLevel].some((c) => {
          const m = /^\(?(\w\.\w+)\)? = \(?(\w\.\w+)\)?$/.exec(c);
          return m !== null && ((unique.has(m[1] ?? '') && m[2]?.startsWith('p.')) || (unique.has(m[2] ?? '') && m[1]?.startsWith('p.')));
        });
        if (accepted) expect(hasLink, sql).toBe(true);
      }),
      { numRuns: 500, seed: 20261207 },
    );
  });
});

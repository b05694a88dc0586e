/**
 * Unknown names (issue 11): a misspelt column, table, alias or function is called unknown (not "not
 * supported"), is reported at its own first occurrence in the text, and comes with a did-you-mean from the
 * declared (public) names.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DpError } from '../../src/core/errors.js';
import { planDpQuery } from '../../src/sql/plan-query.js';
import { parseSqlSchema } from '../../src/sql/schema.js';

const adult = () =>
  parseSqlSchema({
    dataset: 'adult',
    budget: { epsilon: 10, delta: 1e-6 },
    tables: {
      adult: {
        columns: {
          age: { type: 'integer', lower: 17, upper: 90 },
          education: { type: 'string', categories: ['Bachelors', 'Masters'] },
          workclass: { type: 'string' },
          hours_per_week: { type: 'integer', lower: 0, upper: 99 },
          income: { type: 'string' },
          capital_gain: { type: 'integer', lower: 0, upper: 100000 },
        },
      },
      regions: { public: true, columns: { code: { type: 'string', unique: true } } },
    },
  });
const COLUMNS = ['age', 'education', 'workclass', 'hours_per_week', 'income', 'capital_gain'];

function refusal(sql: string): DpError {
  try {
    planDpQuery(sql, adult());
  } catch (e) {
    if (e instanceof DpError) return e;
    throw e;
  }
  throw new Error(`accepted: ${sql}`);
}

describe('unknown names: regressions', () => {
  it('calls a misspelt column unknown, at its first occurrence (1:8), with a did-you-mean', () => {
    const e = refusal('SELECT educaton, COUNT(*) FROM adult GROUP BY educaton');
    expect(e.code).toBe('UNSUPPORTED_QUERY');
    expect(e.message).toMatch(/^UNSUPPORTED_QUERY: unknown column "educaton" at 1:8: did you mean "education"\?/);
    expect(e.message).not.toMatch(/not supported/);
    expect(e.details).toMatchObject({ construct: 'unknown column "educaton"', position: { line: 1, column: 8 } });
  });

  it('calls misspelt tables, aliases and functions unknown, at their own position', () => {
    expect(refusal('SELECT COUNT(*) FROM adlt').message).toMatch(/unknown table "adlt" at 1:22: did you mean "adult"\?/);
    expect(refusal('SELECT COUNT(*) FROM adult a WHERE b.age > 3').message).toMatch(/unknown table or alias "b" at 1:36/);
    expect(refusal('SELECT COUNT(*) FROM adult a WHERE a.agee > 3').message).toMatch(
      /unknown column "agee" at 1:38: did you mean "age"\? \(known columns of "a": age, education/,
    );
    expect(refusal('SELECT cout(*) FROM adult').message).toMatch(/unknown function "cout" at 1:8: did you mean "count"\?/);
    expect(refusal('SELECT AVG(age) FROM adult WHERE lenght(income) > 3').message).toMatch(
      /unknown function "lenght" at 1:34: did you mean "length"\?/,
    );
    // A real SQL function far from every allow-listed name stays "not supported".
    expect(refusal("SELECT COUNT(*) FROM adult WHERE regexp_matches(income, 'x')").message).toMatch(/not supported/);
  });

  it('keeps output aliases known in GROUP BY, HAVING and ORDER BY', () => {
    expect(planDpQuery('SELECT education AS e, COUNT(*) AS n FROM adult GROUP BY e HAVING n > 3 ORDER BY n', adult()).outputs).toHaveLength(
      2,
    );
  });
});

/** One edit of `name`: delete, substitute, insert or transpose one character. */
const misspelling = (name: string) =>
  fc
    .tuple(fc.nat({ max: name.length - 1 }), fc.constantFrom('del', 'sub', 'ins', 'swap'), fc.constantFrom('a', 'e', 'o', 'x', 'z'))
    .map(([i, kind, c]) => {
      switch (kind) {
        case 'del':
          return name.slice(0, i) + name.slice(i + 1);
        case 'sub':
          return name.slice(0, i) + c + name.slice(i + 1);
        case 'ins':
          return name.slice(0, i) + c + name.slice(i);
        default:
          return i + 1 < name.length ? name.slice(0, i) + (name[i + 1] ?? '') + (name[i] ?? '') + name.slice(i + 2) : `${name}${c}`;
      }
    });

describe('unknown names: generative', () => {
  it('a one-edit misspelling of a column anywhere in the query is reported as unknown at its first occurrence, suggesting the column', () => {
    const slot = fc.constantFrom('select', 'where', 'group', 'sum', 'having');
    const arb = fc
      .tuple(fc.constantFrom(...COLUMNS), slot)
      .chain(([column, where]) => misspelling(column).map((wrong) => ({ column, where, wrong })));
    fc.assert(
      fc.property(arb, ({ column, where, wrong }) => {
        fc.pre(!COLUMNS.includes(wrong) && /^[a-z_]+$/.test(wrong) && wrong.length > 1);
        const at = (slotName: string) => (slotName === where ? wrong : 'age');
        const sql = `SELECT ${at('select')}, COUNT(*) AS n, SUM(${at('sum')}) AS s FROM adult WHERE ${at('where')} IS NOT NULL GROUP BY ${at('group')} HAVING SUM(${at('having')}) > 0`;
        let message = '';
        try {
          planDpQuery(sql, adult());
        } catch (e) {
          if (!(e instanceof DpError)) throw e;
          message = e.message;
        }
        // A misspelling that is a SQL keyword is a syntax error, not a name.
        fc.pre(!/syntax error/.test(message));
        const offset = new RegExp(`\\b${wrong}\\b`).exec(sql)?.index ?? -1;
        expect(message, sql).toMatch(
          new RegExp(`^UNSUPPORTED_QUERY: unknown column "${wrong}" at 1:${offset + 1}: did you mean [^?]*"${column}"`),
        );
      }),
      { numRuns: 300, seed: 1105 },
    );
  });
});

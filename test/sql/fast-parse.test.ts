/**
 * The parser's fast path (`src/sql/_internal/fast-parse.ts`, issue 15) returns exactly sql-parser-cst's tree or
 * declines. Its rule: for every text, `fastParseSelect(text)` is undefined, or sql-parser-cst parses the text to one
 * statement whose tree is deep-equal — same fields, same field order, same values and ranges — to the fast one.
 * Explored under fast-check over the fast grammar and its near misses (keywords and function names as names,
 * every operator and operator pair, literals the fast path must decline, spacing that glues tokens), and over every
 * SELECT text in the project's tests and examples.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fastParseSelect, KEYWORDS } from '../../src/sql/_internal/fast-parse.js';
import { parseOneStatement } from '../../src/sql/_internal/parse.js';
import { sqlParser } from '../../src/sql/load-parser.js';

/** sql-parser-cst's statement for `text` (PostgreSQL, ranges), or undefined when it refuses or finds several. */
function slowParse(text: string): unknown {
  try {
    const program = sqlParser()(text, { dialect: 'postgresql', includeRange: true });
    const statements = program.statements.filter((s) => s.type !== 'empty');
    return statements.length === 1 ? statements[0] : undefined;
  } catch {
    return undefined;
  }
}

/** Checks the rule on one text; returns whether the fast path answered. */
function checkText(text: string): boolean {
  const fast = fastParseSelect(text);
  if (fast === undefined) return false;
  const slow = slowParse(text);
  expect(slow, text).toBeDefined();
  expect(JSON.stringify(fast), text).toBe(JSON.stringify(slow));
  expect(fast, text).toStrictEqual(slow);
  return true;
}

const NAMES = ['age', 'sex', 'x', 'Hours_per_week', 'a1', '_b', 'donors', 'ZIP', 'e', 'u', 't'];
const NEAR_NAMES = [
  'year',
  'date',
  'time',
  'zone',
  'interval',
  'count',
  'sum',
  'in',
  'is',
  'between',
  'like',
  'case',
  'null',
  'true',
  'distinct',
  'order',
  'limit',
  'having',
  'filter',
  'over',
  'not',
  'and',
  'or',
  'as',
  'select',
  'from',
  'where',
  'group',
  'by',
  'all',
  'any',
  'some',
  'cast',
  'array',
  'row',
  'value',
  'name',
  'text',
  'type',
  'level',
  'first',
];
const NUMBERS = ['0', '7', '007', '1.5', '10.25', '3.14159', '123456789012345678901', '99999999999999999'];
const NEAR_NUMBERS = ['.5', '1.', '1e3', '1E-2', '0x1F', '1_000', '1..2', '5a'];
const STRINGS = ["'a'", "'it''s'", "''", "'a\\b'", "'Male'", "' x '"];
const NEAR_STRINGS = ["E'x'", "'x' 'y'", "'unterminated", "U&'d'", "B'101'", '$$x$$'];
const BINARY = ['=', '<>', '!=', '<', '<=', '>', '>=', '+', '-', '*', '/', '%', 'AND', 'and', 'OR', 'Or'];
const NEAR_BINARY = ['^', '||', '::', '>=-', '*-', '==', '=>', '~', 'IS', 'LIKE', 'IN', '&', '#'];
const FUNCTIONS = ['COUNT', 'count', 'SUM', 'Avg', 'MIN', 'max', 'ABS', 'stddev', 'VARIANCE'];
const NEAR_FUNCTIONS = ['LEAST', 'GREATEST', 'COALESCE', 'round', 'foo', 'CAST', 'EXTRACT'];

/** Pick from the fast grammar mostly, from its near misses sometimes. */
const pick = (good: string[], near: string[]) =>
  fc.oneof({ weight: 40, arbitrary: fc.constantFrom(...good) }, { weight: 1, arbitrary: fc.constantFrom(...near) });

/** An expression as a list of tokens (joined later with random spacing). */
const expr: fc.Arbitrary<string[]> = fc.letrec<{ e: string[] }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.oneof(
      pick(NAMES, NEAR_NAMES).map((n) => [n]),
      fc.tuple(pick(NAMES, NEAR_NAMES), pick(NAMES, NEAR_NAMES)).map(([a, b]) => [a, '.', b]),
      pick(NUMBERS, NEAR_NUMBERS).map((n) => [n]),
      pick(STRINGS, NEAR_STRINGS).map((s) => [s]),
    ),
    fc.tuple(tie('e'), pick(BINARY, NEAR_BINARY), tie('e')).map(([a, op, b]) => [...a, op, ...b]),
    tie('e').map((a) => ['NOT', ...a]),
    tie('e').map((a) => ['-', ...a]),
    tie('e').map((a) => ['(', ...a, ')']),
    fc
      .tuple(
        pick(FUNCTIONS, NEAR_FUNCTIONS),
        fc.oneof(
          { weight: 2, arbitrary: fc.constant([['*']]) },
          { weight: 8, arbitrary: fc.array(tie('e'), { minLength: 1, maxLength: 3 }) },
          { weight: 1, arbitrary: fc.constant([] as string[][]) },
        ),
      )
      .map(([f, args]) => [f, '(', ...args.flatMap((a, i) => (i === 0 ? a : [',', ...a])), ')']),
  ),
})).e;

/** Mostly true (the fast grammar), sometimes false (its near miss). */
const mostly = fc.oneof({ weight: 12, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) });
const item = fc
  .tuple(expr, fc.option(pick(NAMES, NEAR_NAMES), { nil: undefined }), mostly)
  .map(([e, alias, as]) => (alias === undefined ? e : [...e, ...(as ? ['AS'] : []), alias]));
const statement = fc
  .tuple(
    fc.constantFrom('SELECT', 'select', 'Select'),
    fc.array(item, { minLength: 1, maxLength: 3 }),
    pick(NAMES, NEAR_NAMES),
    fc.option(fc.tuple(mostly, pick(NAMES, NEAR_NAMES)), { nil: undefined }),
    fc.option(expr, { nil: undefined }),
    fc.option(fc.array(expr, { minLength: 1, maxLength: 2 }), { nil: undefined }),
    fc.oneof(
      { weight: 12, arbitrary: fc.constant([] as string[]) },
      { weight: 1, arbitrary: fc.constantFrom([';'], ['LIMIT', '5'], ['HAVING', 'x'], ['ORDER', 'BY', 'x'], ['--', 'c'], [')'], [',']) },
    ),
  )
  .map(([select, items, table, alias, where, group, tail]) => [
    select,
    ...items.flatMap((t, i) => (i === 0 ? t : [',', ...t])),
    'FROM',
    table,
    ...(alias ? [...(alias[0] ? ['AS'] : []), alias[1]] : []),
    ...(where ? ['WHERE', ...where] : []),
    ...(group ? ['GROUP', 'BY', ...group.flatMap((g, i) => (i === 0 ? g : [',', ...g]))] : []),
    ...tail,
  ]);
const spacing = fc.oneof(
  { weight: 30, arbitrary: fc.constantFrom(' ', '  ', '\n', '\t', '\r\n') },
  { weight: 1, arbitrary: fc.constantFrom('', '\f', '/**/', '\u00a0') },
);
/** Tokens joined with random white space (or none: tokens may glue into others, which both parsers then see). */
const text = statement.chain((tokens) =>
  fc
    .tuple(fc.array(spacing, { minLength: tokens.length + 1, maxLength: tokens.length + 1 }))
    .map(([gaps]) => (gaps[0] ?? '') + tokens.map((t, i) => t + (gaps[i + 1] ?? '')).join('')),
);

describe('the parser fast path', () => {
  it('returns sql-parser-cst’s exact tree or declines, over generated queries and near misses (fast-check, seed 1518)', () => {
    let answered = 0;
    let runs = 0;
    fc.assert(
      fc.property(text, (t) => {
        runs++;
        if (checkText(t)) answered++;
      }),
      { seed: 1518, numRuns: 3000 },
    );
    // The rule is not met vacuously: ≈ 10% of the generated texts take the fast path (the rest are near misses
    // and texts no parser accepts, which must decline).
    expect(answered).toBeGreaterThan(runs / 20);
  });

  it('returns sql-parser-cst’s exact tree or declines on every SELECT text in the tests and examples', () => {
    const root = resolve(import.meta.dirname, '../..');
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const f of readdirSync(dir)) {
        const p = join(dir, f);
        if (statSync(p).isDirectory()) walk(p);
        else if (/\.(ts|sql|json|md)$/.test(f)) files.push(p);
      }
    };
    for (const d of ['test', 'examples', 'docs']) walk(join(root, d));
    const texts = new Set<string>();
    for (const f of files) {
      for (const m of readFileSync(f, 'utf8').matchAll(/(['"`])(SELECT\b[^'"`$]*?)\1/gi)) texts.add(m[2] as string);
    }
    let answered = 0;
    for (const t of texts) if (checkText(t)) answered++;
    expect(texts.size).toBeGreaterThan(200);
    expect(answered).toBeGreaterThan(50);
  });

  it('never reads as a name a word the installed sql-parser-cst has a keyword rule for', () => {
    const parserFile = join(dirname(createRequire(import.meta.url).resolve('sql-parser-cst')), 'parser.js');
    const rules = new Set(
      [...readFileSync(parserFile, 'utf8').matchAll(/function peg\$parse([A-Z][A-Z0-9_]*)\(/g)].map((m) => m[1] as string),
    );
    expect(rules.size).toBeGreaterThan(600);
    expect([...rules].filter((w) => !KEYWORDS.has(w))).toEqual([]);
  });

  it('is what parseOneStatement returns for the benchmark’s queries, and declines what it must', () => {
    const q =
      'SELECT sex, COUNT(*) AS n, AVG(hours_per_week) AS h FROM adult WHERE age >= 17 AND age <= 30 AND hours_per_week >= 3 GROUP BY sex';
    expect(fastParseSelect(q)).toBeDefined();
    expect(parseOneStatement(q)).toStrictEqual(slowParse(q));
    for (const declined of [
      'SELECT COUNT(DISTINCT x) FROM t',
      'SELECT x FROM t WHERE x IN (1, 2)',
      'SELECT x FROM t WHERE x::int > 1',
      "SELECT x FROM t WHERE d > DATE '2020-01-01'",
      'SELECT x FROM t; SELECT y FROM t',
      'SELECT x FROM t -- c',
      'SELECT "x" FROM t',
      'SELECT x FROM t WHERE x >=-1',
      'SELECT x y FROM t',
    ]) {
      expect(fastParseSelect(declined), declined).toBeUndefined();
    }
  });
});

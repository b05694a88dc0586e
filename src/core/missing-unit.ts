/**
 * One definition of a **missing privacy-unit id** for every reader (review S25c, class 18 "people merged into
 * one unit"). A text unit id is missing when it is NULL or consists only of BLANK characters (the empty string
 * included): the Session's readers (`unitText`, `src/stats/value-rules.ts`, after `csvSource`'s own trim) and the
 * compiled DP SQL on DuckDB, PostgreSQL (`unitRows`, `src/sql/compile.ts`) and ClickHouse
 * (`src/sql/dialects/clickhouse-compile.ts`) all test THIS character class — no engine's own trim, whose sets
 * differ (PostgreSQL's `btrim` removes only U+0020, JavaScript's `trim` removes U+FEFF but not U+0085,
 * ClickHouse's `trimBoth` only ASCII space). Rule and proof: `missing-unit.proof.md`.
 *
 * BLANK = Unicode's White_Space property (25 code points: U+0009–U+000D, U+0020, U+0085, U+00A0, U+1680,
 * U+2000–U+200A, U+2028, U+2029, U+202F, U+205F, U+3000) plus U+FEFF (ZERO WIDTH NO-BREAK SPACE / BOM, which
 * JavaScript's `trim` treats as space and a file's encoding debris puts at a field's start). **Not blank**, by
 * decision: U+200B ZERO WIDTH SPACE, U+200C, U+200D, U+2060, U+180E (format characters, not White_Space) — a
 * field made of them is an id like any other.
 * @module
 */

/** The blank characters, as one string (each a single UTF-16 unit, none a regular-expression metacharacter). */
export const BLANK_UNIT_CHARACTERS =
  '\u0009\u000A\u000B\u000C\u000D\u0020\u0085\u00A0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200A\u2028\u2029\u202F\u205F\u3000\uFEFF';

/**
 * The anchored pattern "only blank characters" as every engine reads it: an alternation of the characters
 * themselves, `^(c₁|c₂|…)*$` (no backslash, no quote, no bracket expression). An alternation of literal
 * sequences means the same whether the engine matches code points (RE2 in UTF-8 mode: DuckDB; PostgreSQL's ARE
 * on a UTF8 database) or bytes (ClickHouse's `match`: "works with the string as a set of bytes") — a bracket
 * expression would not: read as bytes, [\u00A0\u2000…] holds the single bytes 0xC2, 0xA0, 0xE2, 0x80 … and
 * matches other characters made of them.
 */
export const BLANK_UNIT_PATTERN = `^(${Array.from(BLANK_UNIT_CHARACTERS).join('|')})*$`;

const BLANK = new Set(Array.from(BLANK_UNIT_CHARACTERS, (c) => c.charCodeAt(0)));

/**
 * True when a text unit id identifies no one: empty or only BLANK characters.
 * @param s - the id's text.
 * @returns whether the id is missing.
 * @example isMissingUnitText(' \u00A0'); // true
 */
export function isMissingUnitText(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (!BLANK.has(s.charCodeAt(i))) return false;
  return true;
}

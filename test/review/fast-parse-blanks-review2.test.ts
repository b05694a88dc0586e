/**
 * Review session 10b (review2), re-attack of M20's fix (src/sql/_internal/fast-parse.ts: the fast path's blanks are
 * exactly sql-parser-cst's — space, TAB, LF, CR only in CR LF). Exhaustive differential, held: every code unit
 * below U+0080, U+0085 (NEL), U+00A0, U+1680, U+2000, U+2007, U+200B, U+2028, U+2029, U+202F, U+205F, U+3000, U+FEFF,
 * lone surrogates U+D800/U+D801/U+DC00, at 12 positions (before the statement, between keywords, before and after
 * an operator, after a number, inside a string literal and beside a doubled quote, after a lone CR): every text
 * the fast path accepts (591 at 23:33, against the tree directly) gives sql-parser-cst's tree exactly; none it accepts is refused by the parser. Kept here through the public planner (test/review may not import src/sql/_internal): each text plans exactly as `text + " ;"` (which only the parser reads).
 */
import { describe, expect, it } from 'vitest';
import { planDpQuery } from '../../src/sql/plan-query.js';
import { parseSqlSchema } from '../../src/sql/schema.js';

const schema = parseSqlSchema({
  dataset: 'blanks',
  budget: { epsilon: 6 },
  tables: {
    t: {
      privacyUnit: 'id',
      maxPartitions: 1,
      maxContributionsPerPartition: 1,
      columns: { id: { type: 'integer' }, a: { type: 'string', categories: ['v', 'w'] } },
    },
  },
});

/**
 * The plan of `text` (minus its own copy of the text), or the refusal's code and message (a syntax error's
 * position is dropped: the appended ' ;' moves the end). `text + ' ;'` is always declined by the fast path (a
 * semicolon) and parsed by sql-parser-cst into the same statement, so equal outcomes mean the fast path's answer,
 * when it gives one, is the parser's.
 */
function outcome(text: string): string {
  try {
    const { text: _own, ...plan } = planDpQuery(text, schema);
    return JSON.stringify(plan, (_, v) => (typeof v === 'bigint' ? `${v}n` : v));
  } catch (e) {
    const err = e as { code?: string; message?: string };
    return `${err.code}: ${err.message?.replace(/^(UNSUPPORTED_QUERY: syntax error) at \d+:\d+/, '$1')}`;
  }
}

describe('review2: fast parse blanks and control characters against sql-parser-cst (M20 class)', () => {
  it('held: every text plans as its " ;" twin (parser only) does (exhaustive over the listed code units)', () => {
    const chars: number[] = [];
    for (let c = 0; c < 0x3000; c++)
      if (
        c < 0x80 ||
        [0x85, 0xa0, 0x1680, 0x2000, 0x2007, 0x200b, 0x2028, 0x2029, 0x202f, 0x205f, 0xfeff].includes(c) ||
        (c >= 0xd800 && c < 0xd802)
      )
        chars.push(c);
    chars.push(0xdc00, 0xfeff, 0x3000);
    const templates = [
      (x: string) => `${x}SELECT COUNT(*) FROM t WHERE a = 'v'`,
      (x: string) => `SELECT${x}COUNT(*) FROM t WHERE a = 'v'`,
      (x: string) => `SELECT COUNT(*) FROM t WHERE a = 'v'${x}`,
      (x: string) => `SELECT COUNT(*) FROM t WHERE a = 'v${x}w'`,
      (x: string) => `SELECT COUNT(*) FROM t WHERE a = '${x}'`,
      (x: string) => `SELECT COUNT(*) FROM t WHERE a${x}= 1`,
      (x: string) => `SELECT COUNT(*) FROM t WHERE a =${x}1`,
      (x: string) => `SELECT COUNT(*) FROM t WHERE a = 1${x}`,
      (x: string) => `SELECT COUNT(*) FROM t WHERE a = 1.5${x}`,
      (x: string) => `SELECT COUNT(*) FROM t WHERE a = 'v'${x}\n`,
      (x: string) => `SELECT COUNT(*) FROM t WHERE a = 'v'\r${x}`,
      (x: string) => `SELECT COUNT(*) FROM t WHERE a = 'it''${x}s'`,
    ];
    let accepted = 0;
    const bad: string[] = [];
    for (const c of chars)
      for (const [ti, t] of templates.entries()) {
        const text = t(String.fromCharCode(c));
        const got = outcome(text);
        if (got.startsWith('{')) accepted++;
        if (got !== outcome(`${text} ;`)) bad.push(`U+${c.toString(16)} t${ti}`);
      }
    expect(bad).toEqual([]);
    expect(accepted).toBeGreaterThan(100); // texts that plan (the fast path's candidates)
  });
});

/**
 * Review session 10b (review2), re-attack of M20's fix (src/sql/_internal/fast-parse.ts: the fast path's blanks are
 * exactly sql-parser-cst's — space, TAB, LF, CR only in CR LF). Exhaustive differential, held: every code unit
 * below U+0080, U+0085 (NEL), U+00A0, U+1680, U+2000, U+2007, U+200B, U+2028, U+2029, U+202F, U+205F, U+3000, U+FEFF,
 * lone surrogates U+D800/U+D801/U+DC00, at 12 positions (before the statement, between keywords, before and after
 * an operator, after a number, inside a string literal and beside a doubled quote, after a lone CR): every text
 * the fast path accepts (591 at 23:33) gives sql-parser-cst's tree exactly; none it accepts is refused by the parser.
 */
import { describe, expect, it } from 'vitest';
import { fastParseSelect } from '../../src/sql/_internal/fast-parse.js';
import { sqlParser } from '../../src/sql/load-parser.js';

/** sql-parser-cst's statement (PostgreSQL, ranges), or undefined when it refuses or finds several. */
function slowParse(text: string): unknown {
  try {
    const program = sqlParser()(text, { dialect: 'postgresql', includeRange: true });
    const statements = program.statements.filter((s) => s.type !== 'empty');
    return statements.length === 1 ? statements[0] : undefined;
  } catch {
    return undefined;
  }
}
describe('review2: fast parse blanks and control characters against sql-parser-cst (M20 class)', () => {
  it('held: every accepted text has the parser tree (differential, exhaustive over the listed code units)', () => {
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
        const fast = fastParseSelect(text);
        if (fast === undefined) continue;
        accepted++;
        const slow = slowParse(text);
        if (slow === undefined || JSON.stringify(fast) !== JSON.stringify(slow))
          bad.push(`U+${c.toString(16)} t${ti} ${slow === undefined ? 'parser refuses' : 'tree differs'}`);
      }
    expect(bad).toEqual([]);
    expect(accepted).toBeGreaterThan(100);
  });
});

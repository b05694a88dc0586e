/**
 * Every statement of a compiled DP query — its text and typed bind values — as one string, injectively (bigints as
 * `<n>n`, −0 apart from 0): two compiles are the same statements exactly when their strings are equal. Shared by the
 * compiled memo's tests (test/server/compiled-memo.test.ts, test/review/compiled-memo-*.test.ts).
 */
import type { CompiledDpQuery } from '../../src/sql/compiled-query.js';

/**
 * The canonical text of a compiled query.
 * @param c - the compiled statements.
 * @returns its canonical string.
 */
export function canon(c: CompiledDpQuery): string {
  const value = (v: unknown) =>
    typeof v === 'bigint' ? `${v}n` : typeof v === 'number' ? (Object.is(v, -0) ? '-0' : String(v)) : JSON.stringify(v);
  return JSON.stringify({
    ...c,
    main: { ...c.main, params: c.main.params.map((p) => [p.type, value(p.value)]) },
    histograms: c.histograms.map((h) => ({ ...h, params: h.params.map((p) => [p.type, value(p.value)]) })),
  });
}

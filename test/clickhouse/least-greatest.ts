/**
 * ClickHouse 24.12 changed `least`/`greatest`: they now *ignore* NULL arguments (as PostgreSQL and DuckDB do),
 * where 18.16 … 24.11 return NULL. The tests run on 18.16; to hold the compiled SQL to both behaviours, this
 * rewrites every two-argument `least(a, b)` / `greatest(a, b)` of a statement into the 24.12 meaning written
 * in 18.16 terms: `multiIf(isNull(a), b, isNull(b), a, least(a, b))`. Text literals (`'…'`) and quoted
 * identifiers (`` `…` ``) are skipped, as the compiler writes them (every byte outside a safe set escaped).
 */

/** Index just past the quoted token starting at `i` (quote `q`, backslash escapes). */
function skipQuoted(sql: string, i: number, q: string): number {
  let j = i + 1;
  while (j < sql.length && sql[j] !== q) j += sql[j] === '\\' ? 2 : 1;
  return j + 1;
}

/** The arguments of the call whose `(` is at `open`, split at top-level commas, and the index past its `)`. */
function callArgs(sql: string, open: number): { args: string[]; end: number } {
  const args: string[] = [];
  let depth = 0;
  let start = open + 1;
  let i = open + 1;
  while (i < sql.length) {
    const ch = sql[i] as string;
    if (ch === "'" || ch === '`') {
      i = skipQuoted(sql, i, ch);
      continue;
    }
    if (ch === '(') depth++;
    else if (ch === ')') {
      if (depth === 0) {
        args.push(sql.slice(start, i));
        return { args, end: i + 1 };
      }
      depth--;
    } else if (ch === ',' && depth === 0) {
      args.push(sql.slice(start, i));
      start = i + 1;
    }
    i++;
  }
  throw new Error('unbalanced parentheses');
}

/**
 * `sql` with `least`/`greatest` given ClickHouse ≥ 24.12's NULL-ignoring meaning (see the header).
 * @param sql - a compiled ClickHouse statement.
 * @returns the rewritten statement.
 */
export function leastGreatestIgnoringNull(sql: string): string {
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i] as string;
    if (ch === "'" || ch === '`') {
      const j = skipQuoted(sql, i, ch);
      out += sql.slice(i, j);
      i = j;
      continue;
    }
    const m = /^(least|greatest)\(/.exec(sql.slice(i, i + 9));
    if (m && !/[A-Za-z0-9_]/.test(sql[i - 1] ?? ' ')) {
      const fn = m[1] as string;
      const { args, end } = callArgs(sql, i + fn.length);
      const [a, b] = args.map((x) => leastGreatestIgnoringNull(x.trim()));
      if (args.length !== 2 || a === undefined || b === undefined) throw new Error(`${fn} with ${args.length} arguments`);
      out += `multiIf(isNull(${a}), ${b}, isNull(${b}), ${a}, ${fn}(${a}, ${b}))`;
      i = end;
      continue;
    }
    out += ch;
    i++;
  }
  return out;
}

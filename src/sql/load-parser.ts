/**
 * Loads the SQL parser (`sql-parser-cst`) once, on the first query, never at
 * import: the parser is one generated 6.5 MB file whose compilation is the
 * largest fixed cost of a DP SQL process (≈ 0.2 s of CPU, more than the whole
 * scan of a Parquet `COUNT(*)`, bench/sql/README.md), so code that imports
 * `tsdp/sql` without parsing (an engine, a schema, formatting) does not pay it.
 *
 * (A V8 code cache for this file was measured too — `vm.Script` with
 * `cachedData`, the mechanism of Node 22's compile cache — and saved only
 * ≈ 50 ms of CPU per process: not worth bytecode files in the user's cache
 * directory.)
 * @module
 */
import { createRequire } from 'node:module';
import type * as Cst from 'sql-parser-cst';
import { vendoredCopy } from './_internal/vendored.js';

/** The parser package's `parse`. */
export type SqlParser = typeof Cst.parse;

let loaded: SqlParser | undefined;

/**
 * The parser's `parse`, loaded on the first call (synchronously: planning is synchronous).
 * @returns `parse` of sql-parser-cst.
 */
export function sqlParser(): SqlParser {
  loaded ??= loadParser();
  return loaded;
}

/**
 * The minified single-file build of the parser beside this module's build (`dist/vendor/sql-parser-cst.cjs`,
 * written by scripts/build.mjs from the installed package: ≈ 0.12 s of CPU to load instead of ≈ 0.27 s), else
 * the package itself (from src/, and in the npm package, which ships no copy of the GPL parser). The copy is
 * used only when it was built from the very version installed (its banner names it: `_internal/vendored.ts`).
 */
function loadParser(): SqlParser {
  const require = createRequire(import.meta.url);
  const copy = vendoredCopy(new URL('../vendor/sql-parser-cst.cjs', import.meta.url), 'sql-parser-cst');
  if (copy !== undefined) {
    try {
      return (require(copy) as typeof Cst).parse;
    } catch {
      // A copy that does not load: the package below (as before D53's helper).
    }
  }
  return (require('sql-parser-cst') as typeof Cst).parse;
}

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
import { closeSync, openSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type * as Cst from 'sql-parser-cst';

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
 * used only when it was built from the very version installed (its banner names it), so the two never differ.
 */
function loadParser(): SqlParser {
  const require = createRequire(import.meta.url);
  try {
    const vendored = new URL('../vendor/sql-parser-cst.cjs', import.meta.url);
    const { version } = require('sql-parser-cst/package.json') as { version: string };
    const banner = Buffer.alloc(120);
    const fd = openSync(vendored, 'r');
    try {
      readSync(fd, banner, 0, banner.length, 0);
    } finally {
      closeSync(fd);
    }
    if (banner.toString('latin1').includes(`sql-parser-cst ${version} `)) {
      return (require(fileURLToPath(vendored)) as typeof Cst).parse;
    }
  } catch {
    // No vendored copy (running from src/, or the npm package): the package below.
  }
  return (require('sql-parser-cst') as typeof Cst).parse;
}

/**
 * DuckDB's Node API (`@duckdb/node-api`), loaded once for the DuckDB engine, at the engine module's import.
 *
 * Loaded with `require`, not `import`: the package is CommonJS, and an ESM import of it makes Node run its
 * cjs-module-lexer over every file the package re-exports to find the named exports — measured at about twice the
 * load time of `require` (issue 11: the fixed start-up cost of `tsdp sql`).
 *
 * A checkout's build (`scripts/build.mjs`) also writes the package's JavaScript as one minified CommonJS file,
 * `dist/vendor/duckdb-node-api.cjs` (its native bindings, `@duckdb/node-bindings`, stay the installed package's):
 * loading one file instead of ≈ 100 costs ≈ 40 ms less CPU per process (bench/sql/README.md). It is used only when
 * its banner names the very version installed, so the two never differ; from `src/` and in the npm package (which
 * does not ship `dist/vendor`) the package itself is loaded. Residual: a program that also loads the package itself
 * has two copies of its JavaScript classes (one native library): values made with one copy's constructors (e.g.
 * `listValue`) are not `instanceof` the other's — tsdp passes none across.
 * @module
 */
import { createRequire } from 'node:module';
import type * as DuckDbApi from '@duckdb/node-api';
import type { DuckDBType } from '@duckdb/node-api';
import { vendoredCopy } from '../_internal/vendored.js';
import type { SqlParamType } from '../dialect.js';

const require = createRequire(import.meta.url);

/** The vendored single-file copy beside this module's build, when it was built from the installed version. */
const copy = vendoredCopy(new URL('../../vendor/duckdb-node-api.cjs', import.meta.url), '@duckdb/node-api');

/** DuckDB's Node API: the vendored copy of the installed version when built, else the package (module header). */
export const duckdb: typeof DuckDbApi = require(copy ?? '@duckdb/node-api') as typeof DuckDbApi;

/** The DuckDB type each compiled parameter is bound with (left to infer, the driver binds an integral double such as 1e150 as BIGINT and fails). */
export const PARAM_TYPES: Readonly<Record<SqlParamType, DuckDBType>> = {
  bigint: duckdb.BIGINT,
  double: duckdb.DOUBLE,
  text: duckdb.VARCHAR,
  boolean: duckdb.BOOLEAN,
};

/**
 * Imported FIRST by the server benchmarks (`distinct-load.ts`, `http-vs-library.ts`): sets the server's DuckDB
 * allocator options (`src/server/duckdb-allocator.ts`) before any module loads DuckDB's native library, which reads
 * them once when it loads — `createQueryServer` sets them too, but in a benchmark that opened DuckDB before its
 * server that is too late. An ES module's imports run in order, so this runs before the DuckDB engine's import.
 * `DUCKDB_JE_MALLOC_CONF=` (empty) on the command line measures DuckDB's own defaults instead.
 * @module
 */
import { keepDuckdbPagesMapped } from '../../src/server/duckdb-allocator.js';

keepDuckdbPagesMapped();

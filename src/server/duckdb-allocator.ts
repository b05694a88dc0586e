/**
 * DuckDB's allocator keeps the pages it frees instead of giving them back to the operating system (issue 15, stop 20).
 *
 * DuckDB allocates through its own jemalloc (`duckdb_je_*` in `libduckdb.so`), whose `dirty_decay_ms` and
 * `muzzy_decay_ms` decide when freed pages are returned (`madvise`). With DuckDB's defaults a server running small
 * statements back to back returned and faulted in again the same pages on every statement: 50–68 minor page faults
 * per distinct query through HTTP (`bench/server/thread-cost.ts`, load 11–15), most of them in DuckDB's threads. On
 * a virtual machine a page fault is expensive (this one's paravirtualised MMU: tens of µs of CPU each), and DuckDB's
 * threads spent 4.0–4.4 ms CPU per query against 1.7–2.5 ms with the pages kept (≈ 5 faults per query). A 10 s decay
 * still left 18 faults per query, and returning pages lazily (`muzzy`) 540: so purging is off (`-1`), and the
 * process keeps the largest amount of memory DuckDB has used at once. That is bounded: DuckDB's buffers are under its
 * pinned `memory_limit` (`resource-limits.ts`), and what the pool's statements need at once is what a server must
 * have anyway. An operator who prefers memory returned sets `DUCKDB_JE_MALLOC_CONF` (even to the empty string:
 * DuckDB's own defaults), which is never overridden.
 *
 * Mechanism: jemalloc reads its options from the environment (`DUCKDB_JE_MALLOC_CONF`, the prefixed `MALLOC_CONF`)
 * once, when `libduckdb.so` is loaded — at the first import of the DuckDB engine (`duckdb-driver.ts`). `tsdp/server`
 * loads the engine only when a data set is opened, so `createQueryServer` sets it first; in a process that loaded
 * DuckDB before (a benchmark, a program that used the library first) it comes too late and changes nothing —
 * nothing breaks, the saving is lost (benchmarks import `bench/server/duckdb-allocator-first.ts` first).
 *
 * Privacy: allocator page retention changes no statement, answer, error or charge; it changes only how much CPU and
 * memory a statement costs. Timing is covered as for any other cost by the response padding (SECURITY.md §11).
 * @module
 */

/** The environment variable DuckDB's jemalloc reads its options from. */
export const DUCKDB_ALLOCATOR_ENV = 'DUCKDB_JE_MALLOC_CONF';

/** The server's allocator options: freed pages are never purged (module header). */
export const DUCKDB_ALLOCATOR_OPTIONS = 'dirty_decay_ms:-1,muzzy_decay_ms:-1';

/**
 * Sets `DUCKDB_JE_MALLOC_CONF` to the server's options unless it is already set (module header).
 * @param env - the environment to set it in (the process's by default).
 * @returns whether it was set here (false: the operator's own value is kept).
 * @privacy Touches no data.
 * @example
 * keepDuckdbPagesMapped(); // before the DuckDB engine is first imported
 */
export function keepDuckdbPagesMapped(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env[DUCKDB_ALLOCATOR_ENV] !== undefined) return false;
  env[DUCKDB_ALLOCATOR_ENV] = DUCKDB_ALLOCATOR_OPTIONS;
  return true;
}

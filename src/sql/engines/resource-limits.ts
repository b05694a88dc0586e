/**
 * Engine resource limits: the rule for "the engine stops a charged query for a resource limit" (issue 10, class 11
 * "public-cause failures" and class 14 "timing and availability").
 *
 * **Threat.** An engine stops a statement that needs more than it is allowed: PostgreSQL past `temp_file_limit`
 * (or out of memory under a large `work_mem`), DuckDB past `memory_limit` or its temporary-directory size,
 * ClickHouse past `max_memory_usage`. How much a statement needs grows with the data (the rows a scan reads, the
 * units the contribution bounding sorts, the groups a GROUP BY holds), so whether a charged query is answered can
 * depend on the data's size — the same concession as the statement deadline, whose hit depends on the data's size
 * and the machine's load. A limit the analyst or a profile could lower would widen it; an engine message (which
 * may quote a value, a size or a key) would leak through it.
 *
 * **Rule.**
 * 1. The charge is kept. The query's budget was spent before the engine ran (the ledger records it durably first);
 *    a resource stop is after-the-charge, like the deadline, and refunding it would make the charge depend on the
 *    data (SECURITY.md §6).
 * 2. One error. Every engine failure after the charge — deadline, memory, temporary space, a dropped connection —
 *    is the one `ENGINE_ERROR` of {@link engineError} (src/sql/engine.ts): the same code, message and details for
 *    every cause and every row, naming the engine and the limits in force (public configuration, {@link
 *    describeLimits}), never which limit was hit (that would add a bit beyond answered-or-not), never the engine's
 *    message or a data value. What an analyst learns is one bit — answered or ENGINE_ERROR — and that bit is
 *    already the deadline's (the residual of `tsdp/sql`'s threat model, under "Timing"); padding (`padLatencyMs`)
 *    hides when it happened to the quantum.
 * 3. Pinned by tsdp, public. Each limit is tsdp's option with a stated default, set by tsdp on every statement (or
 *    at open, then locked), so neither an analyst nor a role, database or profile setting changes it:
 *    - DuckDB (`duckdb.ts`): `memory_limit` (`memoryLimitBytes`, default DuckDB's own 80 % of the machine's
 *      memory, stated as a number), `temp_directory` (`tempDirectory`: default a private directory tsdp makes
 *      under the OS temp directory and removes at close — DuckDB's own default was `.tmp` in the process's
 *      working directory; `null`: no spilling) and `max_temp_directory_size` (`maxTempBytes`, default DuckDB's),
 *      set at open before `lock_configuration`;
 *    - PostgreSQL (`postgres.ts`): `work_mem` (`workMemKb`, default 65,536 kB) and `hash_mem_multiplier` = 2, so a
 *      sort or hash spills to temporary files instead of exhausting memory, and `temp_file_limit` (`tempFileLimitKb`)
 *      set in every transaction; `temp_file_limit` is a superuser setting (PostgreSQL ≥ 15: or `GRANT SET ON
 *      PARAMETER`): when given, `open` checks that it can be set (INVALID_PARAMETER otherwise, before any charge);
 *      when not given, the server's value (set only by its administrator, who is trusted) is read at open and named;
 *    - ClickHouse (`clickhouse-http.ts`): `max_memory_usage` (`maxMemoryBytes`, default 10,000,000,000, the 18.16
 *      default) and `max_bytes_before_external_group_by` / `max_bytes_before_external_sort` (`spillBytes`, default
 *      half the memory limit, ClickHouse's advice; 0: no spilling) sent with every statement, overriding the
 *      reader's profile.
 *    Limits are validated at the edge (positive safe integers, at least {@link MIN_LIMIT_BYTES}):
 *    `INVALID_PARAMETER` before anything is opened or charged.
 * 4. Up front where public sizes bound the work. None of the compiled statements' working sets is bounded by public
 *    sizes alone: the contribution bounding ranks every row of a unit (a window over all rows), and a GROUP BY
 *    holds a state per distinct key the rows carry — both grow with the rows, whose number is private. What is
 *    public is refused before the charge: a limit below {@link MIN_LIMIT_BYTES} (no statement can run in it), and a
 *    PostgreSQL `tempFileLimitKb` the connecting role cannot set.
 *
 * Server-wide limits (ClickHouse `max_memory_usage_for_user`/`_for_all_queries`, the machine's memory, the disk
 * holding temporary files) depend on other work too: a statement they stop fails the same way (rule 2), as the
 * deadline does under load.
 *
 * Tests: `test/sql/resource-limits.test.ts` (DuckDB and PostgreSQL: a tiny limit, the one error, the charge kept, no
 * engine text; generative over limits × queries), `test/clickhouse/resource-limits.test.ts` (ClickHouse).
 * @module
 */
import { lstatSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { DpError } from '../../core/errors.js';

/** The least byte limit tsdp accepts for an engine's memory or temporary space (1 MiB): below it nothing runs. */
export const MIN_LIMIT_BYTES = 1 << 20;

/** The limits an engine runs statements under, by name (public configuration), e.g. `{ deadline: '60000 ms' }`. */
export type EngineLimits = Readonly<Record<string, string>>;

/**
 * The limits as one phrase for the engine's error message (names in the order given).
 * @param limits - the limits in force.
 * @returns e.g. `statement deadline 60000 ms, memory_limit 1073741824 bytes`, or '' for none.
 */
export function describeLimits(limits: EngineLimits): string {
  return Object.entries(limits)
    .map(([name, value]) => `${name} ${value}`)
    .join(', ');
}

/**
 * Reads one byte limit option at the edge.
 * @param value - the option's value (undefined: none given).
 * @param parameter - its name, for the error.
 * @param min - the least value accepted (default {@link MIN_LIMIT_BYTES}).
 * @returns the value, or undefined when none was given.
 * @throws DpError INVALID_PARAMETER unless a safe integer ≥ min.
 */
export function readByteLimit(value: unknown, parameter: string, min = MIN_LIMIT_BYTES): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new DpError('INVALID_PARAMETER', `${parameter} must be an integer number of bytes (kB for PostgreSQL's) of at least ${min}`, {
      parameter,
      expected: `a safe integer ≥ ${min}`,
    });
  }
  return value;
}

/** The prefix of tsdp's own DuckDB spill directories: `tsdp-duckdb-<pid>-XXXXXX` under the OS temp directory. */
const SPILL_PREFIX = 'tsdp-duckdb-';

/**
 * Review M17: DuckDB writes spilled rows (private data) into its temporary directory, creating it with the umask
 * (0755 under 022) when it does not exist. tsdp therefore creates its own spill directory first, owner-only
 * (`mkdtemp`: 0700), so no other local user can list or read what DuckDB writes in it, whatever the files' modes;
 * directories left by a killed process of this user (their pid no longer alive) are removed first. An operator's
 * `tempDirectory` is theirs to keep private. Test: test/sql/resource-limits.test.ts ("spill directory").
 * @returns the new directory's path.
 */
function privateSpillDirectory(): string {
  const base = tmpdir();
  try {
    for (const name of readdirSync(base)) {
      const m = new RegExp(`^${SPILL_PREFIX}(\\d+)-`).exec(name);
      if (!m) continue;
      const path = join(base, name);
      const st = lstatSync(path);
      if (!st.isDirectory() || st.uid !== process.getuid?.()) continue;
      if (!pidAlive(Number(m[1]))) rmSync(path, { recursive: true, force: true });
    }
  } catch {
    // cleaning up is best effort: a directory we cannot read or remove is left
  }
  return mkdtempSync(join(base, `${SPILL_PREFIX}${process.pid}-`));
}

/** True when a process has `pid` (EPERM: it exists, owned by another user). */
function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** DuckDB's pinned limits: the instance configuration, their names for the error, and a spill directory tsdp owns. */
export interface DuckDbLimits {
  /** `memory_limit`, `temp_directory` and (when given) `max_temp_directory_size`, for `DuckDBInstance.create`. */
  readonly config: Readonly<Record<string, string>>;
  /** The limits as the one engine error names them. */
  readonly limits: EngineLimits;
  /** The private spill directory tsdp chose (removed at close), or null. */
  readonly ownTempDirectory: string | null;
}

/**
 * DuckDB's default `memory_limit` for one of `engines` instances open at once: 80 % of the machine's memory (DuckDB's
 * own default; the container's limit when smaller) shared out among them, at least 1 MiB. Rule (class 14, review stop
 * 26): every pooled DuckDB connection is its own instance with its own limit, so a pool of n instances at 80 % each
 * could commit n × 80 % of the machine and be killed for memory after its charges, when the data is large; shared
 * out, the pool together stays within DuckDB's one-instance default and spills (`temp_directory`) instead.
 * @param engines - instances open at once, an integer ≥ 1.
 * @returns the limit in bytes.
 */
export function defaultDuckdbMemoryLimit(engines: number): number {
  const machine = Math.min(totalmem(), process.constrainedMemory?.() || Number.POSITIVE_INFINITY);
  return Math.max(MIN_LIMIT_BYTES, Math.floor((0.8 * machine) / Math.max(1, Math.floor(engines))));
}

/**
 * DuckDB's limits from its options (rule 3 above), validated at the edge.
 * @param options - `memoryLimitBytes`, `tempDirectory`, `maxTempBytes` as given to `DuckDbEngine.open`.
 * @param timeoutMs - the statement deadline (named beside them).
 * @returns the configuration and names.
 * @throws DpError INVALID_PARAMETER for a limit that is not a safe integer ≥ 1 MiB or a directory that is not a string.
 */
export function duckdbLimits(
  options: { readonly memoryLimitBytes?: unknown; readonly tempDirectory?: unknown; readonly maxTempBytes?: unknown },
  timeoutMs: number,
): DuckDbLimits {
  const memory = readByteLimit(options.memoryLimitBytes, 'memoryLimitBytes') ?? defaultDuckdbMemoryLimit(1);
  const maxTemp = readByteLimit(options.maxTempBytes, 'maxTempBytes');
  const dir = options.tempDirectory;
  if (dir !== undefined && dir !== null && (typeof dir !== 'string' || dir === '' || dir.includes('\0'))) {
    throw new DpError('INVALID_PARAMETER', 'tempDirectory must be a directory path, or null for no spilling', {
      parameter: 'tempDirectory',
    });
  }
  const own = dir === undefined ? privateSpillDirectory() : null;
  const temp = dir === undefined ? (own as string) : dir === null ? '' : resolve(dir);
  return {
    config: {
      memory_limit: `${memory}B`,
      temp_directory: temp,
      ...(maxTemp === undefined ? {} : { max_temp_directory_size: `${maxTemp}B` }),
    },
    limits: {
      'statement deadline': `${timeoutMs} ms`,
      memory_limit: `${memory} bytes`,
      'spill to disk': temp === '' ? 'never' : maxTemp === undefined ? "up to DuckDB's default size" : `up to ${maxTemp} bytes`,
    },
    ownTempDirectory: own,
  };
}

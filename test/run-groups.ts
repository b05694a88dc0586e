/**
 * Which test files may run beside another file, and which must run alone.
 *
 * CI's machine has two cores. Most files use one core (DuckDB in process, the
 * wasm kernels, the accountants, CLI children), so files run in three groups,
 * one after the other: `parallel` on two workers, `servers` on two workers,
 * then `serial` on one.
 *
 * **Rule: a file's group is decided by what it, or a test helper it imports
 * (relative imports under test/, followed transitively), touches:**
 * - `serial` (alone) when it touches something shared between files that no
 *   worker owns, or measures the clock:
 *   - ClickHouse (one cluster: `TSDP_TEST_CLICKHOUSE_URL`, scripts/clickhouse.sh);
 *   - PostgreSQL state outside one database — roles and users, grants (which
 *     name roles), server settings (`ALTER SYSTEM`), other sessions
 *     (`pg_stat_activity`, `pg_terminate_backend`): `CLUSTER_WIDE` below;
 *   - the package build: `npm pack` and `npm install` of the checkout run
 *     `prepare`, which rewrites `dist/` while other files read it (reading
 *     `dist/` alone is shared safely: nothing in the other groups writes it);
 *   - Chromium (playwright-core), whose page loads and screenshots are slow
 *     under a second busy process;
 *   - wall-clock measurements (`performance.now`, `hrtime`).
 * - `servers` (two workers) when it touches PostgreSQL (`TSDP_TEST_POSTGRES_URL`,
 *   test/sql/postgres-url.ts, scripts/postgres.sh, a `pg` client) and nothing
 *   above: each worker of this group has its own database on the test cluster
 *   (test/worker-database.ts points `TSDP_TEST_POSTGRES_URL` at `tsdp_w<pool id>`
 *   before the file loads), so fixed table names never meet; a database a file
 *   creates itself (`postgresTestUrlFor`) has a name no other file uses
 *   (test/run-groups.test.ts checks the `DB` constants).
 * - `parallel` otherwise: it writes only under its own `mkdtemp` folder and reads
 *   the repository's sources and fixtures, so two such files never see each other.
 *   Naming a dialect ("postgres", "clickhouse") without a server is not touching one.
 *
 * The rule is decided from the sources each time the config loads, so a new
 * file lands in the right group without a list to keep; test/run-groups.test.ts
 * checks it on known members of each kind.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** Touches something shared that no worker owns, or the clock: the file runs alone (see the rule above). */
const ALONE =
  /TSDP_TEST_CLICKHOUSE_URL|TSDP_CH_|clickhouse\.sh|\bnpm (?:pack|install|ci)\b|'pack'|'install'|chromium|playwright|_chromium|performance\.now|hrtime/i;

/** PostgreSQL state outside the worker's own database (SQL keywords as the tests write them: upper case). */
export const CLUSTER_WIDE =
  /\b(?:CREATE|DROP|ALTER)\s+(?:ROLE|USER)\b|\bGRANT\b|\bREVOKE\b|\bSET\s+ROLE\b|SESSION AUTHORIZATION|ALTER SYSTEM|pg_stat_activity|pg_terminate_backend|pg_cancel_backend|pg_reload_conf/;

/** Touches PostgreSQL. */
const POSTGRES = /TSDP_TEST_POSTGRES_URL|TSDP_PG_|postgres\.sh|from 'pg'/;

/** The three run groups, in the order they run. */
export type RunGroup = 'parallel' | 'servers' | 'serial';

const TEST_FILE = /\.test\.ts$/;

function walk(dir: string, out: string[]): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'fixtures' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, out);
    else if (TEST_FILE.test(entry.name)) out.push(path);
  }
  return out;
}

/** The helper files under test/ that `file` imports by a relative path. */
function localImports(file: string, testRoot: string): string[] {
  const found: string[] = [];
  for (const m of readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
    const target = resolve(dirname(file), m[1] as string).replace(/\.js$/, '.ts');
    if (!target.startsWith(testRoot)) continue;
    for (const candidate of [target, `${target}.ts`]) {
      if (existsSync(candidate) && candidate.endsWith('.ts')) {
        found.push(candidate);
        break;
      }
    }
  }
  return found;
}

/** The group of `file`, from it and every test helper it reaches (see the rule above). */
export function runGroup(file: string, testRoot: string): RunGroup {
  const seen = new Set<string>();
  const queue = [file];
  let postgres = false;
  while (queue.length > 0) {
    const next = queue.pop() as string;
    if (seen.has(next)) continue;
    seen.add(next);
    const source = readFileSync(next, 'utf8');
    if (ALONE.test(source) || CLUSTER_WIDE.test(source)) return 'serial';
    if (POSTGRES.test(source)) postgres = true;
    queue.push(...localImports(next, testRoot));
  }
  return postgres ? 'servers' : 'parallel';
}

/** Whether `file` runs alone (the `serial` group). */
export function runsAlone(file: string, testRoot: string): boolean {
  return runGroup(file, testRoot) === 'serial';
}

/** The test files under `root`'s src/ and test/ in `group`, relative to `root`. */
export function groupFiles(root: string, group: RunGroup): string[] {
  const testRoot = join(root, 'test');
  const files = [...walk(join(root, 'src'), []), ...walk(testRoot, [])];
  return files.filter((f) => runGroup(f, testRoot) === group).map((f) => relative(root, f));
}

/** The test files under `root`'s src/ and test/ that must run alone, relative to `root`. */
export function serialFiles(root: string): string[] {
  return groupFiles(root, 'serial');
}

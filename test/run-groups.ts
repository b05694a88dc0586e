/**
 * Which test files may run beside another file, and which must run alone.
 *
 * CI's machine has two cores and vitest ran every file in one worker; most
 * files use one core (DuckDB in process, the wasm kernels, the accountants,
 * CLI children), so the other core sat idle. The files are split in two
 * groups, run one after the other: `parallel` on two workers, then `serial`
 * on one.
 *
 * **Rule: a file runs alone when it, or a test helper it imports (relative
 * imports under test/, followed transitively), touches something shared
 * between files or measures the clock:**
 * - a shared server: PostgreSQL (one cluster and one database for the whole
 *   run, fixed table names) or ClickHouse (one cluster, fixed tables);
 * - the package build: `npm pack` and `npm install` of the checkout run
 *   `prepare`, which rewrites `dist/` while other files read it (reading
 *   `dist/` alone is shared safely: nothing in the parallel group writes it);
 * - Chromium (playwright-core), whose page loads and screenshots are slow
 *   under a second busy process;
 * - wall-clock measurements (`performance.now`, `hrtime`).
 *
 * Everything else writes only under its own `mkdtemp` folder and reads the
 * repository's sources and fixtures, so two such files never see each other.
 * The rule is decided from the sources each time the config loads, so a new
 * file lands in the right group without a list to keep; test/run-groups.test.ts
 * checks it on known members of each kind.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** What puts a file in the serial group (see the rule above). */
const SHARED_OR_TIMED =
  /postgres|TSDP_TEST_POSTGRES_URL|from 'pg'|clickhouse|\bnpm (?:pack|install|ci)\b|'pack'|'install'|chromium|playwright|_chromium|performance\.now|hrtime/i;

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

/** Whether `file` or any test helper it reaches touches something shared or the clock. */
export function runsAlone(file: string, testRoot: string): boolean {
  const seen = new Set<string>();
  const queue = [file];
  while (queue.length > 0) {
    const next = queue.pop() as string;
    if (seen.has(next)) continue;
    seen.add(next);
    if (SHARED_OR_TIMED.test(readFileSync(next, 'utf8'))) return true;
    queue.push(...localImports(next, testRoot));
  }
  return false;
}

/** The test files under `root`'s src/ and test/ that must run alone, relative to `root`. */
export function serialFiles(root: string): string[] {
  const testRoot = join(root, 'test');
  const files = [...walk(join(root, 'src'), []), ...walk(testRoot, [])];
  return files.filter((f) => runsAlone(f, testRoot)).map((f) => relative(root, f));
}

/** Runs the CLI of this checkout as a user would (a child process), with its own TSDP_HOME. */
import { execFile } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The repository root (the CLI runs there, so examples/ paths work). */
export const ROOT = resolve(import.meta.dirname, '../..');

/**
 * The program a child runs. Rule: never code older than the source. The checkout's build (`dist/cli/main.js`,
 * which runs the one-file bundle `dist/vendor/cli/tsdp.js`: what `npm run tsdp` runs) when that bundle was
 * written after every file under src/ last changed — as in CI, which builds before it tests — else
 * `src/cli/main.ts` through tsx. The build loads in ≈ 0.15 s of CPU a child, tsx in ≈ 0.7 s (load 18, this
 * checkout); the CLI tests spawn about a hundred children.
 */
function program(): readonly string[] {
  const bundle = statSync(join(ROOT, 'dist/vendor/cli/tsdp.js'), { throwIfNoEntry: false });
  const main = statSync(join(ROOT, 'dist/cli/main.js'), { throwIfNoEntry: false });
  if (bundle !== undefined && main !== undefined) {
    const src = join(ROOT, 'src');
    const newest = Math.max(...readdirSync(src, { recursive: true, encoding: 'utf8' }).map((f) => statSync(join(src, f)).mtimeMs));
    if (bundle.mtimeMs > newest && main.mtimeMs > newest) return ['dist/cli/main.js'];
  }
  return ['--import', 'tsx', 'src/cli/main.ts'];
}

let chosen: readonly string[] | undefined;

/** `program()`, read once a test file. */
function childProgram(): readonly string[] {
  chosen ??= program();
  return chosen;
}

/** What one run printed and its exit code. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `tsdp ...args` with TSDP_HOME=`home` (and optional stdin). */
export function tsdp(
  args: readonly string[],
  home: string,
  options: { stdin?: string; env?: Record<string, string> } = {},
): Promise<CliRun> {
  return new Promise((done) => {
    const child = execFile(
      process.execPath,
      [...childProgram(), ...args],
      { cwd: ROOT, env: { ...process.env, TSDP_HOME: home, ...options.env }, timeout: 120_000 },
      (err, stdout, stderr) => done({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    if (options.stdin !== undefined) child.stdin?.end(options.stdin);
    else child.stdin?.end();
  });
}

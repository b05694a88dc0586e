/** Runs the CLI of this checkout as a user would (a child process), with its own TSDP_HOME. */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The repository root (the CLI runs there, so examples/ paths work). */
export const ROOT = resolve(import.meta.dirname, '../..');

/**
 * The program a child runs. Rule: never code older than the source. The checkout's build (`dist/cli/main.js`,
 * which runs the one-file bundle `dist/vendor/cli/tsdp.js`: what `npm run tsdp` runs) when the digest of the build's
 * inputs it recorded (dist/vendor/source-digest.txt, written last by scripts/build.mjs) equals the checkout's now —
 * as in CI, which builds before it tests — else `src/cli/main.ts` through tsx. A content digest, not mtimes: a file
 * changed in place with an older mtime (`cp -p`, `tar x`, a clock ahead at build) left a build "newer" than src/
 * (review stop 23 second, test/review/run-cli-stale-build.test.ts). The build loads in ≈ 0.15 s of CPU a child, tsx
 * in ≈ 0.7 s (load 18); the CLI tests spawn about a hundred children; the digest costs ≈ 0.1 s once a test file.
 */
function program(): readonly string[] {
  const tsx = ['--import', 'tsx', 'src/cli/main.ts'];
  const built = join(ROOT, 'dist/vendor/source-digest.txt');
  if (!existsSync(join(ROOT, 'dist/cli/main.js')) || !existsSync(join(ROOT, 'dist/vendor/cli/tsdp.js')) || !existsSync(built)) return tsx;
  const now = spawnSync(process.execPath, [join(ROOT, 'scripts/source-digest.mjs')], { encoding: 'utf8' });
  if (now.status !== 0 || now.stdout.trim() !== readFileSync(built, 'utf8').trim()) return tsx;
  return ['dist/cli/main.js'];
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

/** Runs the CLI from source as a user would (a child process), with its own TSDP_HOME. */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';

/** The repository root (the CLI runs there, so examples/ paths work). */
export const ROOT = resolve(import.meta.dirname, '../..');

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
      ['--import', 'tsx', 'src/cli/main.ts', ...args],
      { cwd: ROOT, env: { ...process.env, TSDP_HOME: home, ...options.env }, timeout: 120_000 },
      (err, stdout, stderr) => done({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    if (options.stdin !== undefined) child.stdin?.end(options.stdin);
    else child.stdin?.end();
  });
}

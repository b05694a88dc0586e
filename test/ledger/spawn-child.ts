/** Runs test/ledger/child.ts in a child process (optionally under a file-size limit); resolves on exit, whatever the exit. */
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
const CHILD = join(import.meta.dirname, 'child.ts');

export interface ChildResult {
  readonly code: number | null;
  readonly signal: string | null;
  readonly out: string;
  readonly err: string;
}

/** Spawns the child; `fileSizeLimitKb` runs it under `ulimit -f` (bash counts 1 KiB blocks). */
export function runChild(args: string[], options: { fileSizeLimitKb?: number } = {}): Promise<ChildResult> {
  return new Promise((done, fail) => {
    const node = [process.execPath, '--import', 'tsx', CHILD, ...args];
    const quoted = node.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
    const child =
      options.fileSizeLimitKb === undefined
        ? spawn(node[0] as string, node.slice(1), { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
        : spawn('bash', ['-c', `ulimit -f ${options.fileSizeLimitKb} && exec ${quoted}`], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('error', fail);
    child.on('close', (code, signal) => done({ code, signal, out, err }));
  });
}

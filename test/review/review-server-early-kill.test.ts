/**
 * Review stop 26 (review-server) of 9f71ca4 / 562ba48: SIGKILL while the two-step charge is in flight. The server's
 * path (GroupCommitLedger.chargeEarly over the ThreadedFileLedger, whose worker posts `decided` before the fsync and
 * `durable` after it) runs in a child until killed at a seeded number of released answers. Rule checked: every memo
 * the child released (`OK`, printed only once `durable` resolved) is in the journal a fresh reader sees; the journal
 * reads whole. Deterministic in what it asserts (the kill instant only moves which memos are in flight): failure
 * probability 0 when the rule holds.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FileLedger } from '../../src/ledger/file-ledger.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function child(home: string, killAfter: number): Promise<{ out: string; signal: string | null }> {
  return new Promise((done, fail) => {
    const c = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/review/_review-server-early-child.ts'), 'early-loop', home], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let killed = false;
    c.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!killed && out.split('\n').filter((l) => l.startsWith('OK ')).length >= killAfter) {
        killed = true;
        c.kill('SIGKILL');
      }
    });
    c.on('error', fail);
    c.on('close', (_code, signal) => done({ out, signal }));
  });
}

const lines = (out: string, tag: string) =>
  out
    .split('\n')
    .filter((l) => l.startsWith(`${tag} `))
    .map((l) => l.slice(tag.length + 1));

describe('review-server: SIGKILL during the two-step charge', () => {
  // Seeded kill points (numbers of released answers), spread over early and later batches.
  it.each([[7], [61], [233]])(
    'killed after %i released answers: every released memo is in the journal',
    async (killAfter) => {
      const home = mkdtempSync(join(tmpdir(), 'tsdp-review-server-kill-'));
      const { out, signal } = await child(home, killAfter);
      expect(signal).toBe('SIGKILL');
      const released = lines(out, 'OK');
      expect(released.length).toBeGreaterThanOrEqual(killAfter);
      // Every released memo was first announced (decided and written) — the order the server relies on.
      const started = new Set(lines(out, 'RUN'));
      for (const m of released) expect(started.has(m)).toBe(true);
      const recorded = new Set((await new FileLedger({ home }).entries('early')).map((e) => e.memo));
      const missing = released.filter((m) => !recorded.has(m));
      expect(missing).toEqual([]);
    },
    120_000,
  );
});

/**
 * review2, stop 24 (server, issue 15: "holding the ledger lock across batches"). Whatever a server keeps between
 * batches — a held lock, totals in memory — two processes must never write one data set's journal at once, and no
 * writer may decide a charge against totals another writer has moved. Here two `tsdp serve` processes on ONE state
 * folder and a third process charging through a plain `FileLedger` (as `tsdp sql` does) all charge alice on
 * `donors` (analyst budget ε = 1, every charge ε = 1/50) concurrently, 3 × 40 charges asked against room for 50.
 * Then:
 *   - the journal reads (no interleaved or torn record) and alice's recorded ε ≤ 1 (no overshoot);
 *   - every acknowledged charge (a 200 answer, an "ok" of the third writer) is in the journal, and the journal holds
 *     nothing that was not acknowledged (nothing was killed);
 *   - ≤ 50 acknowledged in all, and every refusal of a server is BUDGET_EXHAUSTED or a lock timeout (never a
 *     release past the budget).
 * A writer that trusted its own totals while another appended would accept past ε = 1; two writers appending at
 * once would interleave records.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { addLoss, ZERO_LOSS } from '../../src/core/exact-loss.js';
import { FileLedger } from '../../src/ledger/file-ledger.js';
import { Rational } from '../../src/numeric/rational.js';
import { ApiKeyStore, readServerSecret } from '../../src/server/api-keys.js';
import { call, ROOT, rawConfig, stateDir } from '../server/_server.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

function serve(config: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--config', config, '--port', '0', '--json'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  return new Promise((done, fail) => {
    let out = '';
    let err = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) done({ child, url: (JSON.parse(line) as { url: string }).url });
    });
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('exit', (code) => fail(new Error(`tsdp serve exited (${code}) before listening: ${err}`)));
  });
}

function writer(home: string, count: number): { first: Promise<void>; done: Promise<{ ok: string[]; refused: string[] }> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/review/ledger-two-servers-one-home-child.ts', home, String(count)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let started: () => void = () => {};
  const first = new Promise<void>((r) => {
    started = r;
  });
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
    if (out.includes('\n')) started();
  });
  const done = new Promise<{ ok: string[]; refused: string[] }>((done, fail) => {
    child.on('exit', (code) => {
      const lines = out.split('\n').filter((l) => l !== '');
      if (code !== 0 || lines.at(-1) !== 'done') fail(new Error(`writer exited ${code}: ${out}`));
      done({
        ok: lines.filter((l) => l.startsWith('ok ')).map((l) => l.slice(3)),
        refused: lines.filter((l) => l.startsWith('refused ')),
      });
    });
  });
  return { first, done };
}

describe('two servers and a CLI writer on one state folder', () => {
  it('never write at once, never overshoot, and lose no acknowledged charge', async () => {
    const state = stateDir();
    const config = join(state, 'server.yaml');
    writeFileSync(config, JSON.stringify(rawConfig(state)));
    const key = new ApiKeyStore(join(state, 'keys.json'), readServerSecret(state)).create('alice').token;
    const [a, b] = await Promise.all([serve(config), serve(config)]);
    // Both servers warm (a first charge each: their ledger workers run and, if they keep one, hold what they keep).
    const answered: string[] = [];
    const codes: string[] = [];
    const ask = async (url: string, sql: string) => {
      const r = await call(url, 'POST', '/v1/queries', { key, body: { dataset: 'donors', sql, epsilon: '1/50' } });
      if (r.status === 200) answered.push(sql);
      else codes.push(r.body.error?.code ?? String(r.status));
    };
    await ask(a.url, 'SELECT COUNT(*) AS warm_a FROM donors');
    await ask(b.url, 'SELECT COUNT(*) AS warm_b FROM donors');
    const server = async (url: string, tag: string) => {
      const inFlight = Array.from({ length: 4 }, async (_, w) => {
        for (let i = 0; i < 10; i++) await ask(url, `SELECT COUNT(*) AS ${tag}_${w}_${i} FROM donors`);
      });
      await Promise.all(inFlight);
    };
    const third = writer(state, 40);
    await third.first; // the third writer is charging when the servers start
    const [, , cli] = await Promise.all([server(a.url, 'a'), server(b.url, 'b'), third.done]);

    const entries = await new FileLedger({ home: state }).entries('donors');
    const alice = entries.filter((e) => e.analyst === 'alice');
    const spent = alice.reduce((t, e) => addLoss(t, e), ZERO_LOSS);
    const acknowledged = [...answered, ...cli.ok];
    const memos = alice.map((e) => e.memo);
    // biome-ignore lint/suspicious/noConsole: the run's distribution is the review's evidence
    console.log(
      `servers answered ${answered.length} (a ${answered.filter((s) => / (a|warm_a)_?/.test(s)).length}), cli ok ${cli.ok.length} ${JSON.stringify([...new Set(cli.refused)])}; ` +
        `journal ${alice.length} records, ε ${spent.epsilon}; server refusals ${JSON.stringify(codes.reduce<Record<string, number>>((m, c) => ({ ...m, [c]: (m[c] ?? 0) + 1 }), {}))}`,
    );
    expect(spent.epsilon.le(Rational.ONE)).toBe(true);
    expect(acknowledged.length).toBeLessThanOrEqual(50);
    for (const m of acknowledged) expect(memos, m).toContain(m);
    expect(new Set(memos).size).toBe(memos.length);
    expect(memos.length).toBe(acknowledged.length);
    for (const c of codes) expect(['BUDGET_EXHAUSTED', 'INTERNAL']).toContain(c);
    for (const r of cli.refused) expect(r).toMatch(/^refused (BUDGET_EXHAUSTED|INTERNAL)$/);
    // Non-vacuous: the demand (122 charges) reached the budget, and the writers interleaved.
    expect(spent.epsilon.equals(Rational.ONE)).toBe(true);
    expect(cli.ok.length).toBeGreaterThan(0);
    expect(answered.length).toBeGreaterThan(2);
  }, 180_000);
});

/**
 * Fault (issue 15): the server process (`tsdp serve`, a child process) is
 * killed with SIGKILL while queries are in flight, then restarted on the same
 * state. The ledger is consistent (readable, verified), every answer a client
 * received is in it (the charge is durable before the answer leaves), nothing
 * is refunded (the restarted server reports exactly the recorded spend and
 * keeps charging on top of it), and SIGTERM then shuts down gracefully (exit 0,
 * LDP state saved).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { addLoss, ZERO_LOSS } from '../../src/core/exact-loss.js';
import { FileLedger } from '../../src/ledger/file-ledger.js';
import { ApiKeyStore, readServerSecret } from '../../src/server/api-keys.js';
import { call, ROOT, rawConfig, stateDir } from './_server.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/** Starts `tsdp serve --config file --port 0 --json`; resolves with its URL once it listens. */
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

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) done(child.exitCode);
    else child.on('exit', (code) => done(code));
  });
}

describe('SIGKILL under load, then restart', () => {
  it('keeps every released answer in the ledger, refunds nothing, and shuts down gracefully on SIGTERM', async () => {
    const state = stateDir();
    const config = join(state, 'server.yaml');
    writeFileSync(config, JSON.stringify(rawConfig(state)));
    const key = new ApiKeyStore(join(state, 'keys.json'), readServerSecret(state)).create('alice').token;
    const eps = '1/1000';

    const first = await serve(config);
    const sent = new Set<string>();
    const answered: string[] = [];
    let n = 0;
    let kill: () => void = () => {};
    const killed = new Promise<void>((done) => {
      kill = done;
    });
    const worker = async () => {
      for (;;) {
        const sql = `SELECT COUNT(*) AS n_${n++} FROM donors`;
        sent.add(sql);
        const r = await call(first.url, 'POST', '/v1/queries', { key, body: { dataset: 'donors', sql, epsilon: eps } }).catch(() => null);
        if (r === null) return; // the server died under this request
        expect(r.status).toBe(200);
        answered.push(sql);
        if (answered.length >= 24) kill();
      }
    };
    const workers = Array.from({ length: 6 }, worker);
    await killed;
    first.child.kill('SIGKILL');
    await Promise.all(workers);
    await exited(first.child);

    // The ledger after the crash: readable, every answer a client got is in it, nothing that was never sent.
    const entries = await new FileLedger({ home: state }).entries('donors');
    const memos = new Set(entries.map((e) => e.memo));
    for (const sql of answered) expect(memos.has(sql), sql).toBe(true);
    for (const m of memos) expect(sent.has(m)).toBe(true);
    expect(entries.length).toBeGreaterThanOrEqual(answered.length);
    const total = entries.reduce((t, e) => addLoss(t, e), ZERO_LOSS);

    // Restarted: it reports exactly the recorded spend (nothing refunded) and charges on top of it.
    const second = await serve(config);
    const budget = await call(second.url, 'GET', '/v1/budget?dataset=donors', { key });
    expect(budget.body).toMatchObject({ budgets: [{ analyst: { spent: { epsilon: total.epsilon.toString() } } }] });
    const more = await call(second.url, 'POST', '/v1/queries', {
      key,
      body: { dataset: 'donors', sql: 'SELECT COUNT(*) AS m FROM donors', epsilon: eps },
    });
    expect(more.status).toBe(200);
    expect((await new FileLedger({ home: state }).entries('donors')).length).toBe(entries.length + 1);
    const { createGrrClient } = await import('../../src/local/client.js');
    const report = createGrrClient({ epsilon: 1, domainSize: 5 }).encode(1);
    expect((await call(second.url, 'POST', '/v1/ldp/browser', { body: report })).body).toMatchObject({ accepted: 1 });

    second.child.kill('SIGTERM');
    expect(await exited(second.child)).toBe(0);
    expect(existsSync(join(state, 'ldp', 'browser.json'))).toBe(true);
  }, 120_000);
});

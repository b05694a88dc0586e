import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DpError } from '../../src/core/errors.js';
import { FileLedger } from '../../src/ledger/file-ledger.js';
import { PostgresLedger } from '../../src/ledger/postgres-ledger.js';
import { Rational } from '../../src/numeric/rational.js';
import { postgresTestUrl } from '../sql/postgres-url.js';

const ROOT = resolve(import.meta.dirname, '../..');
const CHILD = join(import.meta.dirname, 'child.ts');
const one = { epsilon: Rational.ONE, delta: Rational.ZERO };
const home = () => mkdtempSync(join(tmpdir(), 'tsdp-ledger-'));
const amount = (e: string) => ({ epsilon: Rational.parse(e), delta: Rational.ZERO });

function run(
  args: string[],
  onLine?: (line: string, kill: () => void) => void,
): Promise<{ code: number | null; signal: string | null; out: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      for (const line of d.toString().split('\n')) if (line) onLine?.(line, () => child.kill('SIGKILL'));
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('error', fail);
    child.on('close', (code, signal) => (code && code !== 0 ? fail(new Error(`child failed: ${err}`)) : done({ code, signal, out })));
  });
}

describe('FileLedger', () => {
  it('fits eleven spends of 1/11 in a budget of 1 and refuses a twelfth, recording nothing for it', async () => {
    const ledger = new FileLedger({ home: home() });
    const scope = { dataset: 'd', cap: one };
    for (let i = 0; i < 11; i++) await ledger.charge(scope, amount('1/11'), 'q');
    await expect(ledger.charge(scope, amount('1/1000000'), 'q')).rejects.toMatchObject({ code: 'BUDGET_EXHAUSTED' });
    expect((await ledger.entries('d')).length).toBe(11);
    const s = await ledger.status(scope);
    expect(s.dataset.remaining.epsilon.isZero()).toBe(true);
  });

  it('charges an analyst under both its own budget and the per-dataset cap', async () => {
    const ledger = new FileLedger({ home: home() });
    const cap = { epsilon: Rational.of(3n), delta: Rational.ZERO };
    const alice = { dataset: 'd', cap, analyst: 'alice', analystBudget: { epsilon: Rational.of(2n), delta: Rational.ZERO } };
    const bob = { ...alice, analyst: 'bob' };
    await ledger.charge(alice, amount('2'), 'q');
    await expect(ledger.charge(alice, amount('1/2'), 'q')).rejects.toMatchObject({
      code: 'BUDGET_EXHAUSTED',
      details: { scope: 'analyst:alice' },
    });
    await ledger.charge(bob, amount('1'), 'q');
    await expect(ledger.charge(bob, amount('1/2'), 'q')).rejects.toMatchObject({
      code: 'BUDGET_EXHAUSTED',
      details: { scope: 'dataset:d' },
    });
  });

  it('breaks a lock left by a dead process and ignores an incomplete last write', async () => {
    const h = home();
    const ledger = new FileLedger({ home: h, lockTimeoutMs: 5_000 });
    await ledger.charge({ dataset: 'd', cap: one }, amount('1/4'), 'q');
    const dir = join(h, 'ledger');
    mkdirSync(join(dir, 'd.lock'));
    writeFileSync(join(dir, 'd.lock', 'owner'), `999999999\n${(await import('node:os')).hostname()}\n`);
    appendFileSync(join(dir, 'd.jsonl'), '{"v":1,"analyst":"default","epsi');
    await ledger.charge({ dataset: 'd', cap: one }, amount('1/4'), 'q');
    const entries = await ledger.entries('d');
    expect(entries.map((e) => e.epsilon.toString())).toEqual(['1/4', '1/4']);
    expect(readFileSync(join(dir, 'd.jsonl'), 'utf8').endsWith('\n')).toBe(true);
  });

  it('fails closed on a corrupt record in the middle of the journal', async () => {
    const h = home();
    const ledger = new FileLedger({ home: h });
    await ledger.charge({ dataset: 'd', cap: one }, amount('1/4'), 'q');
    appendFileSync(join(h, 'ledger', 'd.jsonl'), 'garbage\n');
    await expect(ledger.charge({ dataset: 'd', cap: one }, amount('1/4'), 'q')).rejects.toBeInstanceOf(DpError);
  });

  it('lets three concurrent processes spend exactly the budget, never more', async () => {
    const h = home();
    const results = await Promise.all([0, 1, 2].map(() => run(['hammer', 'file', h, 'shared', '1/15'])));
    const total = results.reduce((s, r) => s + Number(r.out.trim()), 0);
    expect(total).toBe(15);
    expect((await new FileLedger({ home: h }).entries('shared')).length).toBe(15);
  });

  it('never loses a spend recorded before a process is killed with SIGKILL mid-query', async () => {
    const h = home();
    const r = await run(['query-then-hang', h], (line, kill) => {
      if (line === 'QUERYING') kill();
    });
    expect(r.signal).toBe('SIGKILL');
    const ledger = new FileLedger({ home: h });
    const entries = await ledger.entries('killed');
    expect(entries.map((e) => e.epsilon.toString())).toEqual(['1/3']);
    // The restarted process sees the spend and can still charge what is left.
    await ledger.charge({ dataset: 'killed', cap: { epsilon: Rational.of(5n), delta: Rational.ZERO } }, amount('14/3'), 'q');
    await expect(
      ledger.charge({ dataset: 'killed', cap: { epsilon: Rational.of(5n), delta: Rational.ZERO } }, amount('1/100'), 'q'),
    ).rejects.toMatchObject({
      code: 'BUDGET_EXHAUSTED',
    });
  });
});

describe('PostgresLedger', () => {
  it('fits eleven spends of 1/11 and lets concurrent processes spend exactly the budget', async () => {
    const url = postgresTestUrl();
    const dataset = `t${process.pid}x${Date.now()}`;
    const ledger = new PostgresLedger(url);
    try {
      for (let i = 0; i < 11; i++) await ledger.charge({ dataset: `${dataset}a`, cap: one }, amount('1/11'), 'q');
      await expect(ledger.charge({ dataset: `${dataset}a`, cap: one }, amount('1/1000'), 'q')).rejects.toMatchObject({
        code: 'BUDGET_EXHAUSTED',
      });
      const results = await Promise.all([0, 1, 2].map(() => run(['hammer', 'postgres', url, `${dataset}b`, '1/12'])));
      expect(results.reduce((s, r) => s + Number(r.out.trim()), 0)).toBe(12);
      expect((await ledger.entries(`${dataset}b`)).length).toBe(12);
    } finally {
      await ledger.close();
    }
  });
});

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
const amount = (e: string) => ({ epsilon: Rational.parse(e), delta: Rational.ZERO, rho: Rational.ZERO });

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

  it('breaks a legacy lock directory whose owner is dead', async () => {
    const h = home();
    const ledger = new FileLedger({ home: h, lockTimeoutMs: 10_000 });
    await ledger.charge({ dataset: 'd', cap: one }, amount('1/4'), 'q');
    const dir = join(h, 'ledger');
    mkdirSync(join(dir, 'd.lock'));
    writeFileSync(join(dir, 'd.lock', 'owner'), `999999999\n${(await import('node:os')).hostname()}\n`);
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

describe('ExactLoss spends in the ledgers (item 15)', () => {
  const rhoCost = (r: string) => ({ epsilon: Rational.ZERO, delta: Rational.ZERO, rho: Rational.parse(r) });
  const cap = { epsilon: Rational.parse('2.3'), delta: Rational.parse('5e-6') };
  // Each "ε = 1 at δ = 1e-6". The data set is pinned to zcdp accounting at its first (ρ) spend, with D_c = D/2 = 2.5e-6
  // reserved for converting Σρ: five of them cost ε_CKS(5ρ, 2.5e-6) ≈ 2.288 with one conversion (not 5); a later
  // pure ε = 0.2 is recorded as ρ = 0.02 and is refused.
  const RHO = '0.02435597035953836';

  it('the file ledger stores ρ, converts the total once, reads old lines without rho as 0 and refuses junk ρ', async () => {
    const h = home();
    const ledger = new FileLedger({ home: h });
    for (let i = 0; i < 5; i++) await ledger.charge({ dataset: 'z', cap }, rhoCost(RHO), 'q');
    await expect(ledger.charge({ dataset: 'z', cap }, amount('0.2'), 'q')).rejects.toMatchObject({ code: 'BUDGET_EXHAUSTED' });
    const s = await ledger.status({ dataset: 'z', cap });
    expect(s.dataset.spent.rho.toString()).toBe(Rational.parse(RHO).mul(Rational.of(5n)).toString());
    expect(s.dataset.guarantee.epsilon.toNumber()).toBeCloseTo(2.2884, 3);
    const journal = join(h, 'ledger', 'old.jsonl');
    mkdirSync(join(h, 'ledger'), { recursive: true });
    writeFileSync(journal, '{"v":1,"analyst":"default","epsilon":"1/2","delta":"0","memo":"q","at":"x"}\n');
    expect((await ledger.entries('old')).map((e) => e.rho.toString())).toEqual(['0']);
    for (const junk of ['"x"', '"-1"', '1', 'null', '"NaN"']) {
      writeFileSync(
        join(h, 'ledger', 'junk.jsonl'),
        `{"v":1,"analyst":"default","epsilon":"0","delta":"0","rho":${junk},"memo":"q","at":"x"}\n`,
      );
      await expect(ledger.charge({ dataset: 'junk', cap }, amount('0'), 'q'), junk).rejects.toMatchObject({ code: 'INTERNAL' });
    }
  });

  it('the PostgreSQL ledger stores ρ and converts the total once', async () => {
    const ledger = new PostgresLedger(postgresTestUrl());
    const dataset = `z${process.pid}x${Date.now()}`;
    try {
      for (let i = 0; i < 5; i++) await ledger.charge({ dataset, cap }, rhoCost(RHO), 'q');
      await expect(ledger.charge({ dataset, cap }, amount('0.2'), 'q')).rejects.toMatchObject({ code: 'BUDGET_EXHAUSTED' });
      const s = await ledger.status({ dataset, cap });
      expect(s.dataset.guarantee.epsilon.toNumber()).toBeCloseTo(2.2884, 3);
      expect((await ledger.entries(dataset)).length).toBe(5);
    } finally {
      await ledger.close();
    }
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

/**
 * Group commit of ledger charges (src/server/group-commit.ts): concurrent charges of one data set are recorded with
 * one durable write, decided exactly as one by one, never released before the write is durable, and never lost on
 * SIGKILL.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DpError } from '../../src/core/errors.js';
import { FileLedger } from '../../src/ledger/file-ledger.js';
import type { LedgerScope } from '../../src/ledger/ledger.js';
import { Rational } from '../../src/numeric/rational.js';
import { GroupCommitLedger } from '../../src/server/group-commit.js';
import { ROOT } from './_server.js';

const home = () => mkdtempSync(join(tmpdir(), 'tsdp-group-commit-'));
const loss = (n: bigint, d: bigint) => ({ epsilon: Rational.of(n, d), delta: Rational.ZERO, rho: Rational.ZERO });

describe('GroupCommitLedger', () => {
  it('records charges issued together with one durable write, each answered after it', async () => {
    const inner = new FileLedger({ home: home() });
    const ledger = new GroupCommitLedger(inner);
    const scope: LedgerScope = { dataset: 'd', cap: { epsilon: Rational.ONE, delta: Rational.ZERO } };
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => ledger.charge(scope, loss(1n, 20n), `q${i}`)));
    expect(ledger.batches).toBe(1);
    expect(ledger.batched).toBe(20);
    expect(results.map((r) => r.dataset.remaining.epsilon.toString()).sort()).toContain('0');
    expect((await inner.entries('d')).map((e) => e.memo)).toEqual(Array.from({ length: 20 }, (_, i) => `q${i}`));
    // The cap is reached: the next is refused (a refusal records nothing).
    await expect(ledger.charge(scope, loss(1n, 1000n), 'over')).rejects.toMatchObject({ code: 'BUDGET_EXHAUSTED' });
    expect(await inner.entries('d')).toHaveLength(20);
  });

  it('a batch accepts exactly what the same charges one by one would, and records nothing for a refusal (fast-check)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 12 }), // cap, in 1/12ths
        fc.integer({ min: 1, max: 12 }), // each analyst's budget, in 1/12ths
        fc.array(fc.record({ analyst: fc.constantFrom('a', 'b', 'c'), n: fc.integer({ min: 1, max: 5 }) }), {
          minLength: 1,
          maxLength: 16,
        }),
        async (cap, each, charges) => {
          const twelfths = (k: number) => ({ epsilon: Rational.of(BigInt(k), 12n), delta: Rational.ZERO });
          const scopeOf = (analyst: string): LedgerScope => ({ dataset: 'g', cap: twelfths(cap), analyst, analystBudget: twelfths(each) });
          const batchedInner = new FileLedger({ home: home() });
          const batched = new GroupCommitLedger(batchedInner);
          const single = new FileLedger({ home: home() });
          const together = await Promise.allSettled(
            charges.map((c, i) => batched.charge(scopeOf(c.analyst), loss(BigInt(c.n), 12n), `q${i}`)),
          );
          const oneByOne: boolean[] = [];
          for (const [i, c] of charges.entries()) {
            oneByOne.push(
              await single.charge(scopeOf(c.analyst), loss(BigInt(c.n), 12n), `q${i}`).then(
                () => true,
                (e: unknown) => {
                  expect(e).toBeInstanceOf(DpError);
                  return false;
                },
              ),
            );
          }
          expect(together.map((r) => r.status === 'fulfilled')).toEqual(oneByOne);
          for (const r of together) if (r.status === 'rejected') expect((r.reason as DpError).code).toBe('BUDGET_EXHAUSTED');
          const memos = (await batchedInner.entries('g')).map((e) => e.memo);
          expect(memos).toEqual((await single.entries('g')).map((e) => e.memo));
          expect(batched.batches).toBe(1);
        },
      ),
      { numRuns: 20, seed: 15 },
    );
  });

  it('a malformed cost in a batch is refused alone; the others are recorded', async () => {
    const inner = new FileLedger({ home: home() });
    const ledger = new GroupCommitLedger(inner);
    const scope: LedgerScope = { dataset: 'm', cap: { epsilon: Rational.ONE, delta: Rational.ZERO } };
    const bad = { epsilon: -1, delta: Rational.ZERO, rho: Rational.ZERO } as never;
    const [a, b, c] = await Promise.allSettled([
      ledger.charge(scope, loss(1n, 4n), 'a'),
      ledger.charge(scope, bad, 'b'),
      ledger.charge(scope, loss(1n, 4n), 'c'),
    ]);
    expect([a?.status, c?.status]).toEqual(['fulfilled', 'fulfilled']);
    expect(b).toMatchObject({ status: 'rejected', reason: { code: 'INVALID_PARAMETER' } });
    expect(ledger.batches).toBe(1);
    expect((await inner.entries('m')).map((e) => e.memo)).toEqual(['a', 'c']);
  });

  it('falls back to one charge at a time for a ledger without chargeMany', async () => {
    const inner = new FileLedger({ home: home() });
    const plain = {
      charge: inner.charge.bind(inner),
      status: inner.status.bind(inner),
      entries: inner.entries.bind(inner),
      close: async () => {},
    };
    const ledger = new GroupCommitLedger(plain);
    const scope: LedgerScope = { dataset: 'p', cap: { epsilon: Rational.ONE, delta: Rational.ZERO } };
    await Promise.all([ledger.charge(scope, loss(1n, 2n), 'x'), ledger.charge(scope, loss(1n, 2n), 'y')]);
    expect(ledger.batches).toBe(0);
    expect(await inner.entries('p')).toHaveLength(2);
  });
});

/** Runs the batch child; `killAfter` SIGKILLs it once that many charges were answered. */
function child(args: string[], killAfter?: number): Promise<{ out: string; signal: string | null }> {
  return new Promise((done, fail) => {
    const c = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/server/_batch-child.ts'), ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    c.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (killAfter !== undefined && out.split('\n').filter((l) => l.startsWith('OK ')).length >= killAfter) c.kill('SIGKILL');
    });
    c.on('error', fail);
    c.on('close', (_code, signal) => done({ out, signal }));
  });
}

const answered = (out: string) =>
  out
    .split('\n')
    .filter((l) => l.startsWith('OK '))
    .map((l) => l.slice(3));

describe('group commit under SIGKILL', () => {
  it('loses no answered charge when killed under concurrent load, and the journal stays readable', async () => {
    const h = home();
    const { out, signal } = await child(['loop', h], 60);
    expect(signal).toBe('SIGKILL');
    const memos = new Set((await new FileLedger({ home: h }).entries('batched')).map((e) => e.memo));
    const got = answered(out);
    expect(got.length).toBeGreaterThanOrEqual(60);
    for (const m of got) expect(memos.has(m), m).toBe(true);
  }, 60_000);

  it.each([
    ['journal:read', 0], // killed under the lock before the batch's append: nothing recorded, nothing answered
    ['journal:synced', 8], // killed right after the batch's fsync, before any answer: all 8 recorded, none answered
    ['total:written', 8],
  ])(
    'killed at %s: the batch is recorded whole or not at all, and no answer precedes its fsync',
    async (step, recorded) => {
      const h = home();
      const { out, signal } = await child(['crash-at', h, step]);
      expect(signal).toBe('SIGKILL');
      expect(answered(out)).toEqual([]);
      expect(await new FileLedger({ home: h }).entries('batched')).toHaveLength(recorded);
    },
    60_000,
  );
});

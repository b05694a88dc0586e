/**
 * The threaded file ledger (src/server/threaded-ledger.ts): a batch charged in the worker thread is decided, recorded
 * and answered exactly as `FileLedger.chargeMany` in this thread, with exact Rationals and the same DpErrors across the
 * port (ledger-wire.ts); a dead worker is replaced. SIGKILL under load runs through it in crash.test.ts and
 * group-commit.test.ts's server.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { DpError } from '../../src/core/errors.js';
import { FileLedger } from '../../src/ledger/file-ledger.js';
import { decideCharge, type LedgerScope, type LedgerStatus } from '../../src/ledger/ledger.js';
import { Rational } from '../../src/numeric/rational.js';
import { fromWire, toWire } from '../../src/server/ledger-wire.js';
import { ThreadedFileLedger } from '../../src/server/threaded-ledger.js';

const home = () => mkdtempSync(join(tmpdir(), 'tsdp-threaded-ledger-'));
const loss = (n: bigint, d: bigint) => ({ epsilon: Rational.of(n, d), delta: Rational.ZERO, rho: Rational.ZERO });
const threaded = new ThreadedFileLedger({ home: home() });
afterAll(async () => {
  await threaded.close();
});

/** A status or refusal as text: every exact amount, or the refusal's code. */
function describeOutcome(r: LedgerStatus | DpError): string {
  if (r instanceof DpError) return `refused ${r.code}`;
  const b = (x: LedgerStatus['dataset']) =>
    [x.spent.epsilon, x.spent.delta, x.spent.rho, x.remaining.epsilon, x.remaining.delta].map((v) => v.toString()).join(',');
  return `${b(r.dataset)}|${r.analyst ? b(r.analyst) : '-'}`;
}

describe('ThreadedFileLedger', () => {
  it('decides and records a batch in the worker exactly as FileLedger.chargeMany in this thread (fast-check)', async () => {
    const inThread = new FileLedger({ home: home() });
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 12 }),
        fc.array(fc.record({ analyst: fc.constantFrom('a', 'b'), n: fc.integer({ min: 1, max: 5 }) }), { minLength: 1, maxLength: 12 }),
        async (cap, charges) => {
          const dataset = `d${run++}`; // a fresh journal per run, on both ledgers
          const twelfths = (k: number) => ({ epsilon: Rational.of(BigInt(k), 12n), delta: Rational.ZERO });
          const scopeOf = (analyst: string): LedgerScope => ({ dataset, cap: twelfths(cap), analyst, analystBudget: twelfths(6) });
          const items = charges.map((c, i) => ({ scope: scopeOf(c.analyst), cost: loss(BigInt(c.n), 12n), memo: `q${i}` }));
          const [there, here] = [await threaded.chargeMany(items), await inThread.chargeMany(items)];
          expect(there.map(describeOutcome)).toEqual(here.map(describeOutcome));
          for (const r of there) if (!(r instanceof DpError)) expect(r.dataset.remaining.epsilon).toBeInstanceOf(Rational);
          const recorded = async (l: { entries(d: string): Promise<readonly { memo: string; epsilon: Rational }[]> }) =>
            (await l.entries(dataset)).map((e) => `${e.memo}:${e.epsilon}`);
          expect(await recorded(threaded)).toEqual(await recorded(inThread));
        },
      ),
      { numRuns: 25, seed: 15 },
    );
  });

  it('a worker that died is replaced: the next batch is charged and recorded', async () => {
    const l = new ThreadedFileLedger({ home: home() });
    try {
      const scope: LedgerScope = { dataset: 'w', cap: { epsilon: Rational.ONE, delta: Rational.ZERO } };
      await l.chargeMany([{ scope, cost: loss(1n, 4n), memo: 'first' }]);
      const thread = await (l as unknown as { thread: Promise<{ worker: { terminate(): Promise<number> } }> }).thread;
      await thread.worker.terminate();
      const [after] = await l.chargeMany([{ scope, cost: loss(1n, 4n), memo: 'second' }]);
      expect(after instanceof DpError ? after.code : after?.dataset.remaining.epsilon.toString()).toBe('1/2');
      expect((await l.entries('w')).map((e) => e.memo)).toEqual(['first', 'second']);
    } finally {
      await l.close();
    }
  });

  it('answers balances from the worker’s totals, equal to a replay, and writes the total file it owes on close', async () => {
    const h = home();
    const ledger = new ThreadedFileLedger({ home: h });
    const scope: LedgerScope = { dataset: 'owed', cap: { epsilon: Rational.of(10n), delta: Rational.ZERO }, analyst: 'a' };
    for (let i = 0; i < 5; i++) await ledger.chargeMany([{ scope, cost: loss(1n, 7n), memo: `m${i}` }]);
    const journalLength = () => readFileSync(join(h, 'ledger', 'owed.jsonl')).length;
    const fileLength = () => JSON.parse(readFileSync(join(h, 'ledger', 'owed.total.json'), 'utf8')).length as number;
    expect(fileLength()).toBeLessThan(journalLength()); // the worker writes the file every 32 appends
    const replay = decideCharge(await new FileLedger({ home: h }).entries('owed'), scope, null);
    expect(describeOutcome(await ledger.status(scope))).toBe(describeOutcome(replay));
    expect((await ledger.status(scope)).dataset.spent.epsilon.toString()).toBe('5/7');
    await ledger.close();
    expect(fileLength()).toBe(journalLength());
  });

  it('refuses with INTERNAL after close, and charges nothing', async () => {
    const l = new ThreadedFileLedger({ home: home() });
    await l.close();
    const scope: LedgerScope = { dataset: 'c', cap: { epsilon: Rational.ONE, delta: Rational.ZERO } };
    await expect(l.chargeMany([{ scope, cost: loss(1n, 4n), memo: 'x' }])).rejects.toMatchObject({ code: 'INTERNAL' });
    expect(await l.entries('c')).toEqual([]);
  });
});

describe('ledger-wire', () => {
  it('rebuilds Rationals, Maps and DpErrors exactly across a structured clone (fast-check)', () => {
    const rational = fc
      .tuple(fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }), fc.bigInt({ min: 1n, max: 2n ** 80n }))
      .map(([n, d]) => Rational.of(n, d));
    fc.assert(
      fc.property(rational, rational, fc.string(), (a, b, s) => {
        const value = { a, list: [b, { s }], m: new Map([[s, a]]), e: new DpError('BUDGET_EXHAUSTED', s, {}) };
        const back = fromWire(structuredClone(toWire(value))) as typeof value;
        expect(back.a).toBeInstanceOf(Rational);
        expect(back.a.equals(a) && (back.list[0] as Rational).equals(b)).toBe(true);
        expect(back.list[1]).toEqual({ s });
        expect((back.m.get(s) as Rational).equals(a)).toBe(true);
        expect(back.e).toBeInstanceOf(DpError);
        expect([back.e.code, back.e.message]).toEqual([value.e.code, value.e.message]);
      }),
      { numRuns: 200, seed: 15 },
    );
  });
});

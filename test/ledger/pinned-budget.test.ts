/**
 * Review finding 7 (the ledger trusted the caller's cap on every charge) and the durability of finding 2's pin:
 * each data set's cap and accounting, and each analyst's budget, are pinned at the first spend, stored with it,
 * survive restarts, and a later charge under another cap is refused (DOMAIN_MISMATCH) with nothing recorded —
 * on both ledgers.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ExactLoss, exactLoss } from '../../src/core/exact-loss.js';
import { pure, zcdp } from '../../src/core/loss.js';
import { FileLedger } from '../../src/ledger/file-ledger.js';
import type { BudgetLedger, LedgerCap } from '../../src/ledger/ledger.js';
import { PostgresLedger } from '../../src/ledger/postgres-ledger.js';
import { Rational } from '../../src/numeric/rational.js';
import { postgresTestUrl } from '../sql/postgres-url.js';

const cap: LedgerCap = { epsilon: Rational.ONE, delta: Rational.parse('1e-6') };
const codeOf = async (p: Promise<unknown>) =>
  p.then(
    () => 'none',
    (e: { code?: string }) => e.code ?? 'thrown',
  );

type Backend = 'file' | 'postgres';
function open(backend: Backend, home: string): BudgetLedger {
  return backend === 'file' ? new FileLedger({ home }) : new PostgresLedger(postgresTestUrl());
}
let counter = 0;
const datasetName = (backend: Backend) => (backend === 'file' ? `d${counter++}` : `p${process.pid}x${Date.now()}x${counter++}`);

describe('a data set’s cap and accounting are pinned at its first spend (review findings 7 and 2)', () => {
  for (const backend of ['file', 'postgres'] as const) {
    it(`${backend}: a later charge under a raised, lowered or other-δ cap is refused, recording nothing, also after a restart`, async () => {
      const home = mkdtempSync(join(tmpdir(), 'tsdp-pin-'));
      const dataset = datasetName(backend);
      let ledger = open(backend, home);
      try {
        await ledger.charge({ dataset, cap }, exactLoss(pure(0.5)), 'first');
        await ledger.close();
        ledger = open(backend, home); // a restart: a new process reads the pin back
        if (backend === 'file') rmSync(join(home, 'ledger', `${dataset}.total.json`), { force: true }); // and without its cache
        for (const other of [
          { epsilon: Rational.of(100n), delta: cap.delta },
          { epsilon: Rational.parse('1/2'), delta: cap.delta },
          { epsilon: cap.epsilon, delta: Rational.parse('1e-3') },
        ]) {
          await expect(ledger.charge({ dataset, cap: other }, exactLoss(pure(0.1)), 'raised')).rejects.toMatchObject({
            code: 'DOMAIN_MISMATCH',
            message: expect.stringMatching(/pinned at its first spend to \(ε=1, δ=0\.000001\).*new data set name/),
          });
          await expect(ledger.status({ dataset, cap: other })).rejects.toMatchObject({ code: 'DOMAIN_MISMATCH' });
        }
        expect((await ledger.entries(dataset)).map((e) => e.memo)).toEqual(['first']);
        const pins = (await ledger.pins?.(dataset)) ?? [];
        expect(pins.map((p) => [p.analyst, p.mode, p.cap.epsilon.toString(), p.cap.delta.toString()])).toEqual([
          [null, 'approximate', '1', '1/1000000'],
        ]);
        // The pinned cap still works, exactly as before (basic composition for pure spends).
        const s = await ledger.charge({ dataset, cap }, exactLoss(pure(0.5)), 'second');
        expect(s.dataset.remaining.epsilon.isZero()).toBe(true);
        await expect(ledger.charge({ dataset, cap }, exactLoss(pure(1e-9)), 'third')).rejects.toMatchObject({ code: 'BUDGET_EXHAUSTED' });
      } finally {
        await ledger.close();
      }
    });

    it(`${backend}: zcdp accounting (first spend ρ) survives a restart: a later pure spend is recorded as ρ = ε²/2`, async () => {
      const home = mkdtempSync(join(tmpdir(), 'tsdp-pin-'));
      const dataset = datasetName(backend);
      let ledger = open(backend, home);
      try {
        await ledger.charge({ dataset, cap }, exactLoss(zcdp(0.01)), 'rho');
        await ledger.close();
        ledger = open(backend, home);
        const s = await ledger.charge({ dataset, cap }, exactLoss(pure(0.1)), 'pure');
        expect(s.dataset.pin?.mode).toBe('zcdp');
        expect(s.dataset.pin?.conversionDelta.toString()).toBe('1/2000000'); // D/2 converts Σρ
        expect(s.dataset.recorded.rho.toString()).toBe(Rational.parse('0.01').add(Rational.parse('0.005')).toString());
        expect(s.dataset.recorded.epsilon.isZero()).toBe(true);
        const entries = await ledger.entries(dataset);
        expect(entries.map((e) => e.recorded?.rho.toString())).toEqual(['1/100', '1/200']);
        // An analyst's budget is pinned at the analyst's first spend, with the data set's accounting.
        const alice = { epsilon: Rational.parse('1/2'), delta: Rational.parse('1e-7') };
        await ledger.charge({ dataset, cap, analyst: 'alice', analystBudget: alice }, exactLoss(zcdp(0.001)), 'alice');
        await expect(
          ledger.charge(
            { dataset, cap, analyst: 'alice', analystBudget: { ...alice, epsilon: Rational.ONE } },
            exactLoss(zcdp(0.001)),
            'x',
          ),
        ).rejects.toMatchObject({ code: 'DOMAIN_MISMATCH', message: expect.stringMatching(/analyst "alice"/) });
        const pins = (await ledger.pins?.(dataset)) ?? [];
        expect(pins.map((p) => [p.analyst, p.mode, p.conversionDelta.toString()])).toEqual([
          [null, 'zcdp', '1/2000000'],
          ['alice', 'zcdp', '1/20000000'],
        ]);
      } finally {
        await ledger.close();
      }
    });
  }

  it('file: the pin line and its spend are one durable write (the journal never holds a spend without its pin)', async () => {
    const home = mkdtempSync(join(tmpdir(), 'tsdp-pin-'));
    const ledger = new FileLedger({ home });
    await ledger.charge({ dataset: 'j', cap }, exactLoss(pure(0.25)), 'q');
    const lines = readFileSync(join(home, 'ledger', 'j.jsonl'), 'utf8')
      .trim()
      .split('\n');
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0] as string).pin).toMatchObject({ analyst: null, epsilon: '1', mode: 'approximate' });
    expect(JSON.parse(lines[1] as string).recorded).toEqual({ epsilon: '1/4', delta: '0', rho: '0' });
  });

  it('whatever caps callers name, only charges under the first one are ever recorded (property, file ledger)', async () => {
    const caps = [cap, { epsilon: Rational.of(2n), delta: cap.delta }, { epsilon: cap.epsilon, delta: Rational.ZERO }];
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 1, max: 40 }), fc.boolean()), { minLength: 1, maxLength: 8 }),
        async (charges) => {
          const home = mkdtempSync(join(tmpdir(), 'tsdp-pin-'));
          const ledger = new FileLedger({ home });
          let first: number | undefined;
          let accepted = 0;
          for (const [c, n, rho] of charges) {
            const cost: ExactLoss = rho ? exactLoss(zcdp(n / 4000)) : exactLoss(pure(n / 100));
            const code = await codeOf(ledger.charge({ dataset: 'x', cap: caps[c] as LedgerCap }, cost, 'q'));
            // A refused first charge pins nothing; the first accepted one pins its cap for good.
            if (first !== undefined && c !== first) expect(code).toBe('DOMAIN_MISMATCH');
            if (code === 'none') {
              accepted++;
              first ??= c;
            }
          }
          expect((await ledger.entries('x')).length).toBe(accepted);
        },
      ),
      { seed: 20261205, numRuns: 25 },
    );
  });
});

/**
 * Issue 11 ("A visible budget", "Fast at every size"): the file ledger's location does not depend on the
 * working directory; a charge reads a verified running total instead of the whole journal; `tsdp budget`
 * gets spent, left and history per data set and analyst. Rules: src/ledger/file-ledger.ts header.
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { type ExactLoss, lossEquals } from '../../src/core/exact-loss.js';
import { budgetReport } from '../../src/ledger/budget-report.js';
import { FileLedger, stateDirectory } from '../../src/ledger/file-ledger.js';
import { decideCharge } from '../../src/ledger/ledger.js';
import { PostgresLedger } from '../../src/ledger/postgres-ledger.js';
import { Rational } from '../../src/numeric/rational.js';
import { postgresTestUrl } from '../sql/postgres-url.js';

const home = () => mkdtempSync(join(tmpdir(), 'tsdp-total-'));
const loss = (e: string, d = '0', r = '0'): ExactLoss => ({ epsilon: Rational.parse(e), delta: Rational.parse(d), rho: Rational.parse(r) });
const cap = { epsilon: Rational.of(100n), delta: Rational.parse('1e-5') };

describe('where the file ledger is', () => {
  const saved = { TSDP_HOME: process.env.TSDP_HOME, XDG_STATE_HOME: process.env.XDG_STATE_HOME, HOME: process.env.HOME };
  afterEach(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it('is $TSDP_HOME, else $XDG_STATE_HOME/tsdp, else ~/.local/state/tsdp — never the working directory', () => {
    process.env.TSDP_HOME = '/srv/tsdp';
    expect(stateDirectory()).toBe('/srv/tsdp');
    process.env.TSDP_HOME = 'relative/dir';
    expect(() => stateDirectory()).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER' }));
    delete process.env.TSDP_HOME;
    process.env.XDG_STATE_HOME = '/home/u/.state';
    expect(stateDirectory()).toBe('/home/u/.state/tsdp');
    process.env.XDG_STATE_HOME = 'not/absolute';
    process.env.HOME = '/home/u';
    expect(stateDirectory()).toBe('/home/u/.local/state/tsdp');
    delete process.env.XDG_STATE_HOME;
    expect(new FileLedger().location).toBe('/home/u/.local/state/tsdp/ledger');
    expect(stateDirectory().startsWith(process.cwd())).toBe(false);
  });
});

describe('the verified running total', () => {
  it('a charge writes a total naming the journal length and its last record; a mismatched total is replaced by a replay', async () => {
    const h = home();
    const ledger = new FileLedger({ home: h });
    await ledger.charge({ dataset: 'd', cap }, loss('1/3'), 'q');
    const total = JSON.parse(readFileSync(join(h, 'ledger', 'd.total.json'), 'utf8'));
    expect(total.length).toBe(readFileSync(join(h, 'ledger', 'd.jsonl')).length);
    expect(total.dataset.epsilon).toBe('1/3');
    // A total that lies about the amount but not about the journal's shape is still checked against the journal
    // only by length and last record: that is the documented trust boundary (the state directory's permissions).
    writeFileSync(
      join(h, 'ledger', 'd.total.json'),
      JSON.stringify({ ...total, length: total.length + 1, dataset: { epsilon: '0', delta: '0', rho: '0' } }),
    );
    expect((await ledger.status({ dataset: 'd', cap })).dataset.spent.epsilon.toString()).toBe('1/3');
  });

  it('status always equals a full replay of the journal, whatever happens to the total between charges (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.record({
              op: fc.constant('charge' as const),
              e: fc.integer({ min: 0, max: 20 }),
              r: fc.integer({ min: 0, max: 20 }),
              a: fc.constantFrom('x', 'y'),
            }),
            fc.record({
              op: fc.constantFrom('delete-total' as const, 'junk-total' as const, 'stale-total' as const, 'save-total' as const),
            }),
          ),
          { maxLength: 15 },
        ),
        async (ops) => {
          const h = home();
          const ledger = new FileLedger({ home: h });
          const totalPath = join(h, 'ledger', 'd.total.json');
          const saved = join(h, 'saved.json');
          for (const o of ops) {
            if (o.op === 'charge') await ledger.charge({ dataset: 'd', cap, analyst: o.a }, loss(`${o.e}/100`, '0', `${o.r}/1000`), 'q');
            else if (o.op === 'delete-total') rmSync(totalPath, { force: true });
            else if (o.op === 'junk-total' && existsSync(totalPath)) writeFileSync(totalPath, '{"v":1,"length":');
            else if (o.op === 'save-total' && existsSync(totalPath)) copyFileSync(totalPath, saved);
            else if (o.op === 'stale-total' && existsSync(saved)) copyFileSync(saved, totalPath); // an older total, as after a crash
            const entries = await ledger.entries('d');
            for (const analyst of ['x', 'y']) {
              const scope = { dataset: 'd', cap, analyst, analystBudget: cap };
              const fast = await ledger.status(scope);
              const replay = decideCharge(entries, scope, null);
              expect(lossEquals(fast.dataset.spent, replay.dataset.spent)).toBe(true);
              expect(lossEquals(fast.analyst?.spent as ExactLoss, replay.analyst?.spent as ExactLoss)).toBe(true);
            }
          }
        },
      ),
      { seed: 20261205, numRuns: 30 },
    );
  });
});

describe('budgetReport (what `tsdp budget` shows)', () => {
  for (const backend of ['file', 'postgres'] as const) {
    it(`gives spent, left and history per data set and per analyst from the ${backend} ledger`, async () => {
      const ledger = backend === 'file' ? new FileLedger({ home: home() }) : new PostgresLedger(postgresTestUrl());
      const dataset = backend === 'file' ? 'd' : `b${process.pid}x${Date.now()}`;
      try {
        const budgets = new Map([
          ['alice', { epsilon: Rational.of(2n), delta: Rational.parse('1e-6') }],
          ['carol', { epsilon: Rational.ONE, delta: Rational.ZERO }],
        ]);
        await ledger.charge({ dataset, cap, analyst: 'alice' }, loss('1/2'), 'first');
        await ledger.charge({ dataset, cap, analyst: 'bob' }, loss('0', '0', '1/100'), 'second');
        await ledger.charge({ dataset, cap, analyst: 'alice' }, loss('1/4', '1e-7'), 'third');
        const r = await budgetReport(ledger, dataset, cap, budgets);
        expect(r.history.map((h) => h.memo)).toEqual(['first', 'second', 'third']);
        expect(r.balance.spent.epsilon.toString()).toBe('3/4');
        expect(r.balance.spent.rho.toString()).toBe('1/100');
        // Pinned to (ε, δ) accounting by the first (pure) spend: bob's ρ is converted on its own at δ′ = D/2.
        expect(r.balance.pin?.mode).toBe('approximate');
        expect(r.balance.remaining.delta.equals(cap.delta.div(Rational.of(2n)).sub(Rational.parse('1e-7')))).toBe(true);
        expect(r.balance.remaining.epsilon.lt(Rational.parse('99.25'))).toBe(true); // ρ's conversion costs some ε
        expect(r.balance.left.epsilon.equals(r.balance.remaining.epsilon)).toBe(true);
        expect(r.analysts.map((a) => a.analyst)).toEqual(['alice', 'bob', 'carol']);
        const alice = r.analysts[0];
        expect(alice?.balance?.remaining.epsilon.toString()).toBe('5/4');
        expect(r.analysts[1]?.balance).toBeUndefined();
        expect(r.analysts[2]?.spent.epsilon.isZero()).toBe(true);
        expect(await ledger.datasets()).toContain(dataset);
      } finally {
        await ledger.close();
      }
    });
  }
});

/**
 * The file ledger's totals in memory (src/ledger/file-ledger.ts, "The total in memory"): two FileLedger instances —
 * two processes — charge one journal in random order, each crashing at random steps (the `onStep` hooks) and being
 * restarted (its memory lost) or going on; the total file is written every k-th append, on close, or clobbered with
 * an older copy. After every step, every instance's balance equals a replay of the journal, and the journal holds
 * every acknowledged charge (so no balance is below what was charged).
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addLoss, type ExactLoss, lossEquals, ZERO_LOSS } from '../../src/core/exact-loss.js';
import { FileLedger } from '../../src/ledger/file-ledger.js';
import { decideCharge, type LedgerScope } from '../../src/ledger/ledger.js';
import { Rational } from '../../src/numeric/rational.js';

const loss = (tenths: number): ExactLoss => ({ epsilon: Rational.of(BigInt(tenths), 10n), delta: Rational.ZERO, rho: Rational.ZERO });
const cap = { epsilon: Rational.of(4n), delta: Rational.ZERO };
const analystBudget = { epsilon: Rational.of(3n), delta: Rational.ZERO };
const scope = (analyst: string): LedgerScope => ({ dataset: 'd', cap, analyst, analystBudget });
const STEPS = ['journal:read', 'journal:partial', 'journal:synced', 'total:written'] as const;

class Crash extends Error {}

/** One "process": a FileLedger whose next charge may crash at a chosen step (its write is short at first, so `journal:partial` happens). */
class Process {
  ledger: FileLedger;
  crashAt: string | undefined;
  constructor(
    readonly home: string,
    readonly totalEvery: number,
  ) {
    this.ledger = this.start();
  }
  start(): FileLedger {
    let short = true;
    return new FileLedger({
      home: this.home,
      totalEvery: this.totalEvery,
      lockTimeoutMs: 5_000,
      onStep: (s) => {
        if (s === this.crashAt) {
          this.crashAt = undefined;
          throw new Crash(s);
        }
      },
      write: (fd, buf, off, len) => {
        const n = short ? Math.max(1, len >> 1) : len;
        short = !short;
        return writeSync(fd, buf, off, n);
      },
    });
  }
}

const op = fc.record({
  who: fc.integer({ min: 0, max: 1 }),
  kind: fc.constantFrom('charge', 'batch', 'status', 'close', 'save-total', 'stale-total'),
  tenths: fc.array(fc.integer({ min: 0, max: 7 }), { minLength: 1, maxLength: 3 }),
  analyst: fc.constantFrom('x', 'y'),
  crashAt: fc.option(fc.constantFrom(...STEPS), { nil: undefined }),
  restart: fc.boolean(),
});

describe('the totals in memory, two processes on one journal', () => {
  it('every balance equals a replay of the journal, and nothing acknowledged is missing, whatever crashes (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.tuple(fc.constantFrom(1, 2, 3, 32), fc.constantFrom(1, 2, 3, 32)),
        fc.array(op, { minLength: 1, maxLength: 18 }),
        async (every, ops) => {
          const home = mkdtempSync(join(tmpdir(), 'tsdp-memory-'));
          const procs = [new Process(home, every[0]), new Process(home, every[1])];
          const totalPath = join(home, 'ledger', 'd.total.json');
          const saved = join(home, 'saved.json');
          const acknowledged: string[] = [];
          let acknowledgedLoss = ZERO_LOSS;
          let n = 0;
          for (const o of ops) {
            const p = procs[o.who] as Process;
            p.crashAt = o.crashAt;
            try {
              if (o.kind === 'charge') {
                const memo = `m${n++}`;
                const cost = loss(o.tenths[0] as number);
                try {
                  await p.ledger.charge(scope(o.analyst), cost, memo);
                  acknowledged.push(memo);
                  acknowledgedLoss = addLoss(acknowledgedLoss, cost);
                } catch (e) {
                  if (e instanceof Crash || (e as { code?: string }).code !== 'BUDGET_EXHAUSTED') throw e;
                }
              } else if (o.kind === 'batch') {
                const items = o.tenths.map((t, i) => ({ scope: scope(i % 2 === 0 ? o.analyst : 'y'), cost: loss(t), memo: `m${n++}` }));
                const out = await p.ledger.chargeMany(items);
                out.forEach((r, i) => {
                  if (r instanceof Error) return;
                  acknowledged.push(items[i]?.memo as string);
                  acknowledgedLoss = addLoss(acknowledgedLoss, items[i]?.cost as ExactLoss);
                });
              } else if (o.kind === 'status') await p.ledger.status(scope(o.analyst));
              else if (o.kind === 'close') await p.ledger.close();
              else if (o.kind === 'save-total' && existsSync(totalPath)) copyFileSync(totalPath, saved);
              else if (o.kind === 'stale-total' && existsSync(saved)) copyFileSync(saved, totalPath); // an older total, as after a crash
            } catch (e) {
              if (e instanceof Crash) {
                if (o.restart) p.ledger = p.start(); // the process died: its memory is gone
                // journal:partial: the crash hit a short write, the append undid itself and nothing was charged
              } else if ((e as { details?: { state?: string } }).details?.state !== 'unwritten') throw e;
            }
            p.crashAt = undefined;
            // Every instance (and a fresh one) sees exactly the replay of the journal.
            const fresh = new FileLedger({ home });
            const entries = await fresh.entries('d');
            const memos = new Set(entries.map((e) => e.memo));
            for (const m of acknowledged) expect(memos.has(m), m).toBe(true);
            for (const ledger of [procs[0]?.ledger, procs[1]?.ledger, fresh] as FileLedger[]) {
              for (const analyst of ['x', 'y']) {
                const got = await ledger.status(scope(analyst));
                const replay = decideCharge(entries, scope(analyst), null);
                expect(lossEquals(got.dataset.spent, replay.dataset.spent)).toBe(true);
                expect(lossEquals(got.analyst?.spent as ExactLoss, replay.analyst?.spent as ExactLoss)).toBe(true);
              }
            }
            const spent = (await fresh.status(scope('x'))).dataset.spent;
            expect(spent.epsilon.lt(acknowledgedLoss.epsilon)).toBe(false);
          }
        },
      ),
      { seed: 20261207, numRuns: 40 },
    );
  }, 240_000);

  it('one writer: the total file is written every k-th append and on close, and a cold reader of a stale one replays', async () => {
    const home = mkdtempSync(join(tmpdir(), 'tsdp-memory-'));
    const writer = new FileLedger({ home, totalEvery: 3 });
    const s = scope('x');
    const journalLength = () => readFileSync(join(home, 'ledger', 'd.jsonl')).length;
    const fileLength = () => JSON.parse(readFileSync(join(home, 'ledger', 'd.total.json'), 'utf8')).length as number;
    const lengths: number[] = [];
    for (let i = 0; i < 8; i++) {
      await writer.charge(s, loss(1), `q${i}`);
      lengths.push(journalLength());
    }
    // The first charge's totals came from a replay (file written); the next ones from memory: written at the 3rd and
    // 6th append after it, so the file names the 7th charge's journal and the 8th is not in it.
    expect(fileLength()).toBe(lengths[6]);
    const cold = new FileLedger({ home });
    expect((await cold.status(s)).dataset.spent.epsilon.toString()).toBe('4/5');
    expect(fileLength()).toBe(journalLength()); // the cold reader's replay rebuilt the file
    await writer.charge(s, loss(1), 'q8'); // the cold reader appended nothing: the writer's memory still matches
    expect(fileLength()).toBeLessThan(journalLength());
    await writer.close();
    expect(fileLength()).toBe(journalLength());
    expect((await new FileLedger({ home }).status(s)).dataset.spent.epsilon.toString()).toBe('9/10');
  });
});

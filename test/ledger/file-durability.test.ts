/**
 * Item 6 (short writes): a spend is released only after its whole record is durable; a torn or
 * unreadable tail counts as spent or refuses, never as unspent. Rules: src/ledger/journal.ts.
 */
import { mkdtempSync, readFileSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addLoss, type ExactLoss, lossEquals, ZERO_LOSS } from '../../src/core/exact-loss.js';
import { FileLedger } from '../../src/ledger/file-ledger.js';
import { Rational } from '../../src/numeric/rational.js';
import { runChild } from './spawn-child.js';

const home = () => mkdtempSync(join(tmpdir(), 'tsdp-durable-'));
const loss = (e: string, r = '0'): ExactLoss => ({ epsilon: Rational.parse(e), delta: Rational.ZERO, rho: Rational.parse(r) });
const cap = { epsilon: Rational.of(1000n), delta: Rational.parse('1e-6') };
const scope = { dataset: 'd', cap };
const codeOf = async (p: Promise<unknown>) =>
  p.then(
    () => 'none',
    (e: { code?: string; details?: { state?: string } }) => `${e.code}:${e.details?.state ?? ''}`,
  );

describe('file ledger short writes (item 6)', () => {
  it('under ulimit -f, every released answer has its whole record in the journal, and the torn write is undone', async () => {
    const h = home();
    const r = await runChild(['charge-until-error', h], { fileSizeLimitKb: 8 });
    const lines = r.out.trim().split('\n');
    const ok = lines.filter((l) => l === 'OK').length;
    expect(lines.at(-1), r.err).toMatch(/^ERR INTERNAL unwritten/);
    expect(ok).toBeGreaterThan(10);
    const journal = readFileSync(join(h, 'ledger', 'limited.jsonl'));
    expect(journal.length).toBeLessThanOrEqual(8192);
    expect(journal.at(-1)).toBe(10); // no torn tail: the short write was truncated back
    const ledger = new FileLedger({ home: h });
    const entries = await ledger.entries('limited');
    expect(entries.length).toBe(ok);
    // Spent = exactly the released answers; the next charge (no limit) sees them all.
    const s = await ledger.charge({ dataset: 'limited', cap: { epsilon: Rational.of(1000n), delta: Rational.ZERO } }, loss('1/1000'), 'q');
    expect(s.dataset.spent.epsilon.equals(Rational.of(BigInt(ok + 1), 1000n))).toBe(true);
  });

  it('a full disk (a write that stops short, then fails with ENOSPC) charges nothing and leaves the journal byte-identical, at every cut (property)', async () => {
    const h = home();
    await new FileLedger({ home: h }).charge(scope, loss('1/7'), 'first');
    const path = join(h, 'ledger', 'd.jsonl');
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 100 }), fc.boolean(), async (cut, throwAtOnce) => {
        const before = readFileSync(path);
        let written = 0;
        const full = new FileLedger({
          home: h,
          write: (fd, buf, off, len) => {
            const room = cut - written;
            if (room <= 0 || throwAtOnce) throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
            const n = writeSync(fd, buf, off, Math.min(len, room));
            written += n;
            return n;
          },
        });
        expect(await codeOf(full.charge(scope, loss('1/3', '1/100'), 'q'))).toBe('INTERNAL:unwritten');
        expect(readFileSync(path).equals(before)).toBe(true);
        const s = await new FileLedger({ home: h }).status(scope);
        expect(lossEquals(s.dataset.spent, loss('1/7'))).toBe(true);
      }),
      { seed: 20261205, numRuns: 40 },
    );
    await new FileLedger({ home: h }).charge(scope, loss('1/7'), 'after');
    expect((await new FileLedger({ home: h }).entries('d')).length).toBe(2);
  });

  it('a journal cut at any byte never reads as less spent than its whole records: a cut newline counts, a torn record refuses until repair (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 0, max: 50 }), fc.constantFrom('alice', 'bob')), {
          minLength: 1,
          maxLength: 6,
        }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        async (spends, where) => {
          const h = home();
          const ledger = new FileLedger({ home: h });
          for (const [e, r, analyst] of spends) await ledger.charge({ ...scope, analyst }, loss(`${e}/100`, `${r}/10000`), 'q');
          const path = join(h, 'ledger', 'd.jsonl');
          const full = readFileSync(path);
          const cut = Math.floor(where * full.length);
          truncateSync(path, cut);
          // Lines are spends or pins (a data set's and each analyst's first spend writes its pin line first, in the same write).
          const lines: { end: number; pin: boolean }[] = [];
          for (let i = 0, start = 0; i < full.length; i++) {
            if (full[i] !== 10) continue;
            lines.push({ end: i + 1, pin: full.subarray(start, i).toString('utf8').startsWith('{"v":1,"pin"') });
            start = i + 1;
          }
          const ends = lines.map((l) => l.end);
          const spendsUpTo = (limit: number) => lines.filter((l) => l.end <= limit && !l.pin).length;
          const whole = spendsUpTo(cut); // spend records whose newline survived
          const sum = (n: number) => spends.slice(0, n).reduce((s, [e, r]) => addLoss(s, loss(`${e}/100`, `${r}/10000`)), ZERO_LOSS);
          const atBoundary = cut === 0 || ends.includes(cut);
          const newlineOnly = ends.includes(cut + 1); // only the last newline was lost: the record is whole
          const result = await codeOf(ledger.status(scope));
          if (atBoundary || newlineOnly) {
            expect(result).toBe('none');
            const s = await ledger.status(scope);
            expect(lossEquals(s.dataset.spent, sum(newlineOnly ? spendsUpTo(cut + 1) : whole))).toBe(true);
          } else {
            expect(result).toBe('INTERNAL:torn');
            expect(await codeOf(ledger.charge(scope, loss('1/100'), 'q'))).toBe('INTERNAL:torn');
            // The operator repairs, counting the torn record as the largest spend it could have been.
            expect(await ledger.repair('d', loss('1/2', '1/200'))).toBe(true);
            const s = await ledger.status(scope);
            expect(lossEquals(s.dataset.spent, addLoss(sum(whole), loss('1/2', '1/200')))).toBe(true);
          }
        },
      ),
      { seed: 20261205, numRuns: 60 },
    );
  });

  it('an old journal with a torn last line (what the short-write bug left) refuses instead of discarding it', async () => {
    const h = home();
    const ledger = new FileLedger({ home: h });
    await ledger.charge(scope, loss('1/2'), 'q');
    writeFileSync(
      join(h, 'ledger', 'd.jsonl'),
      `${readFileSync(join(h, 'ledger', 'd.jsonl'), 'utf8')}{"v":1,"analyst":"default","epsilon":"1/`,
    );
    expect(await codeOf(ledger.charge(scope, loss('1/2'), 'q'))).toBe('INTERNAL:torn');
    expect(await codeOf(ledger.entries('d'))).toBe('INTERNAL:torn');
  });
});

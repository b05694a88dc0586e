/**
 * Item 7 (stale locks): a lock is never without an owner, and a stale one (owner pid gone, or the pid
 * now belongs to a process that started at another time) is broken at once under the breaker lock.
 * Rules: src/ledger/file-lock.ts.
 */
import { mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FileLedger } from '../../src/ledger/file-ledger.js';
import { pidNamespace, processStartTime, STALE_GRACE_MS, withFileLock } from '../../src/ledger/file-lock.js';
import { Rational } from '../../src/numeric/rational.js';
import { runChild } from './spawn-child.js';

const home = () => mkdtempSync(join(tmpdir(), 'tsdp-lock-'));
const quarter = { epsilon: Rational.of(1n, 4n), delta: Rational.ZERO, rho: Rational.ZERO };
const scope = { dataset: 'crash', cap: { epsilon: Rational.ONE, delta: Rational.ZERO } };
const boot = () => {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return null;
  }
};

/** Every step of acquire, charge and release, and whether the killed charge's spend is durable there. */
const STEPS: [string, boolean][] = [
  ['lock:owner-written', false],
  ['lock:acquired', false],
  ['journal:read', false],
  ['journal:partial', false],
  ['journal:synced', true],
  ['total:written', true],
  ['lock:releasing', true],
  ['lock:released', true],
];

describe('file ledger locks (item 7)', () => {
  for (const [step, durable] of STEPS) {
    it(`after a SIGKILL at ${step}, the next charge gets the lock at once and the spend is ${durable ? 'counted' : step === 'journal:partial' ? 'refused until repaired, never unspent' : 'not counted'}`, async () => {
      const h = home();
      const r = await runChild(['crash-at', h, step]);
      expect(r.signal, r.err).toBe('SIGKILL');
      // A short lock timeout: a stall (the old 29 s) fails this charge with INTERNAL instead of passing slowly.
      const ledger = new FileLedger({ home: h, lockTimeoutMs: 1_000 });
      if (step === 'journal:partial') {
        // Half a record is on disk (as under a file-size limit, then killed): refused until repaired, never unspent.
        await expect(ledger.charge(scope, quarter, 'q')).rejects.toMatchObject({ code: 'INTERNAL', details: { state: 'torn' } });
        expect(await ledger.repair('crash', quarter)).toBe(true);
      }
      const s = await ledger.charge(scope, quarter, 'q');
      const expected = durable || step === 'journal:partial' ? '1/2' : '1/4';
      expect(s.dataset.spent.epsilon.toString()).toBe(expected);
      expect(readdirSync(join(h, 'ledger')).filter((f) => f.endsWith('.lock') || f.endsWith('.break'))).toEqual([]);
    });
  }

  it('does not break a lock held by a live process (itself, same start time), and breaks one whose pid was reused', async () => {
    const dir = home();
    const lock = join(dir, 'x.lock');
    const record = (start: string | null) =>
      JSON.stringify({ pid: process.pid, start, boot: boot(), host: hostname(), pidns: pidNamespace(), tag: 't' });
    writeFileSync(lock, record(processStartTime(process.pid)));
    await expect(withFileLock(lock, 200, () => 1)).rejects.toMatchObject({ code: 'INTERNAL' });
    writeFileSync(lock, record('1')); // same pid, another start time: the pid was reused
    expect(await withFileLock(lock, 1_000, () => 'got it')).toBe('got it');
  });

  it('breaks a lock only when the rule says so, for random owner records (property)', async () => {
    const dead = 2 ** 22 + 12345; // above the usual pid_max: no such process
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          pid: fc.constantFrom('self', 'dead'),
          start: fc.constantFrom('same', 'other', 'unknown'),
          host: fc.constantFrom('same', 'other'),
          boot: fc.constantFrom('same', 'other'),
          pidns: fc.constantFrom('same', 'other', 'absent'),
          junk: fc.boolean(),
          old: fc.boolean(),
        }),
        async (o) => {
          const dir = home();
          const lock = join(dir, 'x.lock');
          const text = o.junk
            ? '{"pid":'
            : JSON.stringify({
                pid: o.pid === 'self' ? process.pid : dead,
                start: o.start === 'same' ? processStartTime(process.pid) : o.start === 'other' ? '1' : null,
                boot: o.boot === 'same' ? boot() : 'another-boot',
                host: o.host === 'same' ? hostname() : 'another-host',
                ...(o.pidns === 'absent' ? {} : { pidns: o.pidns === 'same' ? pidNamespace() : 'pid:[1]' }),
                tag: 't',
              });
          writeFileSync(lock, text);
          if (o.old) {
            const past = (Date.now() - 10 * STALE_GRACE_MS) / 1000;
            utimesSync(lock, past, past);
          }
          const bootKnown = boot() !== null;
          const startKnown = processStartTime(process.pid) !== null;
          // Rule 3 (S34): the pid is judged only in the same PID namespace (an absent one counts as unknown).
          const nsKnown = pidNamespace() !== null;
          const sameNs = o.pidns === 'same' || (o.pidns === 'absent' && !nsKnown);
          const stale = o.junk
            ? o.old
            : o.host === 'same' &&
              ((bootKnown && o.boot === 'other') || (sameNs && (o.pid === 'dead' || (o.start === 'other' && startKnown))));
          const got = await withFileLock(lock, 150, () => true).catch((e: { code?: string }) => e.code);
          expect(got).toBe(stale ? true : 'INTERNAL');
        },
      ),
      { seed: 20261205, numRuns: 40 },
    );
  });
});

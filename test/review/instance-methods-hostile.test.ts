/**
 * Review, session 5 (issue 10 class 12, "hostile parameters", on INSTANCE METHODS — the earlier sweeps called the
 * exports and statics of every subpath, and the methods of the classic models and tsdp/server only): every public
 * method of every exported class, on a valid instance, called with one or two hostile values, must return or refuse
 * with a typed `DpError` — never a TypeError/RangeError — and never after a charge.
 *
 * Built independently of trustcalc's sweep (not read). Instances: the root classes (filters, accountants, the
 * odometer, PLDs, `PrivacyBudget`, `Rational`, `Session`, `SessionQuery`, `ContributionBounder`, `LogHistogram`,
 * `CryptoRandomSource`), tsdp/sql's `FileLedger`, synth's exported `ZcdpFilter` (src/synth/measure.ts), tsdp/learn's
 * layers, `Sequential` and `PrivateTrainer`. Methods: own and inherited prototype methods, minus those declared
 * `private`/`protected` in TypeScript (listed below) and `@internal` ones. Hostile values: undefined, null, 1n, '1',
 * NaN, −1, ∞, 5e-324, 1e308, {}, [], a Symbol, a function. (A Proxy whose traps throw is left out: its own Error is
 * the caller's.)
 *
 * On main 9dab8df, 45 public methods let a TypeError escape, e.g. `Rational.of(1n).add(undefined)` (every arithmetic
 * and comparison method), `PrivacyLossDistribution.gaussian(1).epsilon(1n)`, `.compose(undefined)`,
 * `new PrivacyOdometer().epsilon(Symbol())`, `.record(e, Symbol())`, `new LogHistogram().add(NaN)` ("Cannot mix
 * BigInt"), `new CryptoRandomSource().fill(undefined)`, `FileLedger#status(undefined)`, `session.query().count(null)`,
 * `.sum('x', null)`, `.median('x', null)`, `.groupBy('g', null)`, `.quantile('x', 1n)`, the learn layers' `forward`,
 * `backward`, `perExampleGradient`, `accumulateScaledGradients`, `perExampleSquaredNorms([])`, synth's
 * `ZcdpFilter#spend(undefined)`. None of them was after a charge (the held test below).
 *
 * Phase 2 (main abee3d2, after trustcalc's merge): fixed — Rational, PrivacyLossDistribution epsilon/delta,
 * PrivacyOdometer, synth's ZcdpFilter. Still open (31): SessionQuery count/countDistinct/sum/mean/variance/stddev/
 * median/min/max/quantile/histogram/groupBy (null options, 1n), FileLedger status and the new chargeMany
 * (undefined), PrivacyLossDistribution.compose(undefined), LogHistogram.add(NaN), CryptoRandomSource.fill(undefined),
 * the learn layers' forward/backward/perExampleGradient/accumulateScaledGradients/perExampleSquaredNorms.
 *
 * Rule that would close the class: every public method validates its arguments at its first line (the edge
 * helpers of src/numeric/edge.ts), and this sweep (generated from package.json "exports", every exported class,
 * every prototype method) runs in CI. Owners: trustcalc (core, numeric, accounting, session, stats classes,
 * ledger), learn (layers, Sequential, PrivateTrainer), synth (measure.ts).
 */

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as root from '../../src/index.js';
import * as learn from '../../src/learn/index.js';
import * as sql from '../../src/sql/index.js';
import * as synthMeasure from '../../src/synth/measure.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';

const { DpError } = root;
const HOSTILE: readonly unknown[] = [
  undefined,
  null,
  1n,
  '1',
  Number.NaN,
  -1,
  Number.POSITIVE_INFINITY,
  5e-324,
  1e308,
  {},
  [],
  Symbol('s'),
  () => 1,
];

/** Methods declared `private`/`protected` or `@internal` in the TypeScript source (not part of the public surface). */
const NOT_PUBLIC = new Set([
  'visit',
  'walk',
  'compose1',
  'add@PldAccountant',
  'add@RdpAccountant',
  'add@ZcdpFilter',
  'effectiveSigma',
  'writeTotals',
  'totalsUnderLock',
  'write',
  'geometry',
  'rows@Embedding',
  'asLoss',
  'after',
  'restoreHistory',
  'forwardRows',
]);

/** Second arguments (a smaller set: the sweep must stay fast). */
const SECOND: readonly unknown[] = [undefined, null, 1n, Number.NaN, Symbol('t')];

const rng = () => new SeededRandomSource(7);
const records = Array.from({ length: 20 }, (_, i) => ({ x: i % 5, g: i % 2 ? 'a' : 'b' }));
const session = () => root.Session.fromRecords(records, { columns: ['x', 'g'], budget: root.PrivacyBudget.pure(10), rng: rng() });
const ledgerDir = mkdtempSync(join(tmpdir(), 'review-s7-ledger-'));
let ledgers = 0;

const FACTORIES: Readonly<Record<string, () => object>> = {
  ApproxDpFilter: () => new root.ApproxDpFilter({ epsilon: 1, delta: 1e-6 }),
  ContributionBounder: () => new root.ContributionBounder({ maxPartitions: 1, maxContributionsPerPartition: 1 }, rng()),
  CryptoRandomSource: () => new root.CryptoRandomSource(),
  LogHistogram: () => new root.LogHistogram(),
  PldAccountant: () => new root.PldAccountant(),
  PrivacyBudget: () => root.PrivacyBudget.approximate(1, 1e-6),
  PrivacyLossDistribution: () => root.PrivacyLossDistribution.gaussian(1),
  PrivacyOdometer: () => new root.PrivacyOdometer(),
  Rational: () => root.Rational.of(3n, 7n),
  RdpAccountant: () => new root.RdpAccountant(),
  RdpFilter: () => new root.RdpFilter({ order: 8, budget: 1 }),
  ZcdpAccountant: () => new root.ZcdpAccountant(),
  ZcdpFilter: () => new root.ZcdpFilter(1),
  Session: session,
  SessionQuery: () => session().query(),
  'synth.ZcdpFilter': () => new synthMeasure.ZcdpFilter(root.Rational.of(1n)),
  FileLedger: () => new sql.FileLedger({ home: join(ledgerDir, String(ledgers++)) }),
  Dense: () => learn.dense(2, 2, { rng: rng() }),
  Activation: () => learn.relu(2),
  Embedding: () => learn.embedding(4, 2, 3, { rng: rng() }),
  Conv2d: () => learn.conv2d({ inChannels: 1, height: 4, width: 4, outChannels: 1, kernelSize: 2, rng: rng() }),
  Pool2d: () => learn.maxPool2d({ channels: 1, height: 4, width: 4, kernelSize: 2 }),
  Sequential: () => new learn.Sequential([learn.dense(2, 1, { rng: rng() })], learn.logisticLoss()),
};

/** Immutable values: one instance serves every call (a PLD is costly to build). */
const IMMUTABLE = new Set(['PrivacyLossDistribution', 'Rational', 'PrivacyBudget']);

function publicMethods(o: object, cls: string): string[] {
  const out = new Set<string>();
  for (let p = Object.getPrototypeOf(o); p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const n of Object.getOwnPropertyNames(p)) {
      const d = Object.getOwnPropertyDescriptor(p, n);
      if (n === 'constructor' || typeof d?.value !== 'function') continue;
      if (NOT_PUBLIC.has(n) || NOT_PUBLIC.has(`${n}@${cls.replace('synth.', '')}`)) continue;
      out.add(n);
    }
  }
  return [...out];
}

/** `Class.method` for every method that lets anything but a DpError out (synchronously or as a rejection). */
async function escapes(): Promise<string[]> {
  const bad = new Set<string>();
  for (const [cls, make] of Object.entries(FACTORIES)) {
    const shared = make();
    for (const m of publicMethods(shared, cls)) {
      const argLists: unknown[][] = [];
      for (const a of HOSTILE) {
        argLists.push([a]);
        for (const b of SECOND) argLists.push([a, b]);
      }
      if (cls === 'SessionQuery' || cls === 'Session') for (const b of HOSTILE) argLists.push(['x', b]);
      for (const args of argLists) {
        const o = (IMMUTABLE.has(cls) ? shared : make()) as Record<string, (...a: unknown[]) => unknown>;
        let err: unknown;
        try {
          const r = o[m]?.(...args);
          if (r instanceof Promise) await r.catch((e: unknown) => (err = e));
        } catch (e) {
          err = e;
        }
        if (err !== undefined && !(err instanceof DpError)) bad.add(`${cls}.${m}`);
      }
    }
  }
  return [...bad].sort();
}

describe('review S18: hostile arguments to the instance methods of every exported class', () => {
  it('regression, was BUG S18: no public instance method of an exported class lets a TypeError/RangeError escape on hostile arguments', async () => {
    expect(await escapes()).toEqual([]);
  }, 120_000);

  it('held: a Session query refused on hostile arguments (builders and release) charges nothing', () => {
    for (const h of HOSTILE) {
      for (const build of [
        (q: root.SessionQuery) => q.count(h as never),
        (q: root.SessionQuery) => q.sum('x', h as never),
        (q: root.SessionQuery) => q.mean('x', h as never),
        (q: root.SessionQuery) => q.median('x', h as never),
        (q: root.SessionQuery) => q.groupBy('g', h as never).count(),
        (q: root.SessionQuery) => q.count(),
      ]) {
        const s = session();
        const before = JSON.stringify(s.remaining);
        let threw = false;
        try {
          build(s.query()).release(h as never);
        } catch {
          threw = true;
        }
        if (threw) expect(JSON.stringify(s.remaining)).toBe(before);
      }
    }
  });
});

/**
 * S7 over instance methods (issue 10, class 12 "hostile parameters"; the review's open member): every
 * public instance method of every exported class of every subpath in package.json "exports", called
 * with hostile arguments, returns normally or refuses with a typed DpError (never INTERNAL, never a
 * TypeError/RangeError escaping, never a hang), and a refusal changes nothing that was spent.
 *
 * Rule that closes the class (src/numeric/edge.ts header): a public method validates its arguments
 * at its top, with the edge validator of the parameter's declared type, before it reads or charges.
 *
 * Coverage is by reflection: the classes are enumerated from the subpaths' exports and the methods
 * from their prototype chains, so a new class or method is swept automatically. Methods declared
 * `private`/`protected` in TypeScript are found in the class's source file and skipped (they are not
 * public entries). A new exported class needs a factory below (or a stated reason it cannot be built
 * here): the test fails until it has one.
 */
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { DpError } from '../../src/core/errors.js';
import * as root from '../../src/index.js';
import * as learn from '../../src/learn/index.js';
import * as client from '../../src/local/client.js';
import * as local from '../../src/local/index.js';
import * as node from '../../src/node/index.js';
import * as server from '../../src/server/index.js';
import * as sql from '../../src/sql/index.js';
import * as synth from '../../src/synth/index.js';
import * as testing from '../../src/testing/index.js';

const SUBPATHS: Record<string, Record<string, unknown>> = { root, sql, local, client, synth, node, learn, server, testing };

type AnyClass = abstract new (...args: never[]) => object;
const isClass = (v: unknown): v is AnyClass => typeof v === 'function' && /^class[\s{]/.test(Function.prototype.toString.call(v));

/** Every exported class once, with the first export name it was seen under. */
function exportedClasses(): Map<AnyClass, string> {
  const out = new Map<AnyClass, string>();
  for (const [sub, mod] of Object.entries(SUBPATHS))
    for (const [name, v] of Object.entries(mod)) if (isClass(v) && !out.has(v)) out.set(v, `${sub}.${name}`);
  return out;
}

// ---- TypeScript visibility, read from the sources (reflection cannot see `private`) ----
function walk(dir: string, acc: string[] = []): string[] {
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) walk(p, acc);
    else if (p.endsWith('.ts') && !p.endsWith('.test.ts')) acc.push(p);
  }
  return acc;
}
const SOURCES = walk(join(__dirname, '../../src')).map((p) => readFileSync(p, 'utf8'));
/**
 * The body of every `class <name>` declaration in the sources (braces matched), so that a method counts as hidden
 * only in the class that declares it private/protected. (Until 10:00 UTC on 2026-12-06 the hidden names were pooled
 * over all classes, so `PldAccountant`'s private `add` hid `LogHistogram#add` from the sweep: review S18's
 * `LogHistogram.add(NaN)` went unswept.)
 */
function classBodies(name: string): string[] {
  const out: string[] = [];
  const head = new RegExp(`^(?:export\\s+)?(?:abstract\\s+)?class\\s+${name}\\b[^{]*\\{`, 'gm');
  for (const s of SOURCES)
    for (const m of s.matchAll(head)) {
      let depth = 1;
      let i = (m.index as number) + m[0].length;
      for (; i < s.length && depth > 0; i++) depth += s[i] === '{' ? 1 : s[i] === '}' ? -1 : 0;
      out.push(s.slice(m.index as number, i));
    }
  return out;
}
/** Names declared private/protected (or `#`) in the class with this name. */
function hiddenIn(className: string): Set<string> {
  const hidden = new Set<string>();
  const re =
    /^\s+(?:private|protected)\s+(?:static\s+)?(?:abstract\s+)?(?:async\s+)?(?:override\s+)?(?:get\s+|set\s+)?([A-Za-z_$][\w$]*)\s*[(<]/gm;
  for (const body of classBodies(className)) for (const m of body.matchAll(re)) hidden.add(m[1] as string);
  return hidden;
}

/** Public methods by reflection over the prototype chain (getters and the constructor excluded). */
function publicMethods(c: AnyClass): string[] {
  const names = new Set<string>();
  for (let p = c.prototype; p && p !== Object.prototype && p !== Error.prototype; p = Object.getPrototypeOf(p)) {
    const hidden = hiddenIn((p.constructor as { name: string }).name);
    for (const n of Object.getOwnPropertyNames(p)) {
      const d = Object.getOwnPropertyDescriptor(p, n);
      if (n !== 'constructor' && typeof d?.value === 'function' && !hidden.has(n)) names.add(n);
    }
  }
  return [...names].sort();
}

// ---- factories: a valid instance of each class (fresh per call) ----
const state = mkdtempSync(join(tmpdir(), 'tsdp-s7-'));
const rng = () => new testing.SeededRandomSource(7);
const bounds = { lower: [0, 0], upper: [1, 1] };
const closers: (() => unknown)[] = [];
/** PostgreSQL for PostgresEngine/PostgresLedger: swept when TSDP_TEST_POSTGRES_URL is set (CI sets it), listed as not built otherwise. */
const PG_URL = process.env.TSDP_TEST_POSTGRES_URL;
/**
 * Each call gets a fresh instance, and each PostgreSQL instance holds a pool of connections: the one made for the
 * previous call (finished by then: calls are sequential) is closed first, so the sweep never holds more than one
 * pool (the server takes 100 connections).
 */
let previousPg: { close(): Promise<void> } | undefined;
async function closePrevious<T extends { close(): Promise<void> }>(x: T): Promise<T> {
  await previousPg?.close().catch(() => {});
  previousPg = x;
  return x;
}
closers.push(() => previousPg?.close().catch(() => {}));
afterAll(async () => {
  for (const c of closers) await c();
});

const FACTORIES: Record<string, () => object | Promise<object>> = {
  'root.ApproxDpFilter': () => new root.ApproxDpFilter({ epsilon: 1, delta: 1e-6 }),
  'root.ContributionBounder': () =>
    new (root.ContributionBounder as unknown as new (o: object) => object)({
      maxPartitions: 1,
      maxContributionsPerPartition: 1,
      rng: rng(),
    }),
  'root.CryptoRandomSource': () => new root.CryptoRandomSource(),
  'root.DpError': () => new DpError('INVALID_PARAMETER', 'x', { parameter: 'x' }),
  'root.LogHistogram': () => new root.LogHistogram(),
  'root.PldAccountant': () => new root.PldAccountant(),
  'root.PrivacyBudget': () => root.PrivacyBudget.approximate(1, 1e-6),
  'root.PrivacyLossDistribution': () => root.PrivacyLossDistribution.laplace(1),
  'root.PrivacyOdometer': () => new root.PrivacyOdometer(),
  'root.Rational': () => root.Rational.of(1n, 3n),
  'root.RdpAccountant': () => new root.RdpAccountant(),
  'root.RdpFilter': () => new root.RdpFilter({ order: 8, budget: 1 }),
  'root.Session': () => root.Session.fromRecords([{ x: 1 }], { columns: ['x'], budget: root.PrivacyBudget.pure(1), rng: rng() }),
  'root.SessionQuery': () =>
    root.Session.fromRecords([{ x: 1 }], { columns: ['x'], budget: root.PrivacyBudget.pure(1), rng: rng() }).query(),
  'root.ZcdpAccountant': () => new root.ZcdpAccountant(),
  'root.ZcdpFilter': () => new root.ZcdpFilter(1),
  'sql.DuckDbEngine': async () => {
    const e = await sql.DuckDbEngine.open();
    closers.push(() => e.close());
    return e;
  },
  'sql.FileLedger': () => {
    const l = new sql.FileLedger({ dir: mkdtempSync(join(state, 'ledger-')) } as never);
    closers.push(() => (l as { close?: () => unknown }).close?.());
    return l;
  },
  'synth.ZcdpFilter': () => new (synth.ZcdpFilter as unknown as new (r: root.Rational) => object)(root.Rational.ONE),
  'testing.SeededRandomSource': () => rng(),
  'learn.GaussianNB': () => new learn.GaussianNB({ epsilon: 1, bounds, classes: 2 }),
  'learn.KMeans': () => new learn.KMeans({ epsilon: 1, clusters: 2, bounds, iterations: 2 }),
  'learn.LinearRegression': () => new learn.LinearRegression({ epsilon: 1, bounds, labelBounds: { lower: 0, upper: 1 } }),
  'learn.LogisticRegression': () => new learn.LogisticRegression({ epsilon: 1, featureCount: 2, dataNorm: 1 }),
  'learn.PCA': () => new learn.PCA({ epsilon: 1, components: 1, bounds }),
  'learn.RandomForestClassifier': () => new learn.RandomForestClassifier({ epsilon: 1, bounds, classes: 2, trees: 2, maxDepth: 2 }),
  'learn.DecisionTreeClassifier': () => new learn.DecisionTreeClassifier({ epsilon: 1, bounds, classes: 2, maxDepth: 2 }),
  'learn.StandardScaler': () => new learn.StandardScaler({ epsilon: 1, bounds }),
  'learn.Dense': () => learn.dense(2, 1, { rng: rng() }),
  'learn.Activation': () => learn.relu(2),
  'learn.Embedding': () => learn.embedding(4, 2, 2, { rng: rng() }),
  'learn.Sequential': () => new learn.Sequential([learn.dense(2, 1, { rng: rng() })], learn.logisticLoss()),
  'learn.Conv2d': () => learn.conv2d({ inChannels: 1, height: 4, width: 4, outChannels: 1, kernelSize: 2, rng: rng() }),
  'learn.Pool2d': () => learn.maxPool2d({ channels: 1, height: 4, width: 4, kernelSize: 2 }),
  'learn.Normalization': () => learn.groupNorm(1, 2, 2),
  'learn.IterateAverage': () => new learn.IterateAverage(new learn.Sequential([learn.dense(2, 1, { rng: rng() })], learn.logisticLoss())),
  'server.EnginePool': async () => {
    const e = await sql.DuckDbEngine.open();
    const pool = new server.EnginePool([e]);
    closers.push(() => pool.close());
    return pool;
  },
  'server.RateLimiter': () => new server.RateLimiter(1, 1),
  'server.ConcurrencyGate': () => new server.ConcurrencyGate(1),
  'server.AuditLog': () => new server.AuditLog(null),
  ...(PG_URL
    ? {
        'sql.PostgresEngine': async () => closePrevious(await sql.PostgresEngine.open({ connectionString: PG_URL })),
        'sql.PostgresLedger': () => closePrevious(new sql.PostgresLedger(PG_URL, { schema: 'tsdp_s7_sweep' })),
      }
    : {}),
};

/** Classes not built here, each with the reason (reviewed: none takes hostile input before its own edge checks). */
const NOT_BUILT: Record<string, string> = {
  'sql.ClickHouseEngine': 'needs a ClickHouse server (test/clickhouse sweeps it with one)',
  ...(PG_URL
    ? {}
    : {
        'sql.PostgresEngine': 'needs a PostgreSQL server: TSDP_TEST_POSTGRES_URL is not set (CI sets it)',
        'sql.PostgresLedger': 'needs a PostgreSQL server: TSDP_TEST_POSTGRES_URL is not set (CI sets it)',
      }),
  'node.NoisePool': 'starts worker threads; its methods take no data arguments but sizes (swept in test/node when present)',
  'learn.PrivateTrainer': 'built by makePrivate with a model and data (test/learn hostile sweep)',
  'server.ApiKeyStore': 'needs the server state folder and secret (test/server)',
  'server.LdpCollector': 'needs the server state folder (test/server)',
  'server.SerialEngine': "an EnginePool of one engine (its methods are EnginePool's, swept above)",
};

/**
 * OPEN: methods this sweep found letting a non-DpError out (or INTERNAL) and not yet fixed, each with its owner.
 * Empty since 2026-12-06 10:00 UTC (trust: the learn layers, Sequential, the classic models' input reader and
 * options, the engines' catalog). Fixing one removes its line; the test fails on any escape not listed here.
 */
const KNOWN_OPEN = new Set<string>([]);

// ---- hostile values ----
const throwingGetters = new Proxy(
  {},
  {
    get() {
      throw new Error('getter');
    },
    has() {
      throw new Error('has');
    },
    ownKeys() {
      throw new Error('ownKeys');
    },
    getPrototypeOf() {
      throw new Error('proto');
    },
  },
);
const HOSTILE: unknown[] = [
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  -0,
  1e308,
  Number.MAX_VALUE,
  5e-324,
  2 ** 60,
  1n,
  '1',
  'x',
  Symbol('s'),
  null,
  undefined,
  {},
  [],
  throwingGetters,
  new Proxy([], { get: () => 1e308 }),
  {
    toString() {
      throw new Error('toString');
    },
    valueOf() {
      throw new Error('valueOf');
    },
  },
  Object.defineProperty({}, 'epsilon', {
    get() {
      throw new Error('getter');
    },
    enumerable: true,
  }),
];

/** What a caller can observe being spent (budget, filters, ledgers' state). */
function spentState(x: object): string {
  const o = x as Record<string, unknown>;
  try {
    return JSON.stringify([o.spent, o.remaining, o.budget instanceof root.PrivacyBudget ? o.budget.toJSON() : undefined]);
  } catch {
    return 'unreadable';
  }
}

type Outcome = { ok: true } | { ok: false; what: string };
async function callOnce(make: () => object | Promise<object>, method: string, args: unknown[]): Promise<Outcome> {
  const inst = await make();
  const before = spentState(inst);
  const f = (inst as Record<string, unknown>)[method] as (...a: unknown[]) => unknown;
  let error: unknown;
  try {
    const r = f.apply(inst, args);
    if (r instanceof Promise) await r;
    else if (r && typeof (r as { next?: unknown }).next === 'function' && Symbol.asyncIterator in (r as object)) {
      await (r as AsyncIterator<unknown>).next();
    }
  } catch (e) {
    error = e;
  }
  if (error === undefined) return { ok: true };
  if (!(error instanceof DpError)) return { ok: false, what: `${(error as Error)?.constructor?.name ?? typeof error}` };
  if (error.code === 'INTERNAL') return { ok: false, what: 'DpError INTERNAL' };
  if (spentState(inst) !== before) return { ok: false, what: `refused (${error.code}) after a charge` };
  return { ok: true };
}

const describeArg = (a: unknown) =>
  typeof a === 'symbol' ? 'symbol' : typeof a === 'bigint' ? `${a}n` : typeof a === 'object' && a !== null ? 'object' : String(a);

describe('S7: public instance methods of every exported class refuse hostile arguments with a typed DpError', () => {
  const classes = exportedClasses();

  it('every exported class has a factory or a stated reason it is not built here', () => {
    const missing = [...classes.values()].filter((n) => !(n in FACTORIES) && !(n in NOT_BUILT));
    expect(missing).toEqual([]);
  });

  it('regression + generative: each public method, every hostile value in every argument position (fast-check, seed 10)', async () => {
    const failures = new Set<string>();
    for (const [c, name] of classes) {
      const make = FACTORIES[name];
      if (!make) continue;
      for (const m of publicMethods(c)) {
        if (name === 'sql.FileLedger' && m === 'close') continue;
        const arity = Math.max(1, Math.min(4, ((await make()) as Record<string, (...a: unknown[]) => unknown>)[m]?.length ?? 1));
        // Regression: the hostile value alone in each position, the others absent.
        for (const h of HOSTILE) {
          for (let i = 0; i < arity; i++) {
            const args = Array.from({ length: i + 1 }, (_, j) => (j === i ? h : undefined));
            const r = await callOnce(make, m, args);
            if (!r.ok) failures.add(`${name}#${m}(arg ${i} = ${describeArg(h)}): ${r.what}`);
          }
        }
      }
    }
    // Generative: random tuples of hostile values over random methods.
    const targets = [...classes].filter(([, n]) => FACTORIES[n]).flatMap(([c, n]) => publicMethods(c).map((m) => [n, m] as const));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...targets),
        fc.array(fc.nat({ max: HOSTILE.length - 1 }), { minLength: 1, maxLength: 4 }),
        async ([n, m], picks) => {
          const args = picks.map((i) => HOSTILE[i]);
          if (n === 'sql.FileLedger' && m === 'close') return;
          const r = await callOnce(FACTORIES[n] as () => object, m, args);
          if (!r.ok) failures.add(`${n}#${m}(${args.map(describeArg).join(', ')}): ${r.what}`);
        },
      ),
      { seed: 10, numRuns: 300 },
    );
    // Every escape must be a method listed as open below (with its owner); a new escape fails the test.
    const unexpected = [...failures].filter((f) => !KNOWN_OPEN.has(f.slice(0, f.indexOf('('))));
    expect(unexpected.sort()).toEqual([]);
    // And the open list only names methods that still escape (a fixed one must leave the list).
    const failing = new Set([...failures].map((f) => f.slice(0, f.indexOf('('))));
    expect([...KNOWN_OPEN].filter((m) => !failing.has(m))).toEqual([]);
  }, 300_000); // ~25 s on an idle machine with PostgreSQL; 120 s ran out at load 15 (13:45, this session)
});

describe('S7: SessionQuery builder methods with a valid column and a hostile options bag or quantile (review S18)', () => {
  it('regression: null, 1n, a Proxy and throwing getters as options are INVALID_PARAMETER', () => {
    const q = () => root.Session.fromRecords([{ x: 1 }], { columns: ['x'], budget: root.PrivacyBudget.pure(1), rng: rng() }).query();
    const calls: [string, (o: unknown) => unknown][] = [
      ['sum', (o) => q().sum('x', o as never)],
      ['mean', (o) => q().mean('x', o as never)],
      ['variance', (o) => q().variance('x', o as never)],
      ['stddev', (o) => q().stddev('x', o as never)],
      ['median', (o) => q().median('x', o as never)],
      ['min', (o) => q().min('x', o as never)],
      ['max', (o) => q().max('x', o as never)],
      ['quantile', (o) => q().quantile('x', 0.5, o as never)],
      ['quantiles', (o) => q().quantiles('x', [0.5], o as never)],
      ['quantile (the quantile itself)', (o) => q().quantile('x', o as never)],
      ['quantiles (the list)', (o) => q().quantiles('x', o as never)],
      ['quantiles (an element)', (o) => q().quantiles('x', [0.5, o] as never)],
      ['histogram', (o) => q().histogram('x', o as never)],
      ['groupBy', (o) => q().groupBy('x', o as never)],
      ['count', (o) => q().count(o as never)],
      ['countDistinct', (o) => q().countDistinct(o as never)],
      ['bound', (o) => q().bound(o as never)],
    ];
    const bad: string[] = [];
    for (const [name, call] of calls)
      for (const h of [null, 1n, 'x', throwingGetters, HOSTILE[HOSTILE.length - 1], HOSTILE[HOSTILE.length - 2]]) {
        try {
          call(h);
        } catch (e) {
          if (!(e instanceof DpError && e.code === 'INVALID_PARAMETER')) bad.push(`${name}(${describeArg(h)})`);
        }
      }
    expect(bad).toEqual([]);
  });
});

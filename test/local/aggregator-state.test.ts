/**
 * Saved aggregator states: shards merged through their JSON equal one
 * aggregator that saw every report; a restart keeps everything; and a state
 * that no sequence of valid reports could produce is refused with a typed
 * error before anything is added (the class: a forged or corrupted state
 * changing counts silently).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isDpError } from '../../src/core/errors.js';
import { createAggregator, type LocalAggregator, restoreAggregator } from '../../src/local/aggregator.js';
import type { LocalAggregatorState } from '../../src/local/aggregator-state.js';
import { createClient } from '../../src/local/client.js';
import type { LocalProtocolConfig } from '../../src/local/protocol-config.js';
import { createMemoryMemoStore, createRapporEncoder, type RapporParams } from '../../src/local/protocols/rappor.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';
import { label } from './_simulate.js';

const K = 16;
const CONFIGS: LocalProtocolConfig[] = [
  { protocol: 'rr', epsilon: 1 },
  { protocol: 'grr', epsilon: 1, domainSize: K },
  { protocol: 'oue', epsilon: 1, domainSize: K },
  { protocol: 'sue', epsilon: 1, domainSize: K },
  { protocol: 'olh', epsilon: 1, domainSize: K },
  { protocol: 'olh', epsilon: 4, domainSize: 1024 },
  { protocol: 'olh', epsilon: 1, domainSize: 2 ** 24 }, // raw mode: the (seed, y) pairs are the state
  { protocol: 'hr', epsilon: 1, domainSize: K },
  { protocol: 'cms', epsilon: 2, width: 64 },
  { protocol: 'hcms', epsilon: 2, width: 64 },
  { protocol: 'rappor', epsilon: 2, cohorts: 4, bloomBits: 32 },
];
const stringProtocol = (c: LocalProtocolConfig) => c.protocol === 'cms' || c.protocol === 'hcms' || c.protocol === 'rappor';
const candidatesOf = (c: LocalProtocolConfig): (string | number)[] | undefined =>
  stringProtocol(c)
    ? Array.from({ length: K }, (_, v) => label(v))
    : c.protocol === 'olh' && c.domainSize > 2 ** 16
      ? [0, 1, 2, 3, 7]
      : undefined;

/** `n` honest reports of values i mod 5 (and a few malformed ones), from a seeded source. */
function reports(config: LocalProtocolConfig, n: number, seed: number): unknown[] {
  const rng = new SeededRandomSource(seed);
  const out: unknown[] = [];
  if (config.protocol === 'rappor') {
    const params = createAggregator(config).params as RapporParams;
    for (let i = 0; i < n; i++) {
      const memo = createMemoryMemoStore();
      memo.set(`cohort:${params.cohorts}`, String(i % params.cohorts));
      out.push(createRapporEncoder(params, rng, memo).encode(label(i % 5)));
    }
  } else {
    const client = createClient({ ...config, rng });
    for (let i = 0; i < n; i++) {
      const v = i % 5;
      out.push(client.encode((config.protocol === 'rr' ? v === 1 : stringProtocol(config) ? label(v) : v) as never));
    }
  }
  out.push('{"v":1,', { v: 1, p: 'nope' });
  return out;
}

function estimates(aggregator: LocalAggregator, config: LocalProtocolConfig) {
  return aggregator.estimate({ candidates: candidatesOf(config) }).map((e) => [e.value, e.count, e.variance]);
}

function expectCode(f: () => unknown, code: string): void {
  let thrown: unknown;
  try {
    f();
  } catch (e) {
    thrown = e;
  }
  expect(isDpError(thrown) && thrown.code).toBe(code);
  expect((thrown as { details?: { parameter?: string } }).details?.parameter).toBe('state');
}

describe('saving, restoring and merging aggregators', () => {
  it.each(CONFIGS.map((c) => [c.protocol, c] as const))(
    '%s: three shards merged through JSON equal one aggregator of all reports',
    (_, config) => {
      const all = reports(config, 600, 11);
      const whole = createAggregator(config);
      whole.addMany(all);
      const shards = [all.slice(0, 150), all.slice(150, 420), all.slice(420)].map((part) => {
        const a = createAggregator(config);
        a.addMany(part);
        return JSON.stringify(a.toState());
      });
      const merged = restoreAggregator(shards[0] as string);
      merged.merge(shards[1]);
      merged.merge(JSON.parse(shards[2] as string));
      expect(merged.stats()).toEqual(whole.stats());
      expect(estimates(merged, config)).toEqual(estimates(whole, config));
      // A restart: the saved state of the merged aggregator restores to the same estimates, and it keeps counting.
      const restarted = restoreAggregator(JSON.stringify(merged.toState()));
      const more = reports(config, 40, 12);
      restarted.addMany(more);
      whole.addMany(more);
      expect(estimates(restarted, config)).toEqual(estimates(whole, config));
    },
  );

  it('merging equals one aggregator for random splits of random report streams (generative)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...CONFIGS.filter((c) => !(c.protocol === 'olh' && c.domainSize > 2 ** 16))),
        fc.integer({ min: 0, max: 120 }),
        fc.array(fc.integer({ min: 0, max: 120 }), { maxLength: 4 }),
        fc.integer({ min: 1, max: 1000 }),
        (config, n, cuts, seed) => {
          const all = reports(config, n, seed);
          const whole = createAggregator(config);
          whole.addMany(all);
          const points = [0, ...cuts.map((c) => Math.min(c, all.length)).sort((a, b) => a - b), all.length];
          const target = createAggregator(config);
          for (let i = 0; i + 1 < points.length; i++) {
            const shard = createAggregator(config);
            shard.addMany(all.slice(points[i], points[i + 1]));
            target.merge(JSON.stringify(shard.toState()));
          }
          expect(target.stats()).toEqual(whole.stats());
          expect(estimates(target, config)).toEqual(estimates(whole, config));
        },
      ),
      { seed: 20261205, numRuns: 60 },
    );
  });

  it('refuses a state of another version, format, protocol or parameters, and unknown fields, with INVALID_PARAMETER', () => {
    const a = createAggregator({ protocol: 'grr', epsilon: 1, domainSize: K });
    a.addMany(reports({ protocol: 'grr', epsilon: 1, domainSize: K }, 50, 3));
    const state = a.toState();
    const other = createAggregator({ protocol: 'grr', epsilon: 2, domainSize: K });
    expectCode(() => other.merge(state), 'INVALID_PARAMETER');
    expectCode(() => a.merge({ ...state, version: 2 }), 'INVALID_PARAMETER');
    expectCode(() => a.merge({ ...state, format: 'other' }), 'INVALID_PARAMETER');
    expectCode(() => a.merge({ ...state, extra: 1 }), 'INVALID_PARAMETER');
    expectCode(() => a.merge({ ...state, config: { protocol: 'grr', epsilon: -1, domainSize: K } }), 'INVALID_PARAMETER');
    expectCode(() => a.merge('{"format":'), 'INVALID_PARAMETER');
    expectCode(() => a.merge(null), 'INVALID_PARAMETER');
    expectCode(() => restoreAggregator({ ...state, rejectedBy: { 'made-up': 1 } }), 'INVALID_PARAMETER');
    expectCode(() => restoreAggregator({ ...state, accepted: -1 }), 'INVALID_PARAMETER');
    expect(a.stats().accepted).toBe(50); // nothing was added by any refused merge
  });

  it.each(CONFIGS.map((c) => [c.protocol, c] as const))(
    '%s: any single-cell change of a saved state is refused or is what valid reports could produce, and a refused merge adds nothing (generative)',
    (_, config) => {
      const source = createAggregator(config);
      source.addMany(reports(config, 80, 5));
      const state = source.toState();
      const names = Object.keys(state.cells);
      fc.assert(
        fc.property(
          fc.constantFrom(...names),
          fc.nat(),
          fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom(0.5, Number.NaN, 1e300, -1e300, 2 ** 53)),
          (name, at, delta) => {
            const cells = state.cells[name] as readonly number[];
            if (cells.length === 0) return;
            const i = at % cells.length;
            const forged: LocalAggregatorState = {
              ...state,
              cells: { ...state.cells, [name]: cells.map((x, j) => (j === i ? x + delta : x)) },
            };
            const target = createAggregator(config);
            let refused = false;
            try {
              target.merge(JSON.parse(JSON.stringify(forged)));
            } catch (e) {
              refused = true;
              expect(isDpError(e) && e.code).toBe('INVALID_PARAMETER');
            }
            if (refused) {
              expect(target.stats().accepted).toBe(0);
            } else {
              // Accepted: it must still be a state some 80 valid reports produce — the same conservation laws hold.
              expect(Number.isSafeInteger(delta)).toBe(true);
              expect(lawsHold(config, target.toState())).toBe(true);
            }
          },
        ),
        { seed: 7, numRuns: 150 },
      );
    },
  );
});

/** The conservation laws, restated independently of the implementation. */
function lawsHold(config: LocalProtocolConfig, s: LocalAggregatorState): boolean {
  const n = s.accepted;
  const c = s.cells;
  const ints = (v: readonly number[] | undefined, lo: number, hi: number) =>
    !!v && v.every((x) => Number.isSafeInteger(x) && x >= lo && x <= hi);
  const total = (v: readonly number[] | undefined) => (v ?? []).reduce((a, b) => a + b, 0);
  switch (config.protocol) {
    case 'rr':
    case 'grr':
    case 'hr':
      return ints(c.histogram, 0, n) && total(c.histogram) === n;
    case 'oue':
    case 'sue':
      return ints(c.ones, 0, n);
    case 'olh':
      return c.supports ? ints(c.supports, 0, n) : ints(c.outputs, 0, n) && (c.seeds?.length ?? -1) === n;
    case 'cms':
      return ints(c.rows, 0, n) && total(c.rows) === n && ints(c.plus, 0, n);
    case 'hcms': {
      const abs = (c.signs ?? []).reduce((a, b) => a + Math.abs(b), 0);
      return ints(c.signs, -n, n) && abs <= n && (n - abs) % 2 === 0;
    }
    case 'rappor':
      return ints(c.perCohort, 0, n) && total(c.perCohort) === n && ints(c.ones, 0, n);
  }
}

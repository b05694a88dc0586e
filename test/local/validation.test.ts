/** The aggregator refuses malformed and forged-looking reports, counts them, and never throws on input. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createAggregator, type RejectionReason } from '../../src/local/aggregator.js';
import { createClient } from '../../src/local/client.js';
import type { LocalProtocolConfig } from '../../src/local/protocol-config.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';

const CONFIGS: LocalProtocolConfig[] = [
  { protocol: 'rr', epsilon: 1 },
  { protocol: 'grr', epsilon: 1, domainSize: 10 },
  { protocol: 'oue', epsilon: 1, domainSize: 10 },
  { protocol: 'sue', epsilon: 1, domainSize: 10 },
  { protocol: 'olh', epsilon: 1, domainSize: 10 },
  { protocol: 'hr', epsilon: 1, domainSize: 10 },
  { protocol: 'cms', epsilon: 1, width: 32, hashCount: 8 },
  { protocol: 'hcms', epsilon: 1, width: 32, hashCount: 8 },
  { protocol: 'rappor', epsilon: 1, bloomBits: 16, cohorts: 4 },
];

type Json = Record<string, unknown>;

function valueFor(config: LocalProtocolConfig, i: number): string | number | boolean {
  if (config.protocol === 'rr') return i % 2 === 0;
  if (config.protocol === 'cms' || config.protocol === 'hcms' || config.protocol === 'rappor') return `v${i % 7}`;
  return i % 10;
}

function validReport(config: LocalProtocolConfig, seed = 1, i = 3): Json {
  const client = createClient({ ...config, rng: new SeededRandomSource(seed) });
  return { ...client.encode(valueFor(config, i)) } as Json;
}

/** Protocol-specific mutations: [description, mutate, expected reason]. */
function payloadMutations(config: LocalProtocolConfig): [string, (r: Json) => unknown, RejectionReason][] {
  const out: [string, (r: Json) => unknown, RejectionReason][] = [];
  const intField = { rr: 'y', grr: 'y', oue: null, sue: null, olh: 'y', hr: 'y', cms: 'j', hcms: 'l', rappor: 'r' }[config.protocol];
  if (intField) {
    out.push([`${intField} too large`, (r) => ({ ...r, [intField]: 1_000_000 }), 'out-of-range']);
    out.push([`${intField} negative`, (r) => ({ ...r, [intField]: -1 }), 'out-of-range']);
    out.push([`${intField} fractional`, (r) => ({ ...r, [intField]: 0.5 }), 'out-of-range']);
    out.push([`${intField} a string`, (r) => ({ ...r, [intField]: '1' }), 'wrong-type']);
    out.push([`${intField} missing`, (r) => ({ ...r, [intField]: undefined }), 'missing-field']);
  }
  if (config.protocol === 'olh') out.push(['seed ≥ 2³²', (r) => ({ ...r, s: 2 ** 32 }), 'out-of-range']);
  if (config.protocol === 'hr') out.push(['y ≥ K', (r) => ({ ...r, y: 16 }), 'out-of-range']);
  if ('b' in validReport(config)) {
    const length = config.protocol === 'oue' || config.protocol === 'sue' ? 10 : config.protocol === 'rappor' ? 16 : 32;
    out.push(['bits one char short', (r) => ({ ...r, b: String(r.b).slice(1) }), 'wrong-length']);
    out.push(['bits not hex', (r) => ({ ...r, b: `z${String(r.b).slice(1)}` }), 'invalid-bits']);
    out.push(['bits upper-case hex', (r) => ({ ...r, b: `F${String(r.b).slice(1)}` }), 'invalid-bits']);
    out.push(['bits as an array with a 2', (r) => ({ ...r, b: Array.from({ length }, (_, i) => (i === 0 ? 2 : 0)) }), 'invalid-bits']);
    out.push(['bits as a too short array', (r) => ({ ...r, b: [0, 1] }), 'wrong-length']);
    // The plausibility window (false rejection ≤ 1e-9) only has power for long vectors.
    if (length >= 32) out.push(['bits all ones (forged)', (r) => ({ ...r, b: Array.from({ length }, () => 1) }), 'implausible']);
    out.push(['bits a number', (r) => ({ ...r, b: 5 }), 'wrong-type']);
    if (length % 4 !== 0) out.push(['a padding bit set', (r) => ({ ...r, b: `${String(r.b).slice(0, -1)}f` }), 'invalid-bits']);
  }
  return out;
}

const COMMON: [string, (r: Json) => unknown, RejectionReason][] = [
  ['truncated JSON', (r) => JSON.stringify(r).slice(0, -1), 'malformed-json'],
  ['not JSON at all', () => 'hello', 'malformed-json'],
  ['null', () => null, 'not-an-object'],
  ['an array', (r) => [r], 'not-an-object'],
  ['a number', () => 42, 'not-an-object'],
  ['version 2', (r) => ({ ...r, v: 2 }), 'unsupported-version'],
  ['no version', (r) => ({ ...r, v: undefined }), 'missing-field'],
  ['another protocol', (r) => ({ ...r, p: r.p === 'grr' ? 'olh' : 'grr' }), 'wrong-protocol'],
  ['another ε', (r) => ({ ...r, eps: 2 }), 'wrong-parameters'],
  ['ε as a string', (r) => ({ ...r, eps: '1' }), 'wrong-parameters'],
  ['an extra field', (r) => ({ ...r, extra: 1 }), 'unexpected-field'],
];

function stripUndefined(x: unknown): unknown {
  return typeof x === 'object' && x !== null && !Array.isArray(x) ? JSON.parse(JSON.stringify(x)) : x;
}

describe('report validation', () => {
  for (const config of CONFIGS) {
    describe(config.protocol, () => {
      it('accepts honest reports, as objects and as JSON text', () => {
        const aggregator = createAggregator(config);
        const report = validReport(config);
        expect(aggregator.add(report)).toEqual({ accepted: true });
        expect(aggregator.add(JSON.stringify(report))).toEqual({ accepted: true });
        expect(aggregator.stats().accepted).toBe(2);
      });
      for (const [what, mutate, reason] of [...COMMON, ...payloadMutations(config)]) {
        it(`rejects ${what} as ${reason} and counts it`, () => {
          const aggregator = createAggregator(config);
          const result = aggregator.add(stripUndefined(mutate(validReport(config))));
          expect(result).toEqual({ accepted: false, reason });
          const stats = aggregator.stats();
          expect(stats.rejected).toBe(1);
          expect(stats.accepted).toBe(0);
          expect(stats.rejectedBy[reason]).toBe(1);
          expect(aggregator.rejected).toBe(1);
          expect(aggregator.accepted).toBe(0);
          expect(aggregator.rejectedBy[reason]).toBe(1);
        });
      }
      if (config.protocol !== 'rr') {
        it('rejects reports made under other parameters', () => {
          const aggregator = createAggregator(config);
          const other = { ...config, ...('domainSize' in config ? { domainSize: 11 } : { hashCount: 9 }) } as LocalProtocolConfig;
          expect(aggregator.add(validReport(other))).toEqual({ accepted: false, reason: 'wrong-parameters' });
        });
      }
    });
  }

  it('rejects forged unary and RAPPOR reports whose number of ones is implausible (all ones, all zeros)', () => {
    for (const config of [
      { protocol: 'oue', epsilon: 1, domainSize: 256 },
      { protocol: 'sue', epsilon: 1, domainSize: 256 },
      { protocol: 'rappor', epsilon: 1, bloomBits: 256 },
    ] as LocalProtocolConfig[]) {
      const aggregator = createAggregator(config);
      const honest = validReport(config);
      expect(aggregator.add(honest).accepted).toBe(true);
      expect(aggregator.add({ ...honest, b: 'f'.repeat(64) })).toEqual({ accepted: false, reason: 'implausible' });
      expect(aggregator.add({ ...honest, b: '0'.repeat(64) })).toEqual({ accepted: false, reason: 'implausible' });
      expect(aggregator.stats().rejectedBy.implausible).toBe(2);
    }
  });

  it('rejected reports do not change the estimates', () => {
    const config: LocalProtocolConfig = { protocol: 'grr', epsilon: 1, domainSize: 10 };
    const clean = createAggregator(config);
    const dirty = createAggregator(config);
    for (let i = 0; i < 100; i++) {
      const report = validReport(config, i, i);
      clean.add(report);
      dirty.add(report);
      dirty.add({ ...report, y: 99 });
      dirty.add('{');
    }
    expect(dirty.estimateCounts().counts).toEqual(clean.estimateCounts().counts);
    expect(dirty.stats()).toMatchObject({ accepted: 100, rejected: 200 });
  });

  it('property: every honest report of every protocol is accepted, before and after a JSON round trip', () => {
    fc.assert(
      fc.property(fc.constantFrom(...CONFIGS), fc.nat(), fc.nat(1000), (config, seed, i) => {
        const aggregator = createAggregator(config);
        const report = validReport(config, seed, i);
        expect(aggregator.add(report).accepted).toBe(true);
        expect(aggregator.add(JSON.parse(JSON.stringify(report))).accepted).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('property: arbitrary JSON values never throw, are rejected, and every one is counted', () => {
    fc.assert(
      fc.property(fc.constantFrom(...CONFIGS), fc.array(fc.oneof(fc.jsonValue(), fc.json(), fc.string())), (config, inputs) => {
        const aggregator = createAggregator(config);
        const result = aggregator.addMany(inputs);
        const stats = aggregator.stats();
        expect(result.accepted + result.rejected).toBe(inputs.length);
        expect(stats.accepted).toBe(0);
        expect(Object.values(stats.rejectedBy).reduce((a, b) => a + b, 0)).toBe(inputs.length);
      }),
      { numRuns: 200 },
    );
  });

  it('property: changing one field of an honest report to a random value is either rejected or leaves a valid report', () => {
    fc.assert(
      fc.property(fc.constantFrom(...CONFIGS), fc.nat(), fc.jsonValue(), fc.nat(10), (config, seed, junk, which) => {
        const report = validReport(config, seed);
        const keys = Object.keys(report);
        const key = keys[which % keys.length] as string;
        const mutated = { ...report, [key]: junk };
        const result = createAggregator(config).add(mutated);
        if (result.accepted) {
          // Only a value of the right kind can pass: the same one, or another in range.
          expect(typeof junk).toBe(typeof report[key]);
        } else {
          expect(result.reason).toBeTypeOf('string');
        }
      }),
      { numRuns: 300 },
    );
  });
});

/** Parameters, privacy statements, encoders, hashing and the RAPPOR memo. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isDpError } from '../../src/core/errors.js';
import { olhMode } from '../../src/local/_internal/accumulate-olh.js';
import { bitsToHex, hexToBits } from '../../src/local/_internal/bits.js';
import { xxHash32, xxHash32String, xxHash32Uint } from '../../src/local/_internal/hash.js';
import { createAggregator } from '../../src/local/aggregator.js';
import { createClient, createOlhClient, createRapporClient, createStorageMemoStore } from '../../src/local/client.js';
import { resolveLocalParams } from '../../src/local/protocol-config.js';
import { hrInSupport, hrParams } from '../../src/local/protocols/hadamard-response.js';
import { olhCoefficients, olhHash, olhParams } from '../../src/local/protocols/local-hashing.js';
import { rapporParams } from '../../src/local/protocols/rappor.js';
import { unaryParams } from '../../src/local/protocols/unary-encoding.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';

const EPSILONS = [0.5, 1, 2, 4];

describe('parameters and the ε they state', () => {
  it('every protocol states an ε per report that is at most the requested one and within 1e-6 of it', () => {
    for (const epsilon of EPSILONS) {
      for (const config of [
        { protocol: 'rr', epsilon },
        { protocol: 'grr', epsilon, domainSize: 16 },
        { protocol: 'oue', epsilon, domainSize: 16 },
        { protocol: 'sue', epsilon, domainSize: 16 },
        { protocol: 'hr', epsilon, domainSize: 16 },
        { protocol: 'cms', epsilon },
        { protocol: 'hcms', epsilon },
        { protocol: 'rappor', epsilon },
      ] as const) {
        const params = resolveLocalParams(config);
        expect(params.epsilon).toBeLessThanOrEqual(epsilon);
        expect(params.epsilon).toBeGreaterThan(epsilon - 1e-6);
      }
      // OLH's g is an integer, so its ε is the requested one only up to the grid too.
      const olh = olhParams(epsilon, 1024);
      expect(olh.hashRange).toBe(Math.round(Math.exp(epsilon)) + 1);
      expect(olh.epsilon).toBeLessThanOrEqual(epsilon);
      expect(olh.epsilon).toBeGreaterThan(epsilon - 1e-6);
    }
  });

  it('every protocol states a finite ε ≤ the requested one even at ε = 64 (probabilities stay strictly inside (0, 1))', () => {
    for (const config of [
      { protocol: 'rr', epsilon: 64 },
      { protocol: 'grr', epsilon: 64, domainSize: 2 },
      { protocol: 'oue', epsilon: 64, domainSize: 4 },
      { protocol: 'sue', epsilon: 64, domainSize: 4 },
      { protocol: 'olh', epsilon: 64, domainSize: 4 },
      { protocol: 'hr', epsilon: 64, domainSize: 4 },
      { protocol: 'cms', epsilon: 64 },
      { protocol: 'hcms', epsilon: 64 },
      { protocol: 'rappor', epsilon: 64 },
    ] as const) {
      const params = resolveLocalParams(config);
      expect(Number.isFinite(params.epsilon), config.protocol).toBe(true);
      expect(params.epsilon).toBeLessThanOrEqual(64);
    }
    expect(() => resolveLocalParams({ protocol: 'grr', epsilon: 65, domainSize: 2 })).toThrow(/<= 64/);
  });

  it('the probabilities are those of Wang et al. (2017): OUE p = 1/2, q = 1/(e^ε+1); SUE p + q = 1', () => {
    const oue = unaryParams('oue', 1, 10);
    expect(oue.p).toBe(0.5);
    expect(oue.q).toBeCloseTo(1 / (Math.E + 1), 9);
    const sue = unaryParams('sue', 1, 10);
    expect(sue.p + sue.q).toBe(1);
    expect(sue.p).toBeCloseTo(Math.exp(0.5) / (Math.exp(0.5) + 1), 9);
  });

  it('RAPPOR states ε∞ = 2h ln((1 − f/2)/(f/2)) and ε₁ ≤ ε∞, and the paper’s defaults reproduce its numbers', () => {
    const params = rapporParams(1, { epsilonInfinity: 3, hashCount: 2 });
    expect(params.epsilonInfinity).toBeCloseTo(2 * 2 * Math.log((1 - params.f / 2) / (params.f / 2)), 12);
    expect(params.epsilonInfinity).toBeLessThanOrEqual(3);
    expect(params.epsilon).toBeLessThanOrEqual(params.epsilonInfinity);
    // ε = ε∞ means no instantaneous noise (q = 1, p = 0).
    const noIrr = rapporParams(2, { epsilonInfinity: 2 });
    expect(noIrr.q).toBe(1);
    expect(noIrr.p).toBe(0);
    expect(() => rapporParams(3, { epsilonInfinity: 2 })).toThrow(/epsilon must be <= epsilonInfinity/);
  });

  it('bad configurations throw DpError INVALID_PARAMETER', () => {
    for (const bad of [
      { protocol: 'grr', epsilon: 0, domainSize: 4 },
      { protocol: 'grr', epsilon: Number.NaN, domainSize: 4 },
      { protocol: 'grr', epsilon: 1, domainSize: 1 },
      { protocol: 'oue', epsilon: 1, domainSize: 2 ** 21 },
      { protocol: 'olh', epsilon: 1, domainSize: 2.5 },
      { protocol: 'cms', epsilon: 1, width: 100 },
      { protocol: 'nope', epsilon: 1 },
    ]) {
      let caught: unknown;
      try {
        createClient(bad as never);
      } catch (e) {
        caught = e;
      }
      expect(isDpError(caught, 'INVALID_PARAMETER')).toBe(true);
    }
  });

  it('encoding a value outside the domain throws without echoing the value', () => {
    const client = createOlhClient({ epsilon: 1, domainSize: 10, rng: new SeededRandomSource(1) });
    for (const secret of [17, -7, 3.5, 987654321]) {
      let caught: unknown;
      try {
        client.encode(secret);
      } catch (e) {
        caught = e;
      }
      expect(isDpError(caught, 'INVALID_PARAMETER')).toBe(true);
      expect(String((caught as Error).message)).not.toContain(String(secret));
    }
  });
});

describe('encoders', () => {
  it('reports carry the version, protocol id and parameters', () => {
    const report = createOlhClient({ epsilon: 1, domainSize: 1024, rng: new SeededRandomSource(2) }).encode(5);
    expect(report).toMatchObject({ v: 1, p: 'olh', eps: 1, k: 1024, g: 4 });
    expect(Object.keys(report).sort()).toEqual(['eps', 'g', 'k', 'p', 's', 'v', 'y']);
  });

  it('a client on a seeded source says its reports are not for release; one on the CSPRNG does not', () => {
    expect(createClient({ protocol: 'grr', epsilon: 1, domainSize: 4, rng: new SeededRandomSource(1) }).notForRelease).toBe(true);
    expect(createClient({ protocol: 'grr', epsilon: 1, domainSize: 4 }).notForRelease).toBeUndefined();
    expect(createRapporClient({ epsilon: 1, rng: new SeededRandomSource(1) }).notForRelease).toBe(true);
  });

  it('the same seed gives the same reports (seeded runs are reproducible)', () => {
    const a = createClient({ protocol: 'cms', epsilon: 1, rng: new SeededRandomSource(9) });
    const b = createClient({ protocol: 'cms', epsilon: 1, rng: new SeededRandomSource(9) });
    expect(a.encode('x')).toEqual(b.encode('x'));
  });

  it('Hadamard response always answers inside C_x when ε is large, and the two halves of [0, K) have equal size', () => {
    const params = hrParams(40, 12);
    const client = createClient({ protocol: 'hr', epsilon: 40, domainSize: 12, rng: new SeededRandomSource(3) });
    for (let x = 0; x < 12; x++) {
      const y = (client.encode(x) as { y: number }).y;
      expect(hrInSupport(x, y)).toBe(true);
      let inside = 0;
      for (let z = 0; z < params.order; z++) if (hrInSupport(x, z)) inside++;
      expect(inside).toBe(params.order / 2);
    }
  });

  it('property: the OLH hash equals b + Σ a_i over the set bits of v, mod g', () => {
    fc.assert(
      fc.property(fc.nat({ max: 2 ** 32 - 1 }), fc.nat({ max: 2 ** 20 - 1 }), fc.integer({ min: 2, max: 60 }), (seed, value, g) => {
        const r = 20;
        const coefficients = new Uint32Array(r + 1);
        olhCoefficients(seed, g, r, coefficients);
        let expected = coefficients[r] as number;
        for (let i = 0; i < r; i++) if ((value >> i) & 1) expected += coefficients[i] as number;
        expect(olhHash(seed, value, g, r)).toBe(expected % g);
        for (const a of coefficients) expect(a).toBeLessThan(g);
      }),
    );
  });

  it('OLH aggregation in every mode (table, enumerate, raw) agrees exactly with direct counting', () => {
    const rng = new SeededRandomSource(4);
    const cases = [...EPSILONS.map((epsilon) => [epsilon, 300] as const), [2, 65536] as const];
    const modes = new Set<string>();
    for (const [epsilon, k] of cases) {
      modes.add(olhMode(olhParams(epsilon, k).hashRange, olhParams(epsilon, k).valueBits, k).kind);
      const client = createOlhClient({ epsilon, domainSize: k, rng });
      const aggregator = createAggregator({ protocol: 'olh', epsilon, domainSize: k });
      const reports = Array.from({ length: 500 }, (_, i) => client.encode((i * 7) % k));
      aggregator.addMany(reports);
      const g = client.params.hashRange;
      const r = client.params.valueBits;
      const candidates = [0, 1, 7, 100, 299];
      const { counts } = aggregator.estimateCounts(candidates);
      for (const [i, v] of candidates.entries()) {
        let support = 0;
        for (const rep of reports) if (olhHash(rep.s, v, g, r) === rep.y) support++;
        const expected = (support - 500 * client.params.q) / (client.params.p - client.params.q);
        expect(counts[i]).toBeCloseTo(expected, 6);
      }
    }
    expect([...modes].sort()).toEqual(['enumerate', 'raw', 'table']);
  });
});

describe('hashing and bit vectors', () => {
  it('xxHash32 matches the reference test vectors', () => {
    const bytes = (s: string) => new TextEncoder().encode(s);
    expect(xxHash32(bytes(''), 0)).toBe(0x02cc5d05);
    expect(xxHash32(bytes('a'), 0)).toBe(0x550d7456);
    expect(xxHash32(bytes('abc'), 0)).toBe(0x32d153ff);
    expect(xxHash32(bytes('Nobody inspects the spammish repetition'), 0)).toBe(0xe2293b2f);
    expect(xxHash32String('abc', 0)).toBe(0x32d153ff);
  });

  it('property: xxHash32Uint equals xxHash32 of the 4 little-endian bytes', () => {
    fc.assert(
      fc.property(fc.nat({ max: 2 ** 32 - 1 }), fc.nat({ max: 2 ** 32 - 1 }), (value, seed) => {
        const b = new Uint8Array(4);
        new DataView(b.buffer).setUint32(0, value, true);
        expect(xxHash32Uint(value, seed)).toBe(xxHash32(b, seed));
      }),
    );
  });

  it('property: bits → hex → bits is the identity, and the hex has ⌈L/4⌉ characters', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(0, 1), { minLength: 1, maxLength: 300 }), (array) => {
        const bits = Uint8Array.from(array);
        const hex = bitsToHex(bits);
        expect(hex).toHaveLength(Math.ceil(bits.length / 4));
        const back = new Uint8Array(bits.length);
        expect(hexToBits(hex, bits.length, back)).toBe(true);
        expect(back).toEqual(bits);
      }),
    );
  });
});

describe('RAPPOR memo', () => {
  function fakeLocalStorage() {
    const map = new Map<string, string>();
    return { getItem: (k: string) => map.get(k) ?? null, setItem: (k: string, v: string) => void map.set(k, v), map };
  }

  it('the permanent response is memoized per value and survives a new client on the same storage, as does the cohort', () => {
    const storage = fakeLocalStorage();
    // ε = ε∞: no instantaneous noise, so reports show the permanent response itself.
    const make = (seed: number) =>
      createRapporClient({ epsilon: 2, epsilonInfinity: 2, memo: createStorageMemoStore(storage), rng: new SeededRandomSource(seed) });
    const first = make(1);
    const a = first.encode('page-a');
    expect(first.encode('page-a')).toEqual(a);
    const second = make(2);
    expect(second.cohort).toBe(first.cohort);
    expect(second.encode('page-a')).toEqual(a);
    expect([...storage.map.keys()].every((k) => k.startsWith('tsdp.rappor.'))).toBe(true);
    expect(first.epsilonInfinity).toBeLessThanOrEqual(2);
  });

  it('without a shared memo, two clients draw independent permanent responses', () => {
    const a = createRapporClient({ epsilon: 2, epsilonInfinity: 2, cohorts: 1, rng: new SeededRandomSource(1) }).encode('x');
    const b = createRapporClient({ epsilon: 2, epsilonInfinity: 2, cohorts: 1, rng: new SeededRandomSource(2) }).encode('x');
    expect(a.b).not.toEqual(b.b);
  });
});

describe('browser safety', () => {
  it('nothing under src/local imports a Node built-in or calls Math.random', async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const root = join(__dirname, '..', '..', 'src', 'local');
    const files = (readdirSync(root, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const text = readFileSync(join(root, file), 'utf8');
      expect(text, file).not.toMatch(/from ['"](node:|fs|path|crypto|os|http)['"/]/);
      expect(text, file).not.toMatch(/Math\.random/);
    }
  });
});

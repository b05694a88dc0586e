import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { exactLoss, isDpError, zcdp } from '../../src/core/index.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';
import {
  buildDomain,
  cramersV,
  encodeRecords,
  reportHtml,
  type SynthGuarantee,
  synthesize,
  toArrowTable,
  utilityReport,
} from '../../src/synth/index.js';
import { synthFileFormat, writeSynthetic } from '../../src/synth/write.js';

const domain = buildDomain({
  columns: [
    { name: 'a', type: 'categorical', categories: ['0', '1'] },
    { name: 'b', type: 'categorical', categories: ['0', '1'] },
  ],
});
const guarantee: SynthGuarantee = {
  rho: 0.01,
  epsilon: 1,
  delta: 1e-6,
  loss: exactLoss(zcdp(0.01)),
  parts: { quantiles: 0, marginals: 0.01 },
};
// Real: b = a (20 records, a alternating). Synthetic: the four combinations once each (a and b independent).
const real = encodeRecords(
  domain,
  Array.from({ length: 20 }, (_, r) => ({ a: String(r % 2), b: String(r % 2) })),
);
const synthetic = encodeRecords(domain, [
  { a: '0', b: '0' },
  { a: '0', b: '1' },
  { a: '1', b: '0' },
  { a: '1', b: '1' },
]);

describe('utility report: the JSON numbers on a small case', () => {
  const rep = utilityReport({ domain, real, synthetic, method: 'mst', guarantee });

  it('TVDs: 1-way 0, 2-way ½(¼+¼+¼+¼) = 0.5, no 3-way; the worst marginal first', () => {
    expect(rep.averageTvd).toEqual({ oneWay: 0, twoWay: 0.5, threeWay: 0 });
    expect(rep.threeWayScored).toBe(0);
    expect(rep.worst[0]).toEqual({ columns: ['a', 'b'], tvd: 0.5 });
    expect(rep.oneWay.map((o) => o.real)).toEqual([
      [0.5, 0.5],
      [0.5, 0.5],
    ]);
  });

  it("Cramér's V: 1 in the real data (b = a), 0 in the synthetic (independent)", () => {
    expect(rep.association.real[0]?.[1]).toBeCloseTo(1, 12);
    expect(rep.association.synthetic[0]?.[1]).toBeCloseTo(0, 12);
    expect(rep.association.meanAbsDifference).toBeCloseTo(1, 12);
    expect(cramersV(real, domain.sizes, 1, 0)).toBeCloseTo(1, 12);
  });

  it('ML efficacy: trained on real predicts b perfectly; trained on the independent synthetic data, at the baseline', () => {
    const ml = rep.mlEfficacy;
    expect(ml?.target).toBe('b');
    expect(ml?.testRows).toBe(4);
    expect(ml?.trainRows).toEqual({ real: 16, synthetic: 4 });
    expect(ml?.trainRealTestReal).toEqual({ accuracy: 1, balancedAccuracy: 1 });
    expect(ml?.trainSyntheticTestReal).toEqual({ accuracy: 0.5, balancedAccuracy: 0.5 });
    expect(ml?.majorityBaseline).toEqual({ accuracy: 0.5, balancedAccuracy: 0.5 });
  });

  it('states the notice, the guarantee and the parts; the HTML is self-contained', () => {
    expect(rep.notice).toMatch(/NOT differentially private/);
    expect(rep.guarantee).toMatchObject({ rho: 0.01, epsilon: 1, delta: 1e-6, parts: guarantee.parts });
    const html = reportHtml(rep);
    expect(html).not.toMatch(/<script|<link|src=/);
    expect((html.match(/<svg/g) ?? []).length).toBe(2 + 3); // two 1-way bar plots, three heat maps
  });

  it('refuses an unknown target', () => {
    try {
      utilityReport({ domain, real, synthetic, method: 'mst', guarantee, target: 'zzz' });
      throw new Error('expected a refusal');
    } catch (e) {
      expect(isDpError(e, 'INVALID_PARAMETER')).toBe(true);
    }
  });
});

describe('outputs: records, Arrow, CSV, Parquet', () => {
  it('builds an Arrow table and writes .arrow and .csv files that read back the same records', async () => {
    const out = await synthesize({
      data: Array.from({ length: 100 }, (_, i) => ({ a: String(i % 2), b: String((i >> 1) % 2), n: i % 7 })),
      schema: {
        columns: [
          { name: 'a', type: 'categorical', categories: ['0', '1'] },
          { name: 'b', type: 'categorical', categories: ['0', '1'] },
          { name: 'n', type: 'integer', min: 0, max: 6 },
        ],
      },
      epsilon: 2,
      delta: 1e-6,
      method: 'mst',
      rows: 30,
      rng: new SeededRandomSource(3),
      iterations: 20,
    });
    const table = await toArrowTable(out.records, out.domain);
    expect(table.numRows).toBe(30);
    expect(table.numCols).toBe(3);
    out.records.forEach((r, i) => {
      expect(table.getChild('a')?.get(i)).toBe(r.a);
      expect(table.getChild('n')?.get(i)).toBe(r.n);
    });
    const dir = mkdtempSync(join(tmpdir(), 'tsdp-synth-out-'));
    await writeSynthetic(join(dir, 's.arrow'), out.records, out.domain);
    const back = tableFromIPC(readFileSync(join(dir, 's.arrow')));
    expect(back.numRows).toBe(30);
    expect(back.getChild('b')?.get(7)).toBe(out.records[7]?.b);
    await writeSynthetic(join(dir, 's.csv'), out.records, out.domain);
    const lines = readFileSync(join(dir, 's.csv'), 'utf8').trim().split('\n');
    expect(lines[0]).toBe('a,b,n');
    expect(lines[1]).toBe(`${out.records[0]?.a},${out.records[0]?.b},${out.records[0]?.n}`);
    expect(() => synthFileFormat('s.xlsx')).toThrow(/\.csv, \.parquet or \.arrow/);
  });
});

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PrivacyBudget } from '../../src/core/index.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';
import { toCsv } from '../../src/synth/csv.js';
import { buildDomain, encodeRecords, synthesize } from '../../src/synth/index.js';
import { reportHtml, utilityReport } from '../../src/synth/report.js';

const schema = {
  columns: [
    { name: 'colour', type: 'categorical', categories: ['red', 'green, blue', 'x"y'] },
    { name: 'n', type: 'integer', min: 0, max: 9, bins: 5 },
  ],
};
const records = Array.from({ length: 400 }, (_, i) => ({ colour: (['red', 'green, blue', 'x"y'] as const)[i % 3], n: i % 10 }));

function cli(args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'synth', ...args], { encoding: 'utf8', timeout: 120_000 });
}

describe('tsdp synth', () => {
  it('writes the synthetic CSV, the report and the guarantee it states', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsdp-synth-'));
    writeFileSync(join(dir, 'data.csv'), toCsv(records, ['colour', 'n']));
    writeFileSync(join(dir, 'schema.json'), JSON.stringify(schema));
    const out = join(dir, 'synth.csv');
    const r = cli([
      '--data',
      join(dir, 'data.csv'),
      '--schema',
      join(dir, 'schema.json'),
      '--epsilon',
      '2',
      '--delta',
      '1e-6',
      '--rows',
      '123',
      '--out',
      out,
      '--report',
      join(dir, 'report.html'),
      '--iterations',
      '50',
      '--json',
    ]);
    expect(r.status, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.rows).toBe(123);
    expect(summary.guarantee.epsilon).toBeLessThanOrEqual(2);
    expect(r.stderr).toMatch(/1-way marginals measured/);
    expect(readFileSync(out, 'utf8').trim().split('\n').length).toBe(124);
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    expect(report.guarantee.rho).toBe(summary.guarantee.rho);
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toMatch(/Computed by the data owner/);
  });

  it('refuses a column with no public domain before reading the data (exit 2, nothing written)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsdp-synth-'));
    writeFileSync(join(dir, 'schema.json'), JSON.stringify({ columns: [{ name: 'colour', type: 'categorical' }] }));
    const out = join(dir, 'synth.csv');
    const r = cli([
      '--data',
      join(dir, 'missing.csv'),
      '--schema',
      join(dir, 'schema.json'),
      '--epsilon',
      '1',
      '--delta',
      '1e-6',
      '--out',
      out,
    ]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/no public domain/);
    expect(existsSync(out)).toBe(false);
  });
});

describe('utility report', () => {
  it('scores identical data as TVD 0, states the guarantee charged and the budget', () => {
    const domain = buildDomain(schema as never);
    const budget = PrivacyBudget.approximate(3, 1e-6);
    const res = synthesize({
      data: records,
      schema: schema as never,
      epsilon: 1,
      delta: 1e-6,
      method: 'mst',
      rows: 10,
      budget,
      rng: new SeededRandomSource(1),
      iterations: 20,
    });
    const real = encodeRecords(domain, records);
    const rep = utilityReport({
      domain,
      real,
      synthetic: real,
      method: 'mst',
      guarantee: res.guarantee,
      ...(res.budget ? { budget: res.budget } : {}),
    });
    expect(rep.averageTvd).toEqual({ oneWay: 0, twoWay: 0, threeWay: 0 });
    expect(rep.guarantee.rho).toBe(res.guarantee.rho);
    expect(rep.budget?.spent).toMatch(/epsilon/);
    const html = reportHtml(rep);
    expect(html).toContain('&#34;'); // the quote in a category is escaped
    expect(html).not.toMatch(/<script/);
  });
});

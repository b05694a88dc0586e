import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { PrivacyBudget } from '../../src/core/index.js';
import { FileLedger } from '../../src/ledger/file-ledger.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';
import { toCsv } from '../../src/synth/csv.js';
import { encodeRecords, planSynthesis, synthesize } from '../../src/synth/index.js';
import { utilityReport } from '../../src/synth/report.js';
import { reportHtml } from '../../src/synth/report-html.js';

const schema = {
  dataset: 'colours',
  budget: { epsilon: 2.5, delta: 1e-6 },
  columns: [
    { name: 'colour', type: 'categorical', categories: ['red', 'green, blue', 'x"y'] },
    { name: 'n', type: 'integer', min: 0, max: 9, bins: 5 },
    { name: 'w', type: 'number', min: 0, max: 1, binning: 'quantiles', bins: 4 },
  ],
};
const records = Array.from({ length: 400 }, (_, i) => ({
  colour: (['red', 'green, blue', 'x"y'] as const)[i % 3],
  n: i % 10,
  w: (i % 97) / 97,
}));

function cli(args: string[], home: string) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'synth', ...args], {
    encoding: 'utf8',
    timeout: 240_000,
    env: { ...process.env, TSDP_HOME: home },
  });
}

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'tsdp-synth-'));
  writeFileSync(join(dir, 'data.csv'), toCsv(records, ['colour', 'n', 'w']));
  writeFileSync(join(dir, 'schema.json'), JSON.stringify(schema));
  return dir;
}

const base = (dir: string, out: string) => [
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
  '--iterations',
  '50',
];

describe('tsdp synth', () => {
  it('charges the file ledger exactly the guarantee the report states, then refuses a run the budget cannot pay (nothing charged)', async () => {
    const dir = setup();
    const out = join(dir, 'synth.csv');
    const r = cli([...base(dir, out), '--report', join(dir, 'report.html'), '--json'], dir);
    expect(r.status, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.rows).toBe(123);
    expect(summary.guarantee.epsilon).toBeLessThanOrEqual(2);
    expect(summary.ledger).toBe(`file ${join(dir, 'ledger')}`);
    expect(summary.dataset).toBe('colours');
    expect(summary.guarantee.parts.quantiles).toBeGreaterThan(0);
    expect(readFileSync(out, 'utf8').trim().split('\n').length).toBe(124);
    // The ledger holds one spend: ρ exactly the report's guarantee (= the privacy map), ε = δ = 0.
    const ledger = new FileLedger({ home: dir });
    const entries = await ledger.entries('colours');
    await ledger.close();
    expect(entries.length).toBe(1);
    expect(entries[0]?.rho.toString()).toBe(summary.charged.rho);
    expect(entries[0]?.epsilon.isZero() && entries[0]?.delta.isZero()).toBe(true);
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    expect(report.guarantee.rho).toBe(summary.guarantee.rho);
    expect(report.guarantee.charged).toContain(`ρ=`);
    expect(report.budget.source).toContain('colours');
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toMatch(/Computed by the data owner/);
    // A second run at ε = 2 does not fit the total ε = 2.5 (2ρ converts to ε ≈ 2.9): refused before any work.
    const out2 = join(dir, 'again.csv');
    const refused = cli(base(dir, out2), dir);
    expect(refused.status).toBe(4);
    expect(refused.stderr).toMatch(/BUDGET_EXHAUSTED/);
    expect(refused.stderr).toMatch(/ledger: file /);
    expect(existsSync(out2)).toBe(false);
    const after = new FileLedger({ home: dir });
    expect((await after.entries('colours')).length).toBe(1);
    await after.close();
  }, 300_000);

  it('writes Parquet, and shows progress (round, selected marginal, ρ used) with --progress but not by default off a terminal', async () => {
    const dir = setup();
    const out = join(dir, 'synth.parquet');
    const r = cli([...base(dir, out), '--method', 'aim', '--progress', '--budget-epsilon', '10'], dir);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/round 1: selected [a-z", ]+( × [a-z", ]+)? \(σ [0-9.e+-]+\) \(ρ used [0-9.e-]+ of [0-9.e-]+\)/);
    const instance = await DuckDBInstance.create(':memory:');
    const c = await instance.connect();
    const rows = (await c.runAndReadAll(`SELECT count(*) AS n, count(DISTINCT colour) AS k FROM read_parquet('${out}')`)).getRowObjects();
    c.closeSync();
    instance.closeSync();
    expect(Number(rows[0]?.n)).toBe(123);
    expect(Number(rows[0]?.k)).toBeGreaterThanOrEqual(1);
    const quiet = cli([...base(dir, join(dir, 'q.csv')), '--budget-epsilon', '10'], dir);
    expect(quiet.status, quiet.stderr).toBe(0);
    expect(quiet.stderr).not.toMatch(/round|selected|ρ used/);
    expect(quiet.stderr).toMatch(/ledger: file /);
  }, 300_000);

  it('regression (stop 17 calibration): a ledger capped at exactly the requested (ε, δ) pays the run — the CLI plans and charges ρ at δ/2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsdp-synth-'));
    const small = { dataset: 'exact', budget: { epsilon: 1, delta: 1e-9 }, columns: schema.columns.slice(0, 2) };
    writeFileSync(join(dir, 'schema.json'), JSON.stringify(small));
    writeFileSync(join(dir, 'data.csv'), toCsv(records, ['colour', 'n']));
    const args = ['--data', join(dir, 'data.csv'), '--schema', join(dir, 'schema.json'), '--epsilon', '1', '--delta', '1e-9'];
    const r = cli([...args, '--rows', '5', '--iterations', '5', '--out', join(dir, 'o.csv'), '--json'], dir);
    expect(r.status, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.guarantee.rho).toBe(
      planSynthesis({ schema: small as never, epsilon: 1, delta: 1e-9, method: 'mst', rows: 5 }).guarantee.rho,
    );
    expect(summary.guarantee.epsilon).toBeLessThanOrEqual(1);
    const ledger = new FileLedger({ home: dir });
    const entries = await ledger.entries('exact');
    await ledger.close();
    expect(entries.map((e) => e.rho.toString())).toEqual([summary.charged.rho]);
  }, 300_000);

  it('refuses a column with no public domain before reading the data (exit 2, nothing written, nothing charged)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsdp-synth-'));
    writeFileSync(join(dir, 'schema.json'), JSON.stringify({ budget: { epsilon: 1 }, columns: [{ name: 'colour', type: 'categorical' }] }));
    const out = join(dir, 'synth.csv');
    const r = cli(
      ['--data', join(dir, 'missing.csv'), '--schema', join(dir, 'schema.json'), '--epsilon', '1', '--delta', '1e-6', '--out', out],
      dir,
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/no public domain/);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(join(dir, 'ledger'))).toBe(false);
  }, 300_000);

  it('refuses an unknown output format and a schema without a budget before the charge', () => {
    const dir = setup();
    const bad = cli(base(dir, join(dir, 'x.xlsx')), dir);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/\.csv, \.parquet or \.arrow/);
    writeFileSync(join(dir, 'nobudget.json'), JSON.stringify({ columns: schema.columns }));
    const none = cli(
      [
        '--data',
        join(dir, 'data.csv'),
        '--schema',
        join(dir, 'nobudget.json'),
        '--epsilon',
        '1',
        '--delta',
        '1e-6',
        '--out',
        join(dir, 'y.csv'),
      ],
      dir,
    );
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/total budget/);
    expect(existsSync(join(dir, 'ledger'))).toBe(false);
  }, 300_000);
});

describe('utility report', () => {
  it('scores identical data as TVD 0 and V equal, states the guarantee charged and the budget', async () => {
    const budget = PrivacyBudget.approximate(3, 1e-6);
    const res = await synthesize({
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
    const real = encodeRecords(res.domain, records);
    const rep = utilityReport({
      domain: res.domain,
      real,
      synthetic: real,
      method: 'mst',
      guarantee: res.guarantee,
      ...(res.budget ? { budget: res.budget } : {}),
    });
    expect(rep.averageTvd).toEqual({ oneWay: 0, twoWay: 0, threeWay: 0 });
    expect(rep.association.meanAbsDifference).toBe(0);
    expect(rep.guarantee.rho).toBe(res.guarantee.rho);
    expect(rep.budget?.spent).toMatch(/ρ=/);
    const html = reportHtml(rep);
    expect(html).toContain('&#34;'); // the quote in a category is escaped
    expect(html).not.toMatch(/<script/);
    expect(html).toMatch(/<svg/);
  });
});

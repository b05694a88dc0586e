/**
 * Review P2 (the ledger's pin had no privacy unit) and R12 at the ledger level: a data set's pin records the privacy
 * unit its first spend is stated for, and a later charge stated for another unit (`tsdp synth`'s per-record ρ on a data
 * set whose SQL spends are per person) is refused with DOMAIN_MISMATCH having recorded nothing — on the file and the
 * PostgreSQL ledger, after restarts, and for legacy pins written before units (the first charge after the upgrade
 * records its unit, once). Rule: `src/ledger/ledger.ts` module header ("the privacy unit is pinned").
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { exactLoss } from '../../src/core/exact-loss.js';
import { pure, zcdp } from '../../src/core/loss.js';
import { type PrivacyUnit, privacyUnit } from '../../src/core/privacy-unit.js';
import { FileLedger } from '../../src/ledger/file-ledger.js';
import type { BudgetLedger, LedgerCap } from '../../src/ledger/ledger.js';
import { PostgresLedger } from '../../src/ledger/postgres-ledger.js';
import { Rational } from '../../src/numeric/rational.js';
import { postgresTestUrl } from '../sql/postgres-url.js';

const cap: LedgerCap = { epsilon: Rational.of(4n), delta: Rational.parse('1e-6') };
const codeOf = async (p: Promise<unknown>) =>
  p.then(
    () => 'none',
    (e: { code?: string }) => e.code ?? 'thrown',
  );

type Backend = 'file' | 'postgres';
const open = (backend: Backend, home: string): BudgetLedger =>
  backend === 'file' ? new FileLedger({ home }) : new PostgresLedger(postgresTestUrl());
let counter = 0;
const datasetName = (backend: Backend) => (backend === 'file' ? `u${counter++}` : `pu${process.pid}x${Date.now()}x${counter++}`);

const perPerson = privacyUnit('person_id', { maxPartitions: 2 });
const perRecord = privacyUnit(null);

describe('the ledger pin records the privacy unit (review P2; R12 at the ledger)', () => {
  for (const backend of ['file', 'postgres'] as const) {
    it(`${backend}: per-person SQL spends, then synth's per-record ρ: refused (DOMAIN_MISMATCH), nothing recorded, also after a restart`, async () => {
      const home = mkdtempSync(join(tmpdir(), 'tsdp-unit-'));
      const dataset = datasetName(backend);
      let ledger = open(backend, home);
      try {
        await ledger.charge({ dataset, cap, unit: perPerson }, exactLoss(pure(0.5)), 'SELECT COUNT(*) FROM people');
        const before = await ledger.status({ dataset, cap });
        await expect(ledger.charge({ dataset, cap, unit: perRecord }, exactLoss(zcdp(0.01)), 'tsdp synth')).rejects.toMatchObject({
          code: 'DOMAIN_MISMATCH',
          message: expect.stringMatching(/one person_id.*one row.*another data set name/),
        });
        // The default unit of a scope is one row: the same refusal.
        expect(await codeOf(ledger.charge({ dataset, cap }, exactLoss(pure(0.1)), 'no unit'))).toBe('DOMAIN_MISMATCH');
        await ledger.close();
        ledger = open(backend, home); // a restart reads the unit back
        if (backend === 'file') rmSync(join(home, 'ledger', `${dataset}.total.json`), { force: true });
        expect(await codeOf(ledger.charge({ dataset, cap, unit: privacyUnit('household') }, exactLoss(pure(0.1)), 'other'))).toBe(
          'DOMAIN_MISMATCH',
        );
        expect((await ledger.entries(dataset)).map((e) => e.memo)).toEqual(['SELECT COUNT(*) FROM people']);
        const after = await ledger.status({ dataset, cap });
        expect(after.dataset.spent).toEqual(before.dataset.spent);
        const pins = (await ledger.pins?.(dataset)) ?? [];
        expect(pins.map((p) => [p.analyst, p.unit?.column, p.unit?.maxPartitions])).toEqual([[null, 'person_id', 2]]);
        // Another per-person spend (other contribution bounds: still a loss per person) is accepted.
        const s = await ledger.charge(
          { dataset, cap, unit: privacyUnit('person_id', { maxContributionsPerPartition: 5 }) },
          exactLoss(pure(0.5)),
          'second',
        );
        expect(s.dataset.spent.epsilon.toString()).toBe('1');
      } finally {
        await ledger.close();
      }
    });

    it(`${backend}: a per-record data set refuses a per-person charge the same way`, async () => {
      const home = mkdtempSync(join(tmpdir(), 'tsdp-unit-'));
      const dataset = datasetName(backend);
      const ledger = open(backend, home);
      try {
        await ledger.charge({ dataset, cap, unit: perRecord }, exactLoss(zcdp(0.01)), 'synth');
        expect(await codeOf(ledger.charge({ dataset, cap, unit: perPerson }, exactLoss(pure(0.1)), 'sql'))).toBe('DOMAIN_MISMATCH');
        expect(await codeOf(ledger.charge({ dataset, cap }, exactLoss(zcdp(0.01)), 'synth again'))).toBe('none');
        expect((await ledger.entries(dataset)).map((e) => e.memo)).toEqual(['synth', 'synth again']);
      } finally {
        await ledger.close();
      }
    });
  }

  it('file, legacy: a pin line without a unit takes the unit of the first charge after the upgrade, once, recorded with it', async () => {
    const home = mkdtempSync(join(tmpdir(), 'tsdp-unit-'));
    const journal = join(home, 'ledger', 'old.jsonl');
    const ledger = new FileLedger({ home });
    await ledger.charge({ dataset: 'old', cap }, exactLoss(pure(0.5)), 'legacy spend');
    // Rewrite the journal as a ledger of last session wrote it: the pin line had no unit.
    const lines = readFileSync(journal, 'utf8').trim().split('\n');
    const pinRecord = JSON.parse(lines[0] as string);
    delete pinRecord.pin.unit;
    writeFileSync(journal, `${JSON.stringify(pinRecord)}\n${lines[1]}\n`);
    rmSync(join(home, 'ledger', 'old.total.json'), { force: true });
    expect(((await ledger.pins('old'))[0] as { unit?: PrivacyUnit }).unit).toBeUndefined();
    await ledger.charge({ dataset: 'old', cap, unit: perPerson }, exactLoss(pure(0.25)), 'first after upgrade');
    const after = readFileSync(journal, 'utf8').trim().split('\n');
    expect(after).toHaveLength(4); // legacy pin, legacy spend, the pin restated with its unit, the spend: one write
    expect(JSON.parse(after[2] as string).pin).toMatchObject({ analyst: null, epsilon: '4', unit: { column: 'person_id' } });
    rmSync(join(home, 'ledger', 'old.total.json'), { force: true });
    expect(await codeOf(ledger.charge({ dataset: 'old', cap, unit: perRecord }, exactLoss(pure(0.1)), 'synth'))).toBe('DOMAIN_MISMATCH');
    expect((await ledger.pins('old')).map((p) => p.unit?.column)).toEqual(['person_id']);
    // A further restatement (another unit) is not an upgrade: the journal is corrupt and refused, never "the later wins".
    const forged = { ...pinRecord, pin: { ...pinRecord.pin, unit: { column: null, maxPartitions: 1, maxContributionsPerPartition: 1 } } };
    writeFileSync(journal, `${readFileSync(journal, 'utf8')}${JSON.stringify(forged)}\n`);
    rmSync(join(home, 'ledger', 'old.total.json'), { force: true });
    await expect(ledger.charge({ dataset: 'old', cap, unit: perRecord }, exactLoss(pure(0.1)), 'x')).rejects.toMatchObject({
      code: 'INTERNAL',
      details: { state: 'corrupt' },
    });
  });

  it('file, legacy: a journal older than pins gets its pin and its unit from the first charge after the upgrade', async () => {
    const home = mkdtempSync(join(tmpdir(), 'tsdp-unit-'));
    const ledger = new FileLedger({ home });
    await ledger.charge({ dataset: 'older', cap }, exactLoss(pure(0.5)), 'x');
    const journal = join(home, 'ledger', 'older.jsonl');
    const spend = readFileSync(journal, 'utf8').trim().split('\n')[1] as string;
    const { recorded: _r, ...bare } = JSON.parse(spend);
    writeFileSync(journal, `${JSON.stringify(bare)}\n`);
    rmSync(join(home, 'ledger', 'older.total.json'), { force: true });
    await ledger.charge({ dataset: 'older', cap, unit: perPerson }, exactLoss(pure(0.25)), 'after');
    expect((await ledger.pins('older')).map((p) => [p.analyst, p.unit?.column])).toEqual([[null, 'person_id']]);
    expect(await codeOf(ledger.charge({ dataset: 'older', cap }, exactLoss(pure(0.1)), 'row'))).toBe('DOMAIN_MISMATCH');
  });

  it('postgres, legacy: a pin row with a NULL unit takes the unit of the first charge after the upgrade, once', async () => {
    const dataset = datasetName('postgres');
    const ledger = new PostgresLedger(postgresTestUrl());
    const client = new pg.Client({ connectionString: postgresTestUrl() });
    await client.connect();
    try {
      await ledger.charge({ dataset, cap, unit: perRecord }, exactLoss(pure(0.5)), 'legacy spend');
      await client.query("UPDATE tsdp_ledger.pins SET unit = NULL WHERE dataset = $1 AND budget = 'dataset'", [dataset]);
      expect(((await ledger.pins(dataset))[0] as { unit?: PrivacyUnit }).unit).toBeUndefined();
      await ledger.charge({ dataset, cap, unit: perPerson }, exactLoss(pure(0.25)), 'first after upgrade');
      expect((await ledger.pins(dataset)).map((p) => p.unit?.column)).toEqual(['person_id']);
      expect(await codeOf(ledger.charge({ dataset, cap, unit: perRecord }, exactLoss(pure(0.1)), 'synth'))).toBe('DOMAIN_MISMATCH');
      expect((await ledger.entries(dataset)).map((e) => e.memo)).toEqual(['legacy spend', 'first after upgrade']);
      // A unit that does not read is refused (INTERNAL), never read as "no unit".
      await client.query('UPDATE tsdp_ledger.pins SET unit = \'{"column": 7}\' WHERE dataset = $1', [dataset]);
      expect(await codeOf(ledger.charge({ dataset, cap, unit: perPerson }, exactLoss(pure(0.1)), 'y'))).toBe('INTERNAL');
    } finally {
      await client.end();
      await ledger.close();
    }
  });

  const units = [perRecord, perPerson, privacyUnit('person_id'), privacyUnit('household', { maxPartitions: 3 }), undefined];
  for (const backend of ['file', 'postgres'] as const) {
    it(`${backend}: generative — random spends with random units: only the first recorded spend's unit is ever recorded again`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(fc.integer({ min: 0, max: units.length - 1 }), fc.integer({ min: 1, max: 60 }), fc.boolean()), {
            minLength: 1,
            maxLength: 7,
          }),
          async (spends) => {
            const home = mkdtempSync(join(tmpdir(), 'tsdp-unit-'));
            const dataset = datasetName(backend);
            const ledger = open(backend, home);
            try {
              let pinned: string | null | undefined;
              const accepted: string[] = [];
              for (const [i, [u, n, rho]] of spends.entries()) {
                const unit = units[u];
                const column = unit?.column ?? null;
                const cost = rho ? exactLoss(zcdp(n / 2000)) : exactLoss(pure(n / 100));
                const before = await ledger.status({ dataset, cap });
                const code = await codeOf(ledger.charge(unit ? { dataset, cap, unit } : { dataset, cap }, cost, `q${i}`));
                if (pinned !== undefined && column !== pinned) {
                  expect(code).toBe('DOMAIN_MISMATCH');
                  // Refused having charged nothing.
                  expect((await ledger.status({ dataset, cap })).dataset.spent).toEqual(before.dataset.spent);
                } else expect(['none', 'BUDGET_EXHAUSTED']).toContain(code);
                if (code === 'none') {
                  accepted.push(`q${i}`);
                  pinned ??= column;
                }
              }
              expect((await ledger.entries(dataset)).map((e) => e.memo)).toEqual(accepted);
              const pins = (await ledger.pins?.(dataset)) ?? [];
              if (pinned !== undefined) expect(pins.map((p) => p.unit?.column)).toEqual([pinned]);
              else expect(pins).toEqual([]);
            } finally {
              await ledger.close();
            }
          },
        ),
        { seed: 20261206, numRuns: backend === 'file' ? 40 : 12 },
      );
    });
  }
});

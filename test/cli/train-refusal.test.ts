/**
 * The class "a refused `tsdp train` run": a run whose planned ε (explicit --noise-multiplier) exceeds the target is
 * refused with BUDGET_EXHAUSTED and the code table's exit status before any step AND before the noise worker starts —
 * no pool is created, nothing is written. Generative (fast-check, fixed seed) over refused plans, in-process
 * (`runTsdp`) with `createNoisePool` observed; an accepted unseeded run of the same shape is the control (one pool).
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runTsdp } from '../../src/cli/run.js';
import { DP_ERRORS } from '../../src/core/errors.js';
import * as noisePool from '../../src/learn/node/noise-pool.js';

vi.mock('../../src/learn/node/noise-pool.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../src/learn/node/noise-pool.js')>();
  return { ...actual, createNoisePool: vi.fn(actual.createNoisePool) };
});

const created = vi.mocked(noisePool.createNoisePool);

async function capture(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const write = { out: process.stdout.write, err: process.stderr.write };
  process.stdout.write = ((s: string | Uint8Array) => out.push(String(s)) > 0) as typeof process.stdout.write;
  process.stderr.write = ((s: string | Uint8Array) => err.push(String(s)) > 0) as typeof process.stderr.write;
  try {
    const code = await runTsdp(argv);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    process.stdout.write = write.out;
    process.stderr.write = write.err;
  }
}

/** Adult, 2000 rows, batch 200: q = 0.1, 10 steps an epoch. */
const SHAPE = ['train', '--data', 'adult', '--limit', '2000', '--batch-size', '200'];

describe('tsdp train: a refused run starts no noise worker', () => {
  afterEach(() => created.mockClear());

  it('refused plans (σ too small for the target): BUDGET_EXHAUSTED, its exit code, no pool, nothing written (seed 2512)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('0.2', '0.3', '0.4'),
        fc.constantFrom('0.05', '0.2', '0.5'),
        fc.integer({ min: 2, max: 5 }),
        fc.constantFrom<'pld' | 'rdp'>('pld', 'rdp'),
        fc.boolean(),
        async (sigma, epsilon, epochs, accountant, seeded) => {
          created.mockClear();
          const out = join(mkdtempSync(join(tmpdir(), 'tsdp-train-refused-')), 'never');
          const r = await capture([
            ...SHAPE,
            '--noise-multiplier',
            sigma,
            '--epsilon',
            epsilon,
            '--epochs',
            String(epochs),
            '--accountant',
            accountant,
            ...(seeded ? ['--seed', 'refusal'] : []),
            '--out',
            out,
          ]);
          expect(r.stderr).toContain('BUDGET_EXHAUSTED');
          expect(r.code).toBe(DP_ERRORS.BUDGET_EXHAUSTED.exit);
          expect(r.stderr).not.toContain('epoch 1/');
          expect(r.stdout).toBe('');
          expect(created).not.toHaveBeenCalled();
          expect(existsSync(out)).toBe(false);
        },
      ),
      { seed: 2512, numRuns: 8 },
    );
  }, 480_000);

  it('control: the same shape accepted (σ large enough) and unseeded makes exactly one pool and reports noise "pool"', async () => {
    const r = await capture([...SHAPE, '--noise-multiplier', '5', '--epsilon', '1', '--epochs', '1']);
    expect(r.stderr).not.toContain('BUDGET_EXHAUSTED');
    expect(r.code).toBe(0);
    expect(created).toHaveBeenCalledTimes(1);
    expect(JSON.parse(r.stdout).noise).toBe('pool');
  }, 480_000);
});

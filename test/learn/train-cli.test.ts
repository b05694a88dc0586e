import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DpEvents, PldAccountant } from '../../src/accounting/index.js';

const ROOT = resolve(import.meta.dirname, '../..');

function tsdp(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: ROOT, timeout: 240_000 }, (err, stdout, stderr) =>
      done({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('tsdp train', () => {
  it('trains Adult logistic regression at ε = 1 and writes a report whose ε the PLD accountant reproduces from (q, σ_eff, steps) (seeded, tiny)', async () => {
    const out = mkdtempSync(join(tmpdir(), 'tsdp-train-'));
    const run = await tsdp([
      'train',
      '--data',
      'adult',
      '--epsilon',
      '1',
      '--epochs',
      '1',
      '--limit',
      '3000',
      '--batch-size',
      '150',
      '--seed',
      'cli',
      '--out',
      out,
    ]);
    expect(run.stderr).toContain('epoch 1/1');
    expect(run.code).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.accountant).toBe('pld');
    expect(report.sampleRate).toBe(150 / 3000);
    expect(report.steps).toBe(20);
    expect(report.averagedIterates).toBe(10); // Adult's default: the tail average of the last half (post-processing)
    expect(report.momentum).toBe(0.9);
    expect(report.notForRelease).toBe(true); // seeded
    expect(report.noise).toBe('thread'); // seeded: the trainer's one stream draws the noise (train-noise.ts)
    expect(report.kernels).toBe('wasm-simd'); // the default module (Node ≥ 16 has WebAssembly SIMD)
    const replay = new PldAccountant()
      .compose(
        DpEvents.selfComposed(DpEvents.poissonSampled(report.sampleRate, DpEvents.gaussian(report.effectiveNoiseMultiplier)), report.steps),
      )
      .epsilon(report.guarantee.delta);
    expect(replay).toBe(report.guarantee.epsilon);
    expect(report.guarantee.epsilon).toBeLessThanOrEqual(1);
    expect(report.testAccuracy).toBeGreaterThan(0.7);
    const model = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
    expect(model.parameters.map((p: { name: string }) => p.name)).toEqual(['dense.weight', 'dense.bias']);
    expect(JSON.parse(run.stdout).epsilon).toBe(report.guarantee.epsilon);
  }, 240_000);

  it('refuses a run that would exceed the target before any step (BUDGET_EXHAUSTED, nothing written), and bad options with INVALID_PARAMETER', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'tsdp-train-')), 'never');
    const run = await tsdp([
      'train',
      '--data',
      'adult',
      '--epsilon',
      '0.5',
      '--noise-multiplier',
      '0.3',
      '--epochs',
      '3',
      '--limit',
      '2000',
      '--batch-size',
      '200',
      '--out',
      out,
    ]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('BUDGET_EXHAUSTED');
    expect(run.stderr).not.toContain('epoch 1/');
    expect(existsSync(out)).toBe(false);
    for (const bad of [
      ['--data', 'cifar', '--epsilon', '1'],
      ['--data', 'adult'],
      ['--data', 'adult', '--epsilon', '-1'],
      ['--data', 'adult', '--epsilon', '1', '--model', 'cnn'],
      ['--data', 'adult', '--epsilon', '1', '--batch-size', '2.5'],
      ['--data', 'adult', '--epsilon', '1', '--average', '1.5'],
      ['--data', 'adult', '--epsilon', '1', '--momentum', '1'],
      ['--data', 'adult', '--epsilon', '1', '--activation', 'tanh'],
      ['--data', 'mnist', '--epsilon', '1', '--activation', 'sigmoid'],
      ['--data', 'adult', '--epsilon', '1', '--limit', '100', '--delta', '0.01'], // δ = 1/N (review-learn L3)
    ]) {
      const r = await tsdp(['train', ...bad]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('INVALID_PARAMETER');
    }
  }, 240_000);

  it('trains the Opacus MNIST CNN for a few DP steps on the relaxed-SIMD kernels (tiny: 256 rows, one epoch), the report naming them', async () => {
    const out = mkdtempSync(join(tmpdir(), 'tsdp-train-'));
    const run = await tsdp([
      'train',
      '--data',
      'mnist',
      '--model',
      'cnn',
      '--epsilon',
      '3',
      '--epochs',
      '1',
      '--limit',
      '256',
      '--batch-size',
      '64',
      '--seed',
      'cnn',
      '--relaxed-simd',
      '--out',
      out,
    ]);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.steps).toBe(4);
    expect(result.epsilon).toBeLessThanOrEqual(3);
    // Node 20 validates relaxed SIMD once the CLI sets --experimental-wasm-relaxed-simd; later Node without it.
    expect(result.kernels).toBe('wasm-relaxed-simd');
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.kernels).toBe('wasm-relaxed-simd');
    expect(report.guarantee.epsilon).toBe(result.epsilon);
  }, 240_000);

  it('unseeded runs draw the noise in the worker pool (report noise "pool", for release); SIGINT ends the run by the signal, the pool closed, nothing written', async () => {
    const out = mkdtempSync(join(tmpdir(), 'tsdp-train-'));
    const args = ['train', '--data', 'adult', '--epsilon', '1', '--limit', '3000', '--batch-size', '150'];
    const run = await tsdp([...args, '--epochs', '1', '--out', out]);
    expect(run.code).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.noise).toBe('pool');
    expect(report.notForRelease).toBe(false);
    expect(JSON.parse(run.stdout).noise).toBe('pool');
    // A long run, interrupted after its first epoch line.
    const never = join(mkdtempSync(join(tmpdir(), 'tsdp-train-')), 'never');
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args, '--epochs', '500', '--out', never], {
      cwd: ROOT,
    });
    let stderr = '';
    const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
      child.on('exit', (code, signal) => done({ code, signal })),
    );
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes('epoch 1/500')) child.kill('SIGINT');
    });
    const end = await ended;
    expect(stderr).toContain('epoch 1/500');
    expect(stderr).not.toContain('epoch 500/500');
    expect(end.signal).toBe('SIGINT');
    expect(existsSync(never)).toBe(false);
  }, 240_000);
});

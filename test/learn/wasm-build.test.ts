import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('the committed WebAssembly kernels are reproducible', () => {
  it('src/learn/wasm/kernels-wasm.ts equals a fresh asc build of kernels.as, byte for byte', () => {
    const run = spawnSync(process.execPath, ['src/learn/wasm/assembly/build.mjs', '--check'], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/matches a fresh build/);
  }, 120_000);
});

/**
 * The split rule of `loadAdult` (review S12): a record's train/test side is decided by that record alone, so
 * adding, removing or moving one line of the file changes each split by at most that one record. Regression for
 * the line-index split (one line added near the top moved 81 of 201 records) and a generative test over random
 * files, positions and edits.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Batch } from '../../src/learn/index.js';
import { loadAdult } from '../../src/node/index.js';

const all = readFileSync('/work/shared/data/adult.csv', 'utf8').split('\n');
const header = all[0] as string;
const records = all.slice(1, 401).filter((l) => l.length > 0);
const dir = mkdtempSync(join(tmpdir(), 'adult-split-'));
let n = 0;

function load(lines: readonly string[]) {
  const path = join(dir, `adult-${n++}.csv`);
  writeFileSync(path, `${[header, ...lines].join('\n')}\n`);
  return loadAdult(path);
}

/** The rows of a split as a multiset of keys. */
function rows(b: Batch, width: number): Map<string, number> {
  const out = new Map<string, number>();
  for (let r = 0; r < b.size; r++) {
    const key = `${Array.from(b.inputs.subarray(r * width, (r + 1) * width)).join(',')}|${b.labels[r]}`;
    out.set(key, (out.get(key) ?? 0) + 1);
  }
  return out;
}

function distance(a: Map<string, number>, b: Map<string, number>): number {
  let d = 0;
  for (const k of new Set([...a.keys(), ...b.keys()])) d += Math.abs((a.get(k) ?? 0) - (b.get(k) ?? 0));
  return d;
}

function splitDistance(a: readonly string[], b: readonly string[]): { train: number; test: number } {
  const x = load(a);
  const y = load(b);
  return {
    train: distance(rows(x.train, x.features), rows(y.train, y.features)),
    test: distance(rows(x.test, x.features), rows(y.test, y.features)),
  };
}

describe('loadAdult: each record is split by itself', () => {
  it('regression S12: one line added near the top changes the training set by at most one row', () => {
    const extra = '37,Private,100000,HS-grad,9,Never-married,Sales,Not-in-family,White,Female,0,0,40,United-States,<=50K';
    const base = records.slice(0, 200);
    const d = splitDistance(base, [extra, ...base]);
    expect(d.train + d.test).toBe(1);
  });

  it('about a fifth of the records are in the test split', () => {
    const d = loadAdult();
    const share = d.test.size / (d.test.size + d.train.size);
    expect(share).toBeGreaterThan(0.17);
    expect(share).toBeLessThan(0.23);
  });

  it('generative: adding, removing or moving one line changes train and test by at most that record', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 20, max: 120 }),
        fc.integer({ min: 0, max: 280 }),
        fc.nat(),
        fc.nat(),
        fc.constantFrom('add', 'remove', 'move'),
        (size, start, i, j, edit) => {
          const base = records.slice(start, start + size);
          const other = records[(start + size + 7) % records.length] as string;
          const next = [...base];
          if (edit === 'add') next.splice(i % (base.length + 1), 0, other);
          else if (edit === 'remove') next.splice(i % base.length, 1);
          else next.splice(j % base.length, 0, ...next.splice(i % base.length, 1));
          const d = splitDistance(base, next);
          expect(d.train + d.test).toBe(edit === 'move' ? 0 : 1);
        },
      ),
      { seed: 1212, numRuns: 60 },
    );
  });
});

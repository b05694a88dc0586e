/**
 * Review S12 (issue 10 class 2/3 family — how one record is read depends on the other records; severity: ε
 * understated without bound for the file's records; owner learn, not staffed this session → lead).
 *
 * `loadAdult(path)` (exported from `tsdp/node`, documented "@privacy public preprocessing only: fixed bounds and
 * published category lists", and feeding `tsdp train`) reads any Adult-format CSV and splits it into train/test by
 * the record's **line index** (`r % 5 === 4` → test; src/learn/node/datasets.ts). Adding one person's line near the
 * top shifts the index of every later line, so about 2/5 of all records switch between the training set and the
 * test set. A DP-SGD run (or a classic model) on `loadAdult(path).train`, stated ε-DP per example, is then only
 * (k·ε)-DP for adding one line to the file, with k ≈ 2n/5 (81 of 201 rows below).
 *
 * Rule that closes the class: a split decides each record's side from that record alone (a keyed hash of its
 * content, or a declared split column), never from its position among the others — as the record-boundary rule of
 * S2 does for parsing. `loadMnist`'s index split is over a fixed public file and is not affected.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAdult } from '../../src/node/index.js';

const lines = readFileSync('/work/shared/data/adult.csv', 'utf8').split('\n').slice(0, 201);
const extra = '37,Private,100000,HS-grad,9,Never-married,Sales,Not-in-family,White,Female,0,0,40,United-States,<=50K';

function write(ls: readonly string[]): string {
  const path = join(mkdtempSync(join(tmpdir(), 'review-s12-')), 'adult.csv');
  writeFileSync(path, `${ls.join('\n')}\n`);
  return path;
}

/** The training rows as a multiset of row keys. */
function trainRows(path: string): Map<string, number> {
  const d = loadAdult(path);
  const w = d.features;
  const out = new Map<string, number>();
  for (let r = 0; r < d.train.size; r++) {
    const key = `${Array.from(d.train.inputs.subarray(r * w, (r + 1) * w)).join(',')}|${d.train.labels[r]}`;
    out.set(key, (out.get(key) ?? 0) + 1);
  }
  return out;
}

/** Rows in one multiset and not the other (symmetric difference size). */
function distance(a: Map<string, number>, b: Map<string, number>): number {
  let n = 0;
  for (const k of new Set([...a.keys(), ...b.keys()])) n += Math.abs((a.get(k) ?? 0) - (b.get(k) ?? 0));
  return n;
}

describe('review S12: loadAdult splits train/test by line index', () => {
  it("regression S12 (fixed on main 3c4f5f8: each record's side from its own line): adding one line changes the training set by ≤ 1 row (was 81 of 201)", () => {
    const without = trainRows(write(lines));
    const withOne = trainRows(write([lines[0] as string, extra, ...lines.slice(1)]));
    expect(distance(without, withOne)).toBeLessThanOrEqual(1);
  });

  it('S12 other members: removing a line, adding one at the end or in the middle, duplicating one — each moves the training set by ≤ 1 row', () => {
    const without = trainRows(write(lines));
    const edits: string[][] = [
      [lines[0] as string, ...lines.slice(2)],
      [...lines, extra],
      [...lines.slice(0, 100), extra, ...lines.slice(100)],
      [...lines.slice(0, 50), lines[50] as string, ...lines.slice(50)],
    ];
    for (const e of edits) expect(distance(without, trainRows(write(e)))).toBeLessThanOrEqual(1);
  });
});

/**
 * Review session 9b, M17b (M17's class — data-derived, non-DP content tsdp writes to disk readable by other local
 * users): `tsdp synth --report r.html` writes r.html and r.json — the utility report computed on the REAL data (its
 * marginals and fidelity figures; the CLI itself prints "report (for the data owner only; not DP)") — with
 * `writeFileSync`'s default mode, i.e. 0644 under the usual umask 022: any local user can read it when the folder is
 * shared (/tmp, a project folder). The other private files tsdp writes are owner-only (ledger journal and state 0600
 * in a 0700 folder, API keys, LDP collector state, audit log, DuckDB's spill folder 0700).
 *
 * Rule that would close it: every file tsdp writes that is not a DP release (the synth report, train's report.json
 * with its test accuracy) is created 0600, as the ledger's files are. Owner: synth (src/cli/commands/synth.ts is
 * sqlrun's; the report's writer).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { toCsv } from '../../src/synth/csv.js';

const dir = mkdtempSync(join(tmpdir(), 'review-report-mode-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const schema = {
  dataset: 'colours',
  budget: { epsilon: 2.5, delta: 1e-6 },
  columns: [
    { name: 'colour', type: 'categorical', categories: ['red', 'green'] },
    { name: 'n', type: 'integer', min: 0, max: 9, bins: 5 },
  ],
};
const records = Array.from({ length: 200 }, (_, i) => ({ colour: i % 3 === 0 ? 'red' : 'green', n: i % 10 }));

describe('review M17b: the non-DP synth report is written group/other-readable', () => {
  it('M17b (fixed: src/cli/owner-only-file.ts) — tsdp synth --report under umask 022: report.html and report.json are owner-only', () => {
    writeFileSync(join(dir, 'data.csv'), toCsv(records, ['colour', 'n']));
    writeFileSync(join(dir, 'schema.json'), JSON.stringify(schema));
    const args = ['--data', join(dir, 'data.csv'), '--schema', join(dir, 'schema.json'), '--epsilon', '1', '--delta', '1e-6'];
    const more = ['--rows', '20', '--out', join(dir, 'synth.csv'), '--iterations', '10', '--report', join(dir, 'report.html'), '--json'];
    const r = spawnSync('sh', ['-c', 'umask 022; exec "$0" --import tsx src/cli/main.ts synth "$@"', process.execPath, ...args, ...more], {
      encoding: 'utf8',
      timeout: 240_000,
      env: { ...process.env, TSDP_HOME: dir },
    });
    expect(r.status, r.stderr).toBe(0);
    const modes = ['report.html', 'report.json'].map((f) => statSync(join(dir, f)).mode & 0o077);
    expect(modes).toEqual([0, 0]);
  }, 240_000);
});

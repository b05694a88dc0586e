/**
 * Outside check of issue 11 ("A visible budget"; `schema init --dp-bounds`), reviewml, stop 19. Not a privacy hole:
 * the ledger refuses safely. It is first-hour friction that hides the budget exactly when the owner needs to see it.
 *
 * This is the path the issue describes, on a clean clone of main adf3dd5 with my own visits.csv:
 *   1. `tsdp schema init visits.csv --dp-bounds 0.5 --out v.yaml` charges ε = 0.5 to data set "visits". The ledger
 *      pins the budget at that first spend to the draft's placeholder, (ε = 1, δ = 10⁻⁶), the default of
 *      --budget-epsilon. The draft still marks that line "CONFIRM: the total budget the owner allows".
 *   2. The owner confirms the draft with a budget of their own (ε = 3).
 *   3. Every `tsdp sql` is then refused DOMAIN_MISMATCH: "the budget … was pinned at its first spend to (ε=1, …); this
 *      charge names (ε=3, …)". The refusal is safe and charges nothing.
 *   4. `tsdp budget --schema v.yaml`, which charges nothing, fails with the same DOMAIN_MISMATCH ("this charge
 *      names …"). It prints neither the spend, nor the pinned cap, nor the history.
 *
 * What would close it (owner acct for the ledger's budget report, sqlrun for the CLI):
 *   - `tsdp budget` reports the PINNED cap, the spend and the history, and warns that the schema names another cap.
 *   - `schema init --dp-bounds` either says in the draft that its budget line is now fixed (no CONFIRM), or asks for
 *     --budget-epsilon explicitly before it charges.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tsdp } from '../cli/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'reviewml-budget-pinned-'));
const home = join(dir, 'home');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const csv = join(dir, 'visits.csv');
writeFileSync(
  csv,
  `patient_id,city,n_drugs\n${Array.from({ length: 400 }, (_, i) => `${i},${['Lyon', 'Oslo', 'Porto'][i % 3]},${i % 9}`).join('\n')}\n`,
);
const draft = join(dir, 'v.yaml');

describe('reviewml (issue 11, visible budget): schema init --dp-bounds, then the owner confirms a budget', () => {
  it('control: schema init --dp-bounds charges and writes a draft whose budget line says PINNED (no longer CONFIRM)', async () => {
    const r = await tsdp(['schema', 'init', csv, '--dataset', 'visits', '--dp-bounds', '0.5', '--out', draft], home);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(draft, 'utf8')).toMatch(/^budget: \{ epsilon: 1, delta: 1e-6 \}\s+# PINNED/m);
    expect(r.stderr).toMatch(/budget of data set "visits" pinned at ε=1, δ=1e-6/);
    // The owner confirms a budget of their own.
    writeFileSync(draft, readFileSync(draft, 'utf8').replace(/^budget: \{ epsilon: 1,/m, 'budget: { epsilon: 3,'));
    const q = await tsdp(['sql', '--data', csv, '--schema', draft, '--epsilon', '0.1', 'SELECT COUNT(*) AS n FROM visits'], home);
    expect(q.code).not.toBe(0);
    expect(q.stderr).toMatch(/DOMAIN_MISMATCH.*pinned at its first spend/);
  }, 120_000);

  it('`tsdp budget --schema` still shows the spend (ε=0.5), the pinned cap and history, and warns, instead of failing DOMAIN_MISMATCH', async () => {
    const r = await tsdp(['budget', '--schema', draft], home);
    expect(r.stderr).not.toMatch(/DOMAIN_MISMATCH/);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/spent: ε=0\.5/);
    expect(r.stdout).toMatch(/budget: ε=1, δ=0\.000001 \(pinned at the first spend\)/);
    expect(r.stdout).toMatch(/history \(1 spend/);
    expect(r.stderr).toMatch(/warning: the schema's budget \(ε=3, δ=0\.000001\) is not the budget data set "visits" was pinned to/);
  }, 120_000);
});

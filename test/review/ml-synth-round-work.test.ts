/**
 * Review ML (reviewml, session 3, 2026-12-06), finding M13 — issue 14's new iteration bound / issue 10 classes 11
 * ("everything public is checked before the charge") and 13 ("work bounded up front"). Low (availability: the data
 * owner's own options and schema; a run that never ends after ρ was spent). Owner: synth (`src/synth/work-bound.ts`).
 *
 * The rule synth wrote this session (work-bound.ts, commit 857e206): "a caller's `iterations` is refused before the
 * charge unless iterations × max(workload cells, maxModelSize) ≤ MAX_FIT_WORK (2³⁶) — a huge value no longer runs for
 * days after ρ was spent". It bounds the FINAL fit only. The rounds before it are not bounded:
 * (a) MWEM: `rounds` up to 10⁴ is accepted, each round runs 100 warm-started mirror-descent iterations over a model
 *     that may grow to `maxModelSize` (≤ 2²⁶ accepted) cells and scores every workload marginal on it: up to
 *     10⁴ × 100 × 2²⁶ ≈ 6.7·10¹³ cell-iterations, 1000 × MAX_FIT_WORK. Measured (load 18, shared): 8 columns × 10
 *     categories, 200 records, default cap — 10 rounds 1.4 s CPU; 40 rounds had not finished after 400 s.
 * (b) AIM: 16·d rounds by construction, each scoring every candidate of the workload's closure on the current model
 *     (`oracle(c.attrs)`, a belief-propagation marginal each) and fitting up to 100 iterations: 2,000 binary columns
 *     (their 1- and 2-way marginals, 8·10⁶ cells, pass the M8 bound) give 32,000 rounds × ~2·10⁶ candidates.
 * Both plans are accepted by `planSynthesis` — what `synthesize` checks before its charge.
 *
 * Rule that would close the class: one public work bound for the whole run, computed in planSynthesis from the schema
 * and every option — Σ over rounds (AIM: 16·d; MWEM: `rounds`) of (round iterations × model-cell cap + candidates ×
 * their marginal cost) + the final fit — refused over MAX_FIT_WORK before the charge; generative test over
 * methods × schemas × options (refused, or the plan's bound ≥ the work the run does, counted).
 */
import { describe, expect, it } from 'vitest';
import { planSynthesis } from '../../src/synth/index.js';

const categorical = (n: number, size: number, prefix: string) => ({
  columns: Array.from({ length: n }, (_, i) => ({
    name: `${prefix}${i}`,
    type: 'categorical' as const,
    categories: Array.from({ length: size }, (_, k) => `k${k}`),
  })),
});

describe('review ML M13: the work a synthesis run does after its charge is bounded before it', () => {
  it('held: the new bound refuses a huge final-fit iteration count before the charge (synth 857e206, on main)', () => {
    expect(() => planSynthesis({ schema: categorical(4, 10, 'a'), epsilon: 1, delta: 1e-9, method: 'mst', iterations: 2 ** 40 })).toThrow(
      /iterations/,
    );
  });

  it('fixed M13 (a) (was BUG: accepted): MWEM with 10⁴ rounds of 100 iterations on a 2²⁶-cell model cap (≈ 6.7·10¹³ cell-iterations) is refused', () => {
    expect(() =>
      planSynthesis({ schema: categorical(20, 100, 'b'), epsilon: 1, delta: 1e-9, method: 'mwem', rounds: 10_000, maxModelSize: 2 ** 26 }),
    ).toThrow(/INVALID_PARAMETER|INVALID_SCHEMA/);
  });

  it('fixed M13 (b) (was BUG: accepted): AIM on 2,000 binary columns (32,000 rounds, each scoring ~2·10⁶ candidates on the model) is refused', () => {
    expect(() => planSynthesis({ schema: categorical(2000, 2, 'w'), epsilon: 1, delta: 1e-9, method: 'aim' })).toThrow(
      /INVALID_PARAMETER|INVALID_SCHEMA/,
    );
  });
});

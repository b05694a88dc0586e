/**
 * The public bound on what a synthesis run allocates, checked before the charge (review ML M8; issue 10 classes 11
 * "everything public is checked before the charge" and 13 "work and memory bounded up front").
 *
 * Rule: every marginal a method materialises is a subset of the default workload's downward closure (every column
 * and every pair of columns: MST scores and measures pairs, AIM answers every candidate of the closure before its
 * first round, MWEM answers the whole workload), and MST's compressed sizes are at most the declared ones. So the
 * cells allocated for answers are at most Σᵢ sᵢ + Σ_{i<j} sᵢ·sⱼ over the declared domain sizes sᵢ, a number known
 * from the schema alone. The graphical model's cliques are bounded by `maxModelSize` (AIM, MWEM) or are the tree's
 * pairs (MST). Both bounds are refused here, before any budget is charged or any record read, with a typed error;
 * nothing data-dependent enters the decision.
 *
 * Work: the final fit runs `iterations` mirror-descent steps, each a constant number of belief-propagation passes
 * (at most 25 line-search trials, two with momentum) over the model's cells. Those cells are at most
 * max(workload cells, `maxModelSize`): MST's model is its tree of pairs (a subset of the workload's marginals),
 * AIM and MWEM admit a marginal only while the junction tree stays under the cap (their 1-way start is inside the
 * workload). So a caller's `iterations` is refused before the charge unless iterations ≤ {@link MAX_ITERATIONS} and
 * iterations × max(workload cells, maxModelSize) ≤ {@link MAX_FIT_WORK} — a huge value no longer runs for days
 * after ρ was spent. The methods' own defaults (≤ 1000 iterations) are always within it (1000 × 2²⁶ < 2³⁶).
 *
 * Whole run (review ML M13; stop 17). Rule: the work of the WHOLE run — every round's candidate scoring and fit, not
 * only the final fit — is bounded by a number computed from the declared sizes and the options alone
 * ({@link runWork}), and a plan over {@link MAX_RUN_WORK} is refused before the charge. The count follows the loops
 * the methods run, each bounded in their code by public numbers:
 * - a **step** is one cell visited by a belief-propagation pass or a marginal, one elementary step of a
 *   triangulation, or one rejection round of a selection; a mirror-descent iteration over c cells counts c (its
 *   constant number of passes — the line search's trials — is absorbed in the bound's constant, as in MAX_FIT_WORK);
 * - M = max(workload cells, maxModelSize): no model clique set, hence no fit or marginal query, walks more cells;
 * - a junction tree over d attributes ({@link junctionTreeSteps}): two greedy eliminations of d steps, each scanning
 *   ≤ d live vertices and their ≤ (d−1)² neighbour pairs, then Kruskal over ≤ d cliques: ≤ 3·d⁴ steps;
 * - a selection among k candidates: 40·k rejection rounds and one fixed-length series per candidate
 *   ({@link SELECTION_STEPS_PER_CANDIDATE} per candidate);
 * - AIM: at most 16·d rounds (`aim.ts` makes round 16·d the last, whatever the annealing) plus the 1-way fit; each
 *   round tests every candidate of the closure (d + d(d−1)/2: a junction tree each), scores the admitted ones (a
 *   marginal of ≤ M cells each), selects, builds one more junction tree, calibrates twice (2·M) and fits at most
 *   max(10⁷, 20·M) cell-iterations (`roundIterationsFor`); the final fit `iterations`·M, or by default at most
 *   max(10⁸, 200·M) (`finalIterationsFor`);
 * - MWEM: `rounds` (default d) rounds, each testing and scoring every workload marginal (d + d(d−1)/2), selecting,
 *   calibrating once and fitting 100·M; the final fit (`iterations` or 1000)·M;
 * - MST: the 300-iteration 1-way fit, the pair scores (≤ workload cells), d − 1 selections among ≤ d(d−1)/2 pairs
 *   (each filtering the pairs first by two union-find lookups of ≤ d steps), the final fit (`iterations` or 1000)·M.
 * Work linear in the number of records (counting each marginal over the data, encoding, sampling `rows`) is not in
 * the count: it is bounded by the data the caller holds and by `rows` ≤ MAX_SYNTH_ROWS. A plan over the bound is
 * INVALID_SCHEMA when the method's defaults are over it too (the schema is too large for the method), else
 * INVALID_PARAMETER (the options ask for the work). Consequence, said plainly: it is a worst case (dense interaction
 * graphs), so AIM with the default cap is refused from 32 columns of 10 categories (≈ 1.13·10¹² steps; 31: 0.94·10¹²),
 * MWEM's defaults from about 50, and AIM on Adult with a 2²⁶-cell cap (≈ 1.9·10¹²; Private-PGM's 1.05·10⁷: 3.0·10¹¹).
 */
import { DpError } from '../core/index.js';

/** The most cells (Float64 counts, 8 bytes each: 512 MiB) the default workload's marginals may take. */
export const MAX_WORKLOAD_CELLS = 2 ** 26;

/** The largest `maxModelSize` (cells of the graphical model's cliques) a run may ask for. */
export const MAX_MODEL_SIZE = 2 ** 26;

/** The model-size cap AIM and MWEM use when the caller gives none (cells of the junction tree). */
export const DEFAULT_MAX_MODEL_SIZE = 1_000_000;

/** The most final-fit iterations a run may ask for (Private-PGM's default is 1000). */
export const MAX_ITERATIONS = 100_000;

/**
 * The most cell-iterations (iterations × the model-cell bound) a run may ask for: 2³⁶ ≈ 6.9·10¹⁰, about 1000
 * iterations on the largest model `maxModelSize` admits, or 68,000 on the default cap — hours of CPU, not days.
 */
export const MAX_FIT_WORK = 2 ** 36;

/**
 * The most steps (see the module header) a whole run may take: 2⁴⁰ ≈ 1.1·10¹², at the few nanoseconds a step takes
 * here hours of CPU, not days. Adult (14 columns) with AIM's defaults counts ≈ 3.2·10¹⁰.
 */
export const MAX_RUN_WORK = 2 ** 40;

/** Steps a selection takes per candidate: 40 rejection rounds and the candidate's coin bounds (a fixed-length series). */
export const SELECTION_STEPS_PER_CANDIDATE = 40 + 64;

/** The methods whose work is bounded. */
export type WorkMethod = 'mst' | 'aim' | 'mwem';

/** The options that set a run's work (all public). */
export interface WorkOptions {
  readonly maxModelSize?: number | undefined;
  readonly iterations?: number | undefined;
  readonly rounds?: number | undefined;
}

/** The count of a run's work, in steps (module header), from public sizes and options. */
export interface RunWork {
  /** Rounds at most (AIM: 16·d; MWEM: `rounds`; MST: its d − 1 selections). */
  readonly rounds: number;
  /** Candidates a round tests and scores at most. */
  readonly candidates: number;
  /** M: the cells a model or marginal query walks at most. */
  readonly modelCells: number;
  /** Steps of one round at most (MST: of one selection). */
  readonly perRound: number;
  /** Steps of everything before the rounds. */
  readonly setup: number;
  /** Steps of the final fit at most. */
  readonly finalFit: number;
  /** setup + rounds × perRound + finalFit. */
  readonly total: number;
}

/**
 * Steps of one junction-tree build over d attributes: ≤ 3·d⁴ (two greedy eliminations of ≤ d·d·(d−1)² + d² steps,
 * Kruskal over ≤ d cliques ≤ d³).
 */
export function junctionTreeSteps(d: number): number {
  return 3 * d ** 4;
}

/**
 * The work a run of `method` does on a declared domain with these options (module header "Whole run").
 * @param method - 'mst', 'aim' or 'mwem'.
 * @param sizes - the declared domain sizes.
 * @param options - maxModelSize, iterations, rounds (undefined: the method's defaults).
 * @returns the count, in steps (NaN when an option is not a number: refused by {@link checkWorkBound}).
 * @throws DpError INVALID_PARAMETER on an unknown method.
 * @privacy public sizes and options only.
 */
export function runWork(method: WorkMethod, sizes: readonly number[], options: WorkOptions = {}): RunWork {
  if (method !== 'mst' && method !== 'aim' && method !== 'mwem') {
    throw new DpError('INVALID_PARAMETER', "method must be 'mst', 'aim' or 'mwem'", {
      parameter: 'method',
      expected: "'mst' | 'aim' | 'mwem'",
    });
  }
  const d = sizes.length;
  const cells = workloadCells(sizes);
  const m = Math.max(cells, options.maxModelSize ?? DEFAULT_MAX_MODEL_SIZE);
  const pairs = (d * (d - 1)) / 2;
  const tree = junctionTreeSteps(d);
  const sum = (setup: number, rounds: number, perRound: number, finalFit: number, candidates: number): RunWork => ({
    rounds,
    candidates,
    modelCells: m,
    perRound,
    setup,
    finalFit,
    total: setup + rounds * perRound + finalFit,
  });
  const finalFit = (options.iterations ?? 1000) * m;
  switch (method) {
    case 'aim': {
      const candidates = d >= 2 ? d + pairs : 1;
      const roundFit = Math.max(1e7, 20 * m);
      const perRound = candidates * (tree + m + SELECTION_STEPS_PER_CANDIDATE) + tree + 2 * m + roundFit;
      const final = options.iterations === undefined ? Math.max(1e8, 200 * m) : options.iterations * m;
      return sum(tree + roundFit, 16 * d, perRound, final, candidates);
    }
    case 'mwem': {
      const candidates = d + (d >= 2 ? pairs : 0);
      const perRound = candidates * (tree + m + SELECTION_STEPS_PER_CANDIDATE) + m + 100 * m;
      return sum(m, options.rounds ?? Math.max(1, d), perRound, finalFit, candidates);
    }
    case 'mst': {
      // Each step filters the pairs by two union-find lookups (no path compression: ≤ d each), then selects.
      const perRound = pairs * (SELECTION_STEPS_PER_CANDIDATE + 2 * d);
      return sum(300 * m + cells, Math.max(0, d - 1), perRound, finalFit, pairs);
    }
  }
}

/**
 * Cells of every 1-way and 2-way marginal over the declared sizes: Σᵢ sᵢ + Σ_{i<j} sᵢ·sⱼ.
 * @param sizes - the declared domain size of each column (integers ≥ 1).
 * @returns the total, exact while below 2⁵³ (each size is at most 10⁴ and there are at most 10⁴ columns).
 */
export function workloadCells(sizes: readonly number[]): number {
  let ones = 0;
  let squares = 0;
  for (const s of sizes) {
    ones += s;
    squares += s * s;
  }
  return ones + (ones * ones - squares) / 2;
}

/**
 * Refuses a plan whose marginals or model could not be allocated, or whose whole run is over the work bound,
 * before anything is charged.
 * @param sizes - the declared domain sizes.
 * @param options - the method, and the caller's model-size cap, final-fit iterations and rounds (undefined: defaults).
 * @throws DpError INVALID_SCHEMA when the workload's marginals exceed {@link MAX_WORKLOAD_CELLS}, or the run with the
 *   method's defaults exceeds {@link MAX_RUN_WORK}; INVALID_PARAMETER when maxModelSize exceeds {@link MAX_MODEL_SIZE},
 *   iterations exceeds {@link MAX_ITERATIONS} or its work {@link MAX_FIT_WORK}, or the options make the run exceed
 *   {@link MAX_RUN_WORK}.
 */
export function checkWorkBound(sizes: readonly number[], options: WorkOptions & { readonly method: WorkMethod }): void {
  const { maxModelSize, iterations } = options;
  const cells = workloadCells(sizes);
  if (!(cells <= MAX_WORKLOAD_CELLS)) {
    throw new DpError(
      'INVALID_SCHEMA',
      `the schema's 1- and 2-way marginals need ${cells} cells, more than the ${MAX_WORKLOAD_CELLS} a synthesis run may allocate: declare fewer columns, fewer categories or fewer bins`,
      { path: 'columns', expected: `Σ sᵢ + Σ sᵢ·sⱼ ≤ ${MAX_WORKLOAD_CELLS}` },
    );
  }
  if (maxModelSize !== undefined && !(maxModelSize <= MAX_MODEL_SIZE)) {
    throw new DpError('INVALID_PARAMETER', `maxModelSize must be at most ${MAX_MODEL_SIZE}`, { parameter: 'maxModelSize' });
  }
  if (iterations !== undefined) {
    const modelCells = Math.max(cells, maxModelSize ?? DEFAULT_MAX_MODEL_SIZE);
    if (!(Number.isSafeInteger(iterations) && iterations >= 1 && iterations <= MAX_ITERATIONS && iterations * modelCells <= MAX_FIT_WORK)) {
      throw new DpError(
        'INVALID_PARAMETER',
        `iterations must be an integer from 1 to ${Math.min(MAX_ITERATIONS, Math.floor(MAX_FIT_WORK / modelCells))} for this schema and model-size cap (at most ${MAX_ITERATIONS}, and iterations × ${modelCells} model cells ≤ ${MAX_FIT_WORK})`,
        { parameter: 'iterations', expected: `≤ ${Math.min(MAX_ITERATIONS, Math.floor(MAX_FIT_WORK / modelCells))}` },
      );
    }
  }
  const work = runWork(options.method, sizes, options);
  if (!(work.total <= MAX_RUN_WORK)) {
    const defaults = runWork(options.method, sizes);
    const what = `a ${options.method} run on this schema counts ${work.total.toPrecision(3)} steps (${work.rounds} rounds of ${work.perRound.toPrecision(3)}, final fit ${work.finalFit.toPrecision(3)}), more than the ${MAX_RUN_WORK} a run may take (src/synth/work-bound.ts)`;
    if (!(defaults.total <= MAX_RUN_WORK)) {
      throw new DpError('INVALID_SCHEMA', `${what}: declare fewer columns or smaller domains, or use another method`, {
        path: 'columns',
        expected: `run work ≤ ${MAX_RUN_WORK}`,
      });
    }
    throw new DpError('INVALID_PARAMETER', `${what}: ask for fewer rounds, iterations or a smaller maxModelSize`, {
      parameter: options.rounds !== undefined ? 'rounds' : options.maxModelSize !== undefined ? 'maxModelSize' : 'iterations',
      expected: `run work ≤ ${MAX_RUN_WORK}`,
    });
  }
}

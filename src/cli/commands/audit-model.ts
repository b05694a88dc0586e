/**
 * `tsdp audit model --model <name> --data <adult|file.csv> [--label y] [--epsilon E] [--seed S] [--json]`:
 * trains the named model on half of the rows (members; every other row) and
 * audits what it leaks about them against the other half (non-members) with
 * the loss-threshold attack and offline LiRA (shadow models trained on a
 * third, disjoint part), printing AUC, TPR at 0.1 % / 1 % FPR and the implied
 * ε lower bound. Models: `logistic-regression`, `gaussian-nb`,
 * `random-forest` (tsdp's DP models at --epsilon) and `nonprivate-logistic`
 * (the same logistic regression at ε = 10⁶, a stand-in for no privacy).
 * `--data adult` uses tsdp/node's Adult loader; a CSV must hold numbers only,
 * features in [0, 1] (declared bounds), and a 0/1 label column.
 * Exit code 1 when an attack refutes the model's claimed ε.
 * Registered by one line in audit.ts; loads tsdp/learn only when run.
 * @module
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { DpError } from '../../core/errors.js';

/** The models `tsdp audit model` trains. */
const percent = (v: number) => `${(100 * v).toFixed(2)}%`;
// TPR at an FPR cap with its Clopper–Pearson interval and the threshold's true-FPR upper bound (roc.ts).
const figure = (p: { fpr: number; tpr: number; tprInterval: readonly [number, number]; fprUpper: number }) =>
  `TPR ${percent(p.tpr)} [${percent(p.tprInterval[0])}, ${percent(p.tprInterval[1])}] at ${percent(p.fpr)} FPR (true FPR ≤ ${percent(p.fprUpper)})`;

export const AUDITABLE_MODELS = ['logistic-regression', 'gaussian-nb', 'random-forest', 'nonprivate-logistic'] as const;

interface Rows {
  x: { values: Float64Array; rows: number; columns: number };
  y: Float64Array;
}

function readCsv(path: string, label: string): { all: Rows; columns: number } {
  const lines = readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .filter((l) => l.trim().length > 0);
  const header = (lines[0] ?? '').split(',').map((s) => s.trim());
  const li = header.indexOf(label);
  if (li < 0) throw new DpError('INVALID_PARAMETER', `the CSV has no label column ${JSON.stringify(label)}`, { parameter: 'label' });
  const columns = header.length - 1;
  const rows = lines.length - 1;
  const values = new Float64Array(rows * columns);
  const y = new Float64Array(rows);
  lines.slice(1).forEach((line, r) => {
    const cells = line.split(',');
    let c = 0;
    header.forEach((_, j) => {
      const v = Number(cells[j]);
      if (j === li) y[r] = v === 1 ? 1 : 0;
      else values[r * columns + c++] = Number.isFinite(v) ? v : 0;
    });
  });
  return { all: { x: { values, rows, columns }, y }, columns };
}

function split(all: Rows, part: number): Rows {
  const d = all.x.columns;
  const keep: number[] = [];
  for (let r = 0; r < all.x.rows; r++) if (r % 3 === part) keep.push(r);
  const values = new Float64Array(keep.length * d);
  keep.forEach((r, i) => {
    values.set(all.x.values.subarray(r * d, (r + 1) * d), i * d);
  });
  return { x: { values, rows: keep.length, columns: d }, y: Float64Array.from(keep, (r) => all.y[r] as number) };
}

/**
 * Registers `tsdp audit model` on the `audit` command.
 * @param audit - the `tsdp audit` command.
 */
export function registerAuditModel(audit: Command): void {
  audit
    .command('model')
    .description(`audit what a trained model leaks about membership (${AUDITABLE_MODELS.join(', ')})`)
    .requiredOption('--model <name>', 'the model to train and audit')
    .requiredOption('--data <adult|file.csv>', "'adult' (tsdp/node's loader) or a numeric CSV with features in [0, 1]")
    .option('--label <column>', 'the 0/1 label column of a CSV', 'label')
    .option('--epsilon <number>', 'ε of the DP model', '1')
    .option('--rows <integer>', 'use at most this many rows (members, non-members and shadow pool: a third each)', '3000')
    .option('--shadows <integer>', 'shadow models for offline LiRA (0: loss attack only)', '4')
    .option('--seed <integer>', 'seed (reproducible; results not for release)')
    .option('--json', 'print the report as JSON')
    .action(
      async (opts: {
        model: string;
        data: string;
        label: string;
        epsilon: string;
        rows: string;
        shadows: string;
        seed?: string;
        json?: boolean;
      }) => {
        const { PrivacyBudget } = await import('../../core/budget.js');
        const learn = await import('../../learn/index.js');
        const { SeededRandomSource } = await import('../../random/seeded-source.js');
        const { defaultRandomSource } = await import('../../random/source.js');
        const epsilon = Number(opts.epsilon);
        const limit = Number(opts.rows);
        const shadows = Number(opts.shadows);
        if (!(Number.isFinite(epsilon) && epsilon > 0))
          throw new DpError('INVALID_PARAMETER', '--epsilon must be a finite number > 0', { parameter: 'epsilon' });
        if (!(Number.isSafeInteger(limit) && limit >= 30))
          throw new DpError('INVALID_PARAMETER', '--rows must be an integer ≥ 30', { parameter: 'rows' });
        if (!(Number.isSafeInteger(shadows) && (shadows === 0 || shadows >= 2)))
          throw new DpError('INVALID_PARAMETER', '--shadows must be 0 or an integer ≥ 2', { parameter: 'shadows' });
        if (!(AUDITABLE_MODELS as readonly string[]).includes(opts.model)) {
          throw new DpError('INVALID_PARAMETER', `--model must be one of ${AUDITABLE_MODELS.join(', ')}`, { parameter: 'model' });
        }
        let all: Rows;
        if (opts.data === 'adult') {
          const { loadAdult } = await import('../../learn/node/datasets.js');
          const a = loadAdult();
          all = { x: { values: a.train.inputs, rows: a.train.size, columns: a.features }, y: Float64Array.from(a.train.labels) };
        } else all = readCsv(opts.data, opts.label).all;
        const n = Math.min(limit, all.x.rows);
        all = { x: { values: all.x.values.subarray(0, n * all.x.columns), rows: n, columns: all.x.columns }, y: all.y.subarray(0, n) };
        const d = all.x.columns;
        const rng = opts.seed === undefined ? defaultRandomSource() : new SeededRandomSource(Number(opts.seed));
        const bounds = { lower: new Array<number>(d).fill(0), upper: new Array<number>(d).fill(1) };
        const modelEpsilon = opts.model === 'nonprivate-logistic' ? 1e6 : epsilon;
        const train = async (data: Rows) => {
          const budget = { budget: PrivacyBudget.pure(modelEpsilon), rng };
          if (opts.model === 'gaussian-nb') {
            const m = new learn.GaussianNB({ epsilon: modelEpsilon, bounds, classes: 2 });
            await m.fit(data.x, data.y, budget);
            return m;
          }
          if (opts.model === 'random-forest') {
            const m = new learn.RandomForestClassifier({ epsilon: modelEpsilon, bounds, classes: 2 });
            await m.fit(data.x, data.y, budget);
            return m;
          }
          const m = new learn.LogisticRegression({ epsilon: modelEpsilon, featureCount: d, dataNorm: Math.sqrt(d) });
          await m.fit(data.x, data.y, budget);
          return m;
        };
        const members = split(all, 0);
        const report = await learn.auditModel({
          model: await train(members),
          members,
          nonMembers: split(all, 1),
          ...(shadows > 0 ? { shadow: { data: split(all, 2), train: (data: Rows) => train(data), models: shadows } } : {}),
          claimedEpsilon: modelEpsilon,
          rng,
        });
        if (opts.json)
          process.stdout.write(
            `${JSON.stringify({ model: opts.model, epsilon: modelEpsilon, notForRelease: opts.seed !== undefined, ...report }, null, 2)}\n`,
          );
        else {
          for (const a of [report.loss, report.lira]) {
            if (!a) continue;
            process.stdout.write(
              `${a.attack}: AUC ${a.auc.toFixed(3)}, ${a.lowFpr.map(figure).join(', ')}, ε ≥ ${a.epsilonLowerBound.toFixed(3)} (${report.confidence})\n`,
            );
          }
        }
        if (report.consistent === false) process.exitCode = 1;
      },
    );
}

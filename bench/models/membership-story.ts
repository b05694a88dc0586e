/**
 * The seeds' story, runnable: a non-private model on Adult leaks membership
 * (loss-threshold attack and offline LiRA well above chance, TPR at low FPR
 * well above the FPR), while tsdp's DP logistic regression at ε = 1, trained
 * on the same rows, does not (AUC ≈ ½). Members: N = 200 Adult training rows
 * (few rows and a d-128-2 MLP trained 800 full-batch epochs: it overfits);
 * non-members: N other training rows; shadow pool (public stand-in): 2N
 * further rows, 4 shadow models for offline LiRA. Figures printed; seeded
 * (not for release).
 *
 * Run: npx tsx bench/models/membership-story.ts   (MEMBERS, HIDDEN, EPOCHS, SHADOWS override)
 * @module
 */
import { PrivacyBudget, type RandomSource } from '../../src/index.js';
import {
  auditModel,
  isTrainable,
  LogisticRegression,
  type Matrix,
  type ModelAuditReport,
  mlp,
  type ProbabilisticModel,
  sgd,
} from '../../src/learn/index.js';
import { SeededRandomSource } from '../../src/testing/index.js';
import { adult } from './adult.js';

const A = adult();
const d = A.d;
const slice = (from: number, n: number) => ({
  x: { values: A.train.x.slice(from * d, (from + n) * d), rows: n, columns: d },
  y: A.train.y.slice(from, from + n),
});
// Few members and a high-capacity model: the non-private one memorises them (overfits), as the seeds' story needs.
const N = Number(process.env.MEMBERS ?? 200);
const members = slice(0, N);
const nonMembers = slice(N, N);
const pool = slice(2 * N, 4 * N);
const HIDDEN = Number(process.env.HIDDEN ?? 128);
const EPOCHS = Number(process.env.EPOCHS ?? 800);
const SHADOWS = Number(process.env.SHADOWS ?? 4);

/** A d-HIDDEN-2 MLP trained WITHOUT privacy: full batch, EPOCHS epochs of SGD — it memorises. */
function trainNonPrivate(data: { x: Matrix; y: Float64Array }, rng: RandomSource): ProbabilisticModel {
  const model = mlp([d, HIDDEN, 2], rng);
  const optimizer = sgd({ learningRate: 0.5 });
  const batch = { inputs: Float64Array.from(data.x.values), labels: Int32Array.from(data.y), size: data.x.rows };
  const scales = new Float64Array(batch.size).fill(1 / batch.size);
  for (let epoch = 0; epoch < EPOCHS; epoch++) {
    for (const p of model.parameters) p.grad.fill(0);
    model.forwardBackward(batch);
    for (const layer of model.layers) if (isTrainable(layer)) layer.accumulateScaledGradients(scales);
    optimizer.step(model.parameters);
  }
  return {
    predictProba(x) {
      const m = x as Matrix;
      const logits = model.predict(Float64Array.from(m.values), m.rows);
      return Float64Array.from({ length: m.rows }, (_, r) => 1 / (1 + Math.exp((logits[2 * r] as number) - (logits[2 * r + 1] as number))));
    },
  };
}

async function trainDp(data: { x: Matrix; y: Float64Array }, rng: RandomSource): Promise<ProbabilisticModel> {
  const lr = new LogisticRegression({ epsilon: 1, featureCount: d, dataNorm: A.maxRowL2 });
  await lr.fit(data.x, data.y, { budget: PrivacyBudget.pure(1), rng });
  return lr;
}

function show(name: string, r: ModelAuditReport) {
  for (const a of [r.loss, r.lira]) {
    if (!a) continue;
    console.log(
      `${name.padEnd(28)} ${a.attack.padEnd(13)} AUC ${a.auc.toFixed(3)}  TPR@0.1%FPR ${(100 * a.tprAt0_1).toFixed(1)}%  TPR@1%FPR ${(100 * a.tprAt1).toFixed(1)}%  ε ≥ ${a.epsilonLowerBound.toFixed(2)} (95%)`,
    );
  }
}

const rng = new SeededRandomSource(2026);
const leaky = trainNonPrivate(members, rng);
show(
  'non-private MLP',
  await auditModel({ model: leaky, members, nonMembers, shadow: { data: pool, train: trainNonPrivate, models: SHADOWS }, rng }),
);
const dp = await trainDp(members, rng);
show(
  'tsdp LogisticRegression ε=1',
  await auditModel({ model: dp, members, nonMembers, shadow: { data: pool, train: trainDp, models: SHADOWS }, rng, claimedEpsilon: 1 }),
);

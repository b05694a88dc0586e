/**
 * The seeds' story, runnable: a non-private model on Adult leaks membership
 * (loss-threshold attack and offline LiRA well above chance, TPR at low FPR
 * well above the FPR), while tsdp's DP logistic regression at ε = 1, trained
 * on the same rows, does not (AUC ≈ ½). Members: 500 Adult training rows;
 * non-members: 500 other training rows; shadow pool (public stand-in): 2 000
 * further rows. Figures printed; seeded (not for release).
 *
 * Run: npx tsx bench/models/membership-story.ts
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
const members = slice(0, 500);
const nonMembers = slice(500, 500);
const pool = slice(1000, 2000);

/** A 48-64-2 MLP trained WITHOUT privacy: full batch, 300 epochs of SGD — it memorises. */
function trainNonPrivate(data: { x: Matrix; y: Float64Array }, rng: RandomSource): ProbabilisticModel {
  const model = mlp([d, 64, 2], rng);
  const optimizer = sgd({ learningRate: 0.5 });
  const batch = { inputs: Float64Array.from(data.x.values), labels: Int32Array.from(data.y), size: data.x.rows };
  const scales = new Float64Array(batch.size).fill(1 / batch.size);
  for (let epoch = 0; epoch < 300; epoch++) {
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
  await auditModel({ model: leaky, members, nonMembers, shadow: { data: pool, train: trainNonPrivate, models: 8 }, rng }),
);
const dp = await trainDp(members, rng);
show(
  'tsdp LogisticRegression ε=1',
  await auditModel({ model: dp, members, nonMembers, shadow: { data: pool, train: trainDp, models: 8 }, rng, claimedEpsilon: 1 }),
);

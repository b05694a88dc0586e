/** The integer sparse vector adds its noise to, read from the trace: shared by the rounding tests. */
import { makeSparseVector } from '../../src/mechanisms/sparse-vector.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';
import { startTrace } from '../../src/testing/trace.js';

/** The integer sparse vector added noise to, for a query whose real answer is `x` (from the trace). */
export function roundedAnswer(x: number): bigint {
  const svt = makeSparseVector<null>({ queries: [() => x], threshold: 0, sensitivity: 1, epsilon1: 1, epsilon2: 1 });
  const trace = startTrace();
  try {
    svt.invoke(null, new SeededRandomSource(1));
  } finally {
    trace.stop();
  }
  const record = trace.noise.find((r) => r.extra?.role === 'query');
  if (record === undefined) throw new Error('no query traced');
  return BigInt(record.value);
}

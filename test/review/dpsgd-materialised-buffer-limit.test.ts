/**
 * Review finding L5 (review-learn, issue 12; class 9/12 "whether a step runs depends only on public values":
 * the trainer's promise "a step never refuses because of the private size of a Poisson sample"). Low;
 * found by reading, the consequence NOT run here (it needs gigabytes).
 *
 * Where: `src/learn/conv2d.ts` `valuesPerExample = max(T·K, T·outC, in, out)` omits the materialised
 * route's per-example gradient row (outC·K + outC values, `gradsBufferScratch`), and `size-limits.ts`
 * sizes the trainer's chunks (`maxRowsPerBuffer`) from valuesPerExample only. With normRoute
 * 'materialised' and few output positions (T small, outC·K large) a chunk of ⌊2²⁷ / valuesPerExample⌋
 * rows allocates rows × (outC·K + outC) doubles: conv 1×28×28, k = 28, outC = 512 → valuesPerExample
 * 784, chunk 171,196 rows, gradient row 401,920 values: a Poisson sample of a few thousand rows asks for
 * > 10 GB (an allocation failure mid-step whose occurrence depends on the sampled batch size). 'auto'
 * picks ghost for this shape; only the explicit option reaches it.
 *
 * Rule: every per-batch buffer of a layer is counted in its valuesPerExample (here
 * max(…, outC·K + outC) on the materialised route), so the chunking bounds it. Owner: learn (conv2d.ts).
 */
import { describe, expect, it } from 'vitest';
import { conv2d } from '../../src/learn/conv2d.js';
import { SeededRandomSource } from '../../src/random/seeded-source.js';

describe('review-learn L5: the materialised conv gradient buffer is outside the size limits', () => {
  it('BUG L5: valuesPerExample covers the per-example gradient row of a materialised conv', () => {
    const c = conv2d({
      inChannels: 1,
      height: 28,
      width: 28,
      outChannels: 512,
      kernelSize: 28,
      normRoute: 'materialised',
      rng: new SeededRandomSource('l5'),
    });
    const gradientRow = c.outChannels * 28 * 28 + c.outChannels;
    expect(c.valuesPerExample).toBeGreaterThanOrEqual(gradientRow);
  });
});

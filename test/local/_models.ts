/** Shared configurations and exact linear models for the statistical tests. */
import { createAggregator } from '../../src/local/aggregator.js';
import type { LocalProtocolConfig } from '../../src/local/protocol-config.js';
import { type SketchParams, sketchBucket } from '../../src/local/protocols/count-mean-sketch.js';
import { type LinearModel, label } from './_simulate.js';

export const K = 16;

export function linearModel(config: LocalProtocolConfig): LinearModel {
  const params = createAggregator(config).params;
  switch (params.protocol) {
    case 'cms':
    case 'hcms': {
      const sketch = params as SketchParams;
      const m = sketch.width;
      const c = sketch.scale;
      const f = sketch.flipProbability;
      const h = sketch.hashCount;
      const buckets = Array.from({ length: K }, (_, v) => Array.from({ length: h }, (_, j) => sketchBucket(sketch, label(v), j)));
      const rho = (d: number, e: number) => {
        let same = 0;
        for (let j = 0; j < h; j++) if (buckets[d]?.[j] === buckets[e]?.[j]) same++;
        return same / h;
      };
      const ratio = m / (m - 1);
      if (params.protocol === 'cms') {
        // term = ratio·(c·U − c/2 + 1/2 − 1/m), U = [ṽ = +1], P(U) = ρ(1 − f) + (1 − ρ) f.
        return { alpha: ratio * (0.5 - c / 2 - 1 / m), b: ratio * c, pi: (d, e) => rho(d, e) * (1 - f) + (1 - rho(d, e)) * f };
      }
      // term = ratio·(c(2U − 1) − 1/m), U = [b·H·H = +1], P(U) = ρ(1 − f) + (1 − ρ)/2.
      return { alpha: ratio * (-c - 1 / m), b: 2 * ratio * c, pi: (d, e) => rho(d, e) * (1 - f) + (1 - rho(d, e)) / 2 };
    }
    case 'rappor':
      throw new Error('RAPPOR is not a linear model over reports');
    default: {
      const { p, q } = params as { p: number; q: number };
      return { alpha: -q / (p - q), b: 1 / (p - q), pi: (d, e) => (d === e ? p : q) };
    }
  }
}

export const LINEAR_CONFIGS: LocalProtocolConfig[] = [
  { protocol: 'rr', epsilon: 1 },
  { protocol: 'grr', epsilon: 1, domainSize: K },
  { protocol: 'oue', epsilon: 1, domainSize: K },
  { protocol: 'sue', epsilon: 1, domainSize: K },
  { protocol: 'olh', epsilon: 1, domainSize: K },
  { protocol: 'olh', epsilon: 3, domainSize: K },
  { protocol: 'hr', epsilon: 1, domainSize: K },
  { protocol: 'cms', epsilon: 2, width: 64 },
  { protocol: 'hcms', epsilon: 2, width: 64 },
];

export const name = (c: LocalProtocolConfig) => `${c.protocol} ε=${c.epsilon}`;
export const domainOf = (c: LocalProtocolConfig) => (c.protocol === 'rr' ? 2 : K);
export const candidatesOf = (c: LocalProtocolConfig) =>
  c.protocol === 'cms' || c.protocol === 'hcms' || c.protocol === 'rappor' ? Array.from({ length: K }, (_, v) => label(v)) : undefined;

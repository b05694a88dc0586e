/**
 * The configuration of a local protocol — shared by the client and the
 * aggregator, which must be configured alike — and the derivation of its
 * public parameters.
 * @module
 */
import { assertNever, DpError } from '../core/errors.js';
import { type SketchOptions, type SketchParams, sketchParams } from './protocols/count-mean-sketch.js';
import { type HrParams, hrParams } from './protocols/hadamard-response.js';
import { type OlhParams, olhParams } from './protocols/local-hashing.js';
import { type GrrParams, grrParams, rrParams } from './protocols/randomized-response.js';
import { type RapporOptions, type RapporParams, rapporParams } from './protocols/rappor.js';
import { type UnaryParams, unaryParams } from './protocols/unary-encoding.js';
import type { LocalProtocolId } from './report.js';

/** Configuration of a local protocol: its id, ε and (by protocol) domain size and sizes. */
export type LocalProtocolConfig =
  | { readonly protocol: 'rr'; readonly epsilon: number }
  | { readonly protocol: 'grr' | 'oue' | 'sue' | 'hr'; readonly epsilon: number; readonly domainSize: number }
  | { readonly protocol: 'olh'; readonly epsilon: number; readonly domainSize: number; readonly hashRange?: number }
  | ({ readonly protocol: 'cms' | 'hcms'; readonly epsilon: number } & SketchOptions)
  | ({ readonly protocol: 'rappor'; readonly epsilon: number } & RapporOptions);

/** The public parameters of any local protocol. */
export type LocalProtocolParams = GrrParams | UnaryParams | OlhParams | HrParams | SketchParams | RapporParams;

/**
 * Derives the public parameters of a configured protocol.
 * @throws DpError INVALID_PARAMETER on an unknown protocol or a bad parameter.
 * @privacy the returned params state the per-report `epsilon` (and RAPPOR's `epsilonInfinity`).
 */
export function resolveLocalParams(config: LocalProtocolConfig): LocalProtocolParams {
  if (typeof config !== 'object' || config === null) {
    throw new DpError('INVALID_PARAMETER', 'a protocol configuration object is required', { parameter: 'config' });
  }
  const protocol: LocalProtocolId = config.protocol;
  switch (protocol) {
    case 'rr':
      return rrParams(config.epsilon);
    case 'grr':
    case 'oue':
    case 'sue':
    case 'hr': {
      const c = config as { epsilon: number; domainSize: number };
      if (protocol === 'grr') return grrParams(c.epsilon, c.domainSize);
      if (protocol === 'hr') return hrParams(c.epsilon, c.domainSize);
      return unaryParams(protocol, c.epsilon, c.domainSize);
    }
    case 'olh': {
      const c = config as { epsilon: number; domainSize: number; hashRange?: number };
      return olhParams(c.epsilon, c.domainSize, c.hashRange);
    }
    case 'cms':
    case 'hcms':
      return sketchParams(protocol, config.epsilon, config as SketchOptions);
    case 'rappor':
      return rapporParams(config.epsilon, config as RapporOptions);
    default:
      if (typeof protocol === 'string') {
        throw new DpError('INVALID_PARAMETER', 'unknown local protocol', {
          parameter: 'protocol',
          expected: 'rr, grr, oue, sue, olh, hr, cms, hcms or rappor',
        });
      }
      return assertNever(protocol, 'protocol');
  }
}

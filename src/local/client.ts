/**
 * `tsdp/local/client` — the browser side of local differential privacy: a
 * page encodes a user's value into a report and sends it; the value itself
 * never leaves the device. Randomness comes from `crypto.getRandomValues`.
 *
 * For the smallest bundle import the factory of the one protocol you use
 * (`createOlhClient`, …); `createClient` takes any protocol and bundles all.
 *
 * @example
 * import { createOlhClient } from 'tsdp/local/client';
 * const client = createOlhClient({ epsilon: 1, domainSize: 1024 });
 * await fetch('/reports', { method: 'POST', body: JSON.stringify(client.encode(pageIndex)) });
 * @module tsdp/local/client
 */
import { assertNever } from '../core/errors.js';
import { defaultRandomSource, isSecureSource, type RandomSource } from '../random/source.js';
import { checkObject, checkRng } from './_internal/check.js';
import { type LocalProtocolConfig, type LocalProtocolParams, resolveLocalParams } from './protocol-config.js';
import { encodeCms, encodeHcms, type SketchOptions, type SketchParams, sketchParams } from './protocols/count-mean-sketch.js';
import { encodeHr, type HrParams, hrParams } from './protocols/hadamard-response.js';
import { encodeOlh, type OlhParams, olhParams } from './protocols/local-hashing.js';
import { encodeGrr, encodeRr, type GrrParams, grrParams, rrParams } from './protocols/randomized-response.js';
import { createRapporEncoder, type RapporMemoStore, type RapporOptions, type RapporParams, rapporParams } from './protocols/rappor.js';
import { encodeUnary, type UnaryParams, unaryParams } from './protocols/unary-encoding.js';
import type { CmsReport, GrrReport, HcmsReport, HrReport, LocalReport, OlhReport, RapporReport, RrReport, UnaryReport } from './report.js';

/** Where a client draws its randomness (default: the platform CSPRNG). */
export interface ClientRandomness {
  /** Only tests should pass a seeded source. */
  readonly rng?: RandomSource;
}

/** A configured client of one protocol. */
export interface LocalClient<V, R extends LocalReport = LocalReport, P extends LocalProtocolParams = LocalProtocolParams> {
  /** The public parameters (as the aggregator derives them). */
  readonly params: P;
  /** The ε of one report, computed from the parameters actually used. */
  readonly epsilon: number;
  /** Present and true when a seeded (test) source draws the noise: such reports are not private. */
  readonly notForRelease?: true;
  /**
   * Encodes one value into a report.
   * @throws DpError INVALID_PARAMETER when the value is outside the protocol's domain (never echoed).
   */
  encode(value: V): R;
}

function client<V, R extends LocalReport, P extends LocalProtocolParams>(
  params: P,
  encode: (value: V) => R,
  rng: RandomSource,
): LocalClient<V, R, P> {
  // isSecureSource decides: a hand-made source claiming isSeeded: false is not the platform CSPRNG.
  return isSecureSource(rng)
    ? { params, epsilon: params.epsilon, encode }
    : { params, epsilon: params.epsilon, encode, notForRelease: true };
}

/**
 * Binary randomized response client (values: boolean or 0/1).
 * @privacy ε-LDP per report.
 * @throws DpError INVALID_PARAMETER on a bad ε.
 */
export function createRrClient(config: { epsilon: number } & ClientRandomness): LocalClient<boolean | 0 | 1, RrReport, GrrParams> {
  checkObject(config, 'config');
  const params = rrParams(config.epsilon);
  const rng = checkRng(config.rng ?? defaultRandomSource());
  return client(params, (value: boolean | 0 | 1) => encodeRr(params, value, rng), rng);
}

/**
 * k-ary randomized response client (values: integers in [0, k)).
 * @privacy ε-LDP per report.
 * @throws DpError INVALID_PARAMETER on a bad ε or k.
 */
export function createGrrClient(
  config: { epsilon: number; domainSize: number } & ClientRandomness,
): LocalClient<number, GrrReport, GrrParams> {
  checkObject(config, 'config');
  const params = grrParams(config.epsilon, config.domainSize);
  const rng = checkRng(config.rng ?? defaultRandomSource());
  return client(params, (value: number) => encodeGrr(params, value, rng), rng);
}

/**
 * Optimized (`'oue'`) or symmetric (`'sue'`) unary encoding client (values: integers in [0, k)).
 * @privacy ε-LDP per report.
 * @throws DpError INVALID_PARAMETER on a bad ε or k.
 */
export function createUnaryClient(
  config: { protocol: 'oue' | 'sue'; epsilon: number; domainSize: number } & ClientRandomness,
): LocalClient<number, UnaryReport, UnaryParams> {
  checkObject(config, 'config');
  const params = unaryParams(config.protocol, config.epsilon, config.domainSize);
  const rng = checkRng(config.rng ?? defaultRandomSource());
  return client(params, (value: number) => encodeUnary(params, value, rng), rng);
}

/**
 * Optimized local hashing client (values: integers in [0, k)).
 * @privacy ε-LDP per report.
 * @throws DpError INVALID_PARAMETER on bad parameters.
 */
export function createOlhClient(
  config: { epsilon: number; domainSize: number; hashRange?: number } & ClientRandomness,
): LocalClient<number, OlhReport, OlhParams> {
  checkObject(config, 'config');
  const params = olhParams(config.epsilon, config.domainSize, config.hashRange);
  const rng = checkRng(config.rng ?? defaultRandomSource());
  return client(params, (value: number) => encodeOlh(params, value, rng), rng);
}

/**
 * Hadamard response client (values: integers in [0, k)).
 * @privacy ε-LDP per report.
 * @throws DpError INVALID_PARAMETER on bad parameters.
 */
export function createHrClient(
  config: { epsilon: number; domainSize: number } & ClientRandomness,
): LocalClient<number, HrReport, HrParams> {
  checkObject(config, 'config');
  const params = hrParams(config.epsilon, config.domainSize);
  const rng = checkRng(config.rng ?? defaultRandomSource());
  return client(params, (value: number) => encodeHr(params, value, rng), rng);
}

/**
 * Count-mean-sketch (`'cms'`) or Hadamard count-mean-sketch (`'hcms'`) client
 * (values: strings or integers in [0, 2³²)).
 * @privacy ε-LDP per report.
 * @throws DpError INVALID_PARAMETER on bad parameters.
 */
export function createSketchClient(
  config: { protocol: 'cms' | 'hcms'; epsilon: number } & SketchOptions & ClientRandomness,
): LocalClient<string | number, CmsReport | HcmsReport, SketchParams> {
  checkObject(config, 'config');
  const params = sketchParams(config.protocol, config.epsilon, config);
  const rng = checkRng(config.rng ?? defaultRandomSource());
  return client(
    params,
    (value: string | number) => (params.protocol === 'cms' ? encodeCms(params, value, rng) : encodeHcms(params, value, rng)),
    rng,
  );
}

/**
 * RAPPOR client (values: strings or integers in [0, 2³²)). Pass a memo store
 * that outlives the page (`createStorageMemoStore(localStorage)`) or the
 * longitudinal guarantee ε∞ holds only per page load.
 * @privacy ε-LDP per report; ε∞-LDP over all reports of one value through the same memo.
 * @throws DpError INVALID_PARAMETER on bad parameters.
 */
export function createRapporClient(
  config: { epsilon: number; memo?: RapporMemoStore } & RapporOptions & ClientRandomness,
): LocalClient<string | number, RapporReport, RapporParams> & { readonly cohort: number; readonly epsilonInfinity: number } {
  checkObject(config, 'config');
  const params = rapporParams(config.epsilon, config);
  const rng = checkRng(config.rng ?? defaultRandomSource());
  const encoder = createRapporEncoder(params, rng, config.memo);
  return {
    ...client(params, (value: string | number) => encoder.encode(value), rng),
    cohort: encoder.cohort,
    epsilonInfinity: params.epsilonInfinity,
  };
}

/** Any client configuration: a protocol configuration plus randomness (and RAPPOR's memo). */
export type LocalClientConfig = LocalProtocolConfig & ClientRandomness & { readonly memo?: RapporMemoStore };

/**
 * Creates a client for any protocol (bundles every encoder; prefer the
 * per-protocol factories in a page).
 * @throws DpError INVALID_PARAMETER on a bad configuration.
 * @privacy ε-LDP per report with ε = client.epsilon.
 * @example
 * const client = createClient({ protocol: 'grr', epsilon: 2, domainSize: 8 });
 * const report = client.encode(3); // { v: 1, p: 'grr', eps: 2, k: 8, y: … }
 */
export function createClient(config: LocalClientConfig): LocalClient<never> & { encode(value: string | number | boolean): LocalReport } {
  const params = resolveLocalParams(config);
  const rng = checkRng(config.rng ?? defaultRandomSource());
  const make = (encode: (value: never) => LocalReport) =>
    client(params, encode, rng) as LocalClient<never> & { encode(value: string | number | boolean): LocalReport };
  switch (params.protocol) {
    case 'rr':
      return make((value: boolean | 0 | 1) => encodeRr(params as GrrParams, value, rng));
    case 'grr':
      return make((value: number) => encodeGrr(params as GrrParams, value, rng));
    case 'oue':
    case 'sue':
      return make((value: number) => encodeUnary(params as UnaryParams, value, rng));
    case 'olh':
      return make((value: number) => encodeOlh(params as OlhParams, value, rng));
    case 'hr':
      return make((value: number) => encodeHr(params as HrParams, value, rng));
    case 'cms':
      return make((value: string | number) => encodeCms(params as SketchParams, value, rng));
    case 'hcms':
      return make((value: string | number) => encodeHcms(params as SketchParams, value, rng));
    case 'rappor': {
      const encoder = createRapporEncoder(params as RapporParams, rng, config.memo);
      return make((value: string | number) => encoder.encode(value));
    }
    default:
      return assertNever(params, 'protocol');
  }
}

export type { LocalProtocolConfig, LocalProtocolParams } from './protocol-config.js';
export { createMemoryMemoStore, createStorageMemoStore, type RapporMemoStore, type StorageLike } from './protocols/rappor.js';
export { LOCAL_REPORT_VERSION, type LocalProtocolId, type LocalReport } from './report.js';

/**
 * The report format of `tsdp/local`: one small JSON object per user report.
 *
 * Every report carries the format version `v`, the protocol id `p`, the
 * requested ε `eps` and the public parameters that define the protocol, so
 * an aggregator can refuse reports made under other parameters. The payload
 * fields are per protocol:
 *
 * | `p`      | parameters                          | payload |
 * | -------- | ----------------------------------- | ------- |
 * | `rr`     | —                                   | `y`: 0 or 1 |
 * | `grr`    | `k` domain size                     | `y`: integer in [0, k) |
 * | `oue`    | `k`                                 | `b`: k bits as hex (see below) |
 * | `sue`    | `k`                                 | `b`: k bits as hex |
 * | `olh`    | `k`, `g` hash range                 | `s`: seed, integer in [0, 2³²); `y`: integer in [0, g) |
 * | `hr`     | `k`                                 | `y`: integer in [0, K), K = 2^⌈log₂(k+1)⌉ |
 * | `cms`    | `m` sketch width, `h` hash count    | `j`: hash index in [0, h); `b`: m bits as hex |
 * | `hcms`   | `m`, `h`                            | `j` in [0, h); `l`: Hadamard column in [0, m); `y`: 0 or 1 (−1 or +1) |
 * | `rappor` | `m` Bloom bits, `h` hashes, `c` cohorts, `epsInf` | `r`: cohort in [0, c); `b`: m bits as hex |
 *
 * Bit vectors are lowercase hexadecimal, ⌈L/4⌉ characters, character j holding
 * bits 4j…4j+3 with bit 4j in the nibble's most significant place; padding
 * bits must be 0. Aggregators also accept an array of 0/1 numbers of length L.
 *
 * @example
 * { "v": 1, "p": "olh", "eps": 1, "k": 1024, "g": 4, "s": 2918234411, "y": 2 }
 * @module
 */

/** The report format version this code writes and reads. */
export const LOCAL_REPORT_VERSION = 1;

/** The protocols of `tsdp/local`. */
export type LocalProtocolId = 'rr' | 'grr' | 'oue' | 'sue' | 'olh' | 'hr' | 'cms' | 'hcms' | 'rappor';

/** Every protocol id, in a stable order. */
export const LOCAL_PROTOCOL_IDS: readonly LocalProtocolId[] = ['rr', 'grr', 'oue', 'sue', 'olh', 'hr', 'cms', 'hcms', 'rappor'];

interface ReportHeader<P extends LocalProtocolId> {
  /** Format version ({@link LOCAL_REPORT_VERSION}). */
  readonly v: 1;
  /** Protocol id. */
  readonly p: P;
  /** The ε the client was configured with (the protocol's own ε, ≤ this, is computed from it). */
  readonly eps: number;
}

/** Binary randomized response. */
export interface RrReport extends ReportHeader<'rr'> {
  readonly y: 0 | 1;
}
/** Generalized (k-ary) randomized response. */
export interface GrrReport extends ReportHeader<'grr'> {
  readonly k: number;
  readonly y: number;
}
/** Optimized or symmetric unary encoding. */
export interface UnaryReport extends ReportHeader<'oue' | 'sue'> {
  readonly k: number;
  readonly b: string;
}
/** Optimized local hashing. */
export interface OlhReport extends ReportHeader<'olh'> {
  readonly k: number;
  readonly g: number;
  readonly s: number;
  readonly y: number;
}
/** Hadamard response. */
export interface HrReport extends ReportHeader<'hr'> {
  readonly k: number;
  readonly y: number;
}
/** Apple's count-mean-sketch. */
export interface CmsReport extends ReportHeader<'cms'> {
  readonly m: number;
  readonly h: number;
  readonly j: number;
  readonly b: string;
}
/** Apple's Hadamard count-mean-sketch. */
export interface HcmsReport extends ReportHeader<'hcms'> {
  readonly m: number;
  readonly h: number;
  readonly j: number;
  readonly l: number;
  readonly y: 0 | 1;
}
/** RAPPOR. */
export interface RapporReport extends ReportHeader<'rappor'> {
  readonly m: number;
  readonly h: number;
  readonly c: number;
  readonly epsInf: number;
  readonly r: number;
  readonly b: string;
}

/** Any report of `tsdp/local`. */
export type LocalReport = RrReport | GrrReport | UnaryReport | OlhReport | HrReport | CmsReport | HcmsReport | RapporReport;

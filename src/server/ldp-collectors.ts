/**
 * Local-DP collectors of the query server: one persistent aggregator per
 * configured collector (`tsdp/local`). Reports arrive already randomized on the
 * user's device (each ε-LDP on its own); the server only validates and adds
 * them, and its estimates are post-processing. The aggregator's state (sums of
 * reports, never a report) is written atomically to `<stateDir>/ldp/<name>.json`
 * after every accepted batch and restored at start through `merge`, which
 * checks the state against the configured protocol before adding anything.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DpError } from '../core/errors.js';
import { createAggregator, type LocalAggregator } from '../local/aggregator.js';
import type { LocalProtocolConfig } from '../local/protocol-config.js';
import { edgeRead, edgeRecord, edgeString } from '../numeric/edge.js';
import type { CollectorConfig } from './config.js';

/** The most reports one request may carry. */
export const MAX_REPORTS_PER_REQUEST = 1000;

/** A collector with its aggregator and state file. */
export class LdpCollector {
  readonly aggregator: LocalAggregator;
  private readonly file: string;

  /**
   * @param config - the collector's configuration.
   * @param stateDir - the server's state folder.
   * @throws DpError INVALID_PARAMETER on a bad protocol configuration or a saved state that does not fit it.
   */
  constructor(
    readonly config: CollectorConfig,
    stateDir: string,
  ) {
    // S22 edge line: a collector configuration (from parseServerConfig) and a state folder, read once, totally.
    edgeRead('config', () => {
      edgeRecord(config, 'config');
      edgeString(config.name, 'config.name');
      edgeRecord(config.protocol, 'config.protocol');
    });
    edgeString(stateDir, 'stateDir');
    this.aggregator = createAggregator(config.protocol as unknown as LocalProtocolConfig);
    const dir = join(stateDir, 'ldp');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.file = join(dir, `${config.name}.json`);
    if (existsSync(this.file)) this.aggregator.merge(readFileSync(this.file, 'utf8'));
  }

  /**
   * Validates and adds reports; saves the state when any was accepted.
   * @param body - one report, or `{ reports: [...] }`.
   * @returns how many were accepted and rejected, with the rejection reasons.
   * @throws DpError MALFORMED_REQUEST when the body holds no report or more than `MAX_REPORTS_PER_REQUEST`, or none is accepted.
   */
  add(body: unknown): { accepted: number; rejected: number; reasons: string[] } {
    const batch = (body as { reports?: unknown })?.reports;
    const reports = Array.isArray(batch) ? batch : [body];
    if (reports.length === 0 || reports.length > MAX_REPORTS_PER_REQUEST) {
      throw new DpError('MALFORMED_REQUEST', `send one report or { reports: [...] } with 1 to ${MAX_REPORTS_PER_REQUEST} reports`, {
        field: 'reports',
      });
    }
    let accepted = 0;
    const reasons = new Set<string>();
    for (const r of reports) {
      const res = this.aggregator.add(r);
      if (res.accepted) accepted++;
      else reasons.add(res.reason);
    }
    if (accepted > 0) this.save();
    if (accepted === 0) {
      // The reason names a rule of the protocol (wrong protocol, wrong length…), never a reported value.
      throw new DpError('MALFORMED_REQUEST', `no report was accepted (${[...reasons].join(', ')})`, {
        field: 'report',
        expected: this.config.protocol.protocol,
      });
    }
    return { accepted, rejected: reports.length - accepted, reasons: [...reasons] };
  }

  /** Writes the state atomically (temporary file, then rename). */
  save(): void {
    const tmp = `${this.file}.${randomBytes(4).toString('hex')}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.aggregator.toState()), { mode: 0o600 });
    renameSync(tmp, this.file);
  }

  /**
   * The estimate: per value (or candidate) count, frequency, standard error and interval.
   * @param confidence - the intervals' level.
   * @throws DpError INVALID_PARAMETER on a bad confidence or (sketches, RAPPOR) no configured candidates.
   */
  estimate(confidence: number) {
    const candidates = this.config.candidates;
    const est = this.aggregator.estimate({ confidence, ...(candidates ? { candidates } : {}) });
    return {
      collector: this.config.name,
      protocol: this.aggregator.params.protocol,
      epsilon: this.aggregator.epsilon,
      reports: this.aggregator.reportCount,
      rejected: this.aggregator.rejected,
      confidence,
      estimates: est.map((e) => ({
        value: e.value,
        ...(this.config.labels && typeof e.value === 'number' && this.config.labels[e.value] !== undefined
          ? { label: this.config.labels[e.value] }
          : {}),
        count: e.count,
        frequency: e.frequency,
        standardError: e.standardError,
        lower: e.lower,
        upper: e.upper,
      })),
    };
  }
}

/**
 * The audit log of the query server: one JSON line per request that reaches a
 * route behind authentication — who asked (key id, analyst), what (route, data
 * set, query text, the requested ε/δ/ρ), what was charged (the exact loss the
 * ledger recorded, or null) and the outcome (answered, or the error code). It
 * never holds an answer, an estimate or a data value: the query text is the
 * analyst's own input and the amounts are public parameters. The ledger, not
 * this log, is the record of spends; the log is for operators (who asked what).
 *
 * Lines are appended with one `write` each on a descriptor opened with
 * O_APPEND, so concurrent requests never interleave within a line.
 * @module
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { edgeString } from '../numeric/edge.js';

/** One audit record. */
export interface AuditRecord {
  readonly at: string;
  readonly requestId: string;
  readonly route: string;
  readonly keyId: string | null;
  readonly analyst: string | null;
  readonly dataset?: string;
  readonly collector?: string;
  /** The query text as sent (the analyst's own input). */
  readonly sql?: string;
  /** The parameters asked for (ε, δ, ρ, noise, confidence). */
  readonly requested?: Readonly<Record<string, unknown>>;
  /** What the ledger recorded for this request (exact amounts as text), or null when nothing was charged. */
  readonly charged: { readonly epsilon: string; readonly delta: string; readonly rho: string } | null;
  /** 'answered', or the DpError code of the refusal or failure. */
  readonly outcome: string;
  /** HTTP status sent. */
  readonly status: number;
}

/** An append-only JSON-lines file (or nowhere, for tests that pass no path). */
export class AuditLog {
  private fd: number | null;

  /** @param file - the log file (created with mode 0600), or null for no log. */
  constructor(readonly file: string | null) {
    if (file === null) {
      this.fd = null;
      return;
    }
    edgeString(file, 'file'); // S22 edge line
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    this.fd = openSync(file, 'a', 0o600);
  }

  /** Appends one record. */
  write(record: AuditRecord): void {
    if (this.fd === null) return;
    writeSync(this.fd, `${JSON.stringify(record)}\n`);
  }

  /** Closes the file. */
  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

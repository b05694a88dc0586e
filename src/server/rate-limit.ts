/**
 * Admission control of the query server: a token bucket per API key (requests
 * per second with a burst) and a cap on each analyst's queries in flight. Both
 * refuse with `DpError('RATE_LIMITED')` (HTTP 429) **before** anything is
 * planned or charged, so a refused request spends nothing. What they decide
 * depends only on the caller's identity and the clock, never on data.
 * @module
 */
import { DpError } from '../core/errors.js';

/** A clock in milliseconds (injectable for tests). */
export type Clock = () => number;

/** Token buckets per key: `perSecond` tokens a second, at most `burst` saved. */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  /**
   * @param perSecond - sustained requests per second (> 0).
   * @param burst - the bucket's size (≥ 1).
   * @param clock - milliseconds (default `performance.now`).
   */
  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly clock: Clock = () => performance.now(),
  ) {}

  /**
   * Takes one token for `key`.
   * @throws DpError RATE_LIMITED when the bucket is empty (with the seconds until the next token).
   */
  take(key: string): void {
    const now = this.clock();
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.perSecond);
    b.at = now;
    if (b.tokens < 1) {
      this.buckets.set(key, b);
      const retryAfterSeconds = Math.max(1, Math.ceil((1 - b.tokens) / this.perSecond));
      throw new DpError('RATE_LIMITED', `too many requests for this API key (${this.perSecond}/s, burst ${this.burst}); retry later`, {
        limit: 'requests per key',
        retryAfterSeconds,
      });
    }
    b.tokens -= 1;
    this.buckets.set(key, b);
    // Bounded memory: forget full buckets once the map grows (a full bucket is the state of a new key).
    if (this.buckets.size > 10_000) {
      for (const [k, v] of this.buckets) if (v.tokens >= this.burst - 1e-9) this.buckets.delete(k);
    }
  }
}

/** At most `max` operations in flight per analyst. */
export class ConcurrencyGate {
  private readonly inFlight = new Map<string, number>();

  /** @param max - the cap per analyst (≥ 1). */
  constructor(private readonly max: number) {}

  /**
   * Takes a slot for `analyst`; call the returned function once when done.
   * @throws DpError RATE_LIMITED when the analyst already has `max` in flight.
   */
  enter(analyst: string): () => void {
    const n = this.inFlight.get(analyst) ?? 0;
    if (n >= this.max) {
      throw new DpError('RATE_LIMITED', `this analyst already has ${this.max} queries in flight; retry when one finishes`, {
        limit: 'queries in flight per analyst',
        retryAfterSeconds: 1,
      });
    }
    this.inFlight.set(analyst, n + 1);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const m = (this.inFlight.get(analyst) ?? 1) - 1;
      if (m <= 0) this.inFlight.delete(analyst);
      else this.inFlight.set(analyst, m);
    };
  }

  /** Queries in flight, all analysts together. */
  get total(): number {
    let t = 0;
    for (const n of this.inFlight.values()) t += n;
    return t;
  }
}

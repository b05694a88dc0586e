/**
 * A budgeted context over one private dataset (Tumult Analytics' `Session`).
 * @module
 */

import { PrivacyBudget } from '../core/budget.js';
import { DpError } from '../core/errors.js';
import type { PrivacyLoss } from '../core/loss.js';
import { describePrivacyUnit, type PrivacyUnit, privacyUnit } from '../core/privacy-unit.js';
import { edgeRead } from '../numeric/edge.js';
import { defaultRandomSource, type RandomSource } from '../random/source.js';
import {
  type ArrowTableLike,
  type DataSource,
  type StreamSource,
  tableFromArrow,
  tableFromColumns,
  tableFromRecords,
} from '../stats/data-source.js';
import { checkPositiveInteger } from '../stats/output-budget.js';
import { type SessionAccess, SessionQuery } from './session-query.js';

/** Options of a session. */
export interface SessionOptions {
  /**
   * Whom the session protects: the column that identifies a privacy unit (a
   * person), or core's `PrivacyUnit` (`privacyUnit('pid', { maxPartitions })`,
   * whose bounds become the query defaults); absent = each row is its own unit.
   */
  readonly privacyUnit?: string | PrivacyUnit;
  /** The total budget: a `PrivacyBudget` or a loss (`pure(1)`, `zcdp(0.5)`, `approximate(1, 1e-6)`). */
  readonly budget: PrivacyBudget | PrivacyLoss;
  /** Default contribution bounds for queries (overridable per query). Default 1 and 1. */
  readonly maxPartitions?: number;
  readonly maxContributionsPerPartition?: number;
  /** Randomness (the CSPRNG by default; a seeded source marks every result `notForRelease`). */
  readonly rng?: RandomSource;
}

/**
 * A session holds one private dataset, its privacy unit and its budget. The
 * rows live in a private (`#`) field: the only way to learn about them is a
 * query, which is priced from its declared parameters before it runs and
 * charged atomically; a query that would pass the budget is refused with
 * `BUDGET_EXHAUSTED` and charges nothing.
 * @example
 * const session = Session.fromRecords(rows, { privacyUnit: 'person_id', budget: PrivacyBudget.pure(1) });
 * const result = session.query().groupBy('education', { keys: ['HS-grad', 'Bachelors'] })
 *   .count().mean('age', { bounds: [17, 90] }).release({ epsilon: 0.5 });
 */
export class Session {
  readonly #source: DataSource;
  #budget: PrivacyBudget;
  readonly #unit: PrivacyUnit;
  readonly #rng: RandomSource;
  readonly #defaults: { maxPartitions: number; maxContributionsPerPartition: number };

  private constructor(source: DataSource, options: SessionOptions) {
    if (options === null || typeof options !== 'object') {
      throw new DpError('INVALID_PARAMETER', 'session options are required (at least a budget)', { parameter: 'options' });
    }
    this.#source = source;
    const b = options.budget;
    if (b instanceof PrivacyBudget) this.#budget = b;
    else if (b && typeof b === 'object' && 'kind' in b) this.#budget = PrivacyBudget.fromLoss(b);
    else throw new DpError('INVALID_PARAMETER', 'budget must be a PrivacyBudget or a privacy loss', { parameter: 'budget' });
    const declared = options.privacyUnit;
    if (declared !== undefined && typeof declared !== 'string' && (declared === null || typeof declared !== 'object')) {
      throw new DpError('INVALID_PARAMETER', 'privacyUnit must be a column name or a PrivacyUnit', { parameter: 'privacyUnit' });
    }
    // Core's one privacy-unit type, validated once here; explicit options override a PrivacyUnit's bounds.
    const given = typeof declared === 'object' ? declared : undefined;
    this.#unit = privacyUnit(typeof declared === 'object' ? declared.column : declared, {
      maxPartitions: options.maxPartitions ?? given?.maxPartitions ?? 1,
      maxContributionsPerPartition: options.maxContributionsPerPartition ?? given?.maxContributionsPerPartition ?? 1,
    });
    const column = this.#unit.column;
    if (column !== null && source.kind === 'memory' && !source.columnNames.includes(column)) {
      throw new DpError('INVALID_PARAMETER', 'privacyUnit must be one of the declared columns', { parameter: 'privacyUnit' });
    }
    this.#rng = options.rng ?? defaultRandomSource();
    this.#defaults = {
      maxPartitions: checkPositiveInteger(this.#unit.maxPartitions, 'maxPartitions'),
      maxContributionsPerPartition: checkPositiveInteger(this.#unit.maxContributionsPerPartition, 'maxContributionsPerPartition'),
    };
  }

  /**
   * A session over an array of records, with its columns DECLARED: the schema
   * is never read from the records' keys (whether a query is answered must
   * not depend on one record). A record missing a declared column, or with
   * extra keys, is read by the value rules.
   * @param rows - the records (private).
   * @param options - the session options and `columns`, the declared column names.
   * @throws DpError INVALID_PARAMETER when `columns` is missing or malformed, or the privacy unit is not declared.
   * @example
   * Session.fromRecords(rows, { columns: ['person_id', 'age'], privacyUnit: 'person_id', budget: PrivacyBudget.pure(1) });
   */
  static fromRecords(rows: readonly unknown[], options: SessionOptions & { readonly columns: readonly string[] }): Session {
    if (options === null || typeof options !== 'object' || options.columns === undefined) {
      throw new DpError('INVALID_PARAMETER', 'fromRecords needs options.columns, the declared column names (never read from the records)', {
        parameter: 'columns',
      });
    }
    return new Session(tableFromRecords(rows, options.columns), options);
  }
  /** A session over columns (arrays or typed arrays of equal length). @throws DpError INVALID_PARAMETER */
  static fromColumns(columns: Readonly<Record<string, ArrayLike<unknown>>>, options: SessionOptions): Session {
    return new Session(tableFromColumns(columns), options);
  }
  /** A session over an Apache Arrow table. */
  static fromArrow(table: ArrowTableLike, options: SessionOptions): Session {
    return new Session(tableFromArrow(table), options);
  }
  /**
   * A session over a stream of records with a public header (e.g. `csvSource`
   * from `tsdp/node`), read on every query (use `releaseAsync`).
   * @throws DpError INVALID_PARAMETER
   */
  static fromSource(source: StreamSource, options: SessionOptions): Session {
    if (source === null || typeof source !== 'object' || source.kind !== 'stream') {
      throw new DpError('INVALID_PARAMETER', 'source must be a stream source (e.g. csvSource from tsdp/node)', { parameter: 'source' });
    }
    return new Session(source, options);
  }

  /** The budget as it stands (immutable value: total, spent, remaining). */
  get budget(): PrivacyBudget {
    return this.#budget;
  }
  /** What is left, rounded down. */
  get remaining(): PrivacyLoss {
    return this.#budget.remaining;
  }
  /** The privacy unit column, or undefined when each row is its own unit. */
  get privacyUnit(): string | undefined {
    return this.#unit.column ?? undefined;
  }
  /** The privacy unit, as core's `PrivacyUnit` (column and default contribution bounds). */
  get unit(): PrivacyUnit {
    return this.#unit;
  }

  /** Starts a query. */
  query(): SessionQuery {
    const self = this;
    const access: SessionAccess = {
      source: this.#source,
      privacyUnit: this.#unit.column ?? undefined,
      defaults: this.#defaults,
      rng: this.#rng,
      budgetKind: this.#budget.kind,
      charge(loss) {
        // One synchronous step: PrivacyBudget.charge returns the new budget or throws having changed nothing.
        self.#budget = self.#budget.charge(loss);
      },
    };
    return SessionQuery.start(access);
  }

  /**
   * Charges `loss` for a release made outside the query builder (e.g. `tsdp/synth`'s `synthesize({ budget: session })`),
   * in one step: the budget after it, or a refusal having charged nothing.
   *
   * Rule (review finding synth-session-unit; class "a charge in another privacy
   * unit"): a charge is made in the budget's own privacy unit. The caller states
   * the unit its guarantee is for; unless it is this session's unit column (a
   * per-record release on a per-person session, or one per another column), the
   * charge is refused with DOMAIN_MISMATCH having charged nothing — a per-record
   * loss understates a person's loss when a person has many records.
   * Test: test/session/charge-unit.test.ts.
   * @param loss - the release's guarantee (its measurement's `privacyMap(1)`).
   * @param unit - the privacy unit that guarantee is stated for (`privacyUnit(null)` for one record).
   * @throws DpError DOMAIN_MISMATCH when the unit is not this session's, or the budget's kind cannot take the loss; BUDGET_EXHAUSTED when it does not fit (nothing charged in either case).
   * @privacy the caller's release must be DP for `unit` with this loss.
   * @example
   * session.charge(zcdp(0.01), privacyUnit(null));
   */
  charge(loss: PrivacyLoss, unit: PrivacyUnit): void {
    // S7 edge line: the unit's column read once, totally (a throwing getter or Proxy is INVALID_PARAMETER).
    const column = edgeRead('unit', () => (unit !== null && typeof unit === 'object' ? unit.column : undefined));
    if (unit === null || typeof unit !== 'object' || column !== this.#unit.column) {
      throw new DpError(
        'DOMAIN_MISMATCH',
        `this session protects ${describePrivacyUnit(this.#unit)}: a release stated for another privacy unit cannot be charged to it`,
        { left: typeof column === 'string' ? column : column === null ? 'row' : 'unknown', right: this.#unit.column ?? 'row' },
      );
    }
    this.#budget = this.#budget.charge(loss);
  }

  /** True when `loss` would fit the remaining budget. */
  canAfford(loss: PrivacyLoss): boolean {
    return this.#budget.canCharge(loss);
  }

  /** Never prints the rows. */
  toString(): string {
    return `Session(unit=${this.#unit.column ?? 'row'}, budget=${JSON.stringify(this.#budget.toJSON())})`;
  }
  /** Never serialises the rows. */
  toJSON(): { privacyUnit: string | null; budget: ReturnType<PrivacyBudget['toJSON']> } {
    return { privacyUnit: this.#unit.column, budget: this.#budget.toJSON() };
  }
}

/**
 * When and how the engine decides the reader state of an undecided declared CSV (`duckdb-csv-choice.ts` states the
 * rule and its proof; `duckdb-csv-typed.ts` why the state is one bit of the file version): before each statement,
 * from the statement's plan, either the statement's own run decides the one undecided file (the fold), or each
 * undecided file the statement reads is decided by one scan of every typed column of its own. Runs inside the
 * statement's call (`duckdb.ts`, `query`), under its deadline.
 * @module
 */

import type * as DuckDbApi from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { DpError } from '../../core/errors.js';
import type { CompiledStatement } from '../dialect.js';
import { counterValueSql, foldablePlan, type ReaderState, setStateSql, textOnlyPlan } from './duckdb-csv-choice.js';
import { duckdb, PARAM_TYPES } from './duckdb-driver.js';
import type { DuckDbFileViews, ReaderChoice, WatchedFile } from './duckdb-file-view.js';
import type { PreparedStatements } from './duckdb-prepared.js';

const { StatementType } = duckdb;

/** Decides the reader state of undecided declared CSVs around a statement (module header). */
export class CsvReaderDecider {
  /**
   * @param db - the engine's connection.
   * @param prepared - its kept prepared statements (dropped when a state changes).
   * @param views - the engine's file views (the watched files and their choices).
   * @param failure - the engine's one data-independent ENGINE_ERROR.
   */
  constructor(
    private readonly db: DuckDBConnection,
    private readonly prepared: PreparedStatements,
    private readonly views: DuckDbFileViews,
    private readonly failure: () => DpError,
  ) {}

  /**
   * Before a statement, for the declared CSVs whose reader is undecided (`duckdb-csv-choice.ts`): returns the one
   * file the statement's own run decides (its plan reads that file's forced scan whole), or decides each undecided
   * file by a scan of its own when the statement reads one and its plan cannot decide (a join, a LIMIT, several).
   * @returns the file whose state the statement's run decides, if any.
   */
  async choose(statement: CompiledStatement, expired: () => boolean): Promise<WatchedFile | undefined> {
    const undecided = [...this.views.watched.values()].filter((f) => f.choice?.state === 'force');
    const [first] = undecided;
    if (!first?.choice) return undefined;
    const plan = await this.planOf(statement, expired);
    const verdict = plan === undefined ? 'unknown' : foldablePlan(plan, first.choice.types, first.choice.sequence);
    if (verdict === 'none') return undefined;
    if (verdict === 'folded' && undecided.length === 1 && this.views.csvScanned.size === 1) return first;
    for (const file of undecided) {
      const choice = file.choice as ReaderChoice;
      if (expired()) throw this.failure();
      await this.decide(file, (await this.everyLineTyped(choice)) ? 'typed' : 'text', expired);
    }
    return undefined;
  }

  /**
   * Before a statement, when exactly one declared file is read through `read_csv` and its reader is undecided
   * (`duckdb-csv-choice.ts`, "A statement that reads no typed field"): plans the statement with the version's variable
   * set to `'text'`; when the plan reads no typed field but the last ({@link textOnlyPlan}), leaves it so for the
   * statement's run and returns the file — the caller runs the statement and then calls {@link endTextRun} — else sets
   * it back to `'force'` and returns undefined (the fold goes on as before).
   * @returns the file whose text path the statement runs on, if any.
   * @throws DpError ENGINE_ERROR after the deadline, or for anything but one SELECT.
   */
  async textRun(statement: CompiledStatement, expired: () => boolean): Promise<WatchedFile | undefined> {
    const undecided = [...this.views.watched.values()].filter((f) => f.choice?.state === 'force');
    const [file] = undecided;
    if (!file?.choice || undecided.length !== 1 || this.views.csvScanned.size !== 1) return undefined;
    await this.setVariable(file.choice, 'text', expired);
    let textOnly = false;
    try {
      const plan = await this.planOf(statement, expired);
      textOnly = plan !== undefined && textOnlyPlan(plan, file.choice.types);
    } finally {
      if (!textOnly) await this.setVariable(file.choice, 'force', expired);
    }
    return textOnly ? file : undefined;
  }

  /**
   * After a statement {@link textRun} ran on the text path (success or error): the version's variable back to
   * `'force'` (still undecided), unless the deadline passed (module header of `duckdb-csv-choice.ts`: a `'text'` left
   * then reads every state's answers and is set again before any fold).
   */
  async endTextRun(file: WatchedFile, expired: () => boolean): Promise<void> {
    const choice = file.choice;
    if (!choice || choice.state !== 'force' || expired()) return;
    await this.setVariable(choice, 'force', expired);
  }

  /** Sets a version's DuckDB variable without deciding it (its `state` unchanged); drops every prepared statement. */
  private async setVariable(choice: ReaderChoice, state: ReaderState, expired: () => boolean): Promise<void> {
    if (expired()) throw this.failure();
    this.prepared.clear();
    await this.db.run(setStateSql(choice.variable, state));
  }

  /**
   * Decides every undecided declared CSV by its own counted scan (`everyLineTyped`), whatever the statement: for a
   * statement that cannot be run again once its rows are handed on (`DuckDbEngine.queryChunks`, a stream), so the
   * fold is never used. A version is typed only when the count equals the line check's count.
   * @throws DpError ENGINE_ERROR after the deadline; whatever a scan threw.
   */
  async decideEachByCount(expired: () => boolean): Promise<void> {
    for (const file of [...this.views.watched.values()]) {
      const choice = file.choice;
      if (choice?.state !== 'force') continue;
      if (expired()) throw this.failure();
      await this.decide(file, (await this.everyLineTyped(choice)) ? 'typed' : 'text', expired);
    }
  }

  /**
   * The plan DuckDB would run for `statement` with its values bound (`EXPLAIN (FORMAT JSON)`), after checking that
   * it is one SELECT; undefined when it cannot be had.
   * @throws DpError ENGINE_ERROR after the deadline, or for anything but one SELECT.
   */
  private async planOf(statement: CompiledStatement, expired: () => boolean): Promise<string | undefined> {
    if (expired()) throw this.failure();
    const { prepared, done } = await this.prepared.acquire(statement.sql);
    const select = prepared.statementType === StatementType.SELECT;
    done();
    if (!select || expired()) throw this.failure();
    let explain: DuckDbApi.DuckDBPreparedStatement | undefined;
    try {
      explain = await this.db.prepare(`EXPLAIN (FORMAT JSON) ${statement.sql}`);
      explain.bind(
        statement.params.map((p) => p.value) as never,
        statement.params.map((p) => PARAM_TYPES[p.type]),
      );
      if (expired()) throw this.failure();
      const rows = (await explain.runAndReadAll()).getRowsJS();
      const value = rows[0]?.[1];
      return typeof value === 'string' ? value : undefined;
    } catch (e) {
      if (expired()) throw e;
      return undefined;
    } finally {
      explain?.destroySync();
    }
  }

  /**
   * Sets a file version's reader state (`duckdb-csv-choice.ts`) and drops every prepared statement (each keeps the
   * state it was planned with). Not after the deadline (deadline-queue.ts, rule 4): the file stays undecided then.
   */
  async decide(file: WatchedFile, state: ReaderState, expired: () => boolean): Promise<void> {
    const choice = file.choice;
    if (!choice || expired()) return;
    this.prepared.clear();
    await this.db.run(setStateSql(choice.variable, state));
    choice.state = state;
  }

  /**
   * Whether the lenient typed reader produces every line of the file version: its own scan of all typed columns
   * (`typedScanSql`), which reads the whole file whatever its fields hold, counted against the line check's count, for
   * a statement whose plan cannot decide the choice (`duckdb-csv-choice.ts`, "Counting").
   * @returns true when no line was skipped (the version reads typed); false otherwise (the text path reads it).
   * @throws whatever the scan threw (an interrupt at the deadline, a resource limit).
   */
  private async everyLineTyped(choice: ReaderChoice): Promise<boolean> {
    const rows = (await this.db.runAndReadAll(choice.countingScan)).getRowsJS();
    return Number(rows[0]?.[0]) === choice.dataLines;
  }

  /**
   * How many lines the version's counter has counted so far (`duckdb-csv-choice.ts`, "Counting"): read before and
   * after the statement that decides, the difference is the lines its counted scan produced.
   * @throws DpError ENGINE_ERROR after the deadline (no DuckDB call starts then: deadline-queue.ts, rule 4).
   */
  async counted(file: WatchedFile, expired: () => boolean): Promise<number> {
    if (expired()) throw this.failure();
    const choice = file.choice as ReaderChoice;
    const rows = (await this.db.runAndReadAll(counterValueSql(choice.sequence))).getRowsJS();
    return Number(rows[0]?.[0]);
  }
}

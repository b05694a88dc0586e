/**
 * `tsdp sql`: runs one DP SQL query over CSV/Parquet files, a DuckDB database
 * or PostgreSQL, and prints the noisy table with confidence intervals, the
 * guarantee spent and the budget left. Thin over `tsdp/sql`.
 *
 * ```
 * tsdp sql --data examples/adult.csv --schema examples/adult.schema.json --epsilon 1 \
 *   "SELECT education, COUNT(*) AS n, AVG(age) AS mean_age FROM adult GROUP BY education"
 * # discrete Gaussian noise: ρ-zCDP, charged to the (ε, δ) budget as its conversion at --delta
 * tsdp sql ... --rho 0.05 --delta 1e-7 "SELECT sex, MEDIAN(age) AS m FROM adult GROUP BY sex"
 * # or Gaussian noise within a stated (ε, δ)
 * tsdp sql ... --noise gaussian --epsilon 1 --delta 1e-7 "SELECT FLOOR(age / 10) * 10 AS decade, COUNT(*) FROM adult GROUP BY decade"
 * # the query from a file or stdin; CSV or Markdown out
 * tsdp sql ... --epsilon 1 -f query.sql --format csv
 * echo "SELECT COUNT(*) FROM adult" | tsdp sql ... --epsilon 1 -
 * # would it be refused? (nothing is run or charged)
 * tsdp sql ... --epsilon 1 --explain "SELECT COUNT(*) FROM adult"
 * ```
 * # PostgreSQL, each query as the SELECT-only role an administrator set up
 * tsdp sql --db postgres://svc@db/hr --reader-role tsdp_reader --schema hr.schema.yaml --epsilon 1 "SELECT COUNT(*) FROM people"
 * ```
 * On a terminal, a query running longer than 2 s shows `running… 42% · 12 s`
 * on stderr (DuckDB's progress estimate; quiet when stderr is not a terminal
 * or with --json).
 *
 * Everything public is checked before the charge: options, the schema, the
 * query, that each --data file exists, the analyst. The ledger in use is
 * printed (footer, `ledger` in JSON, or stderr for CSV). A refusal for budget
 * names the part (ε or δ) that is the limit.
 * @module
 */
import type { Command } from 'commander';
import type { DpSqlOptions, DpSqlResult } from '../../sql/run-dp-sql.js';
import type { SqlSchema } from '../../sql/schema.js';
import type { RegisterCommand } from './register.js';

interface SqlFlags {
  data?: string[];
  db?: string;
  schema?: string;
  file?: string;
  epsilon?: string;
  delta?: string;
  rho?: string;
  noise?: string;
  analyst?: string;
  confidence?: string;
  ledger?: string;
  format?: string;
  json?: boolean;
  explain?: boolean;
  readerRole?: string;
  timeout?: string;
  reportBounding?: boolean;
  reportBoundingShare?: string;
}

/**
 * `--report-bounding` (and `--report-bounding-share <s>`, which implies it) as runDpSql's `reportBounding`; the share
 * is validated there, before any charge. (A flag with an optional value would swallow the query that follows it.)
 */
function reportBounding(flags: SqlFlags): { reportBounding?: true | { share: number } } {
  if (flags.reportBoundingShare !== undefined) return { reportBounding: { share: Number(flags.reportBoundingShare) } };
  return flags.reportBounding ? { reportBounding: true } : {};
}

const FORMATS = ['table', 'csv', 'markdown', 'json'] as const;
type Format = (typeof FORMATS)[number];

async function errors() {
  return import('../../core/errors.js');
}

async function amount(text: string | undefined, name: string): Promise<string | undefined> {
  if (text === undefined) return undefined;
  const t = text.trim();
  if (!/^(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$|^\d+\s*\/\s*\d+$/.test(t)) {
    const { DpError } = await errors();
    throw new DpError('INVALID_PARAMETER', `--${name} must be a number or a fraction like 1/11, got ${JSON.stringify(text)}`, {
      parameter: name,
    });
  }
  return t;
}

/** The query: the argument, `-` for stdin, or `-f file`; exactly one. */
async function readQuery(arg: string | undefined, file: string | undefined): Promise<string> {
  const { DpError } = await errors();
  if ((arg === undefined) === (file === undefined)) {
    throw new DpError('INVALID_PARAMETER', 'give the query as an argument, as - (read from stdin), or with -f file.sql; exactly one', {
      parameter: 'query',
    });
  }
  const { readFileSync } = await import('node:fs');
  if (file !== undefined) {
    try {
      return readFileSync(file, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new DpError('NOT_FOUND', `query file not found: ${file}`, { kind: 'file', name: file });
      throw new DpError('INVALID_PARAMETER', `cannot read the query file ${file}${code ? ` (${code})` : ''}`, { parameter: 'file' });
    }
  }
  if (arg === '-') {
    if (process.stdin.isTTY)
      throw new DpError('INVALID_PARAMETER', 'the query is - (stdin), but stdin is a terminal; pipe the query in', { parameter: 'query' });
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }
  return arg as string;
}

/** Each --data file (and a --db DuckDB file) exists: a public fact, checked before the charge, with its own error. */
async function checkDataFiles(data: readonly string[], db: string | undefined): Promise<void> {
  const { existsSync } = await import('node:fs');
  const { DpError } = await errors();
  const { isPostgresUrl } = await import('../ledger-choice.js');
  const { isClickHouseUrl } = await import('../../sql/open-data.js');
  // A server URL (PostgreSQL, ClickHouse) is no file: only a DuckDB database file is looked for here.
  if (db !== undefined && !isPostgresUrl(db) && !isClickHouseUrl(db)) {
    const path = db.replace(/^duckdb:/, '');
    if (!existsSync(path)) throw new DpError('NOT_FOUND', `DuckDB database not found: ${path}`, { kind: 'file', name: path });
  }
  for (const spec of data) {
    const path = /^[A-Za-z_][A-Za-z0-9_]*=(.+)$/.exec(spec)?.[1] ?? spec;
    if (!existsSync(path)) throw new DpError('NOT_FOUND', `data file not found: ${path}`, { kind: 'file', name: path });
  }
}

async function explain(query: string, schema: SqlSchema, flags: SqlFlags, options: DpSqlOptions, format: Format): Promise<void> {
  const { isPostgresUrl } = await import('../ledger-choice.js');
  const { explainDpSql, SQL_QUANTILE_INTERVAL_SHARE } = await import('../../sql/run-dp-sql.js');
  const { isClickHouseUrl } = await import('../../sql/open-data.js');
  const dialect =
    flags.db && isPostgresUrl(flags.db)
      ? (await import('../../sql/dialects/postgres.js')).postgresDialect
      : flags.db && isClickHouseUrl(flags.db)
        ? (await import('../../sql/dialects/clickhouse.js')).clickhouseDialect
        : (await import('../../sql/dialects/duckdb.js')).duckdbDialect;
  const ex = explainDpSql(query, schema, dialect, options);
  const forecast = await budgetForecast(schema, flags, ex.split.charge);
  if (format === 'json') {
    process.stdout.write(
      `${JSON.stringify(
        {
          sql: ex.compiled.main.sql,
          params: ex.compiled.main.params.map((p) => (typeof p.value === 'bigint' ? p.value.toString() : p.value)),
          histograms: ex.compiled.histograms.map((h) => h.sql),
          charge: { epsilon: ex.split.charge.epsilon.toString(), delta: ex.split.charge.delta.toString() },
          noise: ex.split.noise,
          rho: ex.split.rho === null ? null : ex.split.rho.toNumber(),
          split: Object.fromEntries(
            ex.plan.outputs.flatMap((o, i) => (o.kind === 'aggregate' ? [[o.name, ex.split.outputs[i]?.toString()]] : [])),
          ),
          quantileIntervalShare: ex.plan.outputs.some((o) => o.kind === 'aggregate' && o.aggregate.kind === 'quantile')
            ? SQL_QUANTILE_INTERVAL_SHARE
            : null,
          selection: ex.split.selection
            ? { epsilon: ex.split.selection.epsilon.toString(), delta: ex.split.selection.delta.toString() }
            : null,
          budget: forecast.json,
        },
        null,
        2,
      )}\n`,
    );
    return;
  }
  const noBudget = flags.epsilon === undefined && flags.rho === undefined ? '(no --epsilon given: split shown for ε=1)\n' : '';
  process.stdout.write(`${noBudget}${ex.text}\n${forecast.text}\nnothing was run or spent\n`);
}

/** Whether the ledger would accept the charge now, without charging. */
async function budgetForecast(
  schema: SqlSchema,
  flags: SqlFlags,
  charge: { epsilon: import('../../numeric/rational.js').Rational; delta: import('../../numeric/rational.js').Rational },
) {
  const { openLedger } = await import('../ledger-choice.js');
  const { forecastCharge, amountJson } = await import('../budget-view.js');
  const { formatAmountText } = await import('../../sql/format-result.js');
  const analyst = flags.analyst ?? 'default';
  const analystBudget = schema.analysts.get(analyst);
  const { ledger, description } = await openLedger({ ledger: flags.ledger, db: flags.db });
  try {
    if (schema.analysts.size > 0 && !analystBudget) {
      const message = `the analyst "${analyst}" has no budget in the schema`;
      return {
        json: { ledger: description, refused: true, code: 'UNAUTHORIZED', reason: message },
        text: `budget: would be REFUSED (UNAUTHORIZED): ${message}; ledger: ${description}`,
      };
    }
    const f = await forecastCharge(ledger, { dataset: schema.dataset, cap: schema.budget, analyst, analystBudget }, charge);
    if (f.refused) {
      return {
        json: {
          ledger: description,
          refused: true,
          code: 'BUDGET_EXHAUSTED',
          reason: f.message,
          scope: f.scope,
          limit: f.limit,
          remaining: amountJson(f.remaining),
        },
        text: `budget: would be REFUSED (BUDGET_EXHAUSTED): ${f.message} [limit: ${f.limit}]; ledger: ${description}`,
      };
    }
    return {
      json: { ledger: description, refused: false, remainingAfter: amountJson(f.remainingAfter) },
      text: `budget: the ledger would accept this charge; left after it: ${formatAmountText(f.remainingAfter)}; ledger: ${description}`,
    };
  } finally {
    await ledger.close();
  }
}

async function run(query: string, schema: SqlSchema, flags: SqlFlags, options: DpSqlOptions, format: Format): Promise<void> {
  const { DpError, isDpError } = await errors();
  const confidence = Number(flags.confidence);
  if (flags.ledger !== undefined && flags.ledger !== 'file' && flags.ledger !== 'postgres') {
    throw new DpError('INVALID_PARAMETER', '--ledger must be file or postgres', { parameter: 'ledger' });
  }
  const timeoutS = flags.timeout === undefined ? 60 : Number(flags.timeout);
  if (!(Number.isFinite(timeoutS) && timeoutS > 0 && timeoutS <= 86_400)) {
    throw new DpError('INVALID_PARAMETER', '--timeout must be a number of seconds in (0, 86400]', { parameter: 'timeout' });
  }
  await checkDataFiles(flags.data ?? [], flags.db);
  const { openDataSource } = await import('../../sql/open-data.js');
  const { runDpSql } = await import('../../sql/run-dp-sql.js');
  const {
    engine,
    ledger,
    ledgerDescription: ledgerText,
  } = await openDataSource(
    {
      data: flags.data,
      db: flags.db,
      ledger: flags.ledger as 'file' | 'postgres' | undefined,
      readerRole: flags.readerRole,
      statementTimeoutMs: timeoutS * 1000,
      // DuckDB tracks progress only for the progress line (a terminal, not --json): no bookkeeping otherwise.
      trackProgress: format !== 'json' && process.stderr.isTTY === true,
    },
    schema,
  ).catch(async (e: unknown) => {
    // The engine's open says only that the server failed: name the public cause (refused, unknown host, no database,
    // login refused) from a fresh connection or a ping. Nothing has been charged yet.
    if (isDpError(e, 'ENGINE_ERROR') && flags.db !== undefined) {
      const { isPostgresUrl } = await import('../ledger-choice.js');
      const { postgresTarget, clickhouseTarget, isClickHouseUrl } = await import('../../sql/open-data.js');
      if (isPostgresUrl(flags.db)) {
        const cause = await (await import('../draft-source.js')).diagnosePostgres(postgresTarget(flags.db, flags.readerRole).url);
        if (cause) throw cause;
      } else if (isClickHouseUrl(flags.db)) {
        const cause = await (await import('../clickhouse-cause.js')).diagnoseClickHouse(clickhouseTarget(flags.db));
        if (cause) throw cause;
      }
    }
    throw e;
  });
  if (format !== 'json' && 'readerRole' in engine) {
    const role = (engine as { readerRole: string | null }).readerRole;
    process.stderr.write(
      role
        ? `queries run as the PostgreSQL role ${role}\n`
        : 'note: queries run as the connecting PostgreSQL role (READ ONLY); --reader-role switches to a SELECT-only role (docs/cli.md)\n',
    );
  }
  const { startProgress } = await import('../progress.js');
  // DuckDB's own estimate of the running statement (PostgreSQL gives none: elapsed time only).
  const percent = 'progress' in engine ? () => (engine as { progress(): number | null }).progress() : undefined;
  const done = startProgress({ enabled: format !== 'json', percent });
  let result: DpSqlResult;
  try {
    result = await runDpSql({ ...options, sql: query, schema, engine, ledger, analyst: flags.analyst, confidence });
  } catch (e) {
    if (isDpError(e, 'BUDGET_EXHAUSTED')) {
      // Name the limiting part; reading the ledger charges nothing.
      const { forecastCharge } = await import('../budget-view.js');
      const { splitDpBudget } = await import('../../sql/budget-split.js');
      const { planDpQuery } = await import('../../sql/plan-query.js');
      const analyst = flags.analyst ?? 'default';
      const f = await forecastCharge(
        ledger,
        { dataset: schema.dataset, cap: schema.budget, analyst, analystBudget: schema.analysts.get(analyst) },
        splitDpBudget(planDpQuery(query, schema), options).charge,
      ).catch(() => undefined);
      if (f?.refused) {
        const details = { ...e.details, limit: f.limit, ledger: ledgerText };
        throw new DpError('BUDGET_EXHAUSTED', `${f.message} [limit: ${f.limit}] (nothing was charged; ledger: ${ledgerText})`, details);
      }
    }
    throw e;
  } finally {
    done();
    await engine.close();
    await ledger.close();
  }
  if (format === 'json') {
    process.stdout.write(
      `${JSON.stringify({
        columns: result.columns,
        rows: result.rows,
        intervals: result.intervals,
        intervalsCover: 'the DP noise only (not clamping, contribution bounding or sampling error)',
        spent: result.spent,
        remaining: result.remaining,
        confidence: result.confidence,
        ledger: ledgerText,
        ...(result.notForRelease ? { notForRelease: true } : {}),
        ...(result.bounding ? { bounding: result.bounding } : {}),
        ...(result.quantiles ? { quantiles: result.quantiles } : {}),
      })}\n`,
    );
    return;
  }
  const { formatDpSqlResult, resultFooter } = await import('../../sql/format-result.js');
  process.stdout.write(formatDpSqlResult(result, { format, ledger: ledgerText }));
  if (format === 'csv') process.stderr.write(`${resultFooter(result, ledgerText).join('\n')}\n`);
}

/** Registers `tsdp sql`. */
export const register: RegisterCommand = (program: Command) => {
  program
    .command('sql')
    .description('run a differentially private SQL query and print noisy results with confidence intervals')
    .argument('[query]', 'one SELECT statement (PostgreSQL syntax); - reads it from stdin')
    .requiredOption('--schema <file>', 'the privacy schema (JSON or YAML)')
    .option('-f, --file <file>', 'read the query from this file')
    .option(
      '--data <file>',
      'a CSV or Parquet file loaded into DuckDB (path or table=path); repeat for several',
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .option('--db <spec>', 'duckdb:file.duckdb or postgres://user@host:port/db')
    .option('--epsilon <e>', 'ε for this query (number or fraction)')
    .option('--delta <d>', 'δ for this query (used by DP partition selection and by Gaussian noise)', '0')
    .option('--rho <r>', 'ρ (zCDP) for this query instead of --epsilon: discrete Gaussian noise, charged as (ε, δ) at --delta')
    .option('--noise <kind>', 'laplace (default) or gaussian (with --epsilon and --delta: the largest ρ that fits them)')
    .option('--analyst <name>', 'the analyst charged', 'default')
    .option('--confidence <c>', 'confidence level of the intervals (they cover the DP noise only)', '0.95')
    .option('--ledger <kind>', 'file (under $TSDP_HOME) or postgres (default with --db postgres://)')
    .option(
      '--reader-role <role>',
      'PostgreSQL: run each query as this SELECT-only role (made by setupPostgresLedger; also ?tsdp_reader_role= in the URL; none: the connecting role)',
    )
    .option(
      '--timeout <seconds>',
      "each statement's deadline (default 60); a query that passes it after the charge stays charged (ENGINE_ERROR)",
    )
    .option('--format <f>', 'table (default), csv, markdown or json')
    .option('--json', 'the same as --format json: {columns, rows, intervals, spent, remaining, ledger}; errors as {"error": …}')
    .option(
      '--report-bounding',
      "also release, with DP, how many privacy units lost rows to contribution bounding and how many units there are (5% of this query's budget, inside the charge)",
    )
    .option('--report-bounding-share <s>', 'the share of the budget --report-bounding spends, in (0, 0.5] (implies --report-bounding)')
    .option('--explain', 'print the rewritten SQL, the budget split and whether the ledger would refuse it; runs and spends nothing')
    .action(async (arg: string | undefined, flags: SqlFlags) => {
      const { DpError } = await errors();
      const format = (flags.json ? 'json' : (flags.format ?? 'table')) as Format;
      if (!FORMATS.includes(format))
        throw new DpError('INVALID_PARAMETER', `--format must be one of ${FORMATS.join(', ')}`, { parameter: 'format' });
      if (flags.json && flags.format !== undefined && flags.format !== 'json')
        throw new DpError('INVALID_PARAMETER', '--json and --format disagree; give one', { parameter: 'format' });
      const { loadSqlSchema } = await import('../../sql/schema.js');
      const schema = loadSqlSchema(flags.schema ?? '');
      const query = await readQuery(arg, flags.file);
      const epsilon = await amount(flags.epsilon, 'epsilon');
      const delta = (await amount(flags.delta, 'delta')) ?? '0';
      const rho = await amount(flags.rho, 'rho');
      if (flags.noise !== undefined && flags.noise !== 'laplace' && flags.noise !== 'gaussian') {
        throw new DpError('INVALID_PARAMETER', '--noise must be laplace or gaussian', { parameter: 'noise' });
      }
      const noise = flags.noise as 'laplace' | 'gaussian' | undefined;
      if (flags.explain) {
        const options = {
          ...(rho === undefined ? { epsilon: epsilon ?? '1' } : { rho, ...(epsilon === undefined ? {} : { epsilon }) }),
          delta,
          noise,
          ...reportBounding(flags),
        };
        return explain(query, schema, flags, options, format);
      }
      if (epsilon === undefined && rho === undefined)
        throw new DpError('INVALID_PARAMETER', '--epsilon (or --rho) is required (the budget this query spends)', { parameter: 'epsilon' });
      return run(query, schema, flags, { epsilon, delta, rho, noise, ...reportBounding(flags) }, format);
    });
};

/**
 * `tsdp synth`: DP synthetic data from a CSV and a declared schema (MST, AIM
 * or MWEM), written as CSV, Parquet or Arrow, charged to the budget ledger
 * like `tsdp sql`: the file ledger in the state directory by default
 * (`--ledger postgres --db postgres://…` for PostgreSQL), the data set's key
 * and total budget from the schema (or `--dataset`, `--budget-epsilon`,
 * `--budget-delta`). Every public check — options, schema, output paths, the
 * data file, the ledger's forecast — comes before the charge; a run the
 * budget cannot pay is refused before the data is parsed, and charges
 * nothing. The ledger in use is printed (stderr, or `ledger` in JSON).
 * Progress (round, selected marginal, ρ used) goes to stderr when it is a
 * terminal (or with `--progress`). The --data CSV is read totally
 * (`parseSynthCsv`: a malformed record is dropped). On request, the data owner's utility
 * report (HTML, plus JSON beside it) — not DP.
 * @module
 */
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { DpError } from '../../core/errors.js';
import { type CsvLineBreaks, isCsvLineBreaks, readCsvRecords } from '../../io/csv-records.js';
import type { LedgerScope } from '../../ledger/ledger.js';
import type { Rational } from '../../numeric/rational.js';
import { encodeRecords, planSynthesis, type SynthMethod, type SynthSchema, schemaFromDomainSizes } from '../../synth/index.js';
import { utilityReport } from '../../synth/report.js';
import { reportHtml } from '../../synth/report-html.js';
import { synthFileFormat, writeSynthetic } from '../../synth/write.js';
import { parseNumberOption, requiredOption } from '../options.js';
import { writeOwnerOnly } from '../owner-only-file.js';

interface SynthFlags {
  data?: string;
  schema?: string;
  epsilon?: string;
  delta?: string;
  method?: string;
  rows?: string;
  out?: string;
  report?: string;
  target?: string;
  iterations?: string;
  lineBreaks?: string;
  dataset?: string;
  budgetEpsilon?: string;
  budgetDelta?: string;
  analyst?: string;
  ledger?: string;
  db?: string;
  progress?: boolean;
  quiet?: boolean;
  json?: boolean;
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new DpError('NOT_FOUND', `cannot read the ${what} file`, { kind: 'file', name: path });
  }
}

interface SchemaFile {
  readonly schema: SynthSchema;
  readonly dataset?: unknown;
  readonly budget?: unknown;
}

/** A schema file: `{ dataset?, budget?, columns: [...] }`, or a domain file `{ column: size }` of integer codes. */
function readSchema(path: string): SchemaFile {
  let json: unknown;
  try {
    json = JSON.parse(readText(path, '--schema'));
  } catch (e) {
    if (e instanceof DpError) throw e;
    throw new DpError('INVALID_SCHEMA', 'the --schema file is not JSON', { path });
  }
  if (typeof json === 'object' && json !== null && 'columns' in json) {
    const o = json as { columns: SynthSchema['columns']; dataset?: unknown; budget?: unknown };
    return { schema: { columns: o.columns }, dataset: o.dataset, budget: o.budget };
  }
  return { schema: schemaFromDomainSizes(json as Record<string, unknown>) };
}

function integerOption(text: string | undefined, parameter: string): number | undefined {
  if (text === undefined) return undefined;
  const x = parseNumberOption(text, parameter);
  if (!(Number.isSafeInteger(x) && x >= 0)) throw new DpError('INVALID_PARAMETER', `--${parameter} must be an integer ≥ 0`, { parameter });
  return x;
}

/** The ledger scope: the data set's key and total budget, from the flags or the schema file. */
async function scopeOf(flags: SynthFlags, file: SchemaFile, schemaPath: string): Promise<LedgerScope> {
  const { readSchemaAmount, NAME_PATTERN } = await import('../../sql/schema-format.js');
  const fromFile = basename(schemaPath).replace(/(\.schema)?\.json$/i, '');
  const dataset = flags.dataset ?? (typeof file.dataset === 'string' ? file.dataset : fromFile);
  if (!NAME_PATTERN.test(dataset)) {
    throw new DpError(
      'INVALID_PARAMETER',
      'the data set name (--dataset, the schema\'s "dataset" or the file name) must match [A-Za-z0-9_.-]{1,100}',
      {
        parameter: 'dataset',
      },
    );
  }
  const amount = (x: unknown, name: string, isDelta: boolean): Rational | undefined => {
    if (x === undefined) return undefined;
    const r = typeof x === 'number' || typeof x === 'string' ? readSchemaAmount(x) : undefined;
    if (r === undefined || (isDelta ? r.isNegative() || r.ge(readSchemaAmount(1) as Rational) : r.isNegative() || r.isZero())) {
      throw new DpError('INVALID_PARAMETER', `${name} must be ${isDelta ? 'in [0, 1)' : '> 0'}`, { parameter: name });
    }
    return r;
  };
  const b = (typeof file.budget === 'object' && file.budget !== null ? file.budget : {}) as { epsilon?: unknown; delta?: unknown };
  const epsilon =
    amount(
      flags.budgetEpsilon === undefined ? undefined : parseNumberOption(flags.budgetEpsilon, 'budget-epsilon'),
      'budget-epsilon',
      false,
    ) ?? amount(b.epsilon, 'budget.epsilon', false);
  const delta =
    amount(flags.budgetDelta === undefined ? undefined : parseNumberOption(flags.budgetDelta, 'budget-delta'), 'budget-delta', true) ??
    amount(b.delta ?? 0, 'budget.delta', true);
  if (epsilon === undefined || delta === undefined) {
    throw new DpError(
      'INVALID_PARAMETER',
      'declare the data set\'s total budget: "budget": { "epsilon", "delta" } in the schema, or --budget-epsilon / --budget-delta',
      {
        parameter: 'budget-epsilon',
      },
    );
  }
  return { dataset, cap: { epsilon, delta }, analyst: flags.analyst ?? 'default' };
}

/** The directory of `path` exists and is writable (a public fact, checked before the charge). */
function checkWritable(path: string, parameter: string): void {
  const dir = dirname(resolve(path));
  try {
    if (!statSync(dir).isDirectory()) throw new Error('not a directory');
    accessSync(dir, constants.W_OK);
    if (existsSync(path)) accessSync(path, constants.W_OK);
  } catch {
    throw new DpError('INVALID_PARAMETER', `--${parameter}: cannot write there`, { parameter });
  }
}

/**
 * Reads the --data CSV totally, by the one record rule of private CSV
 * (`src/io/csv-records.ts`, review S2): lines are cut at every CR and LF
 * before any field is parsed; the first line is the header (the public
 * schema; a byte-order mark is ignored) and a missing or malformed header is
 * a public error; every later non-empty line is one record, read alone by
 * RFC 4180 without line breaks, and a record that does not parse (an unclosed
 * or stray quote, a field too many or too few, a line of 1 MiB or more, bytes that
 * are not UTF-8 when given bytes) is dropped alone — it never removes or
 * changes another record. A field holding a line break: rule 5 of the
 * shared rule, by the declared `lineBreaks` (`--line-breaks`; with `'quoted'`
 * such a record is dropped whole and none of its pieces is read).
 * @param text - the file's text, or its bytes.
 * @param lineBreaks - how the file's writer encodes a line break inside a field (default `'none'`).
 * @returns the records, keyed by the header's names.
 * @throws DpError INVALID_PARAMETER when the header line is missing or not CSV, or `lineBreaks` is not a
 *   `CsvLineBreaks` (public; no data text in the message).
 */
export async function parseSynthCsv(text: string | Uint8Array, lineBreaks: CsvLineBreaks = 'none'): Promise<Record<string, string>[]> {
  if (!isCsvLineBreaks(lineBreaks)) {
    throw new DpError('INVALID_PARAMETER', "--line-breaks must be 'none', 'escaped' or 'quoted'", { parameter: 'line-breaks' });
  }
  const read = await readCsvRecords(text, ',', lineBreaks);
  if (read === undefined || read.header.length === 0) {
    throw new DpError('INVALID_PARAMETER', 'the --data file is not a CSV with a header line', { parameter: 'data' });
  }
  const { header, records } = read;
  return records.map((row) => {
    const r: Record<string, string> = Object.create(null);
    header.forEach((name, j) => {
      r[name] = row[j] as string;
    });
    return r;
  });
}

async function runSynth(flags: SynthFlags): Promise<void> {
  const epsilon = parseNumberOption(requiredOption(flags.epsilon, 'epsilon'), 'epsilon');
  const delta = parseNumberOption(requiredOption(flags.delta, 'delta'), 'delta');
  const method = (flags.method ?? 'mst') as SynthMethod;
  if (method !== 'mst' && method !== 'aim' && method !== 'mwem')
    throw new DpError('INVALID_PARAMETER', "--method must be 'mst', 'aim' or 'mwem'", { parameter: 'method' });
  const rows = integerOption(flags.rows, 'rows');
  const iterations = integerOption(flags.iterations, 'iterations');
  if (iterations !== undefined && iterations < 1)
    throw new DpError('INVALID_PARAMETER', '--iterations must be ≥ 1', { parameter: 'iterations' });
  const lineBreaks = flags.lineBreaks ?? 'none';
  if (!isCsvLineBreaks(lineBreaks))
    throw new DpError('INVALID_PARAMETER', "--line-breaks must be 'none', 'escaped' or 'quoted'", { parameter: 'line-breaks' });
  const out = requiredOption(flags.out, 'out');
  synthFileFormat(out);
  checkWritable(out, 'out');
  if (flags.report !== undefined) {
    if (!/\.html?$/i.test(flags.report)) throw new DpError('INVALID_PARAMETER', '--report must end in .html', { parameter: 'report' });
    checkWritable(flags.report, 'report');
  }
  const schemaPath = requiredOption(flags.schema, 'schema');
  const file = readSchema(schemaPath);
  // Everything the run will refuse for its parameters, and its charge, before the data or the ledger is touched.
  const options = {
    schema: file.schema,
    epsilon,
    delta,
    method,
    ...(rows === undefined ? {} : { rows }),
    ...(iterations === undefined ? {} : { iterations }),
  };
  const plan = planSynthesis(options);
  if (flags.target !== undefined && !plan.domain.names.includes(flags.target)) {
    throw new DpError('INVALID_PARAMETER', "--target must be one of the schema's columns", { parameter: 'target' });
  }
  const scope = await scopeOf(flags, file, schemaPath);
  const dataPath = requiredOption(flags.data, 'data');
  if (!existsSync(dataPath)) throw new DpError('NOT_FOUND', 'cannot read the --data file', { kind: 'file', name: dataPath });
  const { openLedger } = await import('../ledger-choice.js');
  const { ledger, description } = await openLedger({ ledger: flags.ledger, db: flags.db });
  try {
    if (!flags.json) process.stderr.write(`ledger: ${description} (data set ${scope.dataset})\n`);
    const { forecastCharge } = await import('../budget-view.js');
    const { formatAmountText } = await import('../../sql/format-result.js');
    const charge = plan.guarantee.loss;
    const forecast = await forecastCharge(ledger, scope, charge);
    if (forecast.refused) {
      throw new DpError(
        'BUDGET_EXHAUSTED',
        `${forecast.message} [limit: ${forecast.limit}] (nothing was charged; ledger: ${description})`,
        {
          scope: forecast.scope,
          limit: forecast.limit,
          ledger: description,
        } as never,
      );
    }
    const data = await parseSynthCsv(readText(dataPath, '--data'), lineBreaks);
    const showProgress = flags.quiet ? false : (flags.progress ?? process.stderr.isTTY === true);
    const t0 = performance.now();
    const total = plan.guarantee.rho;
    const { synthesize } = await import('../../synth/synthesize.js');
    const result = await synthesize({
      ...options,
      data,
      budget: { ledger, scope, memo: `synth ${method}${rows === undefined ? '' : ` rows=${rows}`}` },
      ...(showProgress
        ? {
            progress: (p) =>
              process.stderr.write(
                `[${((performance.now() - t0) / 1000).toFixed(1)}s] ${p.stage}${p.detail ? `: ${p.detail}` : ''} (ρ used ${p.rhoUsed.toPrecision(4)} of ${total.toPrecision(4)})\n`,
              ),
          }
        : {}),
    });
    await writeSynthetic(out, result.records, result.domain);
    const g = result.guarantee;
    const left = result.ledgerStatus ? (result.ledgerStatus.analyst ?? result.ledgerStatus.dataset).remaining : undefined;
    let reportJson: string | undefined;
    if (flags.report !== undefined) {
      const domain = result.domain;
      const report = utilityReport({
        domain,
        real: encodeRecords(domain, data),
        synthetic: encodeRecords(domain, result.records),
        method,
        guarantee: g,
        ...(flags.target === undefined ? {} : { target: flags.target }),
        ...(result.ledgerStatus
          ? { ledger: { description, dataset: scope.dataset, status: result.ledgerStatus.analyst ?? result.ledgerStatus.dataset } }
          : {}),
      });
      writeOwnerOnly(flags.report, reportHtml(report));
      reportJson = `${flags.report.replace(/\.html?$/i, '')}.json`;
      writeOwnerOnly(reportJson, `${JSON.stringify(report, null, 2)}\n`);
      if (!flags.json) process.stderr.write(`report (for the data owner only; not DP): ${flags.report}\n`);
    }
    const summary = {
      out,
      rows: result.records.length,
      method,
      guarantee: { rho: g.rho, epsilon: g.epsilon, delta: g.delta, parts: g.parts },
      charged: { rho: g.loss.rho.toString() },
      ledger: description,
      dataset: scope.dataset,
      ...(left === undefined ? {} : { remaining: { epsilon: left.epsilon.toNumber(), delta: left.delta.toNumber() } }),
      ...(reportJson === undefined ? {} : { report: flags.report, reportJson }),
    };
    process.stdout.write(
      flags.json
        ? `${JSON.stringify(summary)}\n`
        : `wrote ${summary.rows} synthetic rows to ${out} (${method}); guarantee ${g.rho.toPrecision(6)}-zCDP ⇒ (ε = ${g.epsilon.toPrecision(6)}, δ = ${g.delta})-DP, charged to ${description} for ${scope.dataset}${left ? `; left: ${formatAmountText(left)}` : ''}\n`,
    );
  } finally {
    await ledger.close();
  }
}

/** Registers `tsdp synth` (typed inline: importing ./index.js would join the verbs' import cycle). */
export const register = (program: Command): void => {
  program
    .command('synth')
    .description('make differentially private synthetic data (MST, AIM or MWEM) from a CSV and a declared schema, charged to the ledger')
    .option('--data <file>', 'the private CSV (with a header line); one record per person')
    .option(
      '--schema <file>',
      'JSON: { dataset?, budget?: {epsilon, delta}, columns: [...] } with public domains, or a domain file { column: size }',
    )
    .option('--epsilon <number>', 'epsilon of this release (ε, δ)')
    .option('--delta <number>', 'delta of this release (ε, δ)')
    .option('--method <name>', 'mst | aim | mwem', 'mst')
    .option('--rows <n>', 'how many synthetic rows (default: the estimated count)')
    .option('--out <file>', 'where to write the synthetic data: .csv, .parquet or .arrow')
    .option('--report <file.html>', 'also write the utility report (HTML, and JSON beside it) — for the data owner only, not DP')
    .option('--target <column>', "the report's ML-efficacy label (default: the last column)")
    .option(
      '--iterations <n>',
      'mirror-descent iterations of the final estimation (default 1000; AIM on a model over 1e5 cells: 1e8/cells, at least 200; at most 1e5 and 2^36 cell-iterations)',
    )
    .option(
      '--line-breaks <how>',
      "how the --data file's writer encodes a line break in a field: none (default: never), escaped, or quoted (every field quoted)",
    )
    .option('--dataset <name>', "the data set's key in the ledger (default: the schema's dataset, else its file name)")
    .option('--budget-epsilon <number>', "the data set's total ε (default: the schema's budget.epsilon)")
    .option('--budget-delta <number>', "the data set's total δ (default: the schema's budget.delta, else 0)")
    .option('--analyst <name>', 'the analyst charged', 'default')
    .option('--ledger <kind>', 'file (the state directory, $TSDP_HOME) or postgres (with --db)')
    .option('--db <url>', 'postgres://… for --ledger postgres')
    .option('--progress', 'print progress on stderr even when it is not a terminal')
    .option('--quiet', 'no progress')
    .option('--json', 'print one JSON object')
    .action(async (flags: SynthFlags) => {
      await runSynth(flags);
    });
};

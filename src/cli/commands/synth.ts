/**
 * `tsdp synth`: DP synthetic data from a CSV and a declared schema (MST or AIM),
 * written as CSV, with progress on stderr and, on request, the data owner's
 * utility report (HTML, plus JSON beside it).
 * @module
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { DpError } from '../../core/errors.js';
import { toCsv } from '../../synth/csv.js';
import { buildDomain, encodeRecords, type SynthSchema, schemaFromDomainSizes, synthesize } from '../../synth/index.js';
import { reportHtml, utilityReport } from '../../synth/report.js';
import { parseNumberOption, requiredOption } from '../options.js';

interface SynthFlags {
  data?: string;
  schema?: string;
  epsilon?: string;
  delta?: string;
  method?: string;
  rows?: string;
  out?: string;
  report?: string;
  iterations?: string;
  json?: boolean;
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new DpError('NOT_FOUND', `cannot read the ${what} file`, { kind: 'file', name: path });
  }
}

/** A schema file: `{ columns: [...] }`, or a domain file `{ column: size }` of integer codes. */
function readSchema(path: string): SynthSchema {
  let json: unknown;
  try {
    json = JSON.parse(readText(path, '--schema'));
  } catch (e) {
    if (e instanceof DpError) throw e;
    throw new DpError('INVALID_SCHEMA', 'the --schema file is not JSON', { path });
  }
  if (typeof json === 'object' && json !== null && 'columns' in json) return json as SynthSchema;
  return schemaFromDomainSizes(json as Record<string, unknown>);
}

function integerOption(text: string | undefined, parameter: string): number | undefined {
  if (text === undefined) return undefined;
  const x = parseNumberOption(text, parameter);
  if (!(Number.isSafeInteger(x) && x >= 0)) throw new DpError('INVALID_PARAMETER', `--${parameter} must be an integer ≥ 0`, { parameter });
  return x;
}

async function runSynth(flags: SynthFlags): Promise<void> {
  const epsilon = parseNumberOption(requiredOption(flags.epsilon, 'epsilon'), 'epsilon');
  const delta = parseNumberOption(requiredOption(flags.delta, 'delta'), 'delta');
  const method = flags.method ?? 'mst';
  if (method !== 'mst' && method !== 'aim')
    throw new DpError('INVALID_PARAMETER', "--method must be 'mst' or 'aim'", { parameter: 'method' });
  const rows = integerOption(flags.rows, 'rows');
  const iterations = integerOption(flags.iterations, 'iterations');
  const out = requiredOption(flags.out, 'out');
  const schema = readSchema(requiredOption(flags.schema, 'schema'));
  buildDomain(schema); // refuse a bad schema before the data is read
  const { parse } = await import('csv-parse/sync');
  let data: Record<string, string>[];
  try {
    data = parse(readText(requiredOption(flags.data, 'data'), '--data'), { columns: true, skip_empty_lines: true }) as Record<
      string,
      string
    >[];
  } catch (e) {
    if (e instanceof DpError) throw e;
    throw new DpError('INVALID_PARAMETER', 'the --data file is not a CSV with a header line', { parameter: 'data' });
  }
  const t0 = performance.now();
  const result = synthesize({
    data,
    schema,
    epsilon,
    delta,
    method,
    ...(rows === undefined ? {} : { rows }),
    ...(iterations === undefined || iterations < 1 ? {} : { iterations }),
    progress: (p) =>
      process.stderr.write(
        `[${((performance.now() - t0) / 1000).toFixed(1)}s] ${p.stage}${p.detail ? `: ${p.detail}` : ''} (ρ used ${p.rhoUsed.toPrecision(4)})\n`,
      ),
  });
  writeFileSync(out, toCsv(result.records, result.columns));
  const g = result.guarantee;
  const summary = { out, rows: result.records.length, method, guarantee: { rho: g.rho, epsilon: g.epsilon, delta: g.delta } };
  if (flags.report !== undefined) {
    const domain = buildDomain(schema);
    const report = utilityReport({
      domain,
      real: encodeRecords(domain, data),
      synthetic: encodeRecords(domain, result.records),
      method,
      guarantee: g,
    });
    writeFileSync(flags.report, reportHtml(report));
    writeFileSync(flags.report.replace(/\.html?$/i, '') + '.json', `${JSON.stringify(report, null, 2)}\n`);
    process.stderr.write(`report (for the data owner only; not DP): ${flags.report}\n`);
  }
  process.stdout.write(
    flags.json
      ? `${JSON.stringify(summary)}\n`
      : `wrote ${summary.rows} synthetic rows to ${out} (${method}); guarantee ${g.rho.toPrecision(6)}-zCDP ⇒ (ε = ${g.epsilon.toPrecision(6)}, δ = ${g.delta})-DP\n`,
  );
}

/** Registers `tsdp synth` (typed inline: importing ./index.js would join the verbs' import cycle). */
export const register = (program: Command): void => {
  program
    .command('synth')
    .description('make differentially private synthetic data (MST or AIM) from a CSV and a declared schema')
    .option('--data <file>', 'the private CSV (with a header line)')
    .option('--schema <file>', 'JSON: { columns: [...] } with public domains, or a domain file { column: size }')
    .option('--epsilon <number>', 'epsilon of the (epsilon, delta) guarantee')
    .option('--delta <number>', 'delta of the (epsilon, delta) guarantee')
    .option('--method <name>', 'mst | aim', 'mst')
    .option('--rows <n>', 'how many synthetic rows (default: the estimated count)')
    .option('--out <file>', 'where to write the synthetic CSV')
    .option('--report <file>', 'also write the utility report (HTML, and JSON beside it) — for the data owner only')
    .option('--iterations <n>', 'mirror-descent iterations of the final estimation (default 1000)')
    .option('--json', 'print one JSON object')
    .action(async (flags: SynthFlags) => {
      await runSynth(flags);
    });
};

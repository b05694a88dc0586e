/**
 * `tsdp schema init` drafts a privacy schema for the data owner from a data
 * file or a PostgreSQL table (types from the engine; bounds and categories
 * left to confirm, or estimated with DP and charged); `tsdp schema check`
 * validates a schema file.
 *
 * ```
 * tsdp schema init examples/adult.csv --out adult.schema.yaml
 * tsdp schema init people --db postgres://me@localhost/hr --privacy-unit person_id --out hr.schema.yaml
 * tsdp schema init examples/adult.csv --dp-bounds 0.5 --out adult.schema.yaml   # DP estimates, charged
 * tsdp schema check adult.schema.yaml
 * ```
 * Everything is checked (options, the file or table, the columns, the output
 * path, the budget left) before the ledger is charged; nothing reads a data
 * value before the charge.
 * @module
 */
import type { Command } from 'commander';
import type { RegisterCommand } from './register.js';

interface InitFlags {
  db?: string;
  out?: string;
  table?: string;
  dataset?: string;
  budgetEpsilon: string;
  budgetDelta: string;
  privacyUnit?: string;
  dpBounds?: string;
  dpDelta: string;
  analyst: string;
  ledger?: string;
  force?: boolean;
  json?: boolean;
  readerRole?: string;
}

async function runInit(target: string, flags: InitFlags): Promise<void> {
  const [{ existsSync }, { relative, dirname, resolve }, { DpError }, { Rational }] = await Promise.all([
    import('node:fs'),
    import('node:path'),
    import('../../core/errors.js'),
    import('../../numeric/rational.js'),
  ]);
  const { readSchemaAmount, NAME_PATTERN, SQL_SCHEMA_JSON_PATH } = await import('../../sql/schema-format.js');
  const { draftSchemaYaml, checkIdentifier } = await import('../schema-draft.js');
  const { openFileSource, openPostgresSource, tableNameOf } = await import('../draft-source.js');
  const { isPostgresUrl } = await import('../ledger-choice.js');
  const { privacyUnit } = await import('../../core/privacy-unit.js');

  // Parameters first: all public, all before anything is opened or charged.
  const amount = (text: string, name: string, kind: 'positive' | 'probability') => {
    const r = /^\s*(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$|^\s*\d+\s*\/\s*[1-9]\d*\s*$/.test(text) ? readSchemaAmount(text) : undefined;
    const ok = r !== undefined && (kind === 'positive' ? r.gt(Rational.ZERO) : r.ge(Rational.ZERO) && r.lt(Rational.ONE));
    if (!ok || r === undefined) {
      throw new DpError(
        'INVALID_PARAMETER',
        `--${name} must be ${kind === 'positive' ? 'a number > 0' : 'a number in [0, 1)'} or a fraction`,
        {
          parameter: name,
        },
      );
    }
    return r;
  };
  const budgetEpsilon = amount(flags.budgetEpsilon, 'budget-epsilon', 'positive');
  const budgetDelta = amount(flags.budgetDelta, 'budget-delta', 'probability');
  const dpEpsilon = flags.dpBounds === undefined ? undefined : amount(flags.dpBounds, 'dp-bounds', 'positive');
  const dpDelta = amount(flags.dpDelta, 'dp-delta', 'probability');
  if (dpEpsilon && dpDelta.isZero())
    throw new DpError('INVALID_PARAMETER', '--dp-delta must be > 0 (DP category lists need δ)', { parameter: 'dp-delta' });
  const fromFile = !(flags.db && isPostgresUrl(flags.db));
  const table = checkIdentifier(
    (flags.table ?? (fromFile ? tableNameOf(target) : (target.split('.').pop() ?? target))).toLowerCase(),
    'table',
  );
  const dataset = flags.dataset ?? table;
  if (!NAME_PATTERN.test(dataset))
    throw new DpError('INVALID_PARAMETER', '--dataset must be letters, digits, _ . -', { parameter: 'dataset' });
  if (flags.privacyUnit !== undefined) checkIdentifier(flags.privacyUnit, 'privacy-unit');
  if (flags.readerRole !== undefined && fromFile)
    throw new DpError('INVALID_PARAMETER', '--reader-role applies to --db postgres://… only', { parameter: 'reader-role' });
  if (flags.out && existsSync(flags.out) && !flags.force) {
    throw new DpError('INVALID_PARAMETER', `${flags.out} exists; give --force to replace it`, { parameter: 'out' });
  }

  const source = fromFile
    ? await openFileSource(target, table)
    : await openPostgresSource(flags.db as string, target, table, flags.readerRole);
  try {
    const unitColumn =
      flags.privacyUnit === undefined ? undefined : source.columns.find((c) => c.name.toLowerCase() === flags.privacyUnit?.toLowerCase());
    if (flags.privacyUnit !== undefined && !unitColumn) {
      throw new DpError('INVALID_PARAMETER', `--privacy-unit ${flags.privacyUnit}: no such column in ${source.label}`, {
        parameter: 'privacy-unit',
      });
    }
    const unit = unitColumn?.name;
    let estimates: Parameters<typeof draftSchemaYaml>[0]['estimates'];
    let charged: { epsilon: string; delta: string } | undefined;
    let ledgerDescription: string | undefined;
    if (dpEpsilon) {
      const { estimableColumns, estimateColumns } = await import('../draft-estimates.js');
      const columns = estimableColumns(source, unit);
      const k = columns.bounds.length + columns.categories.length;
      if (k > 0) {
        const delta = columns.categories.length > 0 ? dpDelta : Rational.ZERO;
        const { openLedger } = await import('../ledger-choice.js');
        const { ledger, description } = await openLedger({ ledger: flags.ledger, db: flags.db });
        ledgerDescription = description;
        process.stderr.write(`ledger: ${description}\n`);
        try {
          const cost = { epsilon: dpEpsilon, delta, rho: Rational.ZERO };
          // The estimates are DP per unit (one row per unit per column): the ledger pins the data set to that unit.
          const scope = {
            dataset,
            cap: { epsilon: budgetEpsilon, delta: budgetDelta },
            analyst: flags.analyst,
            unit: privacyUnit(unit?.toLowerCase() ?? null),
          };
          // Charged before any row is read; refused (nothing recorded) when it does not fit.
          await ledger.charge(
            scope,
            cost,
            `tsdp schema init ${source.label}: DP bounds of ${columns.bounds.join(', ') || '-'}; categories of ${columns.categories.join(', ') || '-'}`,
          );
        } finally {
          await ledger.close();
        }
        charged = { epsilon: dpEpsilon.toString(), delta: delta.toString() };
        // The charge pinned the data set's budget (its first spend) or matched the pin already there: say so now, not
        // at the first refused query (reviewml, issue 11); the draft's budget line says PINNED, not CONFIRM.
        process.stderr.write(
          `budget of data set "${dataset}" pinned at ε=${flags.budgetEpsilon.trim()}, δ=${flags.budgetDelta.trim()} (--budget-epsilon, --budget-delta): queries must name this budget\n`,
        );
        const byColumn = await estimateColumns(
          source,
          columns,
          {
            epsilonPerColumn: dpEpsilon.div(Rational.of(BigInt(k))).toNumberDown(),
            deltaPerCategoryColumn:
              columns.categories.length > 0 ? dpDelta.div(Rational.of(BigInt(columns.categories.length))).toNumberDown() : 0,
          },
          unit,
          undefined,
        );
        estimates = { byColumn, epsilon: charged.epsilon, delta: charged.delta, ledger: description };
      }
    }
    const outDir = flags.out ? dirname(resolve(flags.out)) : process.cwd();
    const packaged = resolve(import.meta.dirname, '../../..', SQL_SCHEMA_JSON_PATH);
    const jsonSchema = existsSync(packaged) ? relative(outDir, packaged) || packaged : 'https://unpkg.com/tsdp/schema/tsdp-schema.json';
    const yaml = draftSchemaYaml({
      source: source.label,
      dataset,
      table,
      columns: source.columns,
      budget: { epsilon: flags.budgetEpsilon.trim(), delta: flags.budgetDelta.trim() },
      privacyUnit: unit,
      estimates,
      jsonSchema,
    });
    // Owner-only (0600, a new file renamed over the target): the draft is read from private data — types guessed from
    // values, with --dp-bounds DP estimates — and is for the data owner to confirm (owner-only-file.ts).
    if (flags.out) (await import('../owner-only-file.js')).writeOwnerOnly(flags.out, yaml);
    if (flags.json) {
      process.stdout.write(
        `${JSON.stringify({
          out: flags.out ?? null,
          dataset,
          table,
          columns: source.columns.map((c) => ({ name: c.name, engineType: c.engineType, type: c.type ?? null })),
          charged: charged ?? null,
          ledger: ledgerDescription ?? null,
          ...(flags.out ? {} : { draft: yaml }),
        })}\n`,
      );
    } else if (flags.out) {
      process.stderr.write(
        `wrote ${flags.out}: ${source.columns.length} columns of ${source.label}; confirm every line marked CONFIRM before use${charged ? `; DP estimates charged ε=${charged.epsilon}, δ=${charged.delta}` : ''}\n`,
      );
    } else process.stdout.write(yaml);
  } finally {
    await source.close();
  }
}

async function runCheck(file: string, flags: { json?: boolean }): Promise<void> {
  const { loadSqlSchema } = await import('../../sql/schema.js');
  const s = loadSqlSchema(file);
  const tables = [...s.tables.values()];
  if (flags.json) {
    process.stdout.write(
      `${JSON.stringify({ valid: true, dataset: s.dataset, tables: tables.map((t) => ({ name: t.name, public: t.isPublic, privacyUnit: t.unit.column, columns: t.columns.size })) })}\n`,
    );
  } else {
    process.stdout.write(
      `${file}: valid; data set "${s.dataset}", ${tables.map((t) => `${t.name} (${t.isPublic ? 'public' : `private, unit ${t.unit.column ?? 'row'}`}, ${t.columns.size} columns)`).join(', ')}\n`,
    );
  }
}

/** Registers `tsdp schema init` and `tsdp schema check`. */
export const register: RegisterCommand = (program: Command) => {
  const schema = program.command('schema').description('draft (init) and validate (check) privacy schemas');
  schema
    .command('init')
    .description(
      'draft a privacy schema from a CSV/Parquet file or a PostgreSQL table: types from the engine, bounds and categories left to confirm (or DP-estimated with --dp-bounds, charged)',
    )
    .argument('<file-or-table>', 'a CSV, Parquet or JSON file; or a table name (schema.table) with --db postgres://…')
    .option('--db <url>', 'postgres://user@host:port/db: the table is in PostgreSQL')
    .option('--out <file>', 'write the draft here (default: print it)')
    .option('--force', 'replace --out if it exists')
    .option('--table <name>', 'the table name in the schema (default: the file name)')
    .option('--dataset <name>', 'the data set (ledger key; default: the table name)')
    .option('--budget-epsilon <e>', "the data set's total ε written to the draft (and the cap --dp-bounds is charged under)", '1')
    .option('--budget-delta <d>', "the data set's total δ", '1e-6')
    .option('--privacy-unit <column>', 'the column identifying a person (default: each row is one)')
    .option('--dp-bounds <epsilon>', 'estimate bounds and categories with DP, spending this ε (charged to the data set in the ledger)')
    .option('--dp-delta <delta>', 'δ for DP category lists (with --dp-bounds)', '1e-8')
    .option('--analyst <name>', 'the analyst charged for --dp-bounds', 'default')
    .option('--ledger <kind>', 'file (default) or postgres (with --db)')
    .option('--reader-role <role>', 'PostgreSQL: read the table (and any DP estimate) as this SELECT-only role (see tsdp sql)')
    .option('--json', 'print JSON: {out, dataset, table, columns, charged, ledger, draft?}')
    .action(runInit);
  schema
    .command('check')
    .description('validate a schema file (JSON or YAML) and summarise it')
    .argument('<file>', 'the schema file')
    .option('--json', 'print JSON')
    .action(runCheck);
};

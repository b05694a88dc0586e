/**
 * Writing synthetic records to a file (Node only; exported from `tsdp/node`):
 * CSV (RFC 4180, `toCsv`), Parquet (DuckDB's `COPY … TO … (FORMAT PARQUET)`,
 * through an in-memory database) or Arrow IPC (`.arrow`, optional
 * `apache-arrow`), chosen by the file's extension. Post-processing.
 * @module
 */
import { writeFileSync } from 'node:fs';
import { DpError } from '../core/index.js';
import { toArrowTable } from './arrow.js';
import { toCsv } from './csv.js';
import type { SynthDomain } from './domain.js';

/** The file formats. */
export type SynthFileFormat = 'csv' | 'parquet' | 'arrow';

/**
 * The format of an output path, from its extension.
 * @param path - `x.csv`, `x.parquet` or `x.arrow`.
 * @returns the format.
 * @throws DpError INVALID_PARAMETER for any other extension (check it before a charge).
 * @example
 * synthFileFormat('synth.parquet'); // 'parquet'
 */
export function synthFileFormat(path: string): SynthFileFormat {
  const m = /\.(csv|parquet|arrow)$/i.exec(String(path));
  if (!m) {
    throw new DpError('INVALID_PARAMETER', 'the output file must end in .csv, .parquet or .arrow', {
      parameter: 'out',
      expected: '.csv | .parquet | .arrow',
    });
  }
  return (m[1] as string).toLowerCase() as SynthFileFormat;
}

function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

function sqlName(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}

/**
 * Writes synthetic records to `path` in the format its extension names.
 * @param path - the output file.
 * @param records - the records.
 * @param domain - their domain (column order and types).
 * @throws DpError INVALID_PARAMETER for an unknown extension; NOT_FOUND when `.arrow` lacks apache-arrow.
 * @privacy post-processing of a DP release.
 * @example
 * await writeSynthetic('synth.parquet', result.records, result.domain);
 */
export async function writeSynthetic(
  path: string,
  records: readonly Readonly<Record<string, unknown>>[],
  domain: SynthDomain,
): Promise<void> {
  const format = synthFileFormat(path);
  if (format === 'csv') {
    writeFileSync(path, toCsv(records, domain.names));
    return;
  }
  if (format === 'arrow') {
    const { tableToIPC } = await import('apache-arrow');
    const table = await toArrowTable(records, domain);
    writeFileSync(path, tableToIPC(table as never, 'file'));
    return;
  }
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const types = domain.columns.map((c) => (c.type === 'categorical' ? 'VARCHAR' : c.type === 'integer' ? 'BIGINT' : 'DOUBLE'));
    await connection.run(`CREATE TABLE synth (${domain.columns.map((c, j) => `${sqlName(c.name)} ${types[j]}`).join(', ')})`);
    const appender = await connection.createAppender('synth');
    for (const r of records) {
      domain.columns.forEach((c, j) => {
        const v = r[c.name];
        if (types[j] === 'VARCHAR') appender.appendVarchar(String(v));
        else if (types[j] === 'BIGINT') appender.appendBigInt(BigInt(Math.round(Number(v))));
        else appender.appendDouble(Number(v));
      });
      appender.endRow();
    }
    appender.closeSync();
    await connection.run(`COPY synth TO ${sqlString(path)} (FORMAT PARQUET)`);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

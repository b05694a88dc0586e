/**
 * `tsdp schema init`: a draft has types from the engine and no data value unless it was released with DP
 * and charged; a refused or failed init charges nothing. In-process generative test of the draft writer;
 * a few spawns of the real command (each ~2 s).
 */
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type DraftColumn, draftSchemaYaml, schemaTypeOf } from '../../src/cli/schema-draft.js';
import { loadSqlSchema } from '../../src/sql/schema.js';
import { tsdp } from './run-cli.js';

describe('the draft writer (generative)', () => {
  const engineTypes = [
    'BIGINT',
    'INTEGER',
    'DOUBLE',
    'VARCHAR',
    'BOOLEAN',
    'DATE',
    'TIMESTAMP',
    'BLOB',
    'DECIMAL(10,2)',
    'character varying',
    'double precision',
    'jsonb',
  ];
  const name = fc.oneof(fc.stringMatching(/^[a-z_][a-z0-9_]{0,10}$/), fc.string({ minLength: 1, maxLength: 8 }));
  const columns = fc.uniqueArray(
    fc.tuple(name, fc.constantFrom(...engineTypes)).map(([n, t]): DraftColumn => ({ name: n, engineType: t, type: schemaTypeOf(t) })),
    { minLength: 1, maxLength: 8, selector: (c) => c.name.toLowerCase() },
  );

  it('always writes a schema that loads, with every typed identifier column declared and nothing else', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsdp-draft-'));
    fc.assert(
      fc.property(columns, fc.boolean(), (cols, withUnit) => {
        const ident = cols.filter((c) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(c.name) && c.type !== undefined);
        const unit = withUnit ? ident[0]?.name : undefined;
        const yaml = draftSchemaYaml({
          source: 'data.csv',
          dataset: 'd',
          table: 'data',
          columns: cols,
          budget: { epsilon: '1', delta: '1/1000000' },
          privacyUnit: unit,
          jsonSchema: 'schema.json',
        });
        writeFileSync(join(dir, 'd.yaml'), yaml);
        if (ident.length === 0) {
          expect(() => loadSqlSchema(join(dir, 'd.yaml'))).toThrow(/INVALID_SCHEMA/);
          return;
        }
        const s = loadSqlSchema(join(dir, 'd.yaml'));
        const t = s.tables.get('data');
        expect([...(t?.columns.keys() ?? [])].sort()).toEqual(ident.map((c) => c.name.toLowerCase()).sort());
        expect(t?.unit.column).toBe(unit?.toLowerCase() ?? null);
        // Without estimates, nothing but booleans' two values is declared as bounds or categories.
        for (const c of t?.columns.values() ?? []) {
          expect(c.lower).toBeUndefined();
          if (c.type !== 'boolean') expect(c.categories).toBeUndefined();
        }
        expect(yaml).toMatch(/CONFIRM/);
      }),
      { numRuns: 80, seed: 21 },
    );
  });

  it('maps engine types to schema types', () => {
    expect(['BIGINT', 'int4', 'UBIGINT', 'smallint', 'HUGEINT'].map(schemaTypeOf)).toEqual(Array(5).fill('integer'));
    expect(['DOUBLE', 'double precision', 'numeric', 'DECIMAL(18,3)', 'real'].map(schemaTypeOf)).toEqual(Array(5).fill('float'));
    expect(['VARCHAR', 'text', 'character varying'].map(schemaTypeOf)).toEqual(Array(3).fill('string'));
    expect(['TIMESTAMP', 'jsonb', 'BLOB', 'INTERVAL'].map(schemaTypeOf)).toEqual([undefined, undefined, undefined, undefined]);
  });
});

describe('tsdp schema init', () => {
  const CSV_VALUES = ['Self-emp-not-inc', 'Bachelors', 'Married-civ-spouse', 'United-States', '183710'];

  it('drafts from a CSV without reading a value, and charges nothing', async () => {
    const home = mkdtempSync(join(tmpdir(), 'tsdp-init-'));
    const out = join(home, 'adult.schema.yaml');
    const r = await tsdp(['schema', 'init', 'examples/adult.csv', '--out', out], home);
    expect(r.code).toBe(0);
    const yaml = readFileSync(out, 'utf8');
    // The draft is read from private data: owner-only whatever the umask.
    expect(statSync(out).mode & 0o777).toBe(0o600);
    for (const v of CSV_VALUES) expect(yaml).not.toContain(v);
    expect(yaml).toMatch(/^# yaml-language-server: \$schema=/);
    expect(yaml).toMatch(/age:\n {8}type: integer {2}# BIGINT in the engine; CONFIRM\n {8}# lower: \?/);
    const s = loadSqlSchema(out);
    expect(s.tables.get('adult')?.columns.size).toBe(15);
    expect(existsSync(join(home, 'ledger'))).toBe(false);
    // An existing --out is not replaced without --force.
    const again = await tsdp(['schema', 'init', 'examples/adult.csv', '--out', out, '--json'], home);
    expect(again.code).toBe(2);
    expect(JSON.parse(again.stdout)).toMatchObject({ error: { code: 'INVALID_PARAMETER', details: { parameter: 'out' } } });
  });

  it('drafts from a Parquet file with the types of its own schema', async () => {
    const home = mkdtempSync(join(tmpdir(), 'tsdp-init-'));
    const parquet = join(home, 'Sales 2024.parquet');
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const db = await DuckDBInstance.create(':memory:');
    const c = await db.connect();
    await c.run(
      `COPY (SELECT 1::INTEGER AS id, 2.5::DOUBLE AS price, 'x'::VARCHAR AS "shop name", true AS paid, DATE '2024-01-01' AS day, 3::DECIMAL(10,2) AS qty) TO '${parquet}' (FORMAT parquet)`,
    );
    c.closeSync();
    db.closeSync();
    const r = await tsdp(['schema', 'init', parquet, '--json'], home);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { table: string; columns: { name: string; type: string | null }[]; draft: string; charged: null };
    expect(out.table).toBe('sales_2024');
    expect(out.charged).toBeNull();
    expect(Object.fromEntries(out.columns.map((c) => [c.name, c.type]))).toEqual({
      id: 'integer',
      price: 'float',
      'shop name': 'string',
      paid: 'boolean',
      day: 'date',
      qty: 'float',
    });
    expect(out.draft).toMatch(/# "shop name" \(VARCHAR\): left out, its name is not an identifier/);
    writeFileSync(join(home, 's.yaml'), out.draft);
    expect([...(loadSqlSchema(join(home, 's.yaml')).tables.get('sales_2024')?.columns.keys() ?? [])]).toEqual([
      'id',
      'price',
      'paid',
      'day',
      'qty',
    ]);
  });

  it('drafts only what opening the file admits: every Parquet type DuckDB writes, the filled draft opens and answers', async () => {
    // The class (issue 11's first hour, S54–S58's allow-list): a draft that `tsdp sql` then refuses. DuckDB writes
    // DECIMAL(p ≤ 4) as INT32, which open refuses (S58); TIMESTAMP in µs/ns is admitted as a date.
    const home = mkdtempSync(join(tmpdir(), 'tsdp-init-'));
    const parquet = join(home, 'types.parquet');
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const db = await DuckDBInstance.create(':memory:');
    const c = await db.connect();
    const types = [
      'TINYINT',
      'SMALLINT',
      'INTEGER',
      'BIGINT',
      'UTINYINT',
      'USMALLINT',
      'UINTEGER',
      'UBIGINT',
      'HUGEINT',
      'FLOAT',
      'DOUBLE',
      'DECIMAL(2,1)',
      'DECIMAL(4,2)',
      'DECIMAL(9,2)',
      'DECIMAL(18,3)',
      'DECIMAL(38,0)',
      'VARCHAR',
      'BOOLEAN',
      'DATE',
      'TIMESTAMP',
      'TIMESTAMP_MS',
      'TIMESTAMP_NS',
      'TIMESTAMPTZ',
      'TIME',
      'BLOB',
      'UUID',
    ];
    const value = (t: string) =>
      /INT|DECIMAL|FLOAT|DOUBLE/.test(t)
        ? `(i % 9)::${t}`
        : t === 'VARCHAR'
          ? `('v' || i)::VARCHAR`
          : t === 'BOOLEAN'
            ? 'i % 2 = 0'
            : t === 'UUID'
              ? `('00000000-0000-0000-0000-00000000000' || (i % 10))`
              : t === 'BLOB'
                ? `'b'::BLOB`
                : t === 'TIME'
                  ? `TIME '10:00:00'`
                  : `(TIMESTAMP '2024-01-01' + to_days(i))::${t}`;
    const select = types.map((t, k) => `${value(t)}${t === 'UUID' ? '::UUID' : ''} AS c${k}`).join(', ');
    await c.run(`COPY (SELECT ${select} FROM range(50) r(i)) TO '${parquet}' (FORMAT parquet)`);
    c.closeSync();
    db.closeSync();
    const out = join(home, 'types.yaml');
    expect((await tsdp(['schema', 'init', parquet, '--out', out], home)).code).toBe(0);
    const draft = readFileSync(out, 'utf8');
    expect(draft).toMatch(/# c12 \(DECIMAL\(4,2\)\): left out, its Parquet encoding \(INT32\)/);
    expect(draft).toMatch(/c19:\n {8}type: date {2}# TIMESTAMP in the engine, read as its date; CONFIRM/);
    writeFileSync(out, draft.replace(/# lower: \?.*/g, 'lower: 0').replace(/# upper: \?.*/g, 'upper: 10'));
    const declared = [...(loadSqlSchema(out).tables.get('types')?.columns.keys() ?? [])];
    expect(declared.length).toBeGreaterThan(15);
    expect(draft).toMatch(/# c20 \(TIMESTAMP\): left out, tsdp reads a Parquet TIMESTAMP only in micro- or nanoseconds/);
    const sums = declared.filter((k) => /^(integer|float)$/.test(loadSqlSchema(out).tables.get('types')?.columns.get(k)?.type ?? ''));
    const q = `SELECT COUNT(*) AS n, ${sums.map((k) => `SUM(${k}) AS s_${k}`).join(', ')} FROM types`;
    const r = await tsdp(['sql', '--schema', out, '--data', `types=${parquet}`, '--epsilon', '1', q], home);
    expect(r.stderr).not.toMatch(/INVALID_SCHEMA/);
    expect(r.code).toBe(0);
  });

  it('with --dp-bounds, charges exactly ε (and δ for categories) before reading, records it, and marks the estimates', async () => {
    const home = mkdtempSync(join(tmpdir(), 'tsdp-init-'));
    const r = await tsdp(['schema', 'init', 'examples/adult.csv', '--dp-bounds', '1/2', '--budget-epsilon', '2', '--json'], home);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { charged: { epsilon: string; delta: string }; ledger: string; draft: string };
    expect(out.charged).toEqual({ epsilon: '1/2', delta: '1/100000000' });
    expect(out.ledger).toBe(`file ${join(home, 'ledger')}`);
    expect(r.stderr).toContain(`ledger: file ${join(home, 'ledger')}`);
    // Spend lines only: a data set's first spend is preceded by the ledger's pin line (same append).
    const journal = readFileSync(join(home, 'ledger', 'adult.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .filter((l) => !l.startsWith('{"v":1,"pin"'));
    expect(journal).toHaveLength(1);
    expect(JSON.parse(journal[0] as string)).toMatchObject({ epsilon: '1/2', delta: '1/100000000' });
    expect(out.draft).toMatch(/lower: -?\d+ {2}# DP estimate; CONFIRM/);
    expect(out.draft).toMatch(/ε=1\/2, δ=1\/100000000 in total, charged to data set "adult"/);
    writeFileSync(join(home, 's.yaml'), out.draft);
    expect(loadSqlSchema(join(home, 's.yaml')).budget.epsilon.toString()).toBe('2');
  });

  it('refuses what does not fit the budget, a missing file or an unknown privacy unit, charging nothing', async () => {
    const home = mkdtempSync(join(tmpdir(), 'tsdp-init-'));
    const over = await tsdp(['schema', 'init', 'examples/adult.csv', '--dp-bounds', '3', '--budget-epsilon', '2', '--json'], home);
    expect(over.code).toBe(4);
    expect(JSON.parse(over.stdout).error.code).toBe('BUDGET_EXHAUSTED');
    const missing = await tsdp(['schema', 'init', 'no/such.csv', '--dp-bounds', '1', '--json'], home);
    expect(missing.code).toBe(6);
    expect(JSON.parse(missing.stdout)).toEqual({
      error: { code: 'NOT_FOUND', message: 'data file not found: no/such.csv', details: { kind: 'file', name: 'no/such.csv' } },
    });
    const unit = await tsdp(['schema', 'init', 'examples/adult.csv', '--dp-bounds', '1', '--privacy-unit', 'person'], home);
    expect(unit.code).toBe(2);
    expect(unit.stderr).toBe('tsdp: INVALID_PARAMETER: --privacy-unit person: no such column in examples/adult.csv\n');
    expect(existsSync(join(home, 'ledger', 'adult.jsonl')) ? readFileSync(join(home, 'ledger', 'adult.jsonl'), 'utf8') : '').toBe('');
  });

  it.skipIf(!process.env.TSDP_TEST_POSTGRES_URL)('drafts from a PostgreSQL table, and names a missing table or database', async () => {
    const url = process.env.TSDP_TEST_POSTGRES_URL as string;
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query('DROP TABLE IF EXISTS cli_init_people');
    await client.query(
      'CREATE TABLE cli_init_people (person_id int, age integer, income double precision, city text, ok boolean, born date, seen timestamp)',
    );
    await client.query("INSERT INTO cli_init_people VALUES (1, 30, 1000.5, 'Lyon', true, '1990-01-01', now())");
    await client.end();
    const home = mkdtempSync(join(tmpdir(), 'tsdp-init-'));
    const r = await tsdp(['schema', 'init', 'cli_init_people', '--db', url, '--privacy-unit', 'person_id'], home);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/privacyUnit: person_id/);
    expect(r.stdout).toMatch(/income:\n {8}type: float {2}# double precision in the engine/);
    expect(r.stdout).toMatch(/# seen \(timestamp without time zone\): left out/);
    expect(r.stdout).not.toContain('Lyon');
    const none = await tsdp(['schema', 'init', 'no_such_table', '--db', url, '--json'], home);
    expect(none.code).toBe(6);
    expect(JSON.parse(none.stdout).error.details).toEqual({ kind: 'table', name: 'public.no_such_table' });
    const db = await tsdp(['schema', 'init', 't', '--db', `${url}_missing_db`, '--json'], home);
    expect(JSON.parse(db.stdout).error).toMatchObject({ code: 'NOT_FOUND', details: { kind: 'database' } });
  });
});

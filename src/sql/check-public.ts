/**
 * The public checks that run **before** a DP SQL query is charged (issue 10,
 * item 11): everything whose absence would make the engine fail for a public
 * reason — the tables the query reads exist in the engine and the querying
 * role may read them, every declared column of those tables exists, and its
 * stored type is one the declared type allows — is checked from the engine's
 * catalog (table structure is public; no row is read). A failure is a typed
 * error naming the public cause, and nothing is charged.
 *
 * Rule: after the charge, the only engine work left is the compiled statements
 * themselves, which are total (compile.proof.md) over tables whose structure
 * matches the schema; so any error after the charge is not caused by anything
 * public, and is reported as the one data-independent ENGINE_ERROR.
 * @module
 */
import { DpError } from '../core/errors.js';
import type { EngineCatalog } from './engine.js';
import type { QueryPlan } from './plan.js';
import { isIdentityColumn, type SqlColumnType, type SqlSchema } from './schema.js';

const INTEGER_TYPES = /^(tinyint|smallint|integer|int|bigint|hugeint|utinyint|usmallint|uinteger|ubigint|int1|int2|int4|int8)$/;
const FLOAT_TYPES = /^(double|double precision|float|float4|float8|real)$/;
/** DECIMAL(p, s) / numeric(p, s) with a declared precision: at most 300 digits, so every value is within the double range. */
const DECIMAL_TYPE = /^(decimal|numeric)\((\d+)(,\s*\d+)?\)$/;
const TEXT_TYPES = /^(varchar|text|string|bpchar|char|character|character varying|name)(\(\d+\))?$/;

/** True when an engine column type can hold the declared type's values as the compiled SQL reads them. */
export function storedTypeFits(declared: SqlColumnType, stored: string): boolean {
  const t = stored.trim().toLowerCase();
  switch (declared) {
    case 'integer':
      return INTEGER_TYPES.test(t);
    case 'float': {
      const decimal = DECIMAL_TYPE.exec(t);
      return FLOAT_TYPES.test(t) || INTEGER_TYPES.test(t) || (decimal !== null && Number(decimal[2]) <= 300);
    }
    case 'string':
      return TEXT_TYPES.test(t);
    case 'boolean':
      return t === 'boolean' || t === 'bool';
    case 'date':
      return t === 'date';
    default:
      return false;
  }
}

const EXPECTED: Record<SqlColumnType, string> = {
  integer: 'an integer type (SMALLINT, INTEGER, BIGINT…)',
  float: 'a floating-point type (DOUBLE, REAL), an integer type, or DECIMAL/NUMERIC with a declared precision of at most 300',
  string: 'a text type (VARCHAR, TEXT)',
  boolean: 'BOOLEAN',
  date: 'DATE',
};

/**
 * Checks the tables a plan reads against the engine's catalog, before any charge.
 * @param plan - the checked plan (its sources name the tables).
 * @param schema - the schema (declared columns and types).
 * @param engine - the engine's catalog.
 * @throws DpError NOT_FOUND (a table or column missing, or not readable by the query role), INVALID_SCHEMA (a stored type the declared type does not allow).
 * @privacy reads only the catalog (table and column names and types), which the threat model treats as public; never a row.
 */
export async function checkPublicStructure(plan: QueryPlan, schema: SqlSchema, engine: EngineCatalog): Promise<void> {
  const tables = [...new Set(plan.sources.map((s) => s.table))];
  const catalog = await engine.catalog(tables);
  for (const name of tables) {
    const declared = schema.tables.get(name);
    if (!declared) throw new DpError('INTERNAL', 'a plan table the schema does not declare');
    const stored = catalog.get(name);
    if (!stored) {
      throw new DpError(
        'NOT_FOUND',
        `the table "${name}" declared in the schema is not in the ${engine.dialect.name} database (or the query role may not read it); nothing was charged`,
        { kind: 'table', name },
      );
    }
    for (const [column, spec] of declared.columns) {
      const type = stored.get(column);
      if (type === undefined) {
        throw new DpError('NOT_FOUND', `the column "${name}.${column}" declared in the schema is not in the table; nothing was charged`, {
          kind: 'column',
          name: `${name}.${column}`,
        });
      }
      if (!storedTypeFits(spec.type, type)) {
        throw new DpError(
          'INVALID_SCHEMA',
          `the column "${name}.${column}" is declared ${spec.type} but stored as ${type.toUpperCase()}; expected ${EXPECTED[spec.type]}; nothing was charged`,
          { path: `tables.${name}.columns.${column}.type`, expected: EXPECTED[spec.type] },
        );
      }
      // An identity column (the privacy unit, or a column declared unique: the links of row-level joins) declared
      // float must be stored as a floating-point type (reviews S50–S52): stored as an integer or DECIMAL, two
      // identities meet in the engine through a conversion — to DOUBLE, where distinct ids above 2⁵³ are one value
      // (two people one unit; one private row joining two public rows), or to one DECIMAL(38, s), whose cast fails
      // after the charge on one person's id. Stored as DOUBLE or REAL, every comparison of identities is exact.
      if (isIdentityColumn(declared, column) && spec.type === 'float' && !FLOAT_TYPES.test(type.trim().toLowerCase())) {
        throw new DpError(
          'INVALID_SCHEMA',
          `the column "${name}.${column}" identifies rows (${declared.unit.column === column ? 'the privacy unit' : 'declared unique'}) and is declared float but stored as ${type.toUpperCase()}; an identity declared float must be stored as DOUBLE or REAL (declare an integer id as integer); nothing was charged`,
          { path: `tables.${name}.columns.${column}.type`, expected: 'DOUBLE or REAL' },
        );
      }
    }
  }
}

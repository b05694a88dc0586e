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

/**
 * How a catalog names a column that a view converts (the DuckDB views over declared files, `duckdb.ts`): the type
 * the compiled SQL reads, then the type the file stores — `double <- bigint` for a Parquet INT64 column declared
 * float, `bigint <- varchar` for a CSV column declared integer. A column read as stored is named by its type alone.
 * A consumer that does not know the form finds no type it admits in it (it refuses: fails closed).
 */
const CONVERTED = ' <- ';

/** The catalog's name for a column the view reads as `viewType` from a file storing `storedType` (`CONVERTED`). */
export function convertedColumnType(viewType: string, storedType: string): string {
  return `${viewType}${CONVERTED}${storedType}`;
}

/** A catalog type split into the type the compiled SQL reads and the type stored (the same when nothing converts it). */
function splitCatalogType(type: string): { readonly read: string; readonly stored: string } {
  const t = type.trim().toLowerCase();
  const at = t.indexOf(CONVERTED);
  return at < 0 ? { read: t, stored: t } : { read: t.slice(0, at).trim(), stored: t.slice(at + CONVERTED.length).trim() };
}

/**
 * True when a view's conversion of an identity column (the privacy unit, or `unique`) from `stored` to `declared`
 * is exact — distinct stored ids stay distinct (review S56: the rule of S50–S52 applied to what the FILE stores).
 * A float identity only from DOUBLE/REAL (S51; text is refused: "9007199254740993" and "…992" are one double); an
 * integer identity from an integer type, DECIMAL(p, 0) or text; a string identity from text, an integer type or
 * UUID; a date from DATE or text; a boolean from BOOLEAN or text. Refused: DOUBLE or DECIMAL(p, s > 0) read as
 * integer (0.6 and 1.4 are one id), TIMESTAMP read as date (two instants of one day are one key), anything else.
 * Residual (text): DuckDB's text-to-integer cast rounds a non-integer spelling ("1.4" reads as 1) and its text-to-date
 * cast drops a time of day, so two malformed spellings can meet one well-formed id; the declared type says the
 * column holds integers (dates), and every well-formed spelling of one id is that one id.
 */
function identityConversionExact(declared: SqlColumnType, stored: string): boolean {
  const decimal = DECIMAL_TYPE.exec(stored);
  switch (declared) {
    case 'float':
      return FLOAT_TYPES.test(stored);
    case 'integer':
      return (
        INTEGER_TYPES.test(stored) || TEXT_TYPES.test(stored) || (decimal !== null && Number(decimal[3]?.replace(/[,\s]/g, '') ?? 0) === 0)
      );
    case 'string':
      return TEXT_TYPES.test(stored) || INTEGER_TYPES.test(stored) || stored === 'uuid';
    case 'date':
      return stored === 'date' || TEXT_TYPES.test(stored);
    case 'boolean':
      return stored === 'boolean' || TEXT_TYPES.test(stored);
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
      const catalogType = stored.get(column);
      if (catalogType === undefined) {
        throw new DpError('NOT_FOUND', `the column "${name}.${column}" declared in the schema is not in the table; nothing was charged`, {
          kind: 'column',
          name: `${name}.${column}`,
        });
      }
      const type = splitCatalogType(catalogType);
      if (!storedTypeFits(spec.type, type.read)) {
        throw new DpError(
          'INVALID_SCHEMA',
          `the column "${name}.${column}" is declared ${spec.type} but stored as ${type.read.toUpperCase()}; expected ${EXPECTED[spec.type]}; nothing was charged`,
          { path: `tables.${name}.columns.${column}.type`, expected: EXPECTED[spec.type] },
        );
      }
      // An identity column (the privacy unit, or a column declared unique: the links of row-level joins) declared
      // float must be stored as a floating-point type (reviews S50–S52): stored as an integer or DECIMAL, two
      // identities meet in the engine through a conversion — to DOUBLE, where distinct ids above 2⁵³ are one value
      // (two people one unit; one private row joining two public rows), or to one DECIMAL(38, s), whose cast fails
      // after the charge on one person's id. Stored as DOUBLE or REAL, every comparison of identities is exact.
      // Review S56: "stored" is what the FILE stores when a view converts the column (`CONVERTED`) — the view's
      // DOUBLE says nothing about the INT64 under it — and any conversion of an identity must keep ids distinct.
      if (isIdentityColumn(declared, column)) {
        const exact = type.stored === type.read && spec.type !== 'float' ? true : identityConversionExact(spec.type, type.stored);
        if (!exact) throw identityStorageError(name, column, declared.unit.column === column, spec.type, type.stored);
      }
    }
  }
}

/** The refusal of an identity column whose stored type a view (or the engine) would convert inexactly (S51, S56). */
function identityStorageError(
  table: string,
  column: string,
  isUnit: boolean,
  declared: SqlColumnType,
  stored: string,
): DpError<'INVALID_SCHEMA'> {
  const expected = declared === 'float' ? 'DOUBLE or REAL' : `a stored type read exactly as ${declared}`;
  return new DpError(
    'INVALID_SCHEMA',
    `the column "${table}.${column}" identifies rows (${isUnit ? 'the privacy unit' : 'declared unique'}) and is declared ${declared} but stored as ${stored.toUpperCase()}; ${
      declared === 'float'
        ? 'an identity declared float must be stored as DOUBLE or REAL (declare an integer id as integer, a text id as string)'
        : `converting it to ${declared} would make distinct ids one (declare it as its stored type)`
    }; nothing was charged`,
    { path: `tables.${table}.columns.${column}.type`, expected },
  );
}

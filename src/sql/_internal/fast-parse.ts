/**
 * A fast path in front of the SQL parser (issue 15: the server's distinct queries): a small recursive-descent
 * parser for the plainest DP SQL — `SELECT items FROM table [WHERE condition] [GROUP BY items]` with comparisons,
 * `AND`/`OR`/`NOT`, arithmetic, numbers, strings, columns and a few aggregate and scalar functions — that builds
 * **exactly the tree sql-parser-cst builds** for the same text (same node types, fields, field order, values and
 * ranges), or returns `undefined` and leaves the text to sql-parser-cst.
 *
 * sql-parser-cst is a generated PEG parser of the whole PostgreSQL grammar: ≈ 0.3 ms of CPU for a one-line GROUP
 * BY, about a fifth of the server's event-loop time on a distinct query (bench/server/README.md, stop 18). This
 * path takes a few µs.
 *
 * ## The rule (privacy first)
 * Everything after parsing — the checker, the planner, the compiler — reads only the tree. So the fast path is
 * safe exactly when, for every text, it either declines or returns a tree equal to sql-parser-cst's. It is built
 * to decline first:
 * - any character outside a small set (letters, digits, `_`, white space, `'`, `( ) , . * + - / % < > = !`)
 *   declines: no quoted identifiers, `$` parameters, casts (`::`), comments, semicolons, brackets;
 * - any word that sql-parser-cst's grammar has a keyword rule for (in any dialect), or PostgreSQL reserves, declines
 *   as a name (`KEYWORDS`), and the nine this grammar knows (`SELECT FROM WHERE GROUP BY AS AND OR NOT`) are read
 *   only in their places; a word before `(` must be one of a few function
 *   names (`FUNCTIONS`) — so `IN`, `BETWEEN`, `IS`, `LIKE`, `CASE`, `CAST`, `DISTINCT`, `HAVING`, `ORDER`,
 *   `LIMIT`, typed literals (`DATE '…'`), `E'…'` strings, all decline;
 * - operators are read as maximal runs of operator characters (PostgreSQL's lexer does the same), and a run that
 *   is not exactly one known operator (`>=-`, `*-`, `--`) declines; a comparison followed by another declines;
 * - a number is digits with an optional fraction (no exponent, no leading or trailing point) not followed by a
 *   letter, digit or point; a string is `'…'` with `''` escapes, not touching a word.
 * Proven by test (test/sql/fast-parse.test.ts): under fast-check over a grammar of this subset and its near
 * misses (keywords as names, every operator pair, spacing, case, other characters), the fast path's tree is
 * deep-equal, in the same field order, to sql-parser-cst's whenever it returns one, and it declines wherever
 * sql-parser-cst refuses the text; and on every query of the project's tests and examples.
 * What declines is parsed as before, so nothing else changes; `parseOneStatement` applies the same shape and
 * depth limits to both.
 * @module
 */
import type { CstNode } from './cst.js';

type Range = [number, number];
type Node = CstNode & { range: Range };

/**
 * Words never read as names here: every keyword rule of sql-parser-cst's grammar (its `peg$parseWORD` rules, all
 * dialects: 646 words — the test checks the installed parser has no other), PostgreSQL's reserved words, and
 * the contextual words of expressions (typed literals, intervals, time zones, predicates).
 */
export const KEYWORDS: ReadonlySet<string> = new Set(
  (
    'ABORT ACCESS ACTION ADD ADMIN AFTER AGAINST AGGREGATE ALGORITHM ALIAS ALL ALTER ALWAYS ANALYSE ANALYZE AND ' +
    'ANY ARRAY AS ASC ASSERT ASSIGNMENT ASYMMETRIC AT ATOMIC ATTACH ATTRIBUTE AUTHORIZATION AUTO AUTOEXTEND_SIZE ' +
    'AUTOINCREMENT AUTO_INCREMENT AVG AVG_ROW_LENGTH BEFORE BEGIN BERNOULLI BETWEEN BIGDECIMAL BIGINT BIGNUMERIC ' +
    'BINARY BINLOG BIT BI_CAPACITY BLOB BOOL BOOLEAN BOTH BREADTH BREAK BTREE BY BYPASSRLS BYTEINT BYTES CACHE ' +
    'CALL CALLED CAPACITY CASCADE CASCADED CASE CAST CENTURY CHAIN CHANGE CHAR CHARACTER CHARSET CHECK CHECKSUM ' +
    'CLASS CLONE CLUSTER COALESCE COLLATE COLLATION COLUMN COLUMNS COLUMN_FORMAT COMMENT COMMENTS COMMIT ' +
    'COMMITTED COMPACT COMPRESSED COMPRESSION CONCURRENTLY CONFIGURATION CONFLICT CONNECT CONNECTION CONSTANT ' +
    'CONSTRAINT CONSTRAINTS CONTINUE CONVERSION COPY COST COUNT CREATE CREATEDB CREATEROLE CROSS CUBE CUME_DIST ' +
    'CURRENT CURRENT_CATALOG CURRENT_DATE CURRENT_DATETIME CURRENT_ROLE CURRENT_SCHEMA CURRENT_TIME ' +
    'CURRENT_TIMESTAMP CURRENT_USER CYCLE DATA DATABASE DATATYPE DATE DATETIME DAY DAYOFWEEK DAYOFYEAR DAY_HOUR ' +
    'DAY_MICROSECOND DAY_MINUTE DAY_SECOND DEALLOCATE DEBUG DEC DECADE DECIMAL DECLARE DEFAULT DEFAULTS ' +
    'DEFERRABLE DEFERRED DEFINER DELAYED DELAY_KEY_WRITE DELETE DENSE_RANK DEPENDS DEPTH DESC DESCRIBE DETACH ' +
    'DETAIL DETERMINISTIC DICTIONARY DIRECTORY DISABLE DISK DISTINCT DISTINCTROW DIV DO DOMAIN DOUBLE DOW DOY ' +
    'DROP DUAL DUMPFILE DUPLICATE DYNAMIC EACH ELSE ELSEIF ENABLE ENCLOSED ENCRYPTED ENCRYPTION END ENFORCED ' +
    'ENGINE ENGINE_ATTRIBUTE ENUM EPOCH ERRCODE ERROR ESCAPE ESCAPED EVENT EVENTS EXAMINED EXCEPT EXCEPTION ' +
    'EXCLUDE EXCLUDING EXCLUSIVE EXECUTE EXISTS EXIT EXPANSION EXPLAIN EXPORT EXPRESSION EXTENDED EXTENSION ' +
    'EXTERNAL EXTRACT FAIL FALSE FAMILY FETCH FIELDS FILES FILTER FIRST FIRST_VALUE FIXED FLOAT FLOAT64 ' +
    'FOLLOWING FOR FORCE FOREACH FOREIGN FORMAT FREEZE FRIDAY FROM FULL FULLTEXT FUNCTION FUNCTIONS GENERATED ' +
    'GEOGRAPHY GLOB GLOBAL GO GRANT GRANTED GRANTS GREATEST GROUP GROUPING GROUPS GROUP_CONCAT HASH HAVING ' +
    'HIGH_PRIORITY HINT HOUR HOUR_MICROSECOND HOUR_MINUTE HOUR_SECOND IDENTITY IF IGNORE ILIKE IMMEDIATE ' +
    'IMMUTABLE IN INCLUDE INCLUDING INCREMENT INDEX INDEXED INDEXES INFO INHERIT INHERITS INITIALLY INNER INOUT ' +
    'INPLACE INPUT INSERT INSERT_METHOD INSTANT INSTEAD INT INT64 INTEGER INTERSECT INTERVAL INTO INVISIBLE ' +
    'INVOKER IS ISNULL ISODOW ISOLATION ISOWEEK ISOYEAR ITERATE JOIN JSON JSONB JULIAN KEY KEY_BLOCK_SIZE LAG ' +
    'LANGUAGE LARGE LAST LAST_VALUE LATERAL LEAD LEADING LEAKPROOF LEAST LEAVE LEFT LEVEL LIKE LIMIT LINES LIST ' +
    'LOAD LOCAL LOCALTIME LOCALTIMESTAMP LOCK LOCKED LOG LOGGED LOGIN LOGS LONGBLOB LONGTEXT LOOP LOW_PRIORITY ' +
    'MAIN MAINTAIN MASTER MATCH MATCHED MATERIALIZED MAX MAXVALUE MAX_ROWS MEDIUMBLOB MEDIUMINT MEDIUMTEXT ' +
    'MEMBER MEMORY MERGE MESSAGE METHOD MICROSECOND MICROSECONDS MILLENNIUM MILLISECOND MILLISECONDS MIN MINUTE ' +
    'MINUTE_MICROSECOND MINUTE_SECOND MINVALUE MIN_ROWS MOD MODE MODULUS MONDAY MONTH NAME NATIONAL NATIVE ' +
    'NATURAL NCHAR NEW NEXT NFC NFD NFKC NFKD NO NOBYPASSRLS NOCHECK NOCREATEDB NOCREATEROLE NOINHERIT NOLOGIN ' +
    'NONE NOREPLICATION NORMALIZE NORMALIZED NOSUPERUSER NOT NOTHING NOTICE NOTNULL NOWAIT NTH_VALUE NTILE NULL ' +
    'NULLIF NULLS NUMERIC NVARCHAR OBJECT OBJECTS OF OFF OFFSET OIDS OLD ON ONLY OPERATOR OPTION OPTIONALLY ' +
    'OPTIONS OR ORDER ORDINAL ORDINALITY ORGANIZATION OTHERS OUT OUTER OUTFILE OVER OVERLAPS OVERLAY OVERRIDING ' +
    'OVERWRITE OWNED OWNER PACK_KEYS PARALLEL PARAMETER PARSER PARTIAL PARTITION PASSWORD PERCENT PERCENT_RANK ' +
    'PERFORM PERMISSIVE PERSIST PERSIST_ONLY PIVOT PLACING PLAIN PLAN POLICIES POLICY POSITION PRAGMA PRECEDING ' +
    'PRECISION PREPARE PRESERVE PRIMARY PRIVILEGES PROCEDURAL PROCEDURE PROCEDURES PROJECT PUBLIC PUBLICATION ' +
    'QUALIFY QUARTER QUERY QUICK RAISE RANGE RANK READ REAL RECURSIVE REDUNDANT REFERENCES REFERENCING REFRESH ' +
    'REGEXP REINDEX RELEASE REMAINDER REMOTE RENAME REPEAT REPEATABLE REPLACE REPLICA REPLICATION RESERVATION ' +
    'RESET RESPECT RESTART RESTRICT RESTRICTED RESTRICTIVE RETURN RETURNING RETURNS REVERSE REVOKE RIGHT RLIKE ' +
    'ROLE ROLLBACK ROLLUP ROUTINE ROUTINES ROW ROWID ROWS ROW_FORMAT ROW_NUMBER RULE SAFE SAFE_CAST SAFE_OFFSET ' +
    'SAFE_ORDINAL SATURDAY SAVEPOINT SCHEMA SCHEMAS SEARCH SECOND SECONDARY_ENGINE_ATTRIBUTE SECOND_MICROSECOND ' +
    'SECURITY SELECT SEQUENCE SEQUENCES SERIALIZABLE SERVER SESSION SESSION_USER SET SETOF SETS SHARE SHARED ' +
    'SHOW SIGNED SIMILAR SIMPLE SKIP SLICE SMALLINT SNAPSHOT SOME SOUNDS SOURCE SPATIAL SQL SQLSTATE ' +
    'SQL_BIG_RESULT SQL_BUFFER_RESULT SQL_CACHE SQL_CALC_FOUND_ROWS SQL_NO_CACHE SQL_SMALL_RESULT STABLE START ' +
    'STARTING STATEMENT STATISTICS STATS_AUTO_RECALC STATS_PERSISTENT STATS_SAMPLE_PAGES STORAGE STORED ' +
    'STRAIGHT_JOIN STRICT STRING STRUCT SUBSCRIPTION SUBSTRING SUM SUNDAY SUPERUSER SUPPORT SYMMETRIC SYSID ' +
    'SYSTEM SYSTEM_TIME SYSTEM_USER TABLE TABLES TABLESAMPLE TABLESPACE TARGET TEMP TEMPLATE TEMPORARY TEMPTABLE ' +
    'TERMINATED TEXT THEN THURSDAY TIES TIME TIMESTAMP TIMEZONE TIMEZONE_HOUR TIMEZONE_MINUTE TINYBLOB TINYINT ' +
    'TINYTEXT TO TRAILING TRANSACTION TRANSFORM TREAT TRIGGER TRIM TRUE TRUNCATE TUESDAY TYPE TYPES UESCAPE ' +
    'UNBOUNDED UNCOMMITTED UNDEFINED UNION UNIQUE UNKNOWN UNLOCK UNLOGGED UNNEST UNPIVOT UNSAFE UNSIGNED UNTIL ' +
    'UPDATE USAGE USE USER USING VACUUM VALID VALIDATE VALUE VALUES VARBINARY VARCHAR VARIADIC VARYING VECTOR ' +
    'VERBOSE VERSION VIEW VIRTUAL VISIBLE VOLATILE WAIT WARNING WEDNESDAY WEEK WHEN WHERE WHILE WINDOW WITH ' +
    'WITHIN WITHOUT WORK WRAPPER WRITE XMLATTRIBUTES XMLCONCAT XMLELEMENT XMLEXISTS XMLFOREST XMLNAMESPACES ' +
    'XMLPARSE XMLPI XMLROOT XMLSERIALIZE XMLTABLE XOR YEAR YEAR_MONTH ZEROFILL ZONE'
  ).split(' '),
);

/** Function names read as plain calls (each checked against sql-parser-cst by the test). */
const FUNCTIONS = new Set(['COUNT', 'SUM', 'AVG', 'MIN', 'MAX', 'ABS', 'STDDEV', 'VARIANCE']);

/** The operators this grammar knows, by precedence level. */
const COMPARISONS = new Set(['=', '<>', '!=', '<', '<=', '>', '>=']);
const OPERATOR_CHARS = '+-*/<>=~!@#%^&|`?';

type Token =
  | { kind: 'word'; text: string; upper: string; start: number; end: number }
  | { kind: 'number'; text: string; start: number; end: number }
  | { kind: 'string'; text: string; value: string; start: number; end: number }
  | { kind: 'op'; text: string; start: number; end: number }
  | { kind: 'punct'; text: string; start: number; end: number };

/** Thrown inside the fast path to decline (caught at its entry; never escapes). */
class Decline {}
const DECLINE = new Decline();

function isWordStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isWordChar(c: number): boolean {
  return isWordStart(c) || isDigit(c);
}

/** The tokens of `text`, or DECLINE thrown at the first character or form outside the fast grammar. */
function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    // Blanks are exactly the parser's: space, tab, LF, and CR only as part of CR LF — a lone CR is a syntax
    // error to sql-parser-cst, so it declines here (review M20: the fast path accepts only what the parser accepts).
    if (c === 32 || c === 9 || c === 10 || (c === 13 && text.charCodeAt(i + 1) === 10)) {
      i++;
    } else if (isWordStart(c)) {
      const start = i;
      while (i < n && isWordChar(text.charCodeAt(i))) i++;
      // A word touching a quote is a prefixed literal (E'…', B'…', U&"…") or worse: declined.
      const next = text.charCodeAt(i);
      if (next === 39 || next === 34) throw DECLINE;
      const word = text.slice(start, i);
      tokens.push({ kind: 'word', text: word, upper: word.toUpperCase(), start, end: i });
    } else if (isDigit(c)) {
      const start = i;
      while (i < n && isDigit(text.charCodeAt(i))) i++;
      if (text.charCodeAt(i) === 46) {
        i++;
        if (!isDigit(text.charCodeAt(i))) throw DECLINE;
        while (i < n && isDigit(text.charCodeAt(i))) i++;
      }
      const next = text.charCodeAt(i);
      if (isWordChar(next) || next === 46 || next === 39 || next === 34) throw DECLINE;
      tokens.push({ kind: 'number', text: text.slice(start, i), start, end: i });
    } else if (c === 39) {
      const start = i;
      let value = '';
      i++;
      for (;;) {
        const q = text.indexOf("'", i);
        if (q < 0) throw DECLINE;
        value += text.slice(i, q);
        if (text.charCodeAt(q + 1) === 39) {
          value += "'";
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      // A literal touching a word, a number or another literal: declined.
      const next = text.charCodeAt(i);
      if (isWordChar(next) || next === 39 || next === 34) throw DECLINE;
      tokens.push({ kind: 'string', text: text.slice(start, i), value, start, end: i });
    } else if (c === 40 || c === 41 || c === 44 || c === 46) {
      tokens.push({ kind: 'punct', text: text[i] as string, start: i, end: i + 1 });
      i++;
    } else if (OPERATOR_CHARS.includes(text[i] as string)) {
      const start = i;
      while (i < n && OPERATOR_CHARS.includes(text[i] as string)) i++;
      const op = text.slice(start, i);
      if (!(COMPARISONS.has(op) || op === '+' || op === '-' || op === '*' || op === '/' || op === '%')) throw DECLINE;
      tokens.push({ kind: 'op', text: op, start, end: i });
    } else {
      throw DECLINE;
    }
  }
  return tokens;
}

/** A number token of the fast grammar: its offsets in the text and its text (digits, optionally `.digits`). */
export interface NumberToken {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

/**
 * The number tokens of `text` as the fast path reads them, in text order, or undefined when its tokenizer declines
 * the text (the server's shape cache, src/server/shape-plans.ts: two texts whose characters differ only inside
 * number tokens tokenize alike, so the fast path builds the same tree for both but those literals and the ranges).
 * @param text - the query.
 * @returns the number tokens, or undefined.
 */
export function fastNumberTokens(text: string): NumberToken[] | undefined {
  try {
    const out: NumberToken[] = [];
    for (const t of tokenize(text)) if (t.kind === 'number') out.push({ start: t.start, end: t.end, text: t.text });
    return out;
  } catch (e) {
    if (e === DECLINE) return undefined;
    throw e;
  }
}

/** Most nested expressions (parentheses, NOT, unary minus) the fast path follows before declining. */
const MAX_DEPTH = 64;

class FastParser {
  private at = 0;
  private depth = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token | undefined {
    return this.tokens[this.at];
  }
  private isKeyword(upper: string): boolean {
    const t = this.peek();
    return t?.kind === 'word' && t.upper === upper;
  }
  private isPunct(text: string): boolean {
    const t = this.peek();
    return t?.kind === 'punct' && t.text === text;
  }
  private keyword(upper: string): Node {
    const t = this.peek();
    if (t?.kind !== 'word' || t.upper !== upper) throw DECLINE;
    this.at++;
    return { type: 'keyword', text: t.text, name: upper, range: [t.start, t.end] };
  }
  private punct(text: string): void {
    if (!this.isPunct(text)) throw DECLINE;
    this.at++;
  }
  private identifier(): Node {
    const t = this.peek();
    if (t?.kind !== 'word' || KEYWORDS.has(t.upper) || FUNCTIONS.has(t.upper)) throw DECLINE;
    this.at++;
    return { type: 'identifier', text: t.text, name: t.text, range: [t.start, t.end] };
  }

  statement(): Node {
    const selectKw = this.keyword('SELECT');
    const columns = this.list(() => this.selectItem());
    const clauses: Node[] = [{ type: 'select_clause', selectKw, modifiers: [], columns, range: [selectKw.range[0], columns.range[1]] }];
    const fromKw = this.keyword('FROM');
    const table = this.aliased(this.identifier());
    clauses.push({ type: 'from_clause', fromKw, expr: table, range: [fromKw.range[0], table.range[1]] });
    if (this.isKeyword('WHERE')) {
      const whereKw = this.keyword('WHERE');
      const expr = this.expr();
      clauses.push({ type: 'where_clause', whereKw, expr, range: [whereKw.range[0], expr.range[1]] });
    }
    if (this.isKeyword('GROUP')) {
      const group = this.keyword('GROUP');
      const by = this.keyword('BY');
      const keys = this.list(() => this.expr());
      clauses.push({
        type: 'group_by_clause',
        groupByKw: [group, by],
        distinctKw: undefined,
        columns: keys,
        withRollupKw: undefined,
        range: [group.range[0], keys.range[1]],
      });
    }
    if (this.at !== this.tokens.length) throw DECLINE;
    const last = clauses[clauses.length - 1] as Node;
    return { type: 'select_stmt', clauses, range: [selectKw.range[0], last.range[1]] };
  }

  private list(item: () => Node): Node {
    const items = [item()];
    while (this.isPunct(',')) {
      this.at++;
      items.push(item());
    }
    const first = items[0] as Node;
    const last = items[items.length - 1] as Node;
    return { type: 'list_expr', items, range: [first.range[0], last.range[1]] };
  }

  private selectItem(): Node {
    return this.aliased(this.expr());
  }

  /** `expr AS name` (an alias without AS declines: a bare word after an expression ends the fast grammar). */
  private aliased(expr: Node): Node {
    if (!this.isKeyword('AS')) return expr;
    const asKw = this.keyword('AS');
    const alias = this.identifier();
    return { type: 'alias', expr, asKw, alias, columnAliases: undefined, range: [expr.range[0], alias.range[1]] };
  }

  private enter(): void {
    if (++this.depth > MAX_DEPTH) throw DECLINE;
  }

  expr(): Node {
    let left = this.andExpr();
    while (this.isKeyword('OR')) {
      const operator = this.keyword('OR');
      const right = this.andExpr();
      left = { type: 'binary_expr', operator, left, right, range: [left.range[0], right.range[1]] };
    }
    return left;
  }

  private andExpr(): Node {
    let left = this.notExpr();
    while (this.isKeyword('AND')) {
      const operator = this.keyword('AND');
      const right = this.notExpr();
      left = { type: 'binary_expr', operator, left, right, range: [left.range[0], right.range[1]] };
    }
    return left;
  }

  private notExpr(): Node {
    if (!this.isKeyword('NOT')) return this.comparison();
    this.enter();
    const operator = this.keyword('NOT');
    const expr = this.notExpr();
    this.depth--;
    return { type: 'prefix_op_expr', operator, expr, range: [operator.range[0], expr.range[1]] };
  }

  private comparison(): Node {
    const left = this.additive();
    const t = this.peek();
    if (t?.kind !== 'op' || !COMPARISONS.has(t.text)) return left;
    this.at++;
    const right = this.additive();
    const after = this.peek();
    if (after?.kind === 'op' && COMPARISONS.has(after.text)) throw DECLINE;
    return { type: 'binary_expr', operator: t.text, left, right, range: [left.range[0], right.range[1]] };
  }

  private additive(): Node {
    let left = this.multiplicative();
    for (let t = this.peek(); t?.kind === 'op' && (t.text === '+' || t.text === '-'); t = this.peek()) {
      this.at++;
      const right = this.multiplicative();
      left = { type: 'binary_expr', operator: t.text, left, right, range: [left.range[0], right.range[1]] };
    }
    return left;
  }

  private multiplicative(): Node {
    let left = this.unary();
    for (let t = this.peek(); t?.kind === 'op' && (t.text === '*' || t.text === '/' || t.text === '%'); t = this.peek()) {
      this.at++;
      const right = this.unary();
      left = { type: 'binary_expr', operator: t.text, left, right, range: [left.range[0], right.range[1]] };
    }
    return left;
  }

  private unary(): Node {
    const t = this.peek();
    if (t?.kind !== 'op' || t.text !== '-') return this.primary();
    this.enter();
    this.at++;
    const expr = this.unary();
    this.depth--;
    return { type: 'prefix_op_expr', operator: '-', expr, range: [t.start, expr.range[1]] };
  }

  private primary(): Node {
    const t = this.peek();
    if (!t) throw DECLINE;
    if (t.kind === 'number') {
      this.at++;
      return { type: 'number_literal', text: t.text, value: Number(t.text), range: [t.start, t.end] };
    }
    if (t.kind === 'string') {
      this.at++;
      return { type: 'string_literal', text: t.text, value: t.value, range: [t.start, t.end] };
    }
    if (t.kind === 'punct' && t.text === '(') {
      this.enter();
      this.at++;
      const expr = this.expr();
      const close = this.peek();
      this.punct(')');
      this.depth--;
      return { type: 'paren_expr', expr, range: [t.start, (close as Token).end] };
    }
    if (t.kind === 'word' && FUNCTIONS.has(t.upper)) return this.call(t);
    const object = this.identifier();
    if (!this.isPunct('.')) return object;
    this.at++;
    const property = this.identifier();
    if (this.isPunct('.') || this.isPunct('(')) throw DECLINE;
    return { type: 'member_expr', object, property, range: [object.range[0], property.range[1]] };
  }

  /** `NAME(*)` (COUNT only) or `NAME(expr, …)`. */
  private call(t: Token & { kind: 'word' }): Node {
    this.at++;
    const name: Node = { type: 'identifier', text: t.text, name: t.text, range: [t.start, t.end] };
    const open = this.peek();
    if (open?.kind !== 'punct' || open.text !== '(') throw DECLINE;
    this.enter();
    this.at++;
    let args: Node;
    const star = this.peek();
    if (star?.kind === 'op' && star.text === '*') {
      if (t.upper !== 'COUNT') throw DECLINE;
      this.at++;
      const all: Node = { type: 'all_columns', range: [star.start, star.end] };
      args = { type: 'list_expr', items: [all], range: [star.start, star.end] };
    } else {
      args = this.list(() => this.expr());
    }
    const close = this.peek();
    this.punct(')');
    this.depth--;
    const end = (close as Token).end;
    return {
      type: 'func_call',
      name,
      args: {
        type: 'paren_expr',
        expr: {
          type: 'func_args',
          distinctKw: undefined,
          args,
          nullHandlingKw: undefined,
          orderBy: undefined,
          limit: undefined,
          having: undefined,
          range: args.range,
        },
        range: [open.start, end],
      },
      filter: undefined,
      over: undefined,
      range: [t.start, end],
    };
  }
}

/**
 * The statement tree sql-parser-cst (PostgreSQL, with ranges) gives for `text`, when `text` is in the fast grammar
 * (see the module header); otherwise `undefined` (the caller parses it with sql-parser-cst).
 * @param text - the query, already checked for length and nesting.
 * @returns the `select_stmt` node, or undefined.
 */
export function fastParseSelect(text: string): CstNode | undefined {
  try {
    if (!/^\s*select\s/i.test(text)) return undefined;
    const parser = new FastParser(tokenize(text));
    return parser.statement();
  } catch (e) {
    if (e === DECLINE) return undefined;
    throw e;
  }
}

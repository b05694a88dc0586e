/**
 * The privacy-schema format: one definition (zod), the published JSON Schema generated from it, the
 * docs, and the loader's errors. Generative: random valid schemas are accepted by both the parser
 * and the JSON Schema (YAML and JSON alike); random breakages are refused by the parser with a
 * path-naming INVALID_SCHEMA (and, when structural, by the JSON Schema too); arbitrary JSON never
 * escapes as another error.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import { type DpError, isDpError } from '../../src/core/errors.js';
import { loadSqlSchema, parseSqlSchema, type SqlSchema } from '../../src/sql/schema.js';
import { SQL_SCHEMA_JSON_PATH, sqlSchemaJsonSchema } from '../../src/sql/schema-format.js';

const ROOT = resolve(import.meta.dirname, '../..');
const published = JSON.parse(readFileSync(join(ROOT, SQL_SCHEMA_JSON_PATH), 'utf8')) as Record<string, unknown>;
const validate = new Ajv2020({ strict: false, allErrors: false }).compile(published);

function refusal(raw: unknown): DpError<'INVALID_SCHEMA'> {
  try {
    parseSqlSchema(raw);
  } catch (e) {
    if (isDpError(e, 'INVALID_SCHEMA')) return e;
    throw e;
  }
  throw new Error('accepted');
}

/** Comparable form of a parsed schema (Maps and Rationals as plain text). */
function plain(s: SqlSchema): unknown {
  return JSON.parse(
    JSON.stringify(
      { ...s, analysts: [...s.analysts], tables: [...s.tables].map(([n, t]) => [n, { ...t, columns: [...t.columns] }]) },
      (_k, v) => (typeof v === 'object' && v !== null && 'toFraction' in v ? String(v) : v),
    ),
  );
}

const identifier = fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/).filter((s) => !s.startsWith('tsdp_'));
const fraction = fc.tuple(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 1000 })).map(([a, b]) => `${a}/${b}`);
const epsilon = fc.oneof(fc.double({ min: 1e-6, max: 1e6, noNaN: true }), fraction);
const delta = fc.oneof(
  fc.double({ min: 0, max: 0.5, noNaN: true }),
  fc.tuple(fc.integer({ min: 0, max: 99 }), fc.integer({ min: 100, max: 10_000_000 })).map(([a, b]) => `${a}/${b}`),
);
const budget = fc.record({ epsilon, delta }, { requiredKeys: ['epsilon'] });

const column = fc.oneof(
  fc
    .tuple(fc.constantFrom('integer', 'int', 'bigint'), fc.integer({ min: -1e6, max: 1e6 }), fc.integer({ min: 1, max: 1e6 }))
    .map(([type, lower, width]) => ({ type, lower, upper: lower + width })),
  fc
    .tuple(
      fc.constantFrom('float', 'double', 'numeric'),
      fc.double({ min: -1e9, max: 1e9, noNaN: true }),
      fc.double({ min: 1, max: 1e9, noNaN: true }),
    )
    .map(([type, lower, width]) => ({ type, lower, upper: lower + width })),
  fc
    .uniqueArray(fc.string({ maxLength: 6 }), { minLength: 1, maxLength: 5 })
    .map((categories) => ({ type: 'string', categories, description: 'public answer list' })),
  fc.constantFrom('boolean', 'date', 'text', 'integer').map((type) => ({ type })),
);

const table = fc
  .tuple(
    fc.uniqueArray(identifier, { minLength: 1, maxLength: 4 }),
    fc.array(column, { minLength: 4, maxLength: 4 }),
    fc.boolean(),
    fc.nat(3),
  )
  .map(([names, cols, unit, p]) => {
    const columns = Object.fromEntries(names.map((n, i) => [n, cols[i]]));
    return {
      privacyUnit: unit ? (names[0] as string) : null,
      maxPartitions: p + 1,
      maxContributionsPerPartition: 1,
      columns,
    };
  });

const validSchema = fc
  .tuple(
    fc.uniqueArray(identifier, { minLength: 1, maxLength: 3 }),
    fc.array(table, { minLength: 3, maxLength: 3 }),
    budget,
    fc.option(budget),
  )
  .map(([names, tables, b, analyst]) => ({
    dataset: 'shop',
    budget: b,
    ...(analyst ? { analysts: { alice: analyst } } : {}),
    tables: Object.fromEntries(names.map((n, i) => [n, tables[i]])),
  }));

describe('the published JSON Schema', () => {
  it('is the one generated from the format definition (run npm run schema:json when this fails)', () => {
    expect(published).toEqual(JSON.parse(JSON.stringify(sqlSchemaJsonSchema())));
  });

  it('is exported by the package and shipped in its files', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, unknown>; files: string[] };
    expect(pkg.exports['./schema.json']).toBe(`./${SQL_SCHEMA_JSON_PATH}`);
    expect(pkg.files).toContain(SQL_SCHEMA_JSON_PATH.split('/')[0]);
  });

  it('has every field documented in docs/schema.md', () => {
    const docs = readFileSync(join(ROOT, 'docs/schema.md'), 'utf8');
    const names = new Set<string>();
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object') {
        const props = (node as { properties?: Record<string, unknown> }).properties;
        if (props) for (const k of Object.keys(props)) names.add(k);
        Object.values(node).forEach(walk);
      }
    };
    walk(published);
    expect(names.size).toBeGreaterThan(15);
    for (const n of names) expect(docs, `docs/schema.md documents ${n}`).toContain(`| \`${n}\` |`);
  });

  it('accepts the example schema, which names it for editors', () => {
    const example = JSON.parse(readFileSync(join(ROOT, 'examples/adult.schema.json'), 'utf8')) as { $schema: string };
    expect(validate(example)).toBe(true);
    expect(resolve(ROOT, 'examples', example.$schema)).toBe(join(ROOT, SQL_SCHEMA_JSON_PATH));
    expect(parseSqlSchema(example).tables.get('adult')?.columns.get('age')).toMatchObject({ lower: 17, upper: 90 });
  });
});

describe('parseSqlSchema (generative)', () => {
  it('accepts every valid schema, as the JSON Schema does, and reads the same from YAML as from JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsdp-schema-gen-'));
    fc.assert(
      fc.property(validSchema, (raw) => {
        expect(validate(raw), JSON.stringify(validate.errors)).toBe(true);
        const parsed = parseSqlSchema(raw);
        writeFileSync(join(dir, 's.yaml'), toYaml(raw));
        writeFileSync(join(dir, 's.json'), JSON.stringify(raw));
        expect(plain(loadSqlSchema(join(dir, 's.yaml')))).toEqual(plain(parsed));
        expect(plain(loadSqlSchema(join(dir, 's.json')))).toEqual(plain(parsed));
      }),
      { numRuns: 60, seed: 11 },
    );
  });

  /** Paths of every object in a JSON value, for mutations. */
  function objectPaths(x: unknown, path: string[] = []): string[][] {
    if (!x || typeof x !== 'object' || Array.isArray(x)) return [];
    return [path, ...Object.entries(x).flatMap(([k, v]) => objectPaths(v, [...path, k]))];
  }
  function at(x: unknown, path: readonly string[]): Record<string, unknown> {
    return path.reduce((o, k) => (o as Record<string, unknown>)[k], x) as Record<string, unknown>;
  }

  it('refuses an unknown key anywhere with INVALID_SCHEMA naming its path, as the JSON Schema does', () => {
    fc.assert(
      fc.property(validSchema, fc.nat(), fc.constantFrom('lowr', 'privacy_unit', 'epsilonn', 'categries', 'Budget'), (raw, pick, key) => {
        const copy = structuredClone(raw) as unknown;
        // Objects whose keys are names (tables, columns, analysts) accept any name: mutate the others.
        const paths = objectPaths(copy).filter((p) => !['tables', 'columns', 'analysts'].includes(p[p.length - 1] ?? ''));
        const path = paths[pick % paths.length] as string[];
        at(copy, path)[key] = 1;
        const e = refusal(copy);
        expect(e.code).toBe('INVALID_SCHEMA');
        expect(e.message).toBe(`INVALID_SCHEMA: ${e.details.path as string}: expected ${e.details.expected as string}`);
        expect(e.details.path).toBe(['$', ...path, key].join('.'));
        expect(e.details.expected).toMatch(/^only the keys /);
        expect(validate(copy)).toBe(false);
      }),
      { numRuns: 100, seed: 12 },
    );
  });

  it('refuses a wrong-typed value anywhere, naming a path inside the schema and never echoing the value', () => {
    const wrong = fc.constantFrom<unknown>([], 'Ω-secret-value', -7.25, null, true, { x: 1 });
    fc.assert(
      fc.property(validSchema, fc.nat(), wrong, (raw, pick, value) => {
        const copy = structuredClone(raw) as unknown;
        const leaves = objectPaths(copy).flatMap((p) =>
          Object.keys(at(copy, p))
            .filter((k) => k !== 'description' && k !== 'dataset' && k !== 'categories')
            .map((k) => [...p, k]),
        );
        const path = leaves[pick % leaves.length] as string[];
        const parent = at(copy, path.slice(0, -1));
        const before = parent[path[path.length - 1] as string];
        parent[path[path.length - 1] as string] = value;
        let e: DpError<'INVALID_SCHEMA'> | undefined;
        try {
          parseSqlSchema(copy);
        } catch (err) {
          e = err as DpError<'INVALID_SCHEMA'>;
        }
        if (e === undefined) {
          // A few replacements are valid (null privacyUnit, true for a boolean, …); both definitions agree.
          expect(validate(copy)).toBe(true);
          return;
        }
        expect(isDpError(e, 'INVALID_SCHEMA'), String(e)).toBe(true);
        expect(e.message).not.toContain('Ω-secret-value');
        expect(e.message).not.toContain('-7.25');
        expect(e.message).not.toMatch(/Invalid input|received/);
        expect(String(e.details.path).startsWith('$')).toBe(true);
        if (typeof before !== typeof value && !(before === null || value === null)) expect(validate(copy)).toBe(false);
      }),
      { numRuns: 150, seed: 13 },
    );
  });

  it('throws only INVALID_SCHEMA on arbitrary JSON, and whatever it accepts the JSON Schema accepts', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue(),
          validSchema.chain((s) => fc.jsonValue().map((j) => ({ ...s, tables: j }))),
        ),
        (raw) => {
          try {
            parseSqlSchema(raw);
          } catch (e) {
            expect(isDpError(e, 'INVALID_SCHEMA'), String(e)).toBe(true);
            return;
          }
          expect(validate(raw)).toBe(true);
        },
      ),
      { numRuns: 200, seed: 14 },
    );
  });
});

describe('parseSqlSchema (examples)', () => {
  it('names the field and what was expected for cross-field rules', () => {
    const t = (x: Record<string, unknown>) => ({ budget: { epsilon: 1 }, tables: { t: { columns: { x: { type: 'integer', ...x } } } } });
    expect(refusal(t({ lower: 5, upper: 1 })).message).toBe(
      'INVALID_SCHEMA: $.tables.t.columns.x.upper: expected a number greater than lower',
    );
    expect(refusal(t({ lower: 5 })).details.path).toBe('$.tables.t.columns.x.upper');
    expect(refusal(t({ lower: 0.5, upper: 2 })).details.expected).toBe('integer bounds on an integer column');
    expect(refusal(t({ categories: ['a', 'a'] })).details.path).toBe('$.tables.t.columns.x.categories[1]');
    expect(refusal(t({ type: 'blob' })).details.expected).toMatch(/^one of integer, int, /);
    expect(refusal({ budget: { epsilon: '0/5' }, tables: {} }).details.path).toBe('$.budget.epsilon');
    expect(refusal({ budget: { epsilon: 1, delta: 1 }, tables: {} }).details.path).toBe('$.budget.delta');
    expect(refusal({ budget: { epsilon: 1 }, tables: { tsdp_x: { columns: { a: { type: 'int' } } } } }).details.path).toBe(
      '$.tables.tsdp_x',
    );
    expect(refusal({ budget: { epsilon: 1 }, tables: { r: { public: true, columns: { a: { type: 'int' } } } } }).details.path).toBe(
      '$.tables',
    );
    expect(refusal({ budget: { epsilon: 1 }, tables: { t: { privacyUnit: 'nope', columns: { a: { type: 'int' } } } } }).details.path).toBe(
      '$.tables.t.privacyUnit',
    );
  });

  it('keeps the SqlSchema shape the planner reads', () => {
    const s = parseSqlSchema({
      budget: { epsilon: '1/3', delta: 1e-6 },
      analysts: { alice: { epsilon: 0.5 } },
      tables: {
        Visits: {
          privacyUnit: 'Person',
          maxPartitions: 2,
          columns: { Person: { type: 'INT' }, city: { type: 'text' } },
          publicGroupKeys: { city: ['a', 'b'] },
        },
      },
    });
    expect(s.dataset).toBe('default');
    expect(s.budget.epsilon.toString()).toBe('1/3');
    expect(s.analysts.get('alice')?.delta.isZero()).toBe(true);
    expect(s.tables.get('visits')).toMatchObject({
      name: 'visits',
      isPublic: false,
      // Core's one privacy-unit type (issue 10, "one privacy-unit type").
      unit: { column: 'person', maxPartitions: 2, maxContributionsPerPartition: 1 },
    });
    expect(s.tables.get('visits')?.columns.get('city')).toEqual({ type: 'string', categories: ['a', 'b'] });
    expect(s.tables.get('visits')?.columns.get('person')).toEqual({ type: 'integer' });
  });
});

describe('loadSqlSchema errors name their public cause', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsdp-schema-load-'));
  const load = (name: string, text?: string) => {
    if (text !== undefined) writeFileSync(join(dir, name), text);
    try {
      loadSqlSchema(join(dir, name));
    } catch (e) {
      return e as DpError<'INVALID_SCHEMA'>;
    }
    throw new Error('accepted');
  };

  it('file not found', () => {
    const e = load('missing.yaml');
    expect(e.code).toBe('NOT_FOUND');
    expect(e.message).toMatch(/schema file not found: .*missing\.yaml/);
  });

  it('a directory', () => {
    mkdirSync(join(dir, 'd.json'));
    expect(load('d.json').message).toMatch(/expected a schema file, found a directory/);
  });

  it('not JSON, not YAML (with the place of the syntax error)', () => {
    expect(load('bad.json', '{"budget": {"epsilon": 1,}}').message).toMatch(/expected JSON \(/);
    const y = load('bad.yaml', 'budget:\n  epsilon: [1\ntables: {}\n');
    expect(y.code).toBe('INVALID_SCHEMA');
    expect(y.message).toMatch(/expected YAML \(syntax error at line \d+, column \d+\)/);
  });

  it('an invalid schema in a file names the field', () => {
    const e = load(
      'shop.schema.yaml',
      'budget: { epsilon: 2 }\ntables:\n  sales:\n    columns:\n      price: { type: double, lower: 0, uper: 5 }\n',
    );
    expect(e.details).toEqual({
      path: '$.tables.sales.columns.price.uper',
      expected: expect.stringMatching(/^only the keys type, lower, upper/),
    });
  });
});

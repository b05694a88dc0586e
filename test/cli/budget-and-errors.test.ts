/**
 * A visible budget (`tsdp budget`, `--explain`'s forecast, refusals that name ε or δ), errors printed
 * once with their code (JSON with --json, exit codes from the code table), and queries from stdin
 * or a file. Every refusal here is checked to charge nothing and to print no data value.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CliRun, tsdp } from './run-cli.js';

const BASE = ['sql', '--data', 'examples/adult.csv', '--schema', 'examples/adult.schema.json'];
const COUNT = 'SELECT COUNT(*) AS n FROM adult';
/** Values from the data that must never appear in an error. */
const DATA_VALUES = ['Self-emp-not-inc', 'Married-civ-spouse', '183710', 'Farming-fishing'];

function spends(home: string): number {
  const f = join(home, 'ledger', 'adult.jsonl');
  // Spend lines only (a data set's first spend is preceded by its pin line, written in the same append).
  return existsSync(f)
    ? readFileSync(f, 'utf8')
        .trim()
        .split('\n')
        .filter((l) => l !== '' && !l.startsWith('{"v":1,"pin"')).length
    : 0;
}

function noDataIn(r: CliRun): void {
  for (const v of DATA_VALUES) {
    expect(r.stdout).not.toContain(v);
    expect(r.stderr).not.toContain(v);
  }
}

describe('tsdp budget', () => {
  it('shows spent, left and the history, in text and JSON, and charges nothing', async () => {
    const home = mkdtempSync(join(tmpdir(), 'tsdp-budget-'));
    const empty = await tsdp(['budget', '--schema', 'examples/adult.schema.json', '--json'], home);
    expect(empty.code).toBe(0);
    expect(JSON.parse(empty.stdout)).toMatchObject({
      dataset: 'adult',
      spent: { epsilon: 0, delta: 0 },
      remaining: { epsilon: 10 },
      history: [],
    });
    const q = await tsdp([...BASE, '--epsilon', '1/4', '--json', COUNT], home);
    expect(q.code).toBe(0);
    expect(JSON.parse(q.stdout).ledger).toBe(`file ${join(home, 'ledger')}`);
    const r = await tsdp(['budget', '--schema', 'examples/adult.schema.json', '--json'], home);
    const view = JSON.parse(r.stdout) as {
      ledger: string;
      budget: { exact: { epsilon: string } };
      spent: { epsilon: number; exact: { epsilon: string } };
      remaining: { epsilon: number; exact: { epsilon: string; delta: string } };
      analysts: { analyst: string; spent: { epsilon: number } }[];
      history: { analyst: string; epsilon: number; memo: string; at: string }[];
    };
    expect(view.ledger).toBe(`file ${join(home, 'ledger')}`);
    expect(view.budget.exact.epsilon).toBe('10');
    expect(view.spent.exact.epsilon).toBe('1/4');
    expect(view.remaining.exact).toEqual({ epsilon: '39/4', delta: '1/1000000' });
    expect(view.analysts).toEqual([expect.objectContaining({ analyst: 'default', spent: expect.objectContaining({ epsilon: 0.25 }) })]);
    expect(view.history).toEqual([expect.objectContaining({ analyst: 'default', epsilon: 0.25, memo: COUNT })]);
    const text = await tsdp(['budget', '--dataset', 'adult'], home);
    expect(text.stdout).toMatch(/^ledger: file .*\ndata set: adult\nspent: ε=0.25, δ=0 {3}left: unknown \(give --schema/);
    expect(text.stdout).toContain(COUNT);
    const other = await tsdp(['budget', '--dataset', 'adult', '--analyst', 'bob', '--json'], home);
    expect(JSON.parse(other.stdout)).toMatchObject({ history: [], analysts: [{ analyst: 'bob', spent: { epsilon: 0 } }], remaining: null });
    // No data set named: every data set of the ledger with what it spent.
    const all = await tsdp(['budget', '--json'], home);
    expect(JSON.parse(all.stdout)).toMatchObject({ datasets: [{ dataset: 'adult', spent: { exact: { epsilon: '1/4' } }, spends: 1 }] });
    expect((await tsdp(['budget'], home)).stdout).toMatch(/data set +spent +spends\n[- ]+\nadult +ε=0.25, δ=0 +1\n/);
    expect(spends(home)).toBe(1);
  });
});

describe('--explain says whether the ledger would refuse, and a refusal names ε or δ', () => {
  it('forecasts without charging; a refused run names the limit and charges nothing', async () => {
    const home = mkdtempSync(join(tmpdir(), 'tsdp-explain-'));
    const ok = await tsdp([...BASE, '--epsilon', '9', '--explain', COUNT], home);
    expect(ok.stdout).toMatch(/budget: the ledger would accept this charge; left after it: ε=1, δ=0\.000001; ledger: file /);
    const spent = await tsdp([...BASE, '--epsilon', '9', COUNT], home);
    expect(spent.code).toBe(0);
    const ex = await tsdp([...BASE, '--epsilon', '2', '--explain', '--json', COUNT], home);
    expect(JSON.parse(ex.stdout).budget).toMatchObject({ refused: true, code: 'BUDGET_EXHAUSTED', limit: 'ε', scope: 'dataset:adult' });
    const run = await tsdp([...BASE, '--epsilon', '2', '--json', COUNT], home);
    expect(run.code).toBe(4);
    const err = JSON.parse(run.stdout) as { error: { code: string; message: string; details: Record<string, string> } };
    expect(err.error.code).toBe('BUDGET_EXHAUSTED');
    expect(err.error.details.limit).toBe('ε');
    expect(err.error.message).toMatch(
      /would pass the ε of the budget of data set "adult".* \[limit: ε\] \(nothing was charged; ledger: file /,
    );
    expect(err.error.message).not.toMatch(/^BUDGET_EXHAUSTED/);
    // δ as the limit: GROUP BY a column without categories needs δ for partition selection.
    const q = 'SELECT age, COUNT(*) AS n FROM adult GROUP BY age';
    const delta = await tsdp([...BASE, '--epsilon', '1/2', '--delta', '1e-5', q], home);
    expect(delta.code).toBe(4);
    expect(delta.stderr).toMatch(/^tsdp: BUDGET_EXHAUSTED: .*would pass the δ of the budget.*\[limit: δ\]/);
    expect(delta.stderr.split('BUDGET_EXHAUSTED')).toHaveLength(2);
    noDataIn(delta);
    expect(spends(home)).toBe(1);
  });
});

describe('errors: once, with their code; JSON with --json; the code table exit code', () => {
  it('an unsupported query, a usage error, a missing schema, data file or query file', async () => {
    const home = mkdtempSync(join(tmpdir(), 'tsdp-errors-'));
    const unsupported = await tsdp([...BASE, '--epsilon', '1', '--json', 'SELECT age FROM adult'], home);
    expect(unsupported.code).toBe(3);
    expect(unsupported.stderr).toBe('');
    expect(JSON.parse(unsupported.stdout)).toEqual({
      error: { code: 'UNSUPPORTED_QUERY', message: expect.stringMatching(/^the raw column "age"/), details: expect.any(Object) },
    });
    const usage = await tsdp([...BASE, '--json', '--epsilonn', '1', COUNT], home);
    expect(usage.code).toBe(2);
    expect(JSON.parse(usage.stdout)).toMatchObject({
      error: { code: 'INVALID_PARAMETER', message: expect.stringMatching(/unknown option '--epsilonn'/) },
    });
    const schema = await tsdp(['sql', '--schema', 'nope.yaml', '--data', 'examples/adult.csv', '--epsilon', '1', '--json', COUNT], home);
    expect(schema.code).toBe(6);
    expect(JSON.parse(schema.stdout).error).toMatchObject({ code: 'NOT_FOUND', message: 'schema file not found: nope.yaml' });
    const data = await tsdp(
      ['sql', '--schema', 'examples/adult.schema.json', '--data', 'adult=missing.csv', '--epsilon', '1', COUNT],
      home,
    );
    expect(data.code).toBe(6);
    expect(data.stderr).toBe('tsdp: NOT_FOUND: data file not found: missing.csv\n');
    const duck = await tsdp(
      ['sql', '--schema', 'examples/adult.schema.json', '--db', 'duckdb:missing.duckdb', '--epsilon', '1', COUNT],
      home,
    );
    expect(duck.code).toBe(6);
    expect(duck.stderr).toBe('tsdp: NOT_FOUND: DuckDB database not found: missing.duckdb\n');
    const file = await tsdp([...BASE, '--epsilon', '1', '-f', 'missing.sql'], home);
    expect(file.code).toBe(6);
    const both = await tsdp([...BASE, '--epsilon', '1', '-f', 'q.sql', COUNT], home);
    expect(both.code).toBe(2);
    for (const r of [unsupported, usage, schema, data, duck, file, both]) noDataIn(r);
    expect(spends(home)).toBe(0);
  });
});

describe('the query from stdin or a file; formats', () => {
  it('reads - from stdin and -f from a file, and prints CSV with interval columns and the footer on stderr', async () => {
    const home = mkdtempSync(join(tmpdir(), 'tsdp-input-'));
    const q = 'SELECT sex, COUNT(*) AS n FROM adult GROUP BY sex';
    const stdin = await tsdp([...BASE, '--epsilon', '1', '--format', 'csv', '-'], home, { stdin: q });
    expect(stdin.code).toBe(0);
    const [header, ...rows] = stdin.stdout.trim().split('\n');
    expect(header).toBe('sex,n,n_lower,n_upper');
    expect(rows.map((r) => r.split(',')[0])).toEqual(['Female', 'Male']);
    for (const r of rows) expect(r).toMatch(/^\w+,\d+,\d+,\d+$/);
    expect(stdin.stderr).toMatch(/intervals: 95% confidence for the DP noise only/);
    expect(stdin.stderr).toMatch(/ledger: file /);
    writeFileSync(join(home, 'q.sql'), `-- a comment\n${q}\n`);
    const md = await tsdp([...BASE, '--epsilon', '1', '--format', 'markdown', '-f', join(home, 'q.sql')], home);
    expect(md.stdout).toMatch(
      /^\| sex \| n \(95% CI\) \|\n\| --- \| ---: \|\n\| Female \| \d{1,2},\d{3} \[\d{1,2},\d{3}, \d{1,2},\d{3}\] \|/,
    );
    const bad = await tsdp([...BASE, '--epsilon', '1', '--format', 'xml', COUNT], home);
    expect(bad.code).toBe(2);
    expect(spends(home)).toBe(2);
  });
});

describe('tsdp sql names why PostgreSQL or ClickHouse cannot be used (issue 11), charging nothing', () => {
  it('connection refused (both), and (with a test cluster) a PostgreSQL database that does not exist', async () => {
    const home = mkdtempSync(join(tmpdir(), 'tsdp-pg-cause-'));
    const args = ['sql', '--schema', 'examples/adult.schema.json', '--epsilon', '1', '--json', COUNT];
    // Port 1 on the loopback: nothing listens there.
    const refused = await tsdp([...args, '--db', 'postgres://postgres@127.0.0.1:1/tsdp'], home);
    expect(JSON.parse(refused.stdout)).toMatchObject({
      error: { code: 'ENGINE_ERROR', message: expect.stringMatching(/^connection refused by PostgreSQL at /) },
    });
    // ClickHouse: the URL is a server, not a DuckDB file; a refused connection is named, and --explain compiles
    // ClickHouse's SQL.
    const clickhouse = await tsdp([...args, '--db', 'clickhouse://127.0.0.1:1/default'], home);
    expect(JSON.parse(clickhouse.stdout)).toMatchObject({
      error: { code: 'ENGINE_ERROR', message: 'connection refused by ClickHouse at http://127.0.0.1:1' },
    });
    const explained = await tsdp(
      ['sql', '--schema', 'examples/adult.schema.json', '--epsilon', '1', '--explain', '--db', 'clickhouse://127.0.0.1:1/default', COUNT],
      home,
    );
    expect(explained.stdout).toMatch(/toString\(count\(\)\)/);
    const url = process.env.TSDP_TEST_POSTGRES_URL;
    if (url) {
      const missing = await tsdp([...args, '--db', url.replace(/\/[^/?]*(\?|$)/, '/tsdp_no_such_db$1')], home);
      expect(missing.code).toBe(6);
      expect(JSON.parse(missing.stdout)).toMatchObject({ error: { code: 'NOT_FOUND', details: { kind: 'database' } } });
    }
    expect(spends(home)).toBe(0);
  });
});

describe.skipIf(!process.env.TSDP_TEST_POSTGRES_URL)('the PostgreSQL ledger', () => {
  it('tsdp budget reads it, naming it without the password', async () => {
    const url = process.env.TSDP_TEST_POSTGRES_URL as string;
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const dataset = `cli_budget_${process.pid}`;
    await client.query(`DROP TABLE IF EXISTS ${dataset}`);
    await client.query(`CREATE TABLE ${dataset} (age integer)`);
    await client.query(`INSERT INTO ${dataset} SELECT g % 90 FROM generate_series(1, 200) g`);
    await client.end();
    const home = mkdtempSync(join(tmpdir(), 'tsdp-pg-budget-'));
    const withPassword = url.replace('postgres://postgres@', 'postgres://postgres:hunter2@');
    const init = await tsdp(['schema', 'init', dataset, '--db', withPassword, '--dp-bounds', '1/8', '--json'], home);
    expect(init.code).toBe(0);
    expect(JSON.parse(init.stdout).ledger).toBe(`postgres ${url}`);
    const r = await tsdp(['budget', '--db', withPassword, '--dataset', dataset, '--json'], home);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('hunter2');
    const view = JSON.parse(r.stdout) as { ledger: string; history: { epsilon: number }[] };
    expect(view.ledger).toBe(`postgres ${url}`);
    expect(view.history.map((h) => h.epsilon)).toEqual([0.125]);
  });
});

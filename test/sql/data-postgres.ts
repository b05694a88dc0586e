/** The test tables of test/sql/data.ts loaded into PostgreSQL (the database of the URL given). */
import pg from 'pg';
import { DDL, inserts } from './data.js';

/** Creates the test tables in a fresh PostgreSQL schema-less database (drops previous ones). */
export async function loadPostgresVisits(url: string): Promise<void> {
  const c = new pg.Client(url);
  await c.connect();
  try {
    await c.query('DROP TABLE IF EXISTS visits, people, regions');
    for (const d of DDL) await c.query(d.replace(/VARCHAR/g, 'text').replace(/DOUBLE/g, 'real'));
    for (const { table, rows } of inserts()) {
      const values: unknown[] = [];
      const tuples = rows.map(
        (r) =>
          `(${r
            .map((v) => {
              values.push(v);
              return `$${values.length}`;
            })
            .join(', ')})`,
      );
      await c.query(`INSERT INTO ${table} VALUES ${tuples.join(', ')}`, values);
    }
  } finally {
    await c.end();
  }
}

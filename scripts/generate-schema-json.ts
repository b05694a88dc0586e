/**
 * Writes the JSON Schema of privacy-schema files (`schema/tsdp-schema.json`,
 * published as `tsdp/schema.json`) from the one definition in
 * `src/sql/schema-format.ts`. Run after changing the format:
 * `npx tsx scripts/generate-schema-json.ts`; a test fails while the committed
 * file is stale.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { SQL_SCHEMA_JSON_PATH, sqlSchemaJsonSchema } from '../src/sql/schema-format.js';

const out = resolve(import.meta.dirname, '..', SQL_SCHEMA_JSON_PATH);
writeFileSync(out, `${JSON.stringify(sqlSchemaJsonSchema(), null, 2)}\n`);
process.stdout.write(`wrote ${out}\n`);

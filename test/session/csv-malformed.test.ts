/**
 * A streamed CSV with malformed records: the parser's error would come after
 * the charge, exist only when some person's record is malformed, and quote
 * the record in its message. Malformed records are skipped instead.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PrivacyBudget } from '../../src/core/budget.js';
import { Session } from '../../src/session/index.js';
import { csvSource } from '../../src/stats/csv-source.js';
import { SeededRandomSource } from '../../src/testing/seeded-source.js';

describe('Session over a CSV file with malformed records', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsdp-csv-'));
  const files = {
    'bad closing quote': 'person_id,age\np1,30\np2,"4"0\np4,60\n',
    'quote inside a field': 'person_id,age\np1,30\np2,a"secret"b\np3,50\n',
    'unclosed quote at the end': 'person_id,age\np1,30\np3,"50\n',
  };
  for (const [name, text] of Object.entries(files)) {
    it(`releases without an error (${name}; seeded, no statistical assertion)`, async () => {
      const path = join(dir, `${name.replace(/ /g, '-')}.csv`);
      writeFileSync(path, text);
      const session = Session.fromSource(csvSource(path), {
        privacyUnit: 'person_id',
        budget: PrivacyBudget.pure(10),
        rng: new SeededRandomSource(4),
      });
      const result = await session
        .query()
        .count()
        .mean('age', { bounds: [0, 100] })
        .releaseAsync({ epsilon: 1 });
      expect(result.rows).toHaveLength(1);
      expect(session.remaining).toEqual({ kind: 'pure', epsilon: 9 });
    });
  }
});

import { defineConfig } from 'vitest/config';
import { serialFiles } from './test/run-groups.js';

// Two groups, run one after the other (the rule and its reasons: test/run-groups.ts): files that touch nothing shared
// run on two workers, then files that share PostgreSQL, ClickHouse, the package build, Chromium or the clock run on one.
const serial = serialFiles(import.meta.dirname);
const include = ['src/**/*.test.ts', 'test/**/*.test.ts'];

export default defineConfig({
  test: {
    // Above the engines' default statement deadline (60 s), so a stuck engine call fails as ENGINE_ERROR inside
    // the test (with its stack) before vitest's bare timeout would.
    testTimeout: 90_000,
    hookTimeout: 90_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: { name: 'parallel', include, exclude: serial, maxWorkers: 2, sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: {
          name: 'serial',
          include: serial,
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
          // A private PostgreSQL cluster, started on first use and stopped at the end, when TSDP_TEST_POSTGRES_URL is unset.
          globalSetup: ['test/global-setup-postgres.ts'],
          typecheck: { enabled: true, include: ['src/**/*.test-d.ts', 'test/**/*.test-d.ts'] },
        },
      },
    ],
  },
});

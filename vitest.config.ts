import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Above the engines' default statement deadline (60 s), so a stuck engine call fails as ENGINE_ERROR inside
    // the test (with its stack) before vitest's bare timeout would.
    testTimeout: 90_000,
    hookTimeout: 90_000,
    pool: 'forks',
    // A private PostgreSQL cluster, started on first use and stopped at the end, when TSDP_TEST_POSTGRES_URL is unset.
    globalSetup: ['test/global-setup-postgres.ts'],
    typecheck: { enabled: true, include: ['src/**/*.test-d.ts', 'test/**/*.test-d.ts'] },
  },
});

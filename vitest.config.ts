import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    // *.jitsi.test.ts need a real Prosody and Jitsi's plugins: `npm run test:jitsi`.
    exclude: ['node_modules/**', 'dist/**', 'cdk.out/**', '.data/**', '**/*.jitsi.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    setupFiles: ['test/support/setup-env.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Two cores: more workers than that only adds contention for DynamoDB Local and coturn.
    maxWorkers: 2,
  },
});

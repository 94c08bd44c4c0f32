import { defineConfig } from 'vitest/config';

// Three tiers, visible in file names: pure unit tests (*.test.ts, no Java, no coturn), the CDK
// Template assertions (infra/stack.test.ts and *.cdk.test.ts: aws-cdk-lib is slow to load) and integration tests
// (*.int.test.ts) against the DynamoDB Local that only their project starts.
// *.jitsi.test.ts need a real Prosody and Jitsi's plugins: `npm run test:jitsi`.
const ignored = ['node_modules/**', 'dist/**', 'cdk.out/**', '.data/**', '**/*.jitsi.test.ts'];
// Every project's temp dirs under one folder the run removes; the SDK's Node-version warning off.
const RUN = 'test/support/run-setup.ts';
const STACK_TESTS = ['infra/stack.test.ts', 'infra/**/*.cdk.test.ts'];

export default defineConfig({
  test: {
    setupFiles: ['test/support/setup-env.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Two cores: more workers than that only adds contention for DynamoDB Local and coturn.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['**/*.test.ts'], exclude: [...ignored, '**/*.int.test.ts', ...STACK_TESTS], globalSetup: [RUN] },
      },
      { extends: true, test: { name: 'infra', include: STACK_TESTS, exclude: ignored, globalSetup: [RUN] } },
      {
        extends: true,
        test: { name: 'integration', include: ['**/*.int.test.ts'], exclude: ignored, globalSetup: [RUN, 'test/support/global-setup.ts'] },
      },
    ],
  },
});

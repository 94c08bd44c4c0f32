import { defineConfig } from 'vitest/config';

// `npm run test:jitsi`: against a real Prosody with Jitsi's plugins (JITSI_PROSODY_PLUGINS);
// kept out of `npm test`, which runs without them.
export default defineConfig({
  test: {
    include: ['test/jitsi/**/*.jitsi.test.ts'],
    setupFiles: ['test/jitsi/setup-env.ts'],
    pool: 'forks',
    maxWorkers: 1,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});

import { defineConfig } from 'vitest/config';

// `unit` and `security` run the sources directly (security's files attack them); `e2e` builds dist/nxs once
// (test/e2e/global-setup.ts) and spawns it as a user would.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          // Each file performs one attack from docs/security.md and checks it now fails safely.
          name: 'security',
          include: ['test/security/**/*.test.ts'],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'crash',
          include: ['test/crash/**/*.test.ts'],
          testTimeout: 300_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          // The drills run on their own (npm run test:drills): two of them still fail now and then
          // (a lost message in expired-token, an out-of-order pair in network-cut; docs/survival.md).
          exclude: ['test/e2e/drills.test.ts'],
          globalSetup: ['test/e2e/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 600_000,
          // The e2e files share one built artifact but each uses its own HOME.
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'drills',
          include: ['test/e2e/drills.test.ts'],
          globalSetup: ['test/e2e/global-setup.ts'],
          testTimeout: 600_000,
          hookTimeout: 600_000,
          fileParallelism: false,
        },
      },
    ],
  },
});

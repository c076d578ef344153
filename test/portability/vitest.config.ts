import { defineConfig } from 'vitest/config';

// npm run test:portability: slow proofs that dist/nxs runs on any Linux box.
// They need root (chroot, mount) and Debian tools (install-tools.sh); each test
// skips with its reason when one is missing. One file at a time: 2 cores.
export default defineConfig({
  test: {
    include: ['test/portability/**/*.test.ts'],
    globalSetup: ['test/portability/global-setup.ts'],
    testTimeout: 300_000,
    hookTimeout: 900_000,
    fileParallelism: false,
  },
});

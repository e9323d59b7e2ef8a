import { defineXrdConfig } from '../../vitest.shared.ts';

// The end-to-end tests run the bundled dist/index.js as a runner does; the global setup builds it
// first, so `vitest` alone never tests a stale bundle.
export default defineXrdConfig({
  test: {
    globalSetup: ['test/global-setup.ts'],
  },
});

import { defineXrdConfig } from '../../vitest.shared.ts';

export default defineXrdConfig({
  test: {
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      exclude: ['src/**/*.test.ts', 'src/test-support.ts', 'src/index.ts', 'src/testing/index.ts'],
      reporter: ['text-summary', 'json-summary'],
      thresholds: { lines: 95 },
    },
  },
});

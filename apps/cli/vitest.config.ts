import { defineXrdConfig } from '../../vitest.shared.ts';

export default defineXrdConfig({
  test: {
    // The end-to-end tests spawn dist/xrd.js; make sure it is current.
    globalSetup: ['./test/global-setup.ts'],
    // Files still run one at a time. Within a file, the tests marked concurrent (each its own xrd
    // process, mostly waiting: retry backoffs, poll intervals, GitHub's listing delay) may run ten at
    // a time instead of vitest's default five; they use little CPU while they wait.
    maxConcurrency: 10,
  },
});

import { defineXrdConfig } from '../../vitest.shared.ts';

export default defineXrdConfig({
  test: {
    // The end-to-end tests spawn dist/xrd.js; make sure it is current.
    globalSetup: ['./test/global-setup.ts'],
    // Its files are end-to-end tests that mostly wait on the processes they start (the CLI, forge-sim,
    // retries against failing servers): two at a time took 183 s instead of 327 s on 2 cores, and
    // this package is the longest of the test command.
    maxWorkers: 2,
  },
});

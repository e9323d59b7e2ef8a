import { defineXrdConfig } from '../../vitest.shared.ts';

export default defineXrdConfig({
  test: {
    // The end-to-end tests spawn dist/xrd.js; make sure it is current.
    globalSetup: ['./test/global-setup.ts'],
  },
});

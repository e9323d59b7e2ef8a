import { defineXrdConfig } from '../vitest.shared.ts';

export default defineXrdConfig();

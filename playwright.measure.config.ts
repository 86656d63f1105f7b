import base from './playwright.config';

/**
 * Measurements that need files outside the repository (e2e/*.measure.ts):
 * the same browser and server as the e2e suite, run only by name
 * (docs/benchmarks.md), never part of `npm run test:e2e`.
 */
export default { ...base, testMatch: '**/*.measure.ts' };

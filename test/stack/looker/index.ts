export { startLookerFake, type LookerFake, type LookerFakeOptions } from './server.js';
export type { LookerRow } from './data.js';
export { fakeExplores } from './explores/index.js';

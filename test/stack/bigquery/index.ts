export { startBigQueryFake, type BigQueryFake, type BigQueryFakeOptions } from './server.js';

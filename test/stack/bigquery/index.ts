export {
  startBigQueryFake,
  type BigQueryFake,
  type BigQueryFakeOptions,
  type JobResource,
} from './server.js';
export type { JobError } from './errors.js';
export type { ListObjects, ReadObject } from './load-job.js';

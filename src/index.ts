import * as functions from '@google-cloud/functions-framework';
import { createClients, type GoogleClients } from './clients.js';
import { parseConfig, type Config } from './config/index.js';
import { createExporter, type Exporter } from './exporter.js';
import { createHttpHandler } from './http/handler.js';
import { createTaskHandler } from './http/task-handler.js';
import { createLogger } from './log.js';
import { createPreflight, type Preflight } from './preflight/index.js';

const logger = createLogger();
let wired: { config: Config; clients: GoogleClients; exporter: Exporter; preflight?: Preflight } | undefined;

/** Builds the exporter on the first call; a configuration error is logged naming every variable. */
function instance() {
  if (!wired) {
    const config = parseConfig(process.env);
    const clients = createClients(config);
    wired = { config, clients, exporter: createExporter(config, clients, logger) };
  }
  return wired;
}

try {
  instance();
} catch (error) {
  // Log it at start so a bad deployment is visible at once; each call reports it again.
  logger.fatal({ err: error }, 'configuration is invalid; every call will fail until it is fixed');
}

functions.http(
  'exportSystemActivity',
  createHttpHandler({
    exporter: () => instance().exporter,
    preflight: () => {
      const w = instance();
      return (w.preflight ??= createPreflight(w.config, w.clients, logger));
    },
    logger,
    projectId: process.env.GOOGLE_CLOUD_PROJECT,
  }),
);

// Fan-out mode's task function: the same source deployed a second time, invocable only by the
// tasks service account (see terraform/tasks.tf).
functions.http(
  'exportSystemActivityTask',
  createTaskHandler({
    exporter: () => instance().exporter,
    logger,
    projectId: process.env.GOOGLE_CLOUD_PROJECT,
  }),
);

import * as functions from '@google-cloud/functions-framework';
import { createClients } from './clients.js';
import { parseConfig } from './config/index.js';
import { createExporter, type Exporter } from './exporter.js';
import { createHttpHandler } from './http/handler.js';
import { createLogger } from './log.js';

const logger = createLogger();
let exporter: Exporter | undefined;

/** Builds the exporter on the first call; a configuration error is logged naming every variable. */
function instanceExporter(): Exporter {
  if (!exporter) {
    const config = parseConfig(process.env);
    exporter = createExporter(config, createClients(config), logger);
  }
  return exporter;
}

try {
  instanceExporter();
} catch (error) {
  // Log it at start so a bad deployment is visible at once; each call reports it again.
  logger.fatal({ err: error }, 'configuration is invalid; every call will fail until it is fixed');
}

functions.http(
  'exportSystemActivity',
  createHttpHandler({ exporter: instanceExporter, logger, projectId: process.env.GOOGLE_CLOUD_PROJECT }),
);

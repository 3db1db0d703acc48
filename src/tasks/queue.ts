import type { CloudTasksClient } from '@google-cloud/tasks';
import type { TasksConfig } from '../config/index.js';
import { DependencyError } from '../errors.js';
import { taskId, type TaskPayload } from './payload.js';

export type EnqueueOutcome = 'enqueued' | 'duplicate';

/** Where work is handed to Cloud Tasks. */
export interface TaskQueue {
  /** Creates the task named after `payload` in `queue` (a full queue name). */
  enqueue(queue: string, payload: TaskPayload): Promise<EnqueueOutcome>;
}

/** gRPC codes Cloud Tasks answers that a later attempt may pass. */
const TRANSIENT_CODES = new Set([4, 8, 10, 13, 14]);
const ALREADY_EXISTS = 6;

/**
 * Cloud Tasks over its client library. Each task is an HTTP POST of the payload to the task
 * function, with an OIDC token Cloud Tasks mints for the tasks service account (the only
 * principal that may invoke that function), and a dispatch deadline that outlasts the task's
 * budget and grace.
 */
export class CloudTasksQueue implements TaskQueue {
  constructor(
    private readonly client: CloudTasksClient,
    private readonly config: TasksConfig,
  ) {}

  async enqueue(queue: string, payload: TaskPayload): Promise<EnqueueOutcome> {
    const name = `${queue}/tasks/${taskId(payload)}`;
    try {
      await this.client.createTask(
        {
          parent: queue,
          task: {
            name,
            dispatchDeadline: { seconds: Math.floor(this.config.dispatchDeadlineMs / 1000) },
            httpRequest: {
              httpMethod: 'POST',
              url: this.config.handlerUrl,
              headers: { 'Content-Type': 'application/json' },
              body: Buffer.from(JSON.stringify(payload)),
              oidcToken: {
                serviceAccountEmail: this.config.serviceAccount,
                audience: this.config.handlerUrl,
              },
            },
          },
        },
        { timeout: 30_000 },
      );
      return 'enqueued';
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      // Cloud Tasks keeps a name for hours after its task ended: the work is, or was, queued.
      if (code === ALREADY_EXISTS) return 'duplicate';
      const message = error instanceof Error ? error.message : String(error);
      throw new DependencyError(
        'cloud-tasks',
        `Cloud Tasks creating ${name} failed: ${message}`,
        typeof code !== 'number' || TRANSIENT_CODES.has(code),
        { cause: error },
      );
    }
  }
}

import type { HttpFunction, Request, Response } from '@google-cloud/functions-framework';
import { BadRequestError, ExportError, summarizeError } from '../errors.js';
import type { Exporter } from '../exporter.js';
import type { Logger } from '../log.js';
import { parseTaskPayload, taskId } from '../tasks/payload.js';
import { taskStatusCode } from '../tasks/worker.js';
import { errorResponse, readBody, traceFields } from './handler.js';

export interface TaskHandlerOptions {
  exporter: () => Exporter;
  logger: Logger;
  projectId?: string;
}

/**
 * The task function's only HTTP-aware code. Who may call it is the platform's business (only
 * the tasks service account may invoke it, and only from inside Google); this checks the call
 * is a task from the queue of the instance it names, then maps the outcome to a status Cloud
 * Tasks understands. Cloud Tasks retries every answer outside 2xx, so: 200 done (or failed
 * for good: see taskStatusCode), 409 another task of the explore is running, 503 transient,
 * 400 a malformed task (retried only up to the queue's max attempts, and it costs Looker nothing).
 */
export function createTaskHandler(options: TaskHandlerOptions): HttpFunction {
  return async (req: Request, res: Response) => {
    const queueName = req.get('x-cloudtasks-queuename');
    const logger = options.logger.child({
      ...traceFields(req, options.projectId),
      task: req.get('x-cloudtasks-taskname'),
      queue: queueName,
      retryCount: numberOr(req.get('x-cloudtasks-taskretrycount')),
      executionCount: numberOr(req.get('x-cloudtasks-taskexecutioncount')),
    });
    try {
      if (req.method !== 'POST')
        throw new BadRequestError([`method ${req.method} is not allowed; tasks POST`]);
      if (!queueName)
        throw new BadRequestError([
          'this function runs Cloud Tasks calls only (no X-CloudTasks-QueueName header): call the export function instead',
        ]);
      const payload = parseTaskPayload(readBody(req));
      const exporter = options.exporter();
      const queue = exporter.queueOf(payload.instance);
      if (!queue)
        throw new BadRequestError([
          `task.instance: "${payload.instance}" has no queue here (fan-out mode is off, or this deployment does not export it)`,
        ]);
      const expected = queue.split('/').at(-1);
      if (queueName !== expected)
        throw new BadRequestError([
          `task for instance ${payload.instance} came from queue ${queueName}, not from its own queue ${expected}`,
        ]);
      const result = await exporter.runTask(payload, { logger: logger.child({ taskId: taskId(payload) }) });
      const status = taskStatusCode(result);
      if (result.status === 'failed')
        logger.error(
          { task: result.task, summary: result.summary },
          `task ${result.task} failed in a way no retry fixes; not retried (progress unchanged: tomorrow's plan repeats it)`,
        );
      res.status(status).json(result);
    } catch (error) {
      const { status, body } = errorResponse(error);
      // Cloud Tasks retries every answer outside 2xx. A terminal failure answers 200: a retry
      // would fail the same way and spend Looker queries doing so. An unknown error may pass.
      const answer = status === 500 ? (error instanceof ExportError ? 200 : 503) : status;
      if (answer === 200) logger.error({ err: error }, 'task failed in a way no retry fixes; not retried');
      else if (answer >= 500) logger.error({ err: error }, 'task failed; the queue retries it');
      else logger.warn({ status, error: body.error }, 'task refused');
      res
        .status(answer)
        .json(answer === 200 ? { status: 'failed', error: summarizeError(error), code: body.code } : body);
    }
  };
}

function numberOr(value: string | undefined): number | undefined {
  return value === undefined || !/^\d+$/.test(value) ? undefined : Number(value);
}

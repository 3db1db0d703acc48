/**
 * The CloudTasks RPCs over the store and the dispatcher, in wire-neutral values (camelCase
 * fields, durations and timestamps in ms, bytes as Buffer): both faces call `call()`.
 */
import { randomInt } from 'node:crypto';
import { ApiError } from '../grpc-status.js';
import type { Dispatcher } from './dispatcher.js';
import {
  applyQueueInput,
  defaultConfig,
  DEFAULT_DISPATCH_DEADLINE_MS,
  LOCATION_NAME,
  MAX_DISPATCH_DEADLINE_MS,
  MAX_SCHEDULE_AHEAD_MS,
  MAX_TASK_BYTES,
  OUTPUT_ONLY_PATHS,
  QUEUE_NAME,
  QUEUE_PATHS,
  TASK_NAME,
  type AttemptInfo,
  type HttpMethod,
  type QueueInput,
  type StoredQueue,
  type StoredTask,
  type View,
} from './model.js';
import type { TaskStore } from './store.js';

export const METHODS = [
  'ListQueues',
  'GetQueue',
  'CreateQueue',
  'UpdateQueue',
  'DeleteQueue',
  'PurgeQueue',
  'PauseQueue',
  'ResumeQueue',
  'ListTasks',
  'GetTask',
  'CreateTask',
  'DeleteTask',
  'RunTask',
] as const;
export type MethodName = (typeof METHODS)[number];

export function isMethodName(name: string): name is MethodName {
  return (METHODS as readonly string[]).includes(name);
}

export interface TaskInput {
  name?: string;
  httpRequest?: {
    url?: string;
    httpMethod?: string;
    headers?: Record<string, string>;
    body?: Buffer;
    oidcToken?: { serviceAccountEmail?: string; audience?: string };
    oauthToken?: unknown;
  };
  appEngineHttpRequest?: unknown;
  scheduleTime?: number;
  dispatchDeadline?: number;
}

/** Every request field any method reads, as the faces decode them. */
export interface TasksRequest {
  name?: string;
  parent?: string;
  filter?: string;
  pageSize?: number;
  pageToken?: string;
  queue?: QueueInput;
  updateMask?: { paths?: string[] };
  task?: TaskInput;
  responseView?: string | number;
}

const METHODS_WITH_BODY: HttpMethod[] = ['POST', 'PUT', 'PATCH'];
const HTTP_METHODS: HttpMethod[] = ['POST', 'GET', 'HEAD', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];
const invalid = (message: string) => new ApiError('INVALID_ARGUMENT', message);

export interface ApiOptions {
  /** Lowest dispatch_deadline accepted (Google: 15 s). */
  minDispatchDeadlineMs: number;
}

export class CloudTasksApi {
  constructor(
    private readonly store: TaskStore,
    private readonly dispatcher: Dispatcher,
    private readonly options: ApiOptions,
  ) {}

  call(method: MethodName, request: TasksRequest): unknown {
    switch (method) {
      case 'ListQueues': {
        const parent = this.#location(request.parent);
        const state = parseStateFilter(request.filter);
        const queues = [...this.store.queues.values()]
          .filter((q) => q.name.startsWith(`${parent}/queues/`) && (!state || q.state === state))
          .sort((a, b) => (a.name < b.name ? -1 : 1));
        const page = paginate(queues, request, 9800);
        return { queues: page.items.map(queueResource), nextPageToken: page.nextPageToken };
      }
      case 'GetQueue':
        return queueResource(this.store.queue(queueName(request.name)));
      case 'CreateQueue': {
        const parent = this.#location(request.parent);
        const name = queueName(request.queue?.name);
        if (!name.startsWith(`${parent}/queues/`))
          throw invalid(`The queue name must be in the location ${parent}.`);
        if (this.store.queues.has(name)) throw new ApiError('ALREADY_EXISTS');
        this.#checkReserved(name);
        const queue: StoredQueue = {
          name,
          id: name.split('/').pop()!,
          state: 'RUNNING',
          ...applyQueueInput(defaultConfig(), request.queue ?? {}),
        };
        this.store.queues.set(name, queue);
        return queueResource(queue);
      }
      case 'UpdateQueue': {
        const name = queueName(request.queue?.name);
        const paths = request.updateMask?.paths?.filter(Boolean).map(camel);
        for (const path of paths ?? []) {
          if (!QUEUE_PATHS.includes(path) && !OUTPUT_ONLY_PATHS.includes(path))
            throw invalid(`Invalid update_mask path: ${path}.`);
        }
        const wanted = paths?.length ? paths.filter((p) => QUEUE_PATHS.includes(p)) : undefined;
        const existing = this.store.queues.get(name);
        // UpdateQueue "creates the queue if it does not exist".
        if (!existing) this.#checkReserved(name);
        const base = existing ?? defaultConfig();
        const config = applyQueueInput(base, request.queue ?? {}, wanted);
        const queue: StoredQueue = existing ?? {
          name,
          id: name.split('/').pop()!,
          state: 'RUNNING',
          ...config,
        };
        Object.assign(queue, config);
        this.store.queues.set(name, queue);
        this.dispatcher.configure(queue);
        return queueResource(queue);
      }
      case 'DeleteQueue': {
        const queue = this.store.queue(queueName(request.name));
        this.store.removeQueue(queue);
        this.dispatcher.forget(queue.name);
        return {};
      }
      case 'PurgeQueue': {
        const queue = this.store.queue(queueName(request.name));
        for (const task of [...(this.store.tasks.get(queue.name)?.values() ?? [])])
          this.store.removeTask(task);
        queue.purgeTimeMs = Date.now();
        this.dispatcher.wake(queue.name);
        return queueResource(queue);
      }
      case 'PauseQueue':
      case 'ResumeQueue': {
        const queue = this.store.queue(queueName(request.name));
        queue.state = method === 'PauseQueue' ? 'PAUSED' : 'RUNNING';
        this.dispatcher.wake(queue.name);
        return queueResource(queue);
      }
      case 'ListTasks': {
        const queue = this.store.queue(queueName(request.parent));
        const view = parseView(request.responseView);
        const tasks = [...(this.store.tasks.get(queue.name)?.values() ?? [])].sort(
          (a, b) => a.scheduleTimeMs - b.scheduleTimeMs || (a.id < b.id ? -1 : 1),
        );
        const page = paginate(tasks, request, 1000);
        return { tasks: page.items.map((t) => taskResource(t, view)), nextPageToken: page.nextPageToken };
      }
      case 'GetTask': {
        const task = this.#task(request.name);
        return taskResource(task, parseView(request.responseView));
      }
      case 'CreateTask': {
        const queue = this.store.queue(queueName(request.parent));
        const task = this.#newTask(queue, request.task);
        this.store.tasksOf(queue.name).set(task.id, task);
        // The task as created: the dispatcher may start it before the answer is sent.
        const created = taskResource(task, parseView(request.responseView));
        this.dispatcher.wake(queue.name);
        return created;
      }
      case 'DeleteTask': {
        this.store.removeTask(this.#task(request.name));
        this.dispatcher.wake(queueName(request.name!.split('/tasks/')[0]));
        return {};
      }
      case 'RunTask': {
        const task = this.#task(request.name);
        const queue = this.store.queue(task.queueName);
        this.dispatcher.runNow(queue, task);
        // The task as dispatched, before the worker answers.
        return taskResource(task, parseView(request.responseView));
      }
    }
  }

  #location(parent: string | undefined): string {
    if (!parent || !LOCATION_NAME.test(parent))
      throw invalid(`Invalid resource field value in the request: parent "${parent ?? ''}".`);
    return parent;
  }

  #checkReserved(name: string): void {
    if (this.store.reserved(name))
      throw new ApiError(
        'FAILED_PRECONDITION',
        'The queue cannot be created because a queue with this name existed too recently.',
      );
  }

  #task(name: string | undefined): StoredTask {
    const match = TASK_NAME.exec(name ?? '');
    if (!match) throw invalid(`Invalid resource field value in the request: task name "${name ?? ''}".`);
    return this.store.task(name!, match[1]!, match[2]!);
  }

  #newTask(queue: StoredQueue, input: TaskInput | undefined): StoredTask {
    if (!input) throw invalid('Task is required.');
    let id: string;
    if (input.name) {
      const match = TASK_NAME.exec(input.name);
      if (!match)
        throw invalid(
          `Task name must be ${queue.name}/tasks/TASK_ID, TASK_ID of letters, numbers, hyphens or underscores (at most 500).`,
        );
      if (match[1] !== queue.name) throw invalid(`The task name must be in the queue ${queue.name}.`);
      id = match[2]!;
      // De-duplication: a live task, or one that completed or was deleted recently.
      if (this.store.tasks.get(queue.name)?.has(id) || this.store.reserved(input.name))
        throw new ApiError('ALREADY_EXISTS', 'Requested entity already exists');
    } else {
      do id = serverMadeId();
      while (this.store.tasks.get(queue.name)?.has(id) || this.store.reserved(`${queue.name}/tasks/${id}`));
    }
    if (input.appEngineHttpRequest)
      throw new ApiError('UNIMPLEMENTED', 'App Engine tasks are not emulated by the fake: use http_request.');
    const http = input.httpRequest;
    if (!http) throw invalid('The task must have an http_request.');
    const url = http.url ?? '';
    if (!/^https?:\/\//.test(url)) throw invalid('HttpRequest.url must begin with "http://" or "https://".');
    if (url.length > 2083) throw invalid('HttpRequest.url must be at most 2083 characters.');
    try {
      new URL(url);
    } catch {
      throw invalid('HttpRequest.url is not a valid URL.');
    }
    const method = (
      !http.httpMethod || http.httpMethod === 'HTTP_METHOD_UNSPECIFIED' ? 'POST' : http.httpMethod
    ) as HttpMethod;
    if (!HTTP_METHODS.includes(method)) throw invalid(`Unknown http_method ${http.httpMethod}.`);
    const body = Buffer.from(http.body ?? Buffer.alloc(0));
    if (body.length > 0 && !METHODS_WITH_BODY.includes(method))
      throw invalid(`A request body is allowed only with POST, PUT or PATCH, not ${method}.`);
    const headers = { ...http.headers };
    const headerBytes = Object.entries(headers).reduce((n, [k, v]) => n + k.length + String(v).length, 0);
    if (headerBytes >= 80 * 1024) throw invalid('The size of the headers must be less than 80KB.');
    if (body.length + headerBytes + url.length > MAX_TASK_BYTES)
      throw invalid(`Task size too large: the maximum task size is ${MAX_TASK_BYTES} bytes.`);
    if (http.oauthToken)
      throw new ApiError('UNIMPLEMENTED', 'oauth_token is not emulated by the fake: use oidc_token.');
    let oidcToken: StoredTask['httpRequest']['oidcToken'];
    if (http.oidcToken) {
      const email = http.oidcToken.serviceAccountEmail ?? '';
      if (!email) throw invalid('OidcToken.service_account_email is required.');
      oidcToken = { serviceAccountEmail: email, audience: http.oidcToken.audience || url };
    }

    const now = Date.now();
    let deadline = DEFAULT_DISPATCH_DEADLINE_MS;
    if (input.dispatchDeadline !== undefined && input.dispatchDeadline !== 0) {
      deadline = Math.floor(input.dispatchDeadline);
      if (deadline < this.options.minDispatchDeadlineMs || deadline > MAX_DISPATCH_DEADLINE_MS)
        throw invalid(
          `The dispatch deadline must be between ${this.options.minDispatchDeadlineMs / 1000} seconds and 30 minutes.`,
        );
    }
    const scheduled = input.scheduleTime;
    if (scheduled !== undefined && scheduled > now + MAX_SCHEDULE_AHEAD_MS)
      throw invalid('The task schedule time cannot be more than 30 days in the future.');
    return {
      name: `${queue.name}/tasks/${id}`,
      id,
      queueName: queue.name,
      httpRequest: { url, httpMethod: method, headers, body, ...(oidcToken ? { oidcToken } : {}) },
      // "If schedule_time is not set or is in the past then Cloud Tasks will set it to the current time."
      scheduleTimeMs: scheduled !== undefined && scheduled > now ? scheduled : now,
      // "create_time will be truncated to the nearest second."
      createTimeMs: Math.floor(now / 1000) * 1000,
      dispatchDeadlineMs: deadline,
      dispatchCount: 0,
      responseCount: 0,
      executionCount: 0,
      running: 0,
    };
  }
}

function queueName(name: string | undefined): string {
  if (!name || !QUEUE_NAME.test(name))
    throw invalid(
      `Invalid queue name "${name ?? ''}": projects/PROJECT_ID/locations/LOCATION_ID/queues/QUEUE_ID, QUEUE_ID of letters, numbers or hyphens (at most 100).`,
    );
  return name;
}

/** FieldMask paths arrive snake_case over gRPC, camelCase over REST. */
function camel(path: string): string {
  return path.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

function parseView(view: string | number | undefined): View {
  // Proto3 JSON accepts an enum by name or by number (the client's fallback mode sends numbers).
  if (!view || view === 'VIEW_UNSPECIFIED' || view === 'BASIC' || String(view) === '1') return 'BASIC';
  if (view === 'FULL' || String(view) === '2') return 'FULL';
  throw invalid(`Unknown response_view ${view}.`);
}

function parseStateFilter(filter: string | undefined): StoredQueue['state'] | undefined {
  if (!filter) return undefined;
  const match = /^\s*state\s*[:=]\s*(RUNNING|PAUSED)\s*$/i.exec(filter);
  if (!match) throw invalid('The fake understands only "state: RUNNING|PAUSED" filters.');
  return match[1]!.toUpperCase() as StoredQueue['state'];
}

function paginate<T>(items: T[], request: TasksRequest, max: number): { items: T[]; nextPageToken?: string } {
  const size = Number(request.pageSize ?? 0);
  if (!Number.isInteger(size) || size < 0) throw invalid('page_size must not be negative.');
  let start = 0;
  if (request.pageToken) {
    start = Number(Buffer.from(request.pageToken, 'base64url').toString());
    if (!Number.isInteger(start) || start < 0) throw invalid('Invalid page token.');
  }
  const end = Math.min(items.length, start + (size === 0 ? max : Math.min(size, max)));
  return {
    items: items.slice(start, end),
    nextPageToken: end < items.length ? Buffer.from(String(end)).toString('base64url') : undefined,
  };
}

/** Google's own task ids are long decimal strings. */
function serverMadeId(): string {
  let id = String(randomInt(1, 10));
  while (id.length < 19) id += String(randomInt(0, 10));
  return id;
}

export function queueResource(queue: StoredQueue) {
  const { retryConfig: rc } = queue;
  return {
    name: queue.name,
    rateLimits: { ...queue.rateLimits },
    retryConfig: {
      maxAttempts: rc.maxAttempts,
      ...(rc.maxRetryDurationMs > 0 ? { maxRetryDuration: rc.maxRetryDurationMs } : {}),
      minBackoff: rc.minBackoffMs,
      maxBackoff: rc.maxBackoffMs,
      maxDoublings: rc.maxDoublings,
    },
    state: queue.state,
    ...(queue.purgeTimeMs !== undefined ? { purgeTime: queue.purgeTimeMs } : {}),
    ...(queue.stackdriverLoggingConfig ? { stackdriverLoggingConfig: queue.stackdriverLoggingConfig } : {}),
  };
}

function attemptResource(attempt: AttemptInfo | undefined, onlyDispatchTime: boolean) {
  if (!attempt) return undefined;
  if (onlyDispatchTime) return { dispatchTime: attempt.dispatchTimeMs };
  return {
    scheduleTime: attempt.scheduleTimeMs,
    dispatchTime: attempt.dispatchTimeMs,
    ...(attempt.responseTimeMs !== undefined ? { responseTime: attempt.responseTimeMs } : {}),
    ...(attempt.responseStatus ? { responseStatus: attempt.responseStatus } : {}),
  };
}

/** BASIC leaves out the body ("can be large or can contain sensitive data"); FULL has it all. */
export function taskResource(task: StoredTask, view: View) {
  const { httpRequest: http } = task;
  return {
    name: task.name,
    httpRequest: {
      url: http.url,
      httpMethod: http.httpMethod,
      headers: { ...http.headers },
      ...(view === 'FULL' ? { body: http.body } : {}),
      ...(http.oidcToken ? { oidcToken: { ...http.oidcToken } } : {}),
    },
    scheduleTime: task.scheduleTimeMs,
    createTime: task.createTimeMs,
    dispatchDeadline: task.dispatchDeadlineMs,
    dispatchCount: task.dispatchCount,
    responseCount: task.responseCount,
    ...(task.firstAttempt ? { firstAttempt: attemptResource(task.firstAttempt, true) } : {}),
    ...(task.lastAttempt ? { lastAttempt: attemptResource(task.lastAttempt, false) } : {}),
    view,
  };
}

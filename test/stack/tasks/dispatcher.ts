/**
 * Dispatch: per queue, sends due tasks to their workers within rate_limits (a token bucket of
 * max_burst_size refilled at max_dispatches_per_second; at most max_concurrent_dispatches in
 * flight), and settles each attempt: 2xx removes the task, anything else is retried per
 * retry_config or, past it, the task is dropped.
 */
import { sendAttempt, type AttemptOutcome } from './attempt.js';
import { retriesExhausted, retryDelayMs } from './backoff.js';
import type { AttemptInfo, StoredQueue, StoredTask } from './model.js';
import type { OidcSigner } from './oidc.js';
import type { TaskStore } from './store.js';
import { TokenBucket } from './token-bucket.js';

/** One attempt as the handle reports it. */
export interface DispatchRecord {
  /** Queue id (the last part of its name). */
  queue: string;
  taskId: string;
  /** 1 for the first attempt. */
  attempt: number;
  /** `Date.now()` when it was sent / when it ended (undefined while in flight). */
  startedMs: number;
  endedMs?: number;
  /** The worker's HTTP status, when one arrived. */
  status?: number;
  /** Why no status arrived (connection error, deadline). */
  error?: string;
  deadlineMs: number;
  timedOut: boolean;
  /** Started by RunTask rather than by the queue. */
  forced: boolean;
}

/** A task deleted because its retries ran out. */
export interface DroppedTask {
  queue: string;
  taskId: string;
  attempts: number;
  lastStatus?: number;
  lastError?: string;
  droppedMs: number;
}

interface QueueRuntime {
  bucket: TokenBucket;
  inFlight: number;
  timer?: NodeJS.Timeout;
}

// The google.rpc.Code Cloud Tasks reports in last_attempt.response_status for a worker's status.
const HTTP_CODES: Record<number, [number, string]> = {
  400: [3, 'INVALID_ARGUMENT'],
  401: [16, 'UNAUTHENTICATED'],
  403: [7, 'PERMISSION_DENIED'],
  404: [5, 'NOT_FOUND'],
  409: [10, 'ABORTED'],
  412: [9, 'FAILED_PRECONDITION'],
  429: [8, 'RESOURCE_EXHAUSTED'],
  499: [1, 'CANCELLED'],
  500: [13, 'INTERNAL'],
  501: [12, 'UNIMPLEMENTED'],
  503: [14, 'UNAVAILABLE'],
  504: [4, 'DEADLINE_EXCEEDED'],
};

function rpcStatusFor(outcome: AttemptOutcome): { code: number; message: string; reason: string } {
  if (outcome.kind === 'timeout')
    return {
      code: 4,
      message: 'DEADLINE_EXCEEDED(4): the dispatch deadline passed',
      reason: 'DEADLINE_EXCEEDED',
    };
  if (outcome.kind === 'error')
    return { code: 14, message: `UNAVAILABLE(14): ${outcome.message}`, reason: 'UNAVAILABLE' };
  const { status } = outcome;
  const [code, name] =
    status >= 200 && status < 300
      ? [0, 'OK']
      : (HTTP_CODES[status] ?? (status >= 400 && status < 500 ? [9, 'FAILED_PRECONDITION'] : [2, 'UNKNOWN']));
  return { code, message: `${name}(${code}): HTTP status code ${status}`, reason: name };
}

export class Dispatcher {
  readonly dispatches: DispatchRecord[] = [];
  readonly dropped: DroppedTask[] = [];
  readonly #runtimes = new Map<string, QueueRuntime>();
  readonly #maxInFlight = new Map<string, number>();
  #abort = new AbortController();
  #waiters: (() => void)[] = [];
  #inFlight = 0;

  constructor(
    private readonly store: TaskStore,
    private readonly signer: OidcSigner,
  ) {}

  /** Re-examines a queue after anything that may let it dispatch (a task, a resume, an answer). */
  wake(queueName: string): void {
    const queue = this.store.queues.get(queueName);
    const runtime = queue && this.#runtime(queue);
    if (runtime) clearTimeout(runtime.timer);
    if (queue && runtime && queue.state === 'RUNNING') this.#pump(queue, runtime);
    this.#notify();
  }

  /** New rate limits for a queue's bucket (UpdateQueue). */
  configure(queue: StoredQueue): void {
    const { maxDispatchesPerSecond, maxBurstSize } = queue.rateLimits;
    this.#runtime(queue).bucket.configure(maxDispatchesPerSecond, maxBurstSize);
    this.wake(queue.name);
  }

  /** The queue is gone: its timer stops; attempts in flight finish and are then ignored. */
  forget(queueName: string): void {
    clearTimeout(this.#runtimes.get(queueName)?.timer);
    this.#runtimes.delete(queueName);
    this.#notify();
  }

  /** RunTask: dispatches now, whatever the queue's state, limits, or the task's own attempts. */
  runNow(queue: StoredQueue, task: StoredTask): void {
    this.#start(queue, this.#runtime(queue), task, true);
  }

  /** The most attempts the queue (by id) ever had in flight at once. */
  maxInFlight(queueId: string): number {
    return this.#maxInFlight.get(queueId) ?? 0;
  }

  /** True when no task is pending or running anywhere and no attempt is in flight. */
  get idle(): boolean {
    return this.#inFlight === 0 && this.store.taskCount === 0;
  }

  /** Resolves once idle; rejects after `timeoutMs`. */
  whenIdle(timeoutMs: number): Promise<void> {
    if (this.idle) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(new Error(`Cloud Tasks fake not idle after ${timeoutMs} ms: ${this.#describeBusy()}`));
      }, timeoutMs);
      const waiter = () => {
        clearTimeout(timer);
        resolve();
      };
      this.#waiters.push(waiter);
    });
  }

  /** Forgets every queue's state and record; attempts in flight are cancelled. */
  reset(): void {
    this.#abort.abort();
    this.#abort = new AbortController();
    for (const runtime of this.#runtimes.values()) clearTimeout(runtime.timer);
    this.#runtimes.clear();
    this.#maxInFlight.clear();
    this.dispatches.length = 0;
    this.dropped.length = 0;
    this.#notify();
  }

  #runtime(queue: StoredQueue): QueueRuntime {
    let runtime = this.#runtimes.get(queue.name);
    if (!runtime) {
      const { maxDispatchesPerSecond, maxBurstSize } = queue.rateLimits;
      runtime = {
        bucket: new TokenBucket(maxDispatchesPerSecond, maxBurstSize),
        inFlight: 0,
      };
      this.#runtimes.set(queue.name, runtime);
    }
    return runtime;
  }

  #pump(queue: StoredQueue, runtime: QueueRuntime): void {
    const tasks = this.store.tasks.get(queue.name);
    while (tasks && runtime.inFlight < queue.rateLimits.maxConcurrentDispatches) {
      let next: StoredTask | undefined;
      for (const task of tasks.values()) {
        if (task.running === 0 && (!next || task.scheduleTimeMs < next.scheduleTimeMs)) next = task;
      }
      if (!next) return;
      const wait = next.scheduleTimeMs - Date.now();
      if (wait > 0) {
        runtime.timer = setTimeout(() => this.wake(queue.name), wait);
        return;
      }
      const token = runtime.bucket.take();
      if (!token.ok) {
        runtime.timer = setTimeout(() => this.wake(queue.name), token.waitMs);
        return;
      }
      this.#start(queue, runtime, next, false);
    }
  }

  #start(queue: StoredQueue, runtime: QueueRuntime, task: StoredTask, forced: boolean): void {
    const now = Date.now();
    const retryCount = task.dispatchCount;
    const attempt: AttemptInfo = { scheduleTimeMs: task.scheduleTimeMs, dispatchTimeMs: now };
    // first_attempt keeps only its dispatch time, as documented.
    task.firstAttempt ??= { scheduleTimeMs: task.scheduleTimeMs, dispatchTimeMs: now };
    task.lastAttempt = attempt;
    task.dispatchCount += 1;
    task.running += 1;
    runtime.inFlight += 1;
    this.#inFlight += 1;
    this.#maxInFlight.set(queue.id, Math.max(this.maxInFlight(queue.id), runtime.inFlight));

    const record: DispatchRecord = {
      queue: queue.id,
      taskId: task.id,
      attempt: retryCount + 1,
      startedMs: now,
      deadlineMs: task.dispatchDeadlineMs,
      timedOut: false,
      forced,
    };
    this.dispatches.push(record);
    const { httpRequest } = task;
    void sendAttempt({
      url: httpRequest.url,
      method: httpRequest.httpMethod,
      headers: this.#headers(queue, task, retryCount),
      body: httpRequest.body,
      deadlineMs: task.dispatchDeadlineMs,
      signal: this.#abort.signal,
    }).then((outcome) => {
      runtime.inFlight -= 1;
      this.#inFlight -= 1;
      task.running -= 1;
      record.endedMs = Date.now();
      if (outcome.kind === 'response') record.status = outcome.status;
      else record.error = outcome.kind === 'timeout' ? 'dispatch deadline exceeded' : outcome.message;
      record.timedOut = outcome.kind === 'timeout';
      this.#settle(queue, task, attempt, outcome, record.endedMs);
      this.wake(queue.name);
    });
  }

  #settle(
    queue: StoredQueue,
    task: StoredTask,
    attempt: AttemptInfo,
    outcome: AttemptOutcome,
    now: number,
  ): void {
    // Deleted, purged, or its queue deleted (or reset) while in flight: nothing left to update.
    if (!this.store.isCurrent(task) || this.store.queues.get(queue.name) !== queue) return;
    const status = rpcStatusFor(outcome);
    if (outcome.kind === 'response') {
      attempt.responseTimeMs = now;
      task.responseCount += 1;
      if (outcome.status < 500) task.executionCount += 1;
    }
    attempt.responseStatus = { code: status.code, message: status.message };
    if (status.code === 0) {
      this.store.removeTask(task);
      return;
    }
    task.previousResponse = outcome.kind === 'response' ? outcome.status : undefined;
    task.retryReason = status.reason;
    const sinceFirst = now - (task.firstAttempt?.dispatchTimeMs ?? now);
    if (retriesExhausted(queue.retryConfig, task.dispatchCount, sinceFirst)) {
      this.store.removeTask(task);
      this.dropped.push({
        queue: queue.id,
        taskId: task.id,
        attempts: task.dispatchCount,
        lastStatus: outcome.kind === 'response' ? outcome.status : undefined,
        lastError: outcome.kind === 'response' ? undefined : status.message,
        droppedMs: now,
      });
      return;
    }
    task.scheduleTimeMs = now + retryDelayMs(queue.retryConfig, task.dispatchCount);
  }

  /** The worker's request headers: the task's own, then those Cloud Tasks sets or replaces. */
  #headers(queue: StoredQueue, task: StoredTask, retryCount: number): Record<string, string> {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(task.httpRequest.headers)) {
      const lower = name.toLowerCase();
      if (['host', 'content-length', 'user-agent'].includes(lower)) continue;
      if (/^x-(google|appengine|cloudtasks)-/.test(lower)) continue;
      headers[lower] = value;
    }
    headers['user-agent'] = 'Google-Cloud-Tasks';
    headers['x-cloudtasks-queuename'] = queue.id;
    headers['x-cloudtasks-taskname'] = task.id;
    headers['x-cloudtasks-taskretrycount'] = String(retryCount);
    headers['x-cloudtasks-taskexecutioncount'] = String(task.executionCount);
    headers['x-cloudtasks-tasketa'] = (task.scheduleTimeMs / 1000).toFixed(6);
    if (task.previousResponse !== undefined)
      headers['x-cloudtasks-taskpreviousresponse'] = String(task.previousResponse);
    if (task.retryReason !== undefined) headers['x-cloudtasks-taskretryreason'] = task.retryReason;
    const oidc = task.httpRequest.oidcToken;
    if (oidc) headers.authorization = `Bearer ${this.signer.token(oidc.serviceAccountEmail, oidc.audience)}`;
    return headers;
  }

  #notify(): void {
    if (!this.idle) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) waiter();
  }

  #describeBusy(): string {
    const parts: string[] = [];
    for (const [name, tasks] of this.store.tasks) {
      if (tasks.size === 0) continue;
      const queue = this.store.queues.get(name);
      parts.push(
        `${name.split('/').pop()}: ${tasks.size} task(s)${queue?.state === 'PAUSED' ? ' (paused)' : ''}`,
      );
    }
    if (this.#inFlight > 0) parts.push(`${this.#inFlight} attempt(s) in flight`);
    return parts.join(', ');
  }
}

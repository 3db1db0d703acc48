/**
 * What the fake remembers: queues, their tasks, and the names Google keeps reserved after a
 * task (or queue) is gone (tombstones).
 */
import { ApiError } from '../grpc-status.js';
import type { StoredQueue, StoredTask } from './model.js';

export class TaskStore {
  readonly queues = new Map<string, StoredQueue>();
  /** Queue name -> task id -> task. */
  readonly tasks = new Map<string, Map<string, StoredTask>>();
  /** Task or queue name -> when the name is free again (ms since the epoch). */
  readonly #tombstones = new Map<string, number>();

  constructor(
    private readonly taskTombstoneMs: number,
    private readonly queueTombstoneMs: number,
  ) {}

  queue(name: string): StoredQueue {
    const queue = this.queues.get(name);
    if (!queue)
      throw new ApiError(
        'NOT_FOUND',
        `Queue does not exist. If you just created the queue, wait at least a minute for the queue to initialize.`,
      );
    return queue;
  }

  tasksOf(queueName: string): Map<string, StoredTask> {
    let tasks = this.tasks.get(queueName);
    if (!tasks) this.tasks.set(queueName, (tasks = new Map()));
    return tasks;
  }

  task(name: string, queueName: string, id: string): StoredTask {
    this.queue(queueName);
    const task = this.tasks.get(queueName)?.get(id);
    if (task?.name === name) return task;
    // Google tells a name that existed recently apart from one that never did.
    throw new ApiError(
      'NOT_FOUND',
      this.reserved(name)
        ? 'The task no longer exists, though a task with this name existed recently. The task either successfully completed or was deleted.'
        : undefined,
    );
  }

  /** Whether `name` is live; false for a task that ended or was deleted (its tombstone may remain). */
  isCurrent(task: StoredTask): boolean {
    return this.tasks.get(task.queueName)?.get(task.id) === task;
  }

  /** Removes a task (done, dropped, deleted or purged) and reserves its name. */
  removeTask(task: StoredTask): void {
    if (!this.isCurrent(task)) return;
    this.tasks.get(task.queueName)!.delete(task.id);
    this.#tombstone(task.name, this.taskTombstoneMs);
  }

  removeQueue(queue: StoredQueue): StoredTask[] {
    const tasks = [...(this.tasks.get(queue.name)?.values() ?? [])];
    for (const task of tasks) this.removeTask(task);
    this.tasks.delete(queue.name);
    this.queues.delete(queue.name);
    this.#tombstone(queue.name, this.queueTombstoneMs);
    return tasks;
  }

  /** True while a name that existed is still reserved. */
  reserved(name: string, now = Date.now()): boolean {
    const until = this.#tombstones.get(name);
    if (until === undefined) return false;
    if (until > now) return true;
    this.#tombstones.delete(name);
    return false;
  }

  /** Tasks pending or running, in every queue. */
  get taskCount(): number {
    let count = 0;
    for (const tasks of this.tasks.values()) count += tasks.size;
    return count;
  }

  clear(): void {
    this.queues.clear();
    this.tasks.clear();
    this.#tombstones.clear();
  }

  #tombstone(name: string, ms: number): void {
    if (ms > 0) this.#tombstones.set(name, Date.now() + ms);
  }
}

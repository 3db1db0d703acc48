import { FieldValue, Timestamp, type Firestore, type DocumentReference } from '@google-cloud/firestore';
import pTimeout, { TimeoutError } from 'p-timeout';
import { ConfigError, ConflictError, DependencyError } from '../errors.js';
import { addUsage, type QueryUsage } from '../pipeline/query-budget.js';
import type { ExploreProgress } from '../pipeline/windows.js';

interface LeaseDoc {
  holder: string;
  acquiredAt: Timestamp;
  expiresAt: Timestamp;
  /** Wall-clock time after which the acquiring run stopped waiting for this lease. */
  claimDeadline?: Timestamp;
  /** When Firestore committed the lease (server time). */
  committedAt?: Timestamp;
}

export interface StateStoreOptions {
  /**
   * Longest wait for one state call (default 15 s). Past it the call fails with a transient
   * DependencyError (503, Cloud Scheduler retries) instead of sitting in the Firestore client's
   * own retries for minutes.
   */
  timeoutMs?: number;
  /**
   * What this deployment exports into (`project.dataset`). The instance's state records it on
   * the first lease; a deployment exporting elsewhere is refused, so two deployments that share
   * a collection by accident never share (and corrupt) each other's progress.
   */
  owner?: string;
  /**
   * Fan-out mode: each explore has its own lease (`{instance}/leases/{explore}`), so tasks of
   * different explores of one instance may run side by side while two tasks of one explore
   * never do. Single-call mode: one lease for the instance.
   */
  leasePerExplore?: boolean;
}

export const DEFAULT_STATE_TIMEOUT_MS = 15_000;

/**
 * Slack for the clocks of Firestore and of the function: a lease committed up to this long
 * after its claim deadline still counts. Both run on Google's synchronised clocks.
 */
const CLOCK_SKEW_MS = 1_000;

/** Thrown inside a transaction attempt that starts writing after the caller gave up. */
class GaveUp extends Error {}

/** A backfill's range, inclusive UTC days `YYYY-MM-DD`: what its progress is keyed by. */
export interface BackfillRange {
  from: string;
  to: string;
}

/** An explore's daily progress as a run last recorded it. */
export interface RecordedProgress extends ExploreProgress {
  /** When the last window was recorded (the recording run's clock). */
  updatedAt: Date;
}

interface ProgressDoc {
  initialLoadDone: boolean;
  watermark: Timestamp | null;
  lastRunId: string;
  lastWindow: string;
  updatedAt: Timestamp;
}

/**
 * Export state in Firestore, per Looker instance:
 * `{collection}/{instance}` holds the run lease, `{collection}/{instance}/explores/{explore}`
 * the initial-load flag and the watermark, `{collection}/{instance}/backfills/{explore}_{from}_{to}`
 * a backfill's own watermark. Progress is written only inside a transaction that
 * also checks this run still holds the lease, so a run that lost its lease (it ran past its
 * expiry and another run took over) can never move state.
 *
 * Every call is bounded by `timeoutMs`. The Firestore client cannot cancel a transaction, so an
 * attempt we gave up on may still commit later; see acquireLease for why that never leaves a
 * lease behind that blocks the next run.
 */
export class StateStore {
  readonly #instanceDoc: DocumentReference;
  readonly #timeoutMs: number;
  readonly #owner: string | undefined;
  readonly leasePerExplore: boolean;

  constructor(
    private readonly firestore: Firestore,
    collection: string,
    instance: string,
    options: StateStoreOptions = {},
  ) {
    this.#instanceDoc = firestore.collection(collection).doc(documentId(instance));
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_STATE_TIMEOUT_MS;
    this.#owner = options.owner;
    this.leasePerExplore = options.leasePerExplore ?? false;
  }

  /** The document holding the lease a run takes for `explore` (see leasePerExplore). */
  #leaseDoc(explore: string | undefined): DocumentReference {
    if (!this.leasePerExplore) return this.#instanceDoc;
    if (explore === undefined) throw new Error('a per-explore lease needs the explore');
    return this.#instanceDoc.collection('leases').doc(explore);
  }

  /**
   * Takes the instance's lease for `ttlMs`, or throws ConflictError naming the holder.
   *
   * No late lease: a lease that lands after this call gave up (Firestore came back while the
   * client was still retrying) must not block the next run for the whole TTL, since its holder
   * never started. Three layers keep it so:
   * 1. an attempt that reaches its write after the deadline writes nothing (GaveUp);
   * 2. the lease carries its claim deadline and Firestore's own commit time, and a lease
   *    committed after its deadline is void: the next run takes it over. This holds even when
   *    the process that gave up is frozen or gone (Cloud Functions throttles CPU after the
   *    response), which a clean-up by that process alone could not promise;
   * 3. if the abandoned attempt does succeed, the lease is released at once (best effort), for
   *    the narrow case of a commit just before the deadline whose answer arrived after it.
   * The holder itself accepts the lease only when the commit was acknowledged before the
   * deadline, so a lease its holder runs under is never void for others.
   */
  async acquireLease(runId: string, ttlMs: number, now = new Date(), explore?: string): Promise<void> {
    const leaseDoc = this.#leaseDoc(explore);
    await this.#transaction(
      'acquiring the run lease',
      async (tx, deadline) => {
        const [snapshot, leaseSnapshot] =
          leaseDoc === this.#instanceDoc
            ? await tx.get(this.#instanceDoc).then((s) => [s, s] as const)
            : await Promise.all([tx.get(this.#instanceDoc), tx.get(leaseDoc)]);
        const owner = snapshot.get('owner') as string | undefined;
        if (this.#owner && owner && owner !== this.#owner)
          throw new ConfigError([
            `Firestore ${this.#instanceDoc.path} holds the progress of a deployment exporting into ${owner}, not ${this.#owner}: give each deployment its own FIRESTORE_COLLECTION (nothing was exported)`,
          ]);
        const lease = leaseSnapshot.get('lease') as LeaseDoc | null | undefined;
        if (lease && lease.holder !== runId && isLive(lease, now)) {
          throw new ConflictError(
            `Another export run (${lease.holder}) holds the lease${explore && this.leasePerExplore ? ` of ${explore}` : ''} until ${lease.expiresAt.toDate().toISOString()}; this call did nothing`,
          );
        }
        // Writes are only buffered until the body returns: throwing here commits nothing. The
        // client goes on retrying after we gave up; those attempts must not take the lease.
        if (Date.now() > deadline) throw new GaveUp('gave up acquiring the run lease');
        const next = {
          holder: runId,
          acquiredAt: Timestamp.fromDate(now),
          expiresAt: Timestamp.fromMillis(now.getTime() + ttlMs),
          claimDeadline: Timestamp.fromMillis(deadline),
          committedAt: FieldValue.serverTimestamp(),
        };
        // The whole map replaces the old lease: merge would keep fields of the previous holder.
        if (leaseDoc === this.#instanceDoc) {
          if (this.#owner && !owner)
            tx.set(
              this.#instanceDoc,
              { lease: next, owner: this.#owner },
              { mergeFields: ['lease', 'owner'] },
            );
          else tx.set(this.#instanceDoc, { lease: next }, { mergeFields: ['lease'] });
        } else {
          if (this.#owner && !owner)
            tx.set(this.#instanceDoc, { owner: this.#owner }, { mergeFields: ['owner'] });
          tx.set(leaseDoc, { lease: next }, { mergeFields: ['lease'] });
        }
      },
      () => this.releaseLease(runId, explore),
    );
  }

  /** Gives the lease back if this run still holds it (a release that lands late only frees it sooner). */
  async releaseLease(runId: string, explore?: string): Promise<void> {
    const leaseDoc = this.#leaseDoc(explore);
    await this.#transaction('releasing the run lease', async (tx) => {
      const snapshot = await tx.get(leaseDoc);
      const lease = snapshot.get('lease') as LeaseDoc | undefined;
      if (lease?.holder === runId) tx.update(leaseDoc, { lease: null });
    });
  }

  /** What the instance spent of Looker's query calls this month (see query-budget.ts). */
  async readQueryUsage(): Promise<QueryUsage | undefined> {
    const snapshot = await this.#bounded('reading the query usage', this.#instanceDoc.get());
    return snapshot.get('queryUsage') as QueryUsage | undefined;
  }

  /**
   * Adds query calls a run spent. Not tied to a lease: the calls were spent whatever became of
   * the run, and the budget must count them.
   */
  async addQueryUsage(calls: number, now = new Date()): Promise<QueryUsage> {
    return this.#transaction('recording the query usage', async (tx) => {
      const snapshot = await tx.get(this.#instanceDoc);
      const usage = addUsage(snapshot.get('queryUsage') as QueryUsage | undefined, calls, now);
      tx.set(this.#instanceDoc, { queryUsage: usage }, { mergeFields: ['queryUsage'] });
      return usage;
    });
  }

  /**
   * An explore's progress: its daily watermark, or, for a backfill, that backfill's own (keyed by
   * its range), which a repeated or continued backfill resumes after and which never moves the
   * daily one.
   */
  async readProgress(explore: string, backfill?: BackfillRange): Promise<ExploreProgress> {
    const snapshot = await this.#bounded(
      'reading export progress',
      this.#progressDoc(explore, backfill).get(),
    );
    return toProgress(snapshot.data() as ProgressDoc | undefined);
  }

  /**
   * The daily progress of each explore that has recorded any, with when it was last recorded
   * (a window landed): one read, no lease. For the preflight's gap since the last success.
   */
  async readRecordedProgress(explores: readonly string[]): Promise<Map<string, RecordedProgress>> {
    if (explores.length === 0) return new Map();
    const refs = explores.map((explore) => this.#progressDoc(explore));
    const snapshots = await this.#bounded('reading export progress', this.firestore.getAll(...refs));
    const recorded = new Map<string, RecordedProgress>();
    snapshots.forEach((snapshot, i) => {
      const doc = snapshot.data() as ProgressDoc | undefined;
      if (doc) recorded.set(explores[i]!, { ...toProgress(doc), updatedAt: doc.updatedAt.toDate() });
    });
    return recorded;
  }

  /**
   * Records a loaded window: sets the initial-load flag and moves the watermark forward (never
   * back), only if `runId` still holds an unexpired lease. A commit that lands after this call
   * timed out is harmless: the window was loaded, and the transaction re-checked the lease.
   */
  async recordWindow(
    runId: string,
    explore: string,
    update: { initialLoadDone?: boolean; watermark: Date; window: string },
    now = new Date(),
    backfill?: BackfillRange,
  ): Promise<ExploreProgress> {
    return this.#transaction('recording export progress', async (tx) => {
      const [leaseHolder, current] = await Promise.all([
        tx.get(this.#leaseDoc(explore)),
        tx.get(this.#progressDoc(explore, backfill)),
      ]);
      const lease = leaseHolder.get('lease') as LeaseDoc | undefined;
      if (lease?.holder !== runId || lease.expiresAt.toMillis() <= now.getTime()) {
        throw new ConflictError(`Run ${runId} no longer holds the lease; its progress was not recorded`);
      }
      const progress = toProgress(current.data() as ProgressDoc | undefined);
      const watermark =
        progress.watermark && progress.watermark > update.watermark ? progress.watermark : update.watermark;
      const doc: ProgressDoc = {
        initialLoadDone: progress.initialLoadDone || (update.initialLoadDone ?? false),
        watermark: Timestamp.fromDate(watermark),
        lastRunId: runId,
        lastWindow: update.window,
        updatedAt: Timestamp.fromDate(now),
      };
      tx.set(this.#progressDoc(explore, backfill), doc);
      return toProgress(doc);
    });
  }

  #progressDoc(explore: string, backfill?: BackfillRange): DocumentReference {
    if (backfill)
      return this.#instanceDoc.collection('backfills').doc(`${explore}_${backfill.from}_${backfill.to}`);
    return this.#instanceDoc.collection('explores').doc(explore);
  }

  /**
   * Runs a transaction bounded by the store's timeout. `deadline` (epoch ms) is when the caller
   * stops waiting; `onLateSuccess` runs if the transaction commits after that anyway.
   */
  async #transaction<T>(
    what: string,
    body: (tx: FirebaseFirestore.Transaction, deadline: number) => Promise<T>,
    onLateSuccess?: () => Promise<unknown>,
  ): Promise<T> {
    const deadline = Date.now() + this.#timeoutMs;
    const attempt = this.firestore.runTransaction((tx) => body(tx, deadline), { maxAttempts: 5 });
    return this.#bounded(what, attempt, onLateSuccess);
  }

  async #bounded<T>(what: string, attempt: Promise<T>, onLateSuccess?: () => Promise<unknown>): Promise<T> {
    try {
      return await pTimeout(attempt, { milliseconds: this.#timeoutMs });
    } catch (error) {
      if (error instanceof ConflictError || error instanceof ConfigError) throw error;
      if (error instanceof TimeoutError) {
        // The abandoned attempt goes on in the client; observe its end so a late failure is
        // not an unhandled rejection, and undo a late success.
        attempt.then(
          () => onLateSuccess?.().catch(() => undefined),
          () => undefined,
        );
        throw new DependencyError(
          'firestore',
          `Firestore ${what} failed: no answer within ${this.#timeoutMs / 1000} s (is Firestore reachable?)`,
          true,
          { cause: error },
        );
      }
      throw firestoreError(what, error);
    }
  }
}

/**
 * A lease blocks other runs until it expires, unless it was committed after its claim deadline:
 * then the run that asked for it had already given up and never runs under it.
 */
function isLive(lease: LeaseDoc, now: Date): boolean {
  if (lease.expiresAt.toMillis() <= now.getTime()) return false;
  const landedLate =
    lease.claimDeadline !== undefined &&
    lease.committedAt !== undefined &&
    lease.committedAt.toMillis() > lease.claimDeadline.toMillis() + CLOCK_SKEW_MS;
  return !landedLate;
}

function toProgress(doc: ProgressDoc | undefined): ExploreProgress {
  return {
    initialLoadDone: doc?.initialLoadDone ?? false,
    watermark: doc?.watermark ? doc.watermark.toDate() : null,
  };
}

/** Firestore ids may not contain `/` nor be `.`/`..`/`__x__`; instance names are host-like anyway. */
function documentId(instance: string): string {
  return encodeURIComponent(instance).replace(/\./g, '%2E');
}

function firestoreError(what: string, error: unknown): DependencyError {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  // gRPC ABORTED, UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, INTERNAL
  const transient = typeof code !== 'number' || [4, 8, 10, 13, 14].includes(code);
  return new DependencyError('firestore', `Firestore ${what} failed: ${message}`, transient, {
    cause: error,
  });
}

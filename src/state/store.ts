import { Timestamp, type Firestore, type DocumentReference } from '@google-cloud/firestore';
import { ConflictError, DependencyError } from '../errors.js';
import type { ExploreProgress } from '../pipeline/windows.js';

interface LeaseDoc {
  holder: string;
  acquiredAt: Timestamp;
  expiresAt: Timestamp;
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
 * the initial-load flag and the watermark. Progress is written only inside a transaction that
 * also checks this run still holds the lease, so a run that lost its lease (it ran past its
 * expiry and another run took over) can never move state.
 */
export class StateStore {
  readonly #instanceDoc: DocumentReference;

  constructor(
    private readonly firestore: Firestore,
    collection: string,
    instance: string,
  ) {
    this.#instanceDoc = firestore.collection(collection).doc(documentId(instance));
  }

  /** Takes the instance's lease for `ttlMs`, or throws ConflictError naming the holder. */
  async acquireLease(runId: string, ttlMs: number, now = new Date()): Promise<void> {
    await this.#transaction('acquiring the run lease', async (tx) => {
      const snapshot = await tx.get(this.#instanceDoc);
      const lease = snapshot.get('lease') as LeaseDoc | undefined;
      if (lease && lease.holder !== runId && lease.expiresAt.toMillis() > now.getTime()) {
        throw new ConflictError(
          `Another export run (${lease.holder}) holds the lease until ${lease.expiresAt.toDate().toISOString()}; this call did nothing`,
        );
      }
      const next: LeaseDoc = {
        holder: runId,
        acquiredAt: Timestamp.fromDate(now),
        expiresAt: Timestamp.fromMillis(now.getTime() + ttlMs),
      };
      tx.set(this.#instanceDoc, { lease: next }, { merge: true });
    });
  }

  /** Gives the lease back if this run still holds it. */
  async releaseLease(runId: string): Promise<void> {
    await this.#transaction('releasing the run lease', async (tx) => {
      const snapshot = await tx.get(this.#instanceDoc);
      const lease = snapshot.get('lease') as LeaseDoc | undefined;
      if (lease?.holder === runId) tx.update(this.#instanceDoc, { lease: null });
    });
  }

  async readProgress(explore: string): Promise<ExploreProgress> {
    try {
      const snapshot = await this.#progressDoc(explore).get();
      return toProgress(snapshot.data() as ProgressDoc | undefined);
    } catch (error) {
      throw firestoreError('reading export progress', error);
    }
  }

  /**
   * Records a loaded window: sets the initial-load flag and moves the watermark forward (never
   * back), only if `runId` still holds an unexpired lease.
   */
  async recordWindow(
    runId: string,
    explore: string,
    update: { initialLoadDone?: boolean; watermark: Date; window: string },
    now = new Date(),
  ): Promise<ExploreProgress> {
    return this.#transaction('recording export progress', async (tx) => {
      const [instance, current] = await Promise.all([
        tx.get(this.#instanceDoc),
        tx.get(this.#progressDoc(explore)),
      ]);
      const lease = instance.get('lease') as LeaseDoc | undefined;
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
      tx.set(this.#progressDoc(explore), doc);
      return toProgress(doc);
    });
  }

  #progressDoc(explore: string): DocumentReference {
    return this.#instanceDoc.collection('explores').doc(explore);
  }

  async #transaction<T>(what: string, body: (tx: FirebaseFirestore.Transaction) => Promise<T>): Promise<T> {
    try {
      return await this.firestore.runTransaction(body, { maxAttempts: 5 });
    } catch (error) {
      if (error instanceof ConflictError) throw error;
      throw firestoreError(what, error);
    }
  }
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

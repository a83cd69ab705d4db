/**
 * A run's database writes, made in the background and in order, so the run never waits for
 * its database: the store opens while the engine works, and each write follows the one
 * before. Every database call is bounded (`database-timeouts.ts`); the first failure stops the
 * writes after it (the stored run would miss a part) and is kept in `failure`, and the caller
 * points the user at `kitt storage import DIR`, since the results folder has everything.
 * After an interrupt the queue has INTERRUPT_GRACE_MS to record how the run ended, then gives
 * up and closes the database, so Ctrl+C never waits on a server that does not answer.
 */
import { KittError } from "../errors.js";
import { formatSeconds } from "./database-timeouts.js";
import type { ResultsStore } from "./results-store.js";

const INTERRUPT_GRACE_MS = 2_000;

export class StoreQueue implements AsyncDisposable {
  /** The first error; once set, nothing more is written. */
  failure: unknown;
  private store: ResultsStore | undefined;
  private tail: Promise<void>;
  /** Aborted to close the store at once, pending calls included. */
  private readonly closer = new AbortController();

  constructor(
    open: (signal: AbortSignal) => Promise<ResultsStore>,
    private readonly interrupt: AbortSignal,
  ) {
    this.tail = open(this.closer.signal).then(
      (store) => {
        this.store = store;
      },
      (error: unknown) => this.fail(error),
    );
  }

  /** Runs `write` once everything queued before it is done, unless something failed. */
  enqueue(write: (store: ResultsStore) => Promise<unknown>): void {
    this.tail = this.tail.then(async () => {
      if (this.failure !== undefined || this.store === undefined) return;
      try {
        await write(this.store);
      } catch (error) {
        this.fail(error);
      }
    });
  }

  /** Waits for every queued write: until they end, or, once interrupted, at most INTERRUPT_GRACE_MS. */
  async drain(): Promise<void> {
    const stop = new AbortController();
    const grace = new Promise<"late">((resolve) => {
      const start = (): void => {
        const timer = setTimeout(() => resolve("late"), INTERRUPT_GRACE_MS);
        stop.signal.addEventListener("abort", () => clearTimeout(timer));
      };
      if (this.interrupt.aborted) start();
      else this.interrupt.addEventListener("abort", start, { once: true, signal: stop.signal });
    });
    try {
      if ((await Promise.race([this.tail, grace])) !== "late") return;
    } finally {
      stop.abort();
    }
    this.fail(new KittError("STORAGE_FAILED", `the database did not answer within ${formatSeconds(INTERRUPT_GRACE_MS)} of the interrupt`));
    this.closer.abort(this.failure);
    await this.tail;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.drain();
    await this.store?.close();
  }

  private fail(error: unknown): void {
    this.failure ??= error;
  }
}

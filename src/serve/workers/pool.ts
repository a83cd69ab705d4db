/**
 * The main thread's side of a multi-threaded run: starts one worker per share, starts them all
 * on the same absolute run clock, hands their records on as they arrive, and relays stops.
 */
import type { Worker } from "node:worker_threads";
import { KittError } from "../../errors.js";
import type { EventLoopDelay } from "../dispatch/client-stats.js";
import type { DispatchCounts, StopReason } from "../dispatch/loop.js";
import type { RequestRecord } from "../types.js";
import type { FromWorker, ToWorker, WorkerSetup } from "./messages.js";
import { spawnLoadWorker } from "./spawn.js";

export interface WorkerRunResult {
  /** The first reason a worker gave, unless `stop` was called first. */
  reason: StopReason;
  lastFinishMs: number;
  delays: EventLoopDelay[];
}

interface WorkerState {
  worker: Worker;
  counts: DispatchCounts;
  done?: { reason: StopReason; delay: EventLoopDelay };
}

export class WorkerPool {
  private stopReason: Exclude<StopReason, "completed"> | undefined;

  private constructor(private readonly states: WorkerState[]) {}

  /** Starts a worker per share and waits until every one is ready to send. */
  static async start(shares: WorkerSetup[]): Promise<WorkerPool> {
    const states = shares.map((setup) => ({
      worker: spawnLoadWorker(setup),
      counts: { sent: 0, finished: 0, inFlight: 0, lastFinishMs: 0 },
    }));
    try {
      await Promise.all(states.map((state) => firstMessage(state.worker, "ready")));
    } catch (error) {
      await Promise.all(states.map((state) => state.worker.terminate()));
      throw error;
    }
    return new WorkerPool(states);
  }

  /** Runs every share; records reach `onRecord` in batches as workers post them. */
  run(runStartMonotonicMs: number, onRecord: (record: RequestRecord) => void): Promise<WorkerRunResult> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (error: Error): void => {
        if (settled) return;
        settled = true;
        void this.terminate();
        reject(error);
      };
      const maybeDone = (): void => {
        if (settled || !this.states.every((state) => state.done !== undefined)) return;
        settled = true;
        const dones = this.states.map((state) => state.done as NonNullable<WorkerState["done"]>);
        resolve({
          reason: this.stopReason ?? dones.find((done) => done.reason !== "completed")?.reason ?? "completed",
          lastFinishMs: Math.max(0, ...this.states.map((state) => state.counts.lastFinishMs)),
          delays: dones.map((done) => done.delay),
        });
      };
      for (const state of this.states) {
        state.worker.on("message", (message: FromWorker) => {
          if (message.type === "records") {
            state.counts = message.counts;
            for (const record of message.records) onRecord(record);
          } else if (message.type === "done") {
            state.counts = message.counts;
            state.done = { reason: message.reason, delay: message.delay };
            maybeDone();
          } else if (message.type === "failed") {
            fail(new KittError("BENCHMARK_FAILED", `a load-generator worker failed: ${message.message}`));
          }
        });
        state.worker.on("error", (error) => fail(new KittError("BENCHMARK_FAILED", `a load-generator worker failed: ${error.message}`, { cause: error })));
        state.worker.on("exit", (code) => {
          if (state.done === undefined) fail(new KittError("BENCHMARK_FAILED", `a load-generator worker exited early (code ${code})`));
        });
        state.worker.postMessage({ type: "start", runStartMonotonicMs } satisfies ToWorker);
        // A stop that came before the start was ignored by the worker; repeat it.
        if (this.stopReason) state.worker.postMessage({ type: "stop", reason: this.stopReason } satisfies ToWorker);
      }
    });
  }

  /** Tells every worker to stop sending and abort what it has in flight. */
  stop(reason: Exclude<StopReason, "completed">): void {
    if (this.stopReason !== undefined) return;
    this.stopReason = reason;
    for (const state of this.states) state.worker.postMessage({ type: "stop", reason } satisfies ToWorker);
  }

  /** Totals over the workers, as of their latest report. */
  counts(): DispatchCounts {
    const total = { sent: 0, finished: 0, inFlight: 0, lastFinishMs: 0 };
    for (const { counts } of this.states) {
      total.sent += counts.sent;
      total.finished += counts.finished;
      total.inFlight += counts.inFlight;
      total.lastFinishMs = Math.max(total.lastFinishMs, counts.lastFinishMs);
    }
    return total;
  }

  async terminate(): Promise<void> {
    await Promise.all(this.states.map((state) => state.worker.terminate()));
  }
}

function firstMessage(worker: Worker, type: FromWorker["type"]): Promise<void> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: FromWorker): void => {
      if (message.type !== type) return;
      cleanup();
      resolve();
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(new KittError("BENCHMARK_FAILED", `a load-generator worker failed to start: ${error.message}`, { cause: error }));
    };
    const onExit = (code: number): void => {
      cleanup();
      reject(new KittError("BENCHMARK_FAILED", `a load-generator worker exited while starting (code ${code})`));
    };
    const cleanup = (): void => {
      worker.off("message", onMessage);
      worker.off("error", onError);
      worker.off("exit", onExit);
    };
    worker.on("message", onMessage);
    worker.on("error", onError);
    worker.on("exit", onExit);
  });
}

/**
 * Storing a run in the database as it goes, beside its results folder. The database is a
 * second copy, opened and written in the background (`StoreQueue`): the run never waits for
 * it, and when it cannot be reached, does not answer, or a write fails, the run goes on, the
 * folder keeps everything, and kitt says how to import the folder later.
 */
import { describeError } from "../errors.js";
import type { HardwareFingerprint } from "../hardware/types.js";
import { kittVersion } from "../package-root.js";
import type { ResultsFolder } from "../results/results-folder.js";
import { databaseTimeouts } from "../store/database-timeouts.js";
import { folderRecord } from "../store/folder-record.js";
import { openStore } from "../store/results-store.js";
import { serveRunMeta } from "../store/serve-record.js";
import { StoreQueue } from "../store/store-queue.js";
import { StoreSink, storeFailureHint } from "../store/store-sink.js";
import { describeStoreLocation, resolveStoreLocation } from "../store/store-url.js";

/** A database URL or path, `undefined` for the default (KITT_DB_URL, then ~/.kitt/kitt.db), or false for none. */
export type StoreChoice = string | undefined | false;

interface Warner {
  warn?(message: string): void;
}

/** Refuses, before anything starts, a database setting kitt cannot use (an unknown URL scheme, a bad timeout). */
export function checkStoreChoice(choice: StoreChoice): void {
  if (choice === false) return;
  resolveStoreLocation(choice);
  databaseTimeouts();
}

/**
 * The database a run writes while it goes. Disposing waits for the writes (bounded), tells
 * the user once if the database missed anything and how to import the folder, and closes it.
 */
class LiveStore implements AsyncDisposable {
  readonly queue: StoreQueue;
  private readonly description: string;

  constructor(
    choice: string | undefined,
    private readonly dir: string,
    signal: AbortSignal,
    private readonly reporter: Warner | undefined,
  ) {
    this.description = describeStoreLocation(resolveStoreLocation(choice));
    this.queue = new StoreQueue((closer) => openStore({ url: choice, signal: closer }), signal);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.queue[Symbol.asyncDispose]();
    if (this.queue.failure !== undefined) this.reporter?.warn?.(storeFailureHint(this.dir, this.description, describeError(this.queue.failure)));
  }
}

export interface StoredRun extends AsyncDisposable {
  sink: StoreSink;
}

/** A `kitt run`: its tests are stored as the suite reports them, through `sink`. */
export function openResultsStore(
  choice: StoreChoice,
  folder: ResultsFolder,
  meta: { runId: string; model: string; engine: string; runtime: string; hardware: HardwareFingerprint; signal: AbortSignal; reporter?: Warner },
): StoredRun | undefined {
  if (choice === false) return undefined;
  const live = new LiveStore(choice, folder.dir, meta.signal, meta.reporter);
  const sink = new StoreSink({
    queue: live.queue,
    runId: meta.runId,
    resultsDir: folder.dir,
    meta: {
      model: meta.model,
      engine: meta.engine,
      runtime: meta.runtime,
      engineVersion: folder.configFile.engine.version ?? null,
      imageDigest: folder.configFile.engine.image_digest ?? null,
      kittVersion: kittVersion(),
    },
    configFile: folder.configFile,
    hardware: meta.hardware,
    metricsSnapshot: () => folder.snapshot(),
  });
  return { sink, [Symbol.asyncDispose]: () => live[Symbol.asyncDispose]() };
}

/**
 * A `kitt bench serve`, stored `running` from its start and finished from its folder. Disposed
 * without `complete()`, the run stopped early: it is stored `interrupted` after an interrupt,
 * else `failed`.
 */
export interface StoredServe extends AsyncDisposable {
  /** `serve.json` is written: stores the folder as an import would read it (`folderRecord`). */
  complete(): void;
}

/** Begins storing a serving run whose folder `dir` holds its `config.json` (with `runId`) and `hardware.json`. */
export function openServeStore(
  choice: StoreChoice,
  run: { runId: string; dir: string; configText: string; hardwareText: string; signal: AbortSignal; reporter?: Warner },
): StoredServe | undefined {
  if (choice === false) return undefined;
  const live = new LiveStore(choice, run.dir, run.signal, run.reporter);
  const meta = serveRunMeta({ name: "serve.json", configText: run.configText, hardwareText: run.hardwareText });
  live.queue.enqueue((store) => store.beginRun({ ...meta, id: run.runId, live: true, resultsDir: run.dir }));
  let completed = false;
  return {
    complete() {
      completed = true;
      live.queue.enqueue(async (store) => {
        const record = await folderRecord(run.dir);
        if (!record) throw new Error(`${run.dir} is no longer a results folder`);
        for (const test of record.tests) await store.recordTest(run.runId, test);
        await store.finishRun(run.runId, { ...record.end, finishedAt: Date.now(), documents: record.meta.documents });
      });
    },
    async [Symbol.asyncDispose]() {
      if (!completed) {
        const interrupted = run.signal.aborted;
        const stopReason = interrupted ? describeError(run.signal.reason) : "kitt bench serve stopped before it wrote serve.json";
        live.queue.enqueue((store) => store.finishRun(run.runId, { status: interrupted ? "interrupted" : "failed", passed: false, stopReason }));
      }
      await live[Symbol.asyncDispose]();
    },
  };
}

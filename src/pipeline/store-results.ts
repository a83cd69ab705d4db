/**
 * Storing a run's results in the database as the run goes, beside the results folder. The
 * database is a second copy: when it cannot be opened or a write fails, the run goes on, the
 * folder keeps everything, and kitt says how to import the folder later.
 */
import type { HardwareFingerprint } from "../hardware/types.js";
import { describeError } from "../errors.js";
import { kittVersion } from "../package-root.js";
import type { ResultsFolder } from "../report/results-folder.js";
import { openStore } from "../store/results-store.js";
import { StoreSink, storeFailureHint } from "../store/store-sink.js";

/** A database URL or path, `undefined` for the default (KITT_DB_URL, then ~/.kitt/kitt.db), or false for none. */
export type StoreChoice = string | undefined | false;

export interface StoredRun extends AsyncDisposable {
  sink: StoreSink;
  /** Tells the user, once, if the database missed anything and how to import the folder. */
  reportFailure(): void;
}

export async function openResultsStore(
  choice: StoreChoice,
  folder: ResultsFolder,
  meta: { model: string; engine: string; runtime: string; hardware: HardwareFingerprint; reporter?: { warn?(message: string): void } },
): Promise<StoredRun | undefined> {
  if (choice === false) return undefined;
  let store: Awaited<ReturnType<typeof openStore>>;
  try {
    store = await openStore({ url: choice });
  } catch (error) {
    meta.reporter?.warn?.(storeFailureHint(folder.dir, choice ?? "the results database", describeError(error)));
    return undefined;
  }
  const sink = new StoreSink({
    store,
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
  return {
    sink,
    reportFailure() {
      if (sink.failure !== undefined) meta.reporter?.warn?.(storeFailureHint(folder.dir, store.description, sink.failure));
    },
    async [Symbol.asyncDispose]() {
      await store.close();
    },
  };
}

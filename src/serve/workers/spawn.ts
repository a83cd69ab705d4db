/**
 * Starts a load-generator worker thread. Built kitt runs `entry.js` beside this file in
 * `dist/`. From TypeScript sources the worker is a small bootstrap that registers tsx inside the
 * thread first: on Node 20 a loader given to the main thread does not reach worker threads.
 */
import { Worker } from "node:worker_threads";
import type { WorkerSetup } from "./messages.js";
import { runsFromSources, tsxEsmApiUrl } from "./tsx-loader.js";

export function spawnLoadWorker(setup: WorkerSetup): Worker {
  if (!runsFromSources(import.meta.url)) return new Worker(new URL("./entry.js", import.meta.url), { workerData: setup });
  const entry = new URL("./entry.ts", import.meta.url).href;
  const bootstrap = `import(${JSON.stringify(tsxEsmApiUrl())}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  // No inherited execArgv: a `--import tsx` from the parent would register a second loader on newer Node versions.
  return new Worker(bootstrap, { eval: true, workerData: setup, execArgv: [] });
}

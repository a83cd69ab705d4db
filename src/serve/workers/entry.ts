/**
 * A load-generator worker thread: sends its share of the run through its own connection pool,
 * on the same absolute clock as the other threads, and posts the records back in batches.
 */
import { parentPort, workerData, type MessagePort } from "node:worker_threads";
import { KittError } from "../../errors.js";
import { EventLoopDelayMonitor } from "../dispatch/client-stats.js";
import { monotonicToPerformance } from "../dispatch/clock.js";
import { DispatchLoop } from "../dispatch/loop.js";
import { RequestSender } from "../dispatch/request-sender.js";
import type { RequestRecord } from "../types.js";
import type { FromWorker, ToWorker, WorkerSetup } from "./messages.js";

/** Records are posted in batches of this many, or after this long, whichever comes first. */
const BATCH_RECORDS = 256;
const BATCH_MS = 20;

const port = workerPort();
const setup = workerData as WorkerSetup;
const post = (message: FromWorker): void => port.postMessage(message);

const sender = new RequestSender(setup.sender);
const delay = new EventLoopDelayMonitor();
let loop: DispatchLoop | undefined;
let batch: RequestRecord[] = [];
let batchTimer: NodeJS.Timeout | undefined;

function flush(): void {
  if (batchTimer !== undefined) clearTimeout(batchTimer);
  batchTimer = undefined;
  if (batch.length === 0 || loop === undefined) return;
  post({ type: "records", records: batch, counts: loop.counts() });
  batch = [];
}

function collect(record: RequestRecord): void {
  batch.push(record);
  if (batch.length >= BATCH_RECORDS) flush();
  else batchTimer ??= setTimeout(flush, BATCH_MS);
}

async function run(runStartMonotonicMs: number): Promise<void> {
  loop = new DispatchLoop(
    { indices: setup.indices, requests: setup.requests, schedule: setup.schedule },
    {
      runStart: monotonicToPerformance(runStartMonotonicMs),
      maxConcurrency: setup.maxConcurrency,
      paced: setup.paced,
      durationMs: setup.durationMs,
    },
    sender,
    collect,
  );
  const reason = await loop.run();
  flush();
  await sender.close();
  post({ type: "done", reason, counts: loop.counts(), delay: delay.stop() });
  port.close();
}

port.on("message", (message: ToWorker) => {
  if (message.type === "start") {
    run(message.runStartMonotonicMs).catch((error: unknown) => post({ type: "failed", message: String(error) }));
  } else {
    loop?.stop(message.reason);
  }
});
post({ type: "ready" });

function workerPort(): MessagePort {
  if (parentPort === null) throw new KittError("INTERNAL", "serve/workers/entry runs only as a worker thread");
  return parentPort;
}

/**
 * A worker thread that hashes one large file as it downloads, so the hashing runs beside the
 * thread that moves the bytes. It is told how far the file is written (`{frontier}`) and answers
 * once with `{mismatch}` (undefined: the bytes match).
 */
import { parentPort, workerData } from "node:worker_threads";
import { hashAsWritten, type HashTarget } from "./hash-as-written.js";

let frontier = 0;
let wake: (() => void) | undefined;
parentPort!.on("message", (message: { frontier: number }) => {
  frontier = message.frontier;
  wake?.();
});
void hashAsWritten(
  workerData as HashTarget,
  () => frontier,
  () => new Promise<void>((resolve) => (wake = resolve)),
).then((mismatch) => {
  parentPort!.postMessage({ mismatch });
  parentPort!.close();
});

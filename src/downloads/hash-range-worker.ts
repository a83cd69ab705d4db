/** A worker thread of `HashPool`: answers each `{path, start, end}` with `{digest}` or `{error}`. */
import { parentPort } from "node:worker_threads";
import { md5OfRange, type HashRange } from "./hash-range.js";

parentPort!.on("message", (task: HashRange) => {
  md5OfRange(task).then(
    (digest) => parentPort!.postMessage({ digest }),
    (error: unknown) => parentPort!.postMessage({ error: (error as Error).message }),
  );
});

import pc from "picocolors";
import { downloadModel } from "../../downloads/model-download.js";
import type { DownloadProgress } from "../../downloads/download-tree.js";
import { formatBytes } from "../../results/metric-format.js";
import { shutdownSignal } from "../../runtime/lifecycle.js";
import type { MODELS_DOWNLOAD_OPTIONS } from "../options/models.js";
import type { OptionsOf } from "../options/table.js";
import { progressLine, success } from "../ui.js";

/** `kitt models download URI -o DIR`: a model from Hugging Face, S3, OBS, a volume or a path, verified, placed atomically. */
export async function modelsDownloadCommand(uri: string, options: OptionsOf<typeof MODELS_DOWNLOAD_OPTIONS>): Promise<void> {
  const line = progressLine(2_000);
  const started = performance.now();
  const result = await downloadModel(uri, options.output, {
    include: options.include,
    exclude: options.exclude,
    ...(options.revision === undefined ? {} : { revision: options.revision }),
    concurrency: options.concurrency,
    partSize: options.partSize * 1024 * 1024,
    signal: shutdownSignal,
    onProgress: (progress) => line.update(describeProgress(uri, progress, started)),
  }).finally(() => line.done(""));
  const seconds = (performance.now() - started) / 1000;
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ ...result, seconds: Number(seconds.toFixed(3)) }, null, 2)}\n`);
    return;
  }
  if (result.alreadyComplete) {
    success(`${result.dest} already holds ${files(result.files)} (${formatBytes(result.bytes)}) from ${result.source}`);
    return;
  }
  const kept = result.bytes - result.bytesFetched;
  success(
    `${files(result.files)} (${formatBytes(result.bytes)}) from ${result.source} verified in ${result.dest}, ${seconds.toFixed(1)} s` +
      (kept > 0 ? pc.dim(` (${formatBytes(kept)} kept from an earlier run)`) : ""),
  );
}

function files(count: number): string {
  return `${count} file${count === 1 ? "" : "s"}`;
}

function describeProgress(uri: string, progress: DownloadProgress, started: number): string {
  if (progress.waitingForPid !== undefined) return `waiting for another download into the same folder (pid ${progress.waitingForPid})`;
  const percent = progress.bytesTotal === 0 ? 100 : Math.floor((progress.bytesDone / progress.bytesTotal) * 100);
  const rate = progress.bytesDone / Math.max(0.001, (performance.now() - started) / 1000);
  return `${uri}: ${formatBytes(progress.bytesDone)} of ${formatBytes(progress.bytesTotal)} (${percent}%), ${progress.filesDone}/${progress.filesTotal} files, ${formatBytes(rate)}/s`;
}

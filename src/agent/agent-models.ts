/**
 * Models on an agent, around its jobs: a job's model found in the model directory or copied from
 * the configured share, the copy's progress sent as the job's own log lines and progress events
 * (at most one a second, the last always); the copy deleted once the run ended when
 * `auto_cleanup` is on (by the restarted agent when the run ended in a crash); and `cleanup_storage`, which deletes copies no running job uses.
 */
import { describeError } from "../errors.js";
import { formatBytes } from "../results/metric-format.js";
import type { AgentJobEvent } from "../server/agents/agent-protocol.js";
import type { AgentConfig } from "./agent-config.js";
import type { CommandResult } from "./agent-client.js";
import type { AgentJob } from "./agent-state.js";
import type { RemovedCopy } from "./copied-models.js";
import type { ModelShare } from "./model-share.js";
import { cleanupCopiedModels, listCopiedModels, normalizeModelReference, resolveAgentModel, type AgentModel } from "./model-source.js";

/** A job event before the executor numbers it. */
export type JobEventBody = AgentJobEvent extends infer E ? (E extends unknown ? Omit<E, "seq"> : never) : never;

/** The share `agent.yaml` names: the NFS export `share_source`, mounted at `share_mount` when it is not; or the folder `share_mount` alone. */
export function configuredShare(config: Pick<AgentConfig, "share_source" | "share_mount">): ModelShare | undefined {
  if (config.share_mount === undefined) return undefined;
  return config.share_source === undefined ? { mount: config.share_mount } : { mount: config.share_mount, source: config.share_source, autoMount: true };
}

export interface JobModelOptions {
  modelDir: string;
  share?: ModelShare;
  signal?: AbortSignal;
  /** Takes the copy's log lines and progress as the job's events. */
  emit(event: JobEventBody): void;
  /** The least time between two progress events (default 1 s). */
  progressEveryMs?: number;
}

/** The job's model (`reference`, relative to the model directory), copied from the share when the model directory lacks it. */
export async function provideJobModel(reference: string, options: JobModelOptions): Promise<AgentModel> {
  const every = options.progressEveryMs ?? 1000;
  const started = Date.now();
  let lastSent: number | undefined;
  const model = await resolveAgentModel(reference, {
    modelDir: options.modelDir,
    share: options.share,
    signal: options.signal,
    onProgress: ({ bytesDone, bytesTotal }) => {
      const now = Date.now();
      if (lastSent === undefined) options.emit(log(`copying model ${reference} from the share ${options.share?.mount ?? ""} (${formatBytes(bytesTotal)})`));
      else if (bytesDone < bytesTotal && now - lastSent < every) return;
      lastSent = now;
      options.emit(copyProgress(reference, bytesDone, bytesTotal));
    },
  });
  if (model.copied) {
    options.emit(log(`copied model ${model.relative} in ${((Date.now() - started) / 1000).toFixed(1)} s; size and SHA-256 match the share`));
  }
  return model;
}

/** What the browser's progress bar shows of a copy: percent done, and the bytes in the message. */
export function copyProgress(reference: string, bytesDone: number, bytesTotal: number): JobEventBody {
  const percent = bytesTotal === 0 ? 100 : Math.floor((bytesDone * 100) / bytesTotal);
  const message = `copying model ${reference} … ${percent} % (${formatBytes(bytesDone)} of ${formatBytes(bytesTotal)})`;
  return { type: "progress", test: "model", phase: "copying", completed: percent, total: 100, failed: 0, message: message.slice(0, 4096) };
}

/** After the run, whatever its outcome: deletes the model when this job copied it; a failure is a log line, not the job's. */
export async function releaseJobModel(model: AgentModel, modelDir: string, emit: (event: JobEventBody) => void): Promise<void> {
  if (!model.copied) return;
  const { line, failed } = await deleteCopy(modelDir, model.relative);
  emit({ type: "log", stream: failed ? "stderr" : "stdout", line: line.slice(0, 4096) });
}

/** After a crash: deletes the copies that the interrupted `jobs` made; says what it did, line by line. */
export async function releaseInterruptedCopies(jobs: readonly AgentJob[], modelDir: string): Promise<string[]> {
  const said: string[] = [];
  for (const job of jobs) {
    if (job.copied_model !== undefined) said.push(`job ${job.job_id}: ${(await deleteCopy(modelDir, job.copied_model)).line}`);
  }
  return said;
}

async function deleteCopy(modelDir: string, model: string): Promise<{ line: string; failed: boolean }> {
  try {
    const removed = await cleanupCopiedModels(modelDir, model);
    return { line: removed.map((copy) => `auto_cleanup: ${describeRemoved(copy)}`).join("; "), failed: false };
  } catch (error) {
    return { line: `auto_cleanup: the copy of ${model} was not deleted: ${describeError(error)}`, failed: true };
  }
}

/** The model a job names, as copies are named; undefined when it names none or no valid one. */
export function jobModelName(reference: string | undefined): string | undefined {
  if (reference === undefined) return undefined;
  try {
    return normalizeModelReference(reference);
  } catch {
    return undefined;
  }
}

export interface RunningModel {
  jobId: string;
  model: string;
}

/** `cleanup_storage`: one copied model, or every copy but the one the running job uses; says what went and how much was freed. */
export async function cleanupStorage(modelDir: string, model: string | undefined, running: RunningModel | undefined): Promise<CommandResult> {
  try {
    if (model !== undefined && running !== undefined && normalizeModelReference(model) === running.model) {
      return { ok: false, output: `${running.model} is in use by the running job ${running.jobId}; nothing deleted` };
    }
    const inUse = model === undefined && running !== undefined && (await listCopiedModels(modelDir)).includes(running.model);
    const removed = await cleanupCopiedModels(modelDir, model, running === undefined ? [] : [running.model]);
    const lines = removed.map(describeRemoved);
    if (inUse && running) lines.push(`kept the copy of ${running.model}: the running job ${running.jobId} uses it`);
    if (removed.length === 0) return { ok: true, output: [`no copied models to delete in ${modelDir}`, ...lines].join("\n") };
    const freed = removed.reduce((sum, copy) => sum + copy.bytes, 0);
    return { ok: true, output: [...lines, `freed ${formatBytes(freed)} (${freed} bytes) in ${modelDir}`].join("\n") };
  } catch (error) {
    return { ok: false, output: describeError(error) };
  }
}

function describeRemoved(copy: RemovedCopy): string {
  const kept = copy.kept.length === 0 ? "" : `; kept ${copy.kept.join(", ")}: no longer the files copied`;
  return `deleted the copy of ${copy.model} (${formatBytes(copy.bytes)})${kept}`;
}

function log(line: string): JobEventBody {
  return { type: "log", stream: "stdout", line: line.slice(0, 4096) };
}

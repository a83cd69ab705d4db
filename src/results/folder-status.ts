/**
 * Marks the results folder of a run whose kitt process died (`kill -9`, a power cut) as
 * interrupted, as the database marks the run: `metrics.json` and `summary.md` then say
 * `interrupted` instead of `running` for ever. Only a folder that still says `running` and
 * belongs to the run (its `config.json` carries the run's id) is rewritten.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomically, writeJsonAtomically } from "../fs/atomic-file.js";
import type { MetricsFile } from "./metrics-file.js";
import { renderSummaryMarkdown } from "./summary-md.js";

export interface FolderEnd {
  /** Epoch ms: when the run's last completed test ended. */
  finishedAt: number;
  reason: string;
}

/** True when the folder was rewritten. */
export async function markFolderInterrupted(dir: string, runId: string, end: FolderEnd): Promise<boolean> {
  const config = (await readJson(join(dir, "config.json"))) as { run_id?: unknown } | undefined;
  const metrics = (await readJson(join(dir, "metrics.json"))) as MetricsFile | undefined;
  if (config?.run_id !== runId || metrics?.status !== "running") return false;
  const file: MetricsFile = {
    ...metrics,
    status: "interrupted",
    finished_at: new Date(end.finishedAt).toISOString(),
    total_time_seconds: Math.max(0, (end.finishedAt - Date.parse(metrics.timestamp)) / 1000),
    stop_reason: metrics.stop_reason ?? end.reason,
  };
  await writeJsonAtomically(join(dir, "metrics.json"), file);
  await writeFileAtomically(join(dir, "summary.md"), renderSummaryMarkdown(file));
  return true;
}

async function readJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * The engine's CPU and memory over a run: its native process tree or its container, sampled
 * from the moment it is ready. An engine kitt did not start (`--url`) is not watched.
 */
import { ProcessSampler, type ProcessUsageReport } from "../collectors/process-sampler.js";
import type { PreparedEngine } from "../engines/launch.js";

export interface EngineProcessWatch extends AsyncDisposable {
  report(): ProcessUsageReport;
  stop(): Promise<ProcessUsageReport>;
}

export function watchEngineProcess(prepared: PreparedEngine): EngineProcessWatch {
  const pid = prepared.native?.pid;
  const target = prepared.container ? { kind: "container" as const, name: prepared.container.name } : pid === undefined ? undefined : { kind: "pid" as const, pid };
  if (!target) {
    const reason = prepared.runtime === "endpoint" ? "not sampled: kitt did not start this engine (--url)" : "not sampled: the engine has no process to watch";
    const report: ProcessUsageReport = { available: false, reason };
    return { report: () => report, stop: async () => report, [Symbol.asyncDispose]: async () => {} };
  }
  const sampler = new ProcessSampler({ target });
  sampler.start();
  return sampler;
}

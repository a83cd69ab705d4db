/** Checks on the engine CPU and memory samples a real run kept (`engine_process`). */
import { expect } from "vitest";
import type { ProcessUsageReport } from "../../src/collectors/process-sampler.js";

/** Available, from the expected source, with non-zero memory and, where counted, CPU seconds that grew. */
export function checkEngineProcess(usage: ProcessUsageReport | undefined, source: "procfs" | "docker stats"): void {
  if (!usage?.available) throw new Error(`engine_process not sampled: ${usage?.reason ?? "absent"}`);
  expect(usage.source).toBe(source);
  expect(usage.samples.length).toBeGreaterThanOrEqual(2);
  for (const sample of usage.samples) expect(sample.rss_mb).toBeGreaterThan(1);
  expect(usage.peak_rss_mb).toBe(Math.max(...usage.samples.map((s) => s.rss_mb)));
  const times = usage.samples.map((s) => s.t);
  expect(times).toEqual([...times].sort((a, b) => a - b));
  if (source === "procfs") {
    expect(usage.target).toMatch(/^pid \d+$/);
    const cpu = usage.samples.map((s) => s.cpu_s!);
    expect(cpu.every((seconds, i) => i === 0 || seconds >= cpu[i - 1]!)).toBe(true);
    expect(cpu.at(-1)!).toBeGreaterThan(cpu[0]!);
  } else {
    expect(usage.target).toMatch(/^container kitt-/);
  }
}

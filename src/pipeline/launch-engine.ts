/**
 * The start of every run that owns its engine: preflight, hardware fingerprint, engine start
 * and readiness. On any failure after preflight the engine is terminated before the error
 * goes on, so callers only own an engine that is running.
 */
import { prepareEngine, type LaunchOptions, type PreparedEngine } from "../engines/launch.js";
import { collectFingerprint } from "../hardware/fingerprint.js";
import type { HardwareFingerprint } from "../hardware/types.js";

export interface LaunchReporter {
  step?(message: string): void;
  probe?(status: number): void;
  ready?(seconds: number): void;
  warn?(message: string): void;
}

export async function launchEngine(
  options: LaunchOptions,
  signal: AbortSignal,
  reporter?: LaunchReporter,
): Promise<{ prepared: PreparedEngine; hardware: HardwareFingerprint }> {
  const prepared = await prepareEngine({ ...options, signal, onProbe: (status) => reporter?.probe?.(status) });
  const { engine } = prepared;
  try {
    signal.throwIfAborted();
    reporter?.step?.("fingerprinting hardware");
    const hardware = await collectFingerprint();
    signal.throwIfAborted();
    const where = prepared.image ? `${engine.location}, image ${prepared.image.image}` : engine.location;
    reporter?.step?.(`starting ${prepared.spec.name} (${prepared.runtime}: ${where})`);
    const startedAt = performance.now();
    await engine.start(signal);
    reporter?.ready?.((performance.now() - startedAt) / 1000);
    return { prepared, hardware };
  } catch (error) {
    await engine.terminate();
    throw error;
  }
}

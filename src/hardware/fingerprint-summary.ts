/** A fingerprint as short labelled lines for people (the CLI colours and aligns them). */
import type { GpuDevice, GpuSummary, HardwareFingerprint } from "./types.js";

export interface SummaryLine {
  label: string;
  value: string;
}

export const NO_GPU_LINE = "no NVIDIA GPU detected";

export function summarizeFingerprint(fingerprint: HardwareFingerprint, options: { verbose?: boolean } = {}): SummaryLine[] {
  const lines: SummaryLine[] = [{ label: "GPU", value: gpuLine(fingerprint) }];
  if (options.verbose) {
    for (const gpu of fingerprint.gpus) lines.push({ label: `GPU ${gpu.index}`, value: deviceLine(gpu) });
  }
  if (fingerprint.cuda_version || fingerprint.driver_version) {
    const driver = fingerprint.driver_version ? `driver ${fingerprint.driver_version}` : undefined;
    lines.push({ label: "CUDA", value: joined([fingerprint.cuda_version, driver && fingerprint.cuda_version ? `(${driver})` : driver], " ") });
  }
  const { cpu } = fingerprint;
  const counts = cpu.cores === undefined ? `${cpu.threads} threads` : `${cpu.cores} cores / ${cpu.threads} threads`;
  lines.push({ label: "CPU", value: joined([cpu.model ?? "unknown model", counts], ", ") });
  lines.push({ label: "RAM", value: fingerprint.ram_gb === undefined ? "unknown" : `${fingerprint.ram_gb} GB` });
  const { storage } = fingerprint;
  if (storage) {
    const disk = joined([storage.model ?? storage.device, storage.type === "unknown" ? undefined : `(${storage.type})`], " ");
    lines.push({ label: "Storage", value: joined([disk || "unknown disk", `holds ${storage.path}`], ", ") });
  }
  lines.push({ label: "OS", value: joined([fingerprint.os, `kernel ${fingerprint.kernel}`, fingerprint.arch], ", ") });
  lines.push({ label: "Environment", value: fingerprint.environment_type });
  return lines;
}

function gpuLine(fingerprint: HardwareFingerprint): string {
  const { gpu } = fingerprint;
  if (!gpu) {
    const reason = fingerprint.gpu_unavailable_reason;
    return reason ? `${NO_GPU_LINE} (${reason})` : NO_GPU_LINE;
  }
  const memory = gpu.vram_gb === undefined ? undefined : `${gpu.vram_gb} GB${gpu.unified_memory ? " unified memory" : ""}`;
  const compute = gpu.compute_capability ? `compute ${gpu.compute_capability}` : undefined;
  return joined([gpuCountLabel(gpu), memory, compute], ", ");
}

/** "2 × NVIDIA H100 80GB HBM3". */
export function gpuCountLabel(gpu: Pick<GpuSummary, "count" | "model">): string {
  return `${gpu.count} × ${gpu.model}`;
}

function deviceLine(gpu: GpuDevice): string {
  const memory =
    gpu.memory_total_gb === undefined ? undefined : `${gpu.memory_used_gb ?? "?"} / ${gpu.memory_total_gb} GB used`;
  return joined([gpu.name, memory, gpu.uuid], ", ");
}

function joined(parts: readonly (string | undefined)[], separator: string): string {
  return parts.filter((part): part is string => Boolean(part)).join(separator);
}

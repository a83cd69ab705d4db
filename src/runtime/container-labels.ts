/**
 * The labels on every container kitt starts: `kitt.managed=true`, the engine, and the owner
 * (`kitt.owner.*`: pid, start time, boot id, pid namespace, host), so that cleanup can tell a
 * live run's container from one a killed kitt left behind.
 */
import { currentOwner, type ProcessOwner } from "./process-owner.js";

export const KITT_LABEL = "kitt.managed";
export const ENGINE_LABEL = "kitt.engine";

export const OWNER_LABELS = {
  pid: "kitt.owner.pid",
  startTime: "kitt.owner.start_time",
  bootId: "kitt.owner.boot_id",
  pidNamespace: "kitt.owner.pid_ns",
  host: "kitt.owner.host",
} as const satisfies Record<keyof ProcessOwner, string>;

/** `--label` values for a container this kitt process starts (the owner is only its pid where /proc cannot tell more). */
export function containerLabels(engineName: string): string[] {
  const owner = currentOwner();
  const ownerValues = owner
    ? (Object.keys(OWNER_LABELS) as Array<keyof ProcessOwner>).map((key) => `${OWNER_LABELS[key]}=${owner[key]}`)
    : [`${OWNER_LABELS.pid}=${process.pid}`];
  return [`${KITT_LABEL}=true`, `${ENGINE_LABEL}=${engineName}`, ...ownerValues];
}

/**
 * The disk that holds kitt's results: `df -P` names the filesystem's source device, and
 * `lsblk -J` (whose tree nests partitions, LVM and dm-crypt volumes under their disk) gives
 * that disk's model and whether it rotates.
 */
import { dirname, resolve } from "node:path";
import { stat } from "node:fs/promises";
import { probeOutput } from "./command-runner.js";
import type { HostProbe } from "./host-probe.js";

/** `virtual` is a paravirtual disk (virtio `vd*`, Xen `xvd*`) whose rotation flag means nothing. */
export type StorageType = "nvme" | "ssd" | "hdd" | "virtual" | "unknown";

export interface StorageInfo {
  /** The directory whose disk this is. */
  path: string;
  mount?: string;
  /** Kernel name of the whole disk, e.g. "nvme0n1". */
  device?: string;
  model?: string;
  type: StorageType;
}

export interface DfEntry {
  source: string;
  mount: string;
}

export function parseDfOutput(text: string): DfEntry | undefined {
  const line = text.split(/\r?\n/).find((candidate, i) => i > 0 && candidate.trim() !== "");
  const match = line === undefined ? null : /^(\S+)\s+\d+\s+\d+\s+\d+\s+\d+%\s+(.+)$/.exec(line.trim());
  return match?.[1] && match[2] ? { source: match[1], mount: match[2] } : undefined;
}

interface LsblkDevice {
  name?: string;
  model?: string | null;
  rota?: boolean | string | null;
  type?: string;
  children?: LsblkDevice[];
}

/** Path of devices from a top-level disk down to the one named, or undefined. */
function findDevicePath(devices: readonly LsblkDevice[], name: string): LsblkDevice[] | undefined {
  for (const device of devices) {
    if (device.name === name) return [device];
    const below = findDevicePath(device.children ?? [], name);
    if (below) return [device, ...below];
  }
  return undefined;
}

const NOT_A_DISK = /^(zram|loop|ram|sr)\d/;

/**
 * The disk under `sourceDevice` (df's source, e.g. "/dev/nvme0n1p2" or "/dev/mapper/vg-root").
 * An overlay or network filesystem (containers) has no block device; when the machine has a
 * single real disk, that disk is the answer.
 */
export function diskForSource(lsblkJson: string, sourceDevice: string | undefined): Omit<StorageInfo, "path" | "mount"> {
  let devices: LsblkDevice[];
  try {
    devices = (JSON.parse(lsblkJson) as { blockdevices?: LsblkDevice[] }).blockdevices ?? [];
  } catch {
    return { type: "unknown" };
  }
  const name = sourceDevice?.startsWith("/dev/") ? sourceDevice.split("/").pop() : undefined;
  let disk = name === undefined ? undefined : findDevicePath(devices, name)?.[0];
  if (!disk) {
    const disks = devices.filter((device) => device.type === "disk" && !NOT_A_DISK.test(device.name ?? ""));
    if (disks.length === 1) disk = disks[0];
  }
  if (!disk?.name) return { type: "unknown" };
  const model = disk.model?.trim() || undefined;
  return { device: disk.name, model, type: storageType(disk) };
}

function storageType(disk: LsblkDevice): StorageType {
  const name = disk.name ?? "";
  if (name.startsWith("nvme")) return "nvme";
  if (/^x?vd[a-z]/.test(name)) return "virtual";
  // util-linux prints ROTA as a JSON boolean since 2.33 and as "0"/"1" before.
  if (disk.rota === false || disk.rota === "0") return "ssd";
  if (disk.rota === true || disk.rota === "1") return "hdd";
  return "unknown";
}

/** `path` itself when it exists, else its nearest existing ancestor (results dirs appear later). */
async function existingAncestor(path: string): Promise<string> {
  let current = resolve(path);
  for (;;) {
    try {
      await stat(current);
      return current;
    } catch {
      const parent = dirname(current);
      if (parent === current) return current;
      current = parent;
    }
  }
}

export async function probeStorage(host: HostProbe, path: string): Promise<StorageInfo | undefined> {
  if (host.platform === "win32") return undefined;
  const target = await existingAncestor(path);
  const dfText = await probeOutput(host.run, "df", ["-P", target]);
  const df = dfText === undefined ? undefined : parseDfOutput(dfText);
  const lsblk = host.platform === "linux" ? await probeOutput(host.run, "lsblk", ["-J", "-o", "NAME,MODEL,ROTA,TYPE,SIZE"]) : undefined;
  const disk = lsblk === undefined ? { type: "unknown" as const } : diskForSource(lsblk, df?.source);
  return { path: target, mount: df?.mount, ...disk };
}

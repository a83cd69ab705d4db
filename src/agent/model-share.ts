/**
 * The share an agent copies models from: a folder (any mounted path works), or an NFS export
 * (`share_source`, e.g. `nfs-server:/export/models`) that belongs at `share_mount`. When the
 * export is not mounted there, the agent mounts it only if asked to; otherwise it says how.
 */
import { realpath, stat } from "node:fs/promises";
import { isAbsolute } from "node:path";
import { KittError } from "../errors.js";
import { lastOutputLine, runHostCommand, type HostCommand } from "./host-command.js";
import { MOUNT_INFO_PATH, mountAt, readMountInfo, type MountEntry } from "./mount-info.js";

export interface ModelShare {
  /** Where the share is (or is to be) mounted: an absolute path. */
  mount: string;
  /** The NFS export, `HOST:/PATH`; without it `mount` is used as the folder it is. */
  source?: string;
  /** Mount `source` at `mount` (`mount -t nfs`) when it is not mounted. */
  autoMount?: boolean;
}

export interface ShareMountOptions {
  run?: HostCommand;
  mountInfoPath?: string;
  timeoutMs?: number;
}

const NFS_SOURCE = /^[A-Za-z0-9[][A-Za-z0-9.:[\]_-]*:\/[^\s]*$/;

/** The share's real path, mounting it first when configured so; a share that cannot be used is a KittError. */
export async function shareRoot(share: ModelShare, options: ShareMountOptions = {}): Promise<string> {
  if (!isAbsolute(share.mount)) throw new KittError("CONFIG_INVALID", `the model share's mount point must be an absolute path, not '${share.mount}'`);
  if (share.source !== undefined && !NFS_SOURCE.test(share.source)) {
    throw new KittError("CONFIG_INVALID", `the model share's source must be an NFS export HOST:/PATH, not '${share.source}'`);
  }
  const root = await existingFolder(share.mount);
  if (share.source === undefined) return root;
  const mountInfoPath = options.mountInfoPath ?? MOUNT_INFO_PATH;
  if (mountAt(await mounts(mountInfoPath), root)) return root;
  if (!share.autoMount) {
    throw new KittError("STORAGE_FAILED", `the model share ${share.source} is not mounted at ${share.mount}: mount it (mount -t nfs ${share.source} ${share.mount}) or let the agent mount it`);
  }
  const run = options.run ?? runHostCommand;
  const result = await run("mount", ["-t", "nfs", share.source, root], { timeoutMs: options.timeoutMs ?? 60_000 });
  if (result.failure !== undefined) {
    throw new KittError("STORAGE_FAILED", `cannot mount the model share ${share.source} at ${share.mount}: ${lastOutputLine(result)}`);
  }
  if (!mountAt(await mounts(mountInfoPath), root)) {
    throw new KittError("STORAGE_FAILED", `mount -t nfs ${share.source} ${share.mount} succeeded, but ${share.mount} is still not a mount point`);
  }
  return root;
}

async function mounts(path: string): Promise<MountEntry[]> {
  return readMountInfo(path).catch((error: NodeJS.ErrnoException) => {
    throw new KittError("PLATFORM_UNSUPPORTED", `cannot tell whether the model share is mounted: ${path} cannot be read (${error.code ?? error.message}); mount it and leave share_source unset`);
  });
}

async function existingFolder(path: string): Promise<string> {
  const real = await realpath(path).catch((error: NodeJS.ErrnoException) => {
    throw new KittError("STORAGE_FAILED", `the model share's folder ${path} does not exist (${error.code ?? error.message})`);
  });
  if (!(await stat(real)).isDirectory()) throw new KittError("STORAGE_FAILED", `the model share's folder ${path} is not a folder`);
  return real;
}

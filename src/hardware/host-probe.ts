/**
 * Everything the fingerprint reads from the machine, in one replaceable object: commands,
 * files, environment and what Node's `os` module reports. Tests swap parts of it to present
 * a recorded machine (a DGX Spark, a multi-GPU server) on a GPU-less one.
 */
import { readFile } from "node:fs/promises";
import os from "node:os";
import { runCommand, type CommandRunner } from "./command-runner.js";

export interface HostProbe {
  run: CommandRunner;
  /** A file's text, or undefined when it is missing or unreadable. */
  readFile(path: string): Promise<string | undefined>;
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  arch: string;
  kernel: string;
  /** Logical CPUs as Node sees them. */
  cpus: readonly { model: string }[];
  totalMemoryBytes: number;
}

async function readTextFile(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch {
    return undefined;
  }
}

export function systemHost(overrides: Partial<HostProbe> = {}): HostProbe {
  return {
    run: runCommand,
    readFile: readTextFile,
    env: process.env,
    platform: process.platform,
    arch: process.arch,
    kernel: os.release(),
    cpus: os.cpus(),
    totalMemoryBytes: os.totalmem(),
    ...overrides,
  };
}

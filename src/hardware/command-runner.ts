/**
 * Hardware probes run small system commands (`nvidia-smi`, `lsblk`, `df`). They go through a
 * `CommandRunner` so tests can replay recorded outputs instead of needing the hardware.
 * A runner never throws: a missing command, a timeout or a non-zero exit is a `failure`.
 */
import { execa } from "execa";

export interface CommandResult {
  stdout: string;
  /** Exit status; undefined when the command could not start or was killed. */
  exitCode?: number;
  /** Why the command did not succeed, e.g. "not found", "timed out after 5000 ms", "exit code 9". */
  failure?: string;
}

export type CommandRunner = (file: string, args: readonly string[], options?: { timeoutMs?: number }) => Promise<CommandResult>;

/** Probes must never hang a fingerprint; a few seconds is plenty for any of them. */
const PROBE_TIMEOUT_MS = 5_000;

export const runCommand: CommandRunner = async (file, args, options = {}) => {
  const timeoutMs = options.timeoutMs ?? PROBE_TIMEOUT_MS;
  try {
    const result = await execa(file, args, { reject: false, timeout: timeoutMs, stdin: "ignore", stripFinalNewline: false });
    const stdout = String(result.stdout ?? "");
    if (result.code === "ENOENT") return { stdout, failure: "not found" };
    if (result.timedOut) return { stdout, failure: `timed out after ${timeoutMs} ms` };
    if (result.exitCode === undefined) return { stdout, failure: result.shortMessage };
    if (result.exitCode !== 0) return { stdout, exitCode: result.exitCode, failure: `exit code ${result.exitCode}` };
    return { stdout, exitCode: 0 };
  } catch (error) {
    return { stdout: "", failure: (error as Error).message };
  }
};

/** The command's stdout when it succeeded, otherwise undefined. */
export async function probeOutput(run: CommandRunner, file: string, args: readonly string[]): Promise<string | undefined> {
  const result = await run(file, args);
  return result.failure === undefined ? result.stdout : undefined;
}

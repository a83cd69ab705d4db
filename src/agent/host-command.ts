/**
 * The host commands an agent runs (`mount`, `systemctl`, `npm`), through one runner type so
 * tests can record the command lines instead of changing the machine. A runner never throws:
 * a missing binary, a timeout or a non-zero exit is a `failure` with the command's own output.
 */
import { execa } from "execa";

export interface HostCommandResult {
  exitCode: number | undefined;
  /** stdout and stderr together, interleaved as printed, final newline removed. */
  output: string;
  /** Why it did not succeed: "not found", "timed out after 60000 ms", "exit code 32". */
  failure?: string;
}

export interface HostCommandOptions {
  timeoutMs?: number;
  /** Added to the agent's environment. */
  env?: Record<string, string>;
  cwd?: string;
}

export type HostCommand = (file: string, args: readonly string[], options?: HostCommandOptions) => Promise<HostCommandResult>;

const DEFAULT_TIMEOUT_MS = 60_000;

export const runHostCommand: HostCommand = async (file, args, options = {}) => {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const result = await execa(file, args, { reject: false, all: true, timeout: timeoutMs, stdin: "ignore", env: options.env, cwd: options.cwd });
  const output = String(result.all ?? "");
  if (result.code === "ENOENT") return { exitCode: undefined, output, failure: "not found" };
  if (result.timedOut) return { exitCode: undefined, output, failure: `timed out after ${timeoutMs} ms` };
  if (result.exitCode === undefined) return { exitCode: undefined, output, failure: result.shortMessage };
  if (result.exitCode !== 0) return { exitCode: result.exitCode, output, failure: `exit code ${result.exitCode}` };
  return { exitCode: 0, output };
};

/** The last non-empty line of a command's output, or its failure: for one-line errors. */
export function lastOutputLine(result: HostCommandResult): string {
  const line = result.output.split(/\r?\n/).map((text) => text.trim()).filter(Boolean).at(-1);
  return line ?? result.failure ?? "no output";
}

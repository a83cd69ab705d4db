/**
 * The docker CLI as a child process. Using the CLI (not an SDK) honours docker contexts
 * and `DOCKER_HOST=ssh://…`. `KITT_DOCKER` names another binary (tests wrap the real one).
 */
import { execa, type ResultPromise } from "execa";
import { KittError } from "../errors.js";

export function dockerBinary(env: NodeJS.ProcessEnv = process.env): string {
  return env.KITT_DOCKER ?? "docker";
}

export interface DockerResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/**
 * Runs `docker ARGS…` to completion; never throws for a non-zero exit (callers decide).
 * Cut short by `signal`, it throws the signal's reason (e.g. "interrupted by SIGINT").
 */
export async function docker(
  args: readonly string[],
  options: { input?: string; timeoutMs?: number; signal?: AbortSignal; cwd?: string } = {},
): Promise<DockerResult> {
  try {
    const result = await execa(dockerBinary(), args, {
      reject: false,
      input: options.input,
      timeout: options.timeoutMs,
      cancelSignal: options.signal,
      cwd: options.cwd,
      stripFinalNewline: true,
    });
    if (result.isCanceled) throw options.signal?.reason ?? new KittError("INTERNAL", `docker ${args[0]} was canceled`);
    if (result.failed && result.exitCode === undefined) {
      throw new KittError("DOCKER_UNAVAILABLE", `cannot run '${dockerBinary()}': ${result.shortMessage}`);
    }
    return { stdout: String(result.stdout), stderr: String(result.stderr), exitCode: result.exitCode ?? 1 };
  } catch (error) {
    if (error instanceof KittError || options.signal?.aborted) throw error;
    throw new KittError("DOCKER_UNAVAILABLE", `cannot run '${dockerBinary()}': ${(error as Error).message}`, { cause: error });
  }
}

/** Starts a long-running docker command (e.g. `logs -f`) without waiting for it. */
export function dockerSpawn(args: readonly string[]): ResultPromise<{ reject: false; buffer: false }> {
  return execa(dockerBinary(), args, { reject: false, buffer: false });
}

/** Fails with DOCKER_UNAVAILABLE unless a daemon answers. */
export async function assertDockerDaemon(signal?: AbortSignal): Promise<void> {
  const result = await docker(["info", "--format", "{{json .ServerVersion}}"], { timeoutMs: 15_000, signal });
  if (result.exitCode !== 0) {
    const reason = result.stderr.split("\n").find((line) => line.trim()) ?? "no answer";
    throw new KittError("DOCKER_UNAVAILABLE", `no Docker daemon answers (${reason.trim()}); start dockerd or use --runtime native`);
  }
}

/**
 * Runs an engine in a Docker container through the docker CLI:
 * `docker run -d --init --network host --name kitt-<engine>-<time>-<random>` with kitt's labels
 * (the owner among them, so `kitt engines cleanup` never removes a live run's container), the
 * model mounted read-only, and `--gpus all` only when an NVIDIA runtime exists.
 * Stopping releases in reverse order of acquisition: log follower and exit watcher,
 * then `docker stop` with a timeout, then `docker rm`.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import type { ResultPromise } from "execa";
import { KittError } from "../errors.js";
import { docker, dockerBinary, dockerSpawn, assertDockerDaemon } from "./docker-cli.js";
import { containerLabels } from "./container-labels.js";
import { ProcessBase } from "./process-base.js";

export interface DockerRunOptions {
  engineName: string;
  image: string;
  /** Host path mounted read-only at `containerModelDir`. */
  modelHostDir?: string;
  containerModelDir?: string;
  gpus: boolean;
  env?: Record<string, string>;
  /** Flags before the image (from the engine spec). */
  dockerArgs?: readonly string[];
  /** Arguments after the image (the engine's own). */
  containerArgs?: readonly string[];
  autoPull?: boolean;
  stopTimeoutSeconds?: number;
}

export function containerName(engineName: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:T]/g, "").slice(0, 14);
  return `kitt-${engineName.replace(/_/g, "-")}-${stamp}-${randomBytes(3).toString("hex")}`;
}

/** Makes sure the image is present (inspect, then pull only when allowed); returns its id (`sha256:…`). */
export async function ensureImage(image: string, autoPull: boolean, signal?: AbortSignal): Promise<string> {
  const inspect = await docker(["image", "inspect", "--format", "{{.Id}}", image], { signal });
  signal?.throwIfAborted();
  if (inspect.exitCode === 0) return inspect.stdout.trim();
  if (!autoPull) {
    throw new KittError("IMAGE_MISSING", `image ${image} is not present locally; pass --auto-pull to pull it, or run 'kitt engines setup'`);
  }
  const pull = await docker(["pull", image], { signal });
  signal?.throwIfAborted();
  if (pull.exitCode !== 0) {
    throw new KittError("IMAGE_MISSING", `cannot pull ${image}: ${lastLine(pull.stderr)}`);
  }
  return (await docker(["image", "inspect", "--format", "{{.Id}}", image])).stdout.trim();
}

export class DockerContainer extends ProcessBase {
  readonly kind = "docker" as const;
  readonly label: string;
  #launching: Promise<void> | undefined;
  #runAttempted = false;
  #runFinished = false;
  #removed = false;
  #imageId: string | undefined;
  readonly #cancelLaunch = new AbortController();
  #logFollower: ResultPromise | undefined;
  #waiter: ResultPromise | undefined;

  constructor(private readonly options: DockerRunOptions) {
    super();
    this.label = `container ${containerName(options.engineName)}`;
  }

  /** The image's id (`sha256:…`), once launched. */
  get imageId(): string | undefined {
    return this.#imageId;
  }

  get name(): string {
    return this.label.slice("container ".length);
  }

  launch(signal?: AbortSignal): Promise<void> {
    if (this.#launching || this.isStopping) throw new Error("DockerContainer.launch called twice");
    // stop() during launch cancels whatever has not reached `docker run` yet.
    const combined = signal ? AbortSignal.any([signal, this.#cancelLaunch.signal]) : this.#cancelLaunch.signal;
    this.#launching = this.#launch(combined);
    return this.#launching;
  }

  async #launch(signal: AbortSignal): Promise<void> {
    await assertDockerDaemon(signal);
    signal?.throwIfAborted();
    this.#imageId = await ensureImage(this.options.image, this.options.autoPull ?? false, signal);
    signal?.throwIfAborted();
    // Not abortable from here: a `docker run` cut short (even by Ctrl+C reaching the docker
    // CLI) may still create the container, so stop() removes it by name whatever happened.
    this.#runAttempted = true;
    const result = await docker(this.runArgs());
    this.#runFinished = true;
    if (result.exitCode !== 0) {
      throw new KittError("ENGINE_START_FAILED", `docker run for ${this.options.engineName} failed: ${lastLine(result.stderr)}`);
    }
    if (this.isStopping) return;
    this.#followLogs();
    this.#watchExit();
  }

  runArgs(): string[] {
    const o = this.options;
    // --init: an engine as PID 1 ignores SIGTERM until it installs a handler, which turns an
    // early `docker stop` into a 10 s wait for SIGKILL; tini as PID 1 forwards signals.
    const args = ["run", "-d", "--init", "--network", "host", "--name", this.name];
    for (const label of containerLabels(o.engineName)) args.push("--label", label);
    if (o.gpus) args.push("--gpus", "all");
    if (o.modelHostDir) args.push("-v", `${o.modelHostDir}:${o.containerModelDir ?? "/models"}:ro`);
    for (const [key, value] of Object.entries(o.env ?? {})) args.push("-e", `${key}=${value}`);
    args.push(...(o.dockerArgs ?? []), o.image, ...(o.containerArgs ?? []));
    return args;
  }

  #followLogs(): void {
    const follower = dockerSpawn(["logs", "-f", this.name]);
    this.#logFollower = follower;
    follower.stdout?.setEncoding("utf8").on("data", (text: string) => this.logs.write(text));
    follower.stderr?.setEncoding("utf8").on("data", (text: string) => this.logs.write(text));
  }

  #watchExit(): void {
    const waiter = dockerSpawn(["wait", this.name]);
    this.#waiter = waiter;
    let out = "";
    waiter.stdout?.setEncoding("utf8").on("data", (text: string) => (out += text));
    void waiter.then((result) => {
      const code = Number.parseInt(out.trim(), 10);
      // `docker wait` itself killed (by stop) says nothing about the container.
      if (result.exitCode !== 0 || Number.isNaN(code)) return;
      // Let the log follower drain the container's last words before anyone reads them.
      void this.#logFollower?.then(() => this.markExited({ code, signal: null }));
      setTimeout(() => this.markExited({ code, signal: null }), 1_000).unref();
    });
  }

  protected async release(): Promise<void> {
    this.#cancelLaunch.abort(new KittError("ENGINE_START_FAILED", `${this.options.engineName} was stopped while starting`));
    await this.#launching?.catch(() => undefined);
    this.#waiter?.kill();
    if (this.#runAttempted) {
      await docker(["stop", "-t", String(this.options.stopTimeoutSeconds ?? 10), this.name]);
      await this.#logFollower?.catch(() => undefined);
      await docker(["rm", "-f", this.name]);
      this.#removed = true;
    }
    this.#logFollower?.kill();
    this.markExited({ code: null, signal: "SIGTERM" });
  }

  /** A detached `docker rm -f` that outlives kitt; repeated for a few seconds while `docker run` may still create the container. */
  abandon(): void {
    if (!this.#runAttempted || this.#removed) return;
    const attempts = this.#runFinished ? 1 : 5;
    const script = `n=${attempts}; while :; do "$0" rm -f "$1" >/dev/null 2>&1; n=$((n - 1)); [ "$n" -gt 0 ] || exit 0; sleep 1; done`;
    spawn("sh", ["-c", script, dockerBinary(), this.name], { detached: true, stdio: "ignore" }).unref();
  }
}

function lastLine(text: string): string {
  return text.trim().split("\n").at(-1)?.trim() || "no output";
}

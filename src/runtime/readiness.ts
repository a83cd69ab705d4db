/**
 * Waits until an engine answers ready. Polls with exponential backoff, and also probes at
 * once whenever the engine writes a log line: engines log as they finish loading, so this
 * notices readiness within a probe's round trip even when the backoff has grown to 10 s.
 * Fails at once, with the exit code and last log lines, if the engine exits while we wait.
 * For an engine kitt does not run (`--url`), a port that keeps refusing connections fails
 * early (`refusedTimeoutMs`): nothing there is starting up.
 */
import { KittError } from "../errors.js";
import { sendToEngine } from "../protocols/http/engine-request.js";
import { connectionRefused } from "../protocols/http/request-failures.js";
import { describeExit, type EngineProcess } from "./engine-process.js";

/** What a readiness probe saw. `status` is 0 when the connection failed or timed out. */
export interface ProbeResult {
  status: number;
  body: string;
  /** Nothing listens there: the connection was refused. */
  refused?: boolean;
}

/** How an engine tells it is ready: part of its spec (`src/engines`). */
export interface ReadinessSpec {
  /** Path polled until the engine answers ready. */
  path: string;
  /** Ready means this returns true; anything else (refused, 503, "loading") means "not yet". */
  isReady(probe: ProbeResult): boolean;
  /** Describes "not ready yet" for logs and docs. */
  notReadyDescription: string;
}

export interface BackoffOptions {
  initialMs: number;
  factor: number;
  maxMs: number;
  timeoutMs: number;
}

/** The original KITT's documented defaults: 1 s initial, doubling, 10 s cap, 300 s timeout. */
export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 1_000, factor: 2, maxMs: 10_000, timeoutMs: 300_000 };

export interface WaitForReadyOptions {
  baseUrl: string;
  readiness: ReadinessSpec;
  engineName: string;
  process?: EngineProcess;
  backoff?: Partial<BackoffOptions>;
  probeTimeoutMs?: number;
  /** Give up once every probe for this long was refused (nothing listens at all). */
  refusedTimeoutMs?: number;
  signal?: AbortSignal;
  onProbe?: (probe: ProbeResult, reason: "backoff" | "log") => void;
}

/** One readiness probe; a refused or timed-out connection is status 0. */
export async function probe(url: string, timeoutMs: number, signal?: AbortSignal): Promise<ProbeResult> {
  try {
    const { origin, pathname, search } = new URL(url);
    const answer = await sendToEngine({ baseUrl: origin, name: "engine" }, { method: "GET", path: pathname + search, timeoutMs, signal });
    return { status: answer.status, body: answer.body.toString("utf8").slice(0, 4096) };
  } catch (error) {
    return { status: 0, body: "", refused: connectionRefused(error) };
  }
}

export function waitForReady(options: WaitForReadyOptions): Promise<void> {
  const backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
  const probeTimeoutMs = options.probeTimeoutMs ?? 2_000;
  const url = new URL(options.readiness.path, options.baseUrl).toString();
  const internal = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, internal.signal]) : internal.signal;

  return new Promise<void>((resolve, reject) => {
    let settled = false;
    let inFlight = false;
    let probeAgain = false;
    let delay = backoff.initialMs;
    let timer: NodeJS.Timeout | undefined;
    let refusedCheck: NodeJS.Timeout | undefined;
    /** When the current run of refused probes began. */
    let refusedSince: number | undefined;

    // Created before anything that may settle the promise, so `finish` can always clear them.
    const deadline = setTimeout(() => {
      finish(
        new KittError(
          "READINESS_TIMEOUT",
          `${options.engineName} did not become ready at ${url} within ${Math.round(backoff.timeoutMs / 1000)} s`,
          { details: options.process?.recentLogs(50) ?? [] },
        ),
      );
    }, backoff.timeoutMs);
    const unsubscribeLog = options.process?.onLogLine(() => void runProbe("log"));

    const finish = (error?: unknown): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(deadline);
      clearTimeout(refusedCheck);
      unsubscribeLog?.();
      options.signal?.removeEventListener("abort", onAbort);
      internal.abort();
      if (error === undefined) resolve();
      else reject(error);
    };
    const onAbort = (): void => finish(options.signal?.reason ?? new Error("aborted"));

    const onProbeResult = (result: ProbeResult, startedAt: number): void => {
      if (!result.refused) {
        refusedSince = undefined;
        clearTimeout(refusedCheck);
        refusedCheck = undefined;
        return;
      }
      if (options.refusedTimeoutMs === undefined) return;
      if (refusedSince === undefined) {
        refusedSince = startedAt;
        // One more probe when the limit is reached: refused then too, and kitt gives up.
        refusedCheck = setTimeout(() => void runProbe("backoff"), options.refusedTimeoutMs);
      } else if (startedAt - refusedSince >= options.refusedTimeoutMs) {
        finish(
          new KittError(
            "READINESS_TIMEOUT",
            `nothing answers at ${url}: connection refused for ${Math.round(options.refusedTimeoutMs / 1000)} s ` +
              `(is ${options.engineName} running there? --readiness-timeout S waits longer)`,
          ),
        );
      }
    };

    const runProbe = async (reason: "backoff" | "log"): Promise<void> => {
      if (settled) return;
      if (inFlight) {
        probeAgain = true;
        return;
      }
      inFlight = true;
      const startedAt = performance.now();
      const result = await probe(url, probeTimeoutMs, signal);
      inFlight = false;
      if (settled) return;
      options.onProbe?.(result, reason);
      if (options.readiness.isReady(result)) return finish();
      onProbeResult(result, startedAt);
      if (probeAgain) {
        probeAgain = false;
        void runProbe("log");
      }
    };

    const scheduleBackoff = (): void => {
      timer = setTimeout(() => {
        void runProbe("backoff").then(() => {
          if (settled) return;
          delay = Math.min(delay * backoff.factor, backoff.maxMs);
          scheduleBackoff();
        });
      }, delay);
    };

    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener("abort", onAbort, { once: true });

    void options.process?.exited.then((exit) => {
      finish(
        new KittError(
          "ENGINE_START_FAILED",
          `${options.engineName} (${options.process?.label}) exited while starting (${describeExit(exit)})`,
          { details: options.process?.recentLogs(50) ?? [] },
        ),
      );
    });

    void runProbe("backoff").then(() => {
      if (!settled) scheduleBackoff();
    });
  });
}

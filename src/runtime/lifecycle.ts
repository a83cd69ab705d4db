/**
 * Process-wide ownership of live resources and signal handling.
 * Ctrl+C or SIGTERM aborts `shutdownSignal`, terminates every live resource (newest first),
 * and exits 130 or 143 once they are gone. A second signal exits at once, but first hands
 * every live resource to its `abandon()`: what can be done synchronously (killing a process
 * group, marking a results folder interrupted) or by a detached process that outlives kitt
 * (removing a container).
 */
import { InterruptedError } from "../errors.js";

export interface Terminable {
  /** Releases the resource; awaited, newest first, on the first signal. */
  terminate?(): Promise<void>;
  /** At a forced exit: synchronous, best effort, never throws. */
  abandon?(): void;
}

const live: Terminable[] = [];
const controller = new AbortController();

/** Aborted, with an `InterruptedError` as reason, when kitt receives SIGINT or SIGTERM. */
export const shutdownSignal: AbortSignal = controller.signal;

/** Tracks a resource so a signal terminates it, until the returned handle is disposed. */
export function track(resource: Terminable): Disposable {
  live.push(resource);
  return {
    [Symbol.dispose]() {
      const index = live.indexOf(resource);
      if (index >= 0) live.splice(index, 1);
    },
  };
}

/** Terminates every tracked resource, newest first; never throws. */
export async function terminateAll(): Promise<void> {
  for (const resource of [...live].reverse()) {
    await resource.terminate?.().catch(() => undefined);
  }
}

/** Abandons every tracked resource, newest first; never throws. */
export function abandonAll(): void {
  for (const resource of [...live].reverse()) {
    try {
      resource.abandon?.();
    } catch {
      // Best effort: the next resource still gets its chance.
    }
  }
}

export interface SignalHandlingOptions {
  /** Called once on the first signal, before resources are terminated (e.g. to say "stopping…"). */
  onSignal?: (signal: "SIGINT" | "SIGTERM") => void;
  /** Called on a second signal, after resources were abandoned and just before exiting. */
  onForcedExit?: (signal: "SIGINT" | "SIGTERM") => void;
  /** How long the running command may take to wind down after resources are gone. */
  graceMs?: number;
  exit?: (code: number) => never;
  /** The running command; exit waits for it to settle (so it can save results) up to `graceMs`. */
  work?: () => Promise<unknown> | undefined;
}

let installed = false;

/** Installs SIGINT/SIGTERM handlers once per process. */
export function installSignalHandlers(options: SignalHandlingOptions = {}): void {
  if (installed) return;
  installed = true;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let received: "SIGINT" | "SIGTERM" | undefined;

  const handle = (signal: "SIGINT" | "SIGTERM"): void => {
    const code = signal === "SIGINT" ? 130 : 143;
    if (received) {
      abandonAll();
      options.onForcedExit?.(signal);
      exit(code);
    }
    received = signal;
    options.onSignal?.(signal);
    controller.abort(new InterruptedError(signal));
    void (async () => {
      await terminateAll();
      const work = options.work?.();
      if (work) {
        const grace = new Promise((resolve) => setTimeout(resolve, options.graceMs ?? 5_000).unref());
        await Promise.race([work.catch(() => undefined), grace]);
      }
      exit(code);
    })();
  };
  process.on("SIGINT", () => handle("SIGINT"));
  process.on("SIGTERM", () => handle("SIGTERM"));
}

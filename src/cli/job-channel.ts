/**
 * `kitt run` started by `kitt web`'s job runner talks back over the IPC channel the runner opens:
 * the run's id once its results folder exists, and test progress as numbers (off a TTY the
 * terminal shows progress every few seconds at most). When the server goes away the channel
 * closes and the run stops as on Ctrl+C, so no engine outlives a crashed server.
 */
import type { RunReporter } from "../pipeline/run-pipeline.js";

/** What the runner receives (`server/jobs/job-messages.ts` reads the same shapes). */
export type JobChannelMessage =
  | { type: "run"; run_id: string; results_dir: string }
  | { type: "progress"; test: string; phase: string; completed: number; total: number; failed: number; message?: string };

/** `reporter`, also sending to the parent when kitt has an IPC channel; as it is when run from a shell. */
export function withJobChannel(reporter: RunReporter): RunReporter {
  if (!process.send || !process.channel) return reporter;
  // The channel must not keep kitt alive once the run is over.
  process.channel.unref();
  process.once("disconnect", () => {
    // The server's ends of stdout and stderr are gone too: writing there must not crash the run while it stops.
    for (const stream of [process.stdout, process.stderr]) stream.on("error", () => undefined);
    process.kill(process.pid, "SIGINT");
  });
  const send = (message: JobChannelMessage): void => {
    if (process.connected) process.send?.(message, undefined, {}, () => undefined);
  };
  return {
    ...reporter,
    runStarted: (run) => {
      reporter.runStarted?.(run);
      send({ type: "run", run_id: run.id, results_dir: run.dir });
    },
    suiteEvent: (event) => {
      reporter.suiteEvent?.(event);
      if (event.type !== "progress") return;
      const { phase, completed, total, failed, message } = event.progress;
      send({ type: "progress", test: event.test_name, phase, completed, total, failed: failed ?? 0, ...(message ? { message } : {}) });
    },
  };
}

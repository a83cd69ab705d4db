/**
 * Live progress of a serving benchmark: one self-updating line with requests per second,
 * output tokens per second, errors, elapsed and remaining time.
 */
import type { ServeReporter } from "../pipeline/serve-pipeline.js";
import { terminalRunReporter } from "./run-reporter.js";
import { progressLine, success } from "./ui.js";

export function serveReporter(): ServeReporter {
  const launch = terminalRunReporter();
  let line: ReturnType<typeof progressLine> | undefined;
  return {
    step: launch.step,
    probe: launch.probe,
    ready: launch.ready,
    warn: launch.warn,
    dataset: (stats) => {
      const exact = stats.exact_length_hits === null ? "" : `, ${stats.exact_length_hits}/${stats.requests} at the exact length`;
      const warmup = stats.warmup_requests ? `, ${stats.warmup_requests} of them for warm-up` : "";
      success(`${stats.requests} prompts ready in ${(stats.prepare_ms / 1000).toFixed(1)} s (tokens counted by ${stats.token_counter}${exact}${warmup})`);
    },
    runStart: () => {
      line = progressLine(2_000);
    },
    progress: (p) => {
      const seconds = p.elapsedMs / 1000;
      const reqRate = seconds > 0 ? p.finished / seconds : 0;
      const tokRate = seconds > 0 ? p.outputTokens / seconds : 0;
      const remaining = p.finished > 0 && reqRate > 0 ? (p.total - p.finished) / reqRate : undefined;
      line?.update(
        `${p.phase}: ${p.finished}/${p.total} done, ${p.inFlight} in flight · ${reqRate.toFixed(1)} req/s · ${tokRate.toFixed(0)} tok/s · ` +
          `${p.failed} errors · ${seconds.toFixed(0)} s elapsed${remaining === undefined ? "" : `, ~${remaining.toFixed(0)} s left`}`,
      );
    },
    runEnd: (label, run) => {
      line?.done();
      line = undefined;
      const m = run.metrics;
      success(`${label}: ${m.completed} completed, ${m.failed} failed, ${(m.request_throughput ?? 0).toFixed(2)} req/s, ${(m.output_throughput ?? 0).toFixed(0)} tok/s`);
      if (m.client_bottleneck) launch.warn?.(`${label}: the client or its connections limited this run: ${m.client_bottleneck_reasons.join("; ")}`);
    },
  };
}

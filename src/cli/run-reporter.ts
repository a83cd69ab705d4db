/**
 * Shows a run to a person: each phase as a line, readiness probes and benchmark progress as
 * a self-updating line, each finished test with its headline numbers.
 */
import type { SuiteEvent } from "../bench/suite-results.js";
import { formatMetric, metricValue, registryHeadlines } from "../results/metric-format.js";
import type { RunReporter } from "../pipeline/run-pipeline.js";
import { progressLine, step, success, warn } from "./ui.js";

export function terminalRunReporter(): RunReporter {
  const headlines = registryHeadlines();
  let probes = 0;
  let progress: ReturnType<typeof progressLine> | undefined;
  const line = (): ReturnType<typeof progressLine> => (progress ??= progressLine());
  const endLine = (text?: string): void => {
    progress?.done(text);
    progress = undefined;
  };
  return {
    step: (message) => {
      endLine();
      step(message);
    },
    probe: (status) => {
      probes += 1;
      line().update(`waiting for the engine to be ready (probe ${probes}: ${status === 0 ? "no connection yet" : `HTTP ${status}`})`);
    },
    warn: (message) => {
      endLine();
      warn(message);
    },
    ready: (seconds) => {
      endLine();
      success(`engine ready in ${seconds.toFixed(1)} s`);
    },
    suiteEvent: (event: SuiteEvent) => {
      switch (event.type) {
        case "test-start":
          endLine();
          step(`${event.test_name}: run ${event.run_number}/${event.runs} (test ${event.index + 1} of ${event.total})`);
          break;
        case "progress": {
          const { phase, completed, total, failed, message } = event.progress;
          const failures = failed ? ` · ${failed} failed` : "";
          line().update(`${event.test_name}: ${phase} ${completed}/${total}${failures}${message ? ` — ${message}` : ""}`);
          break;
        }
        case "test-end": {
          endLine();
          const { result } = event;
          const headline = (headlines(result.test_name) ?? [])
            .filter((key) => metricValue(result.metrics, key) !== undefined)
            .slice(0, 3)
            .map((key) => `${key}=${formatMetric(metricValue(result.metrics, key))}`)
            .join(", ");
          if (result.passed) success(`${result.test_name} done${headline ? `: ${headline}` : ""}`);
          else warn(`${result.test_name} ${result.partial ? "stopped part-way" : "failed"}: ${result.errors[0] ?? "no details"}`);
          break;
        }
        case "suite-end":
          endLine();
          break;
      }
    },
  };
}

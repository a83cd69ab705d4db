/**
 * `GET /metrics` of `kitt runtime`: fetches the engine's exposition (every fetch with a
 * timeout), passes it through byte for byte, and appends the standardized series
 * (`standard-series.ts`) and the runtime's own. When the engine cannot be scraped (down,
 * refusing, too slow, an error status, not an exposition) the answer is 503 with the reason
 * and only the runtime's own series, `kitt_runtime_engine_up 0` among them: nothing from an
 * earlier scrape is ever served again.
 */
import { performance } from "node:perf_hooks";
import { describeError, KittError } from "../errors.js";
import type { MetricFamily } from "../collectors/prometheus/types.js";
import { writePrometheusText } from "../collectors/prometheus/write.js";
import type { EngineName } from "../engines/types.js";
import { sendToEngine, type EngineEndpoint, type EngineRequest } from "../protocols/http/engine-request.js";
import type { ServingIdentity } from "./standard-series.js";
import { StandardSeriesWriter } from "./standard-series-writer.js";

export const EXPOSITION_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

export interface EngineMetricsProxyOptions {
  engine: EngineName;
  baseUrl: string;
  /** The engine's metrics path, e.g. `/metrics`. */
  path: string;
  identity: ServingIdentity;
  /** Longest wait for the engine's whole answer. */
  timeoutMs: number;
}

export interface MetricsAnswer {
  status: 200 | 503;
  body: string | Uint8Array<ArrayBuffer>;
}

export class EngineMetricsProxy {
  readonly #options: EngineMetricsProxyOptions;
  readonly #endpoint: EngineEndpoint;
  readonly #request: EngineRequest;
  readonly #standard: StandardSeriesWriter;
  #failures = 0;

  constructor(options: EngineMetricsProxyOptions) {
    this.#options = options;
    this.#endpoint = { baseUrl: options.baseUrl, name: options.engine, namedWithUrl: true };
    this.#request = { method: "GET", path: options.path, headers: { accept: "text/plain; version=0.0.4" }, timeoutMs: options.timeoutMs };
    this.#standard = new StandardSeriesWriter(options.engine, options.identity);
  }

  async scrape(): Promise<MetricsAnswer> {
    const started = performance.now();
    try {
      const answer = await sendToEngine(this.#endpoint, this.#request);
      const text = answer.body.toString("utf8");
      if (answer.status !== 200) {
        throw new KittError("ENGINE_REQUEST_FAILED", `${this.#options.engine} at ${this.#options.baseUrl}${this.#options.path} answered ${answer.status}: ${text.slice(0, 200)}`);
      }
      const added = this.#standard.text(text);
      const own = this.#ownSeries(true, (performance.now() - started) / 1000);
      const separator = text === "" || text.endsWith("\n") ? "" : "\n";
      // The engine's bytes as they came: only what the runtime adds is encoded.
      return { status: 200, body: Buffer.concat([answer.body, Buffer.from(separator + added + own)]) };
    } catch (error) {
      this.#failures++;
      const reason = describeError(error).replace(/\s+/g, " ");
      return { status: 503, body: `# kitt runtime: engine metrics unavailable: ${reason}\n${this.#ownSeries(false, (performance.now() - started) / 1000)}` };
    }
  }

  #ownSeries(up: boolean, seconds: number): string {
    const labels = { engine: this.#options.engine, pod: this.#options.identity.pod, model: this.#options.identity.model };
    const families: MetricFamily[] = [
      { name: "kitt_runtime_engine_up", type: "gauge", help: "1 when this scrape read the engine's metrics, 0 when it could not", samples: [{ name: "kitt_runtime_engine_up", labels, value: up ? 1 : 0 }] },
      {
        name: "kitt_runtime_engine_scrape_duration_seconds",
        type: "gauge",
        help: "How long this scrape of the engine's metrics took, failed or not",
        samples: [{ name: "kitt_runtime_engine_scrape_duration_seconds", labels, value: seconds }],
      },
      {
        name: "kitt_runtime_engine_scrape_failures_total",
        type: "counter",
        help: "Scrapes of the engine's metrics that failed since the runtime started",
        samples: [{ name: "kitt_runtime_engine_scrape_failures_total", labels, value: this.#failures }],
      },
    ];
    return writePrometheusText(families);
  }
}

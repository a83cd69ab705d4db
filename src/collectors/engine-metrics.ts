/**
 * Scrapes an engine's Prometheus `/metrics` before, during and after a benchmark, so the
 * engine's own view (its TTFT, queue time, KV-cache use, token counts) can stand beside what
 * the client measured. Metrics are read under kitt's unified names (`prometheus/unified.ts`),
 * so the report has the same keys for vLLM, SGLang, TGI and llama.cpp.
 *
 *   await using scraper = new EngineMetricsScraper({ baseUrl, engine: "vllm" });
 *   await scraper.start();        // the "before" scrape, then one every intervalMs
 *   …the benchmark…
 *   const report = await scraper.stop();   // the "after" scrape and the report
 *
 * A failed periodic scrape is counted, never thrown. Engines without a metrics endpoint
 * (Ollama, TabbyAPI, MLX), an endpoint answering 404 or 501 (metrics not enabled), and a
 * failed "before" scrape give `{ available: false, reason }`.
 */
import { performance } from "node:perf_hooks";
import { describeError, KittError } from "../errors.js";
import type { EngineName } from "../engines/types.js";
import { sendToEngine, trimBaseUrl, type EngineEndpoint, type EngineRequest } from "../protocols/http/engine-request.js";
import {
  buildEngineMetricsReport,
  gaugeSampleOf,
  histogramTotalsOf,
  type EngineMetricsReport,
  type GaugeSample,
  type HistogramTotals,
  type UnifiedScrape,
} from "./engine-metrics-report.js";
import { parsePrometheusText } from "./prometheus/parse.js";
import { hasUnifiedMetrics, standardize, UNIFIED } from "./prometheus/unified.js";

export type { EngineMetricsAvailable, EngineMetricsReport, GaugeSample, GaugeStats, HistogramDelta, HistogramTotals } from "./engine-metrics-report.js";

export interface EngineMetricsScraperOptions {
  /** The engine's base URL, e.g. `http://127.0.0.1:8000`. */
  baseUrl: string;
  path?: string;
  engine: EngineName;
  intervalMs?: number;
  /** Longest wait for one scrape's answer. */
  timeoutMs?: number;
}

/** How each engine turns its metrics on, for the "not available" explanation. */
const ENABLE_HINTS: Partial<Record<EngineName, string>> = {
  sglang: "start SGLang with --enable-metrics",
  llama_cpp: "start llama-server with --metrics",
};

type ScrapeOutcome =
  | { kind: "ok"; scrape: UnifiedScrape; exposed: string[] }
  | { kind: "missing"; reason: string }
  | { kind: "failed"; error: string };

export class EngineMetricsScraper implements AsyncDisposable {
  readonly #url: string;
  readonly #endpoint: EngineEndpoint;
  readonly #request: EngineRequest;
  readonly #engine: EngineName;
  readonly #intervalMs: number;
  #origin = 0;
  #before: UnifiedScrape | undefined;
  #latest: UnifiedScrape | undefined;
  readonly #series: GaugeSample[] = [];
  readonly #ttftSeries: HistogramTotals[] = [];
  #errors = 0;
  #lastError: string | undefined;
  #unavailable: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #inFlight: Promise<void> | undefined;
  #stopRequested = false;
  #starting: Promise<void> | undefined;
  #stopping: Promise<EngineMetricsReport> | undefined;

  constructor(options: EngineMetricsScraperOptions) {
    const path = options.path ?? "/metrics";
    this.#url = trimBaseUrl(options.baseUrl) + path;
    this.#endpoint = { baseUrl: options.baseUrl, name: options.engine, namedWithUrl: true };
    this.#request = { method: "GET", path, headers: { accept: "text/plain" }, timeoutMs: options.timeoutMs ?? 5_000 };
    this.#engine = options.engine;
    this.#intervalMs = options.intervalMs ?? 1_000;
  }

  /** Takes the "before" scrape and starts the periodic ones. Safe to call twice. */
  async start(): Promise<void> {
    if (this.#stopping) throw new KittError("INTERNAL", "the engine metrics scraper was already stopped");
    this.#starting ??= this.#begin();
    return this.#starting;
  }

  /** Takes the "after" scrape and reports. Safe to call twice, or without `start()`. */
  stop(): Promise<EngineMetricsReport> {
    this.#stopping ??= this.#finish();
    return this.#stopping;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  async #begin(): Promise<void> {
    if (!hasUnifiedMetrics(this.#engine)) {
      this.#unavailable = `${this.#engine} has no Prometheus metrics endpoint`;
      return;
    }
    this.#origin = performance.now();
    const first = await this.#scrape();
    if (first.kind === "missing") {
      this.#unavailable = first.reason;
    } else if (first.kind === "failed") {
      this.#unavailable = `the first scrape of ${this.#url} failed: ${first.error}`;
    } else if (first.scrape.families.size === 0) {
      const names = first.exposed.slice(0, 5).join(", ") || "nothing";
      this.#unavailable = `${this.#url} exposes no ${this.#engine} metric kitt knows (it exposes ${names}${first.exposed.length > 5 ? ", …" : ""})`;
    } else {
      this.#before = first.scrape;
      this.#record(first.scrape);
      this.#scheduleNext(0);
    }
  }

  async #finish(): Promise<EngineMetricsReport> {
    this.#stopRequested = true;
    if (!this.#starting) return { available: false, reason: "the engine metrics scraper was never started" };
    await this.#starting;
    clearTimeout(this.#timer);
    await this.#inFlight;
    if (!this.#before) return { available: false, reason: this.#unavailable ?? "no scrape succeeded" };
    const last = await this.#scrape();
    if (last.kind === "ok") this.#record(last.scrape);
    else this.#fail(last.kind === "failed" ? last.error : last.reason);
    return buildEngineMetricsReport({
      engine: this.#engine,
      url: this.#url,
      intervalMs: this.#intervalMs,
      before: this.#before,
      after: this.#latest ?? this.#before,
      series: this.#series,
      ttftSeries: this.#ttftSeries,
      errors: this.#errors,
      ...(this.#lastError === undefined ? {} : { lastError: this.#lastError }),
    });
  }

  /** Next periodic scrape one interval after the previous one began; never two at once. */
  #scheduleNext(lastTookMs: number): void {
    if (this.#stopRequested) return;
    this.#timer = setTimeout(() => {
      this.#inFlight = this.#tick();
    }, Math.max(0, this.#intervalMs - lastTookMs));
    this.#timer.unref();
  }

  async #tick(): Promise<void> {
    const began = performance.now();
    const outcome = await this.#scrape();
    if (outcome.kind === "ok") this.#record(outcome.scrape);
    else this.#fail(outcome.kind === "failed" ? outcome.error : outcome.reason);
    this.#scheduleNext(performance.now() - began);
  }

  #record(scrape: UnifiedScrape): void {
    this.#latest = scrape;
    this.#series.push(gaugeSampleOf(scrape));
    const ttft = histogramTotalsOf(scrape, UNIFIED.timeToFirstToken);
    if (ttft) this.#ttftSeries.push(ttft);
  }

  #fail(error: string): void {
    this.#errors++;
    this.#lastError = error;
  }

  async #scrape(): Promise<ScrapeOutcome> {
    const at = new Date().toISOString();
    const t = Math.round(performance.now() - this.#origin);
    try {
      const answer = await sendToEngine(this.#endpoint, this.#request);
      if (answer.status === 404 || answer.status === 501) {
        const hint = ENABLE_HINTS[this.#engine];
        return { kind: "missing", reason: `${this.#url} answered ${answer.status}${hint ? ` (${hint})` : ""}` };
      }
      const body = answer.body.toString("utf8");
      if (answer.status < 200 || answer.status >= 300) {
        return { kind: "failed", error: `${this.#url} answered ${answer.status}: ${body.slice(0, 200)}` };
      }
      const exposition = parsePrometheusText(body);
      return { kind: "ok", scrape: { t, at, families: standardize(exposition, this.#engine) }, exposed: [...exposition.keys()] };
    } catch (error) {
      return { kind: "failed", error: describeError(error) };
    }
  }
}

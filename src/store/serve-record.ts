/**
 * A serving benchmark's result (kitt's `serve.json`, or a vLLM `vllm bench serve` result file)
 * as one stored run with one benchmark. vLLM's keys are the same in both, so one mapping serves.
 * A result cut short (stopped by an interrupt, or rebuilt from the request records of a killed
 * run, `partial: true`) is stored `interrupted` with a partial benchmark.
 */
import { KittError } from "../errors.js";
import { isObject, parseJson, type JsonValue } from "../json.js";
import type { RunMeta, RunRecord } from "./run-record.js";

export interface ServeDocuments {
  /** The result JSON text, stored under `name`. */
  resultText: string;
  /** `serve.json` for kitt; the file's own name for vLLM results. */
  name: string;
  configText?: string;
  hardwareText?: string;
  /** `requests.jsonl` (and `requests-N.jsonl` for sweeps) texts, by file name. */
  requestFiles?: Record<string, string>;
  source?: string;
}

/** True for JSON that has the keys every vLLM serving result has. */
export function looksLikeServeResult(value: unknown): value is Record<string, JsonValue> {
  return isObject(value) && "request_throughput" in value && "completed" in value && "duration" in value;
}

export function serveRecord(docs: ServeDocuments): RunRecord {
  const result = parseJson(docs.resultText, docs.name);
  if (!looksLikeServeResult(result)) throw new KittError("CONFIG_INVALID", `${docs.name} is not a serving benchmark result (no request_throughput/completed/duration)`);
  const meta = serveRunMeta(docs, result);
  const startedAt = parseVllmDate(result.date) ?? Date.now();
  const duration = typeof result.duration === "number" ? result.duration : 0;
  const failed = typeof result.failed === "number" ? result.failed : 0;
  const partial = result.partial === true || result.stopped_because === "aborted";
  const passed = !partial && failed === 0 && typeof result.completed === "number" && result.completed > 0;
  return {
    meta: { ...meta, startedAt, documents: { [docs.name]: docs.resultText, ...meta.documents } },
    tests: [
      {
        test_name: "serve",
        test_version: "1",
        category: "performance",
        run_number: 1,
        passed,
        partial,
        metrics: result,
        errors: [],
        warmup_times: [],
        duration_seconds: duration,
        timestamp: new Date(startedAt).toISOString(),
        sampleFiles: docs.requestFiles,
      },
    ],
    end: { status: partial ? "interrupted" : "completed", finishedAt: startedAt + Math.round(duration * 1000), passed },
  };
}

/**
 * The run a serving result belongs to, from kitt's `config.json` (its run id, engine, model)
 * or else from the result's own keys: all that is known when a run starts, before any result.
 */
export function serveRunMeta(docs: Omit<ServeDocuments, "resultText" | "requestFiles">, result: Record<string, JsonValue> = {}): RunMeta {
  const config = docs.configText === undefined ? {} : parseJson(docs.configText, "config.json");
  const hardware = docs.hardwareText === undefined ? undefined : parseJson(docs.hardwareText, "hardware.json");
  const engineConfig = isObject(config) && isObject(config.engine) ? config.engine : {};
  const modelConfig = isObject(config) && isObject(config.model) ? config.model : {};
  const documents: Record<string, string> = {};
  if (docs.configText !== undefined) documents["config.json"] = docs.configText;
  if (docs.hardwareText !== undefined) documents["hardware.json"] = docs.hardwareText;
  return {
    id: isObject(config) ? text(config.run_id) : undefined,
    kind: "serve",
    model: text(modelConfig.name) ?? text(result.model_id) ?? "unknown",
    engine: text(engineConfig.name) ?? text(result.backend) ?? "unknown",
    runtime: text(engineConfig.runtime) ?? null,
    engineVersion: text(engineConfig.version) ?? null,
    imageDigest: text(engineConfig.image_digest) ?? null,
    suite: docs.name === "serve.json" ? "bench-serve" : "vllm-bench-serve",
    kittVersion: isObject(config) ? (text(config.kitt_version) ?? null) : null,
    config,
    hardware,
    documents,
    source: docs.source ?? null,
  };
}

/** vLLM's `date` is local time, `YYYYMMDD-HHMMSS`. */
function parseVllmDate(value: JsonValue | undefined): number | undefined {
  const match = typeof value === "string" ? /^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})$/.exec(value) : null;
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  return new Date(year, month - 1, day, hour, minute, second).getTime();
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

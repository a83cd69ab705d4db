/**
 * A results folder's `metrics.json` — kitt's, or the original KITT's (no `status`,
 * `category`, `partial` or `duration_seconds`) — as one stored run.
 */
import type { TestResult } from "../bench/suite-results.js";
import { KittError } from "../errors.js";
import { isObject, type JsonValue, parseJson } from "../json.js";
import { itemsFileName } from "../results/items-file.js";
import type { RunEnd, RunRecord, StoredTest } from "./run-record.js";
import type { RunStatus } from "./schema.js";

/** The original KITT's quality tests; its files carry no category. */
const originalQualityTests = new Set(["mmlu", "gsm8k", "truthfulqa", "hellaswag"]);

export interface MetricsDocuments {
  metricsText: string;
  configText?: string;
  hardwareText?: string;
  /** Per-item outputs (`<test>-run<N>.items.jsonl`), by file name. */
  itemFiles?: Record<string, string>;
  source?: string;
}

export function metricsRecord(docs: MetricsDocuments): RunRecord {
  const file = parseJson(docs.metricsText, "metrics.json");
  if (!isObject(file) || !Array.isArray(file.results) || typeof file.model !== "string" || typeof file.engine !== "string") {
    throw new KittError("CONFIG_INVALID", "metrics.json has no model, engine or results: not a kitt results file");
  }
  const config = docs.configText === undefined ? {} : parseJson(docs.configText, "config.json");
  const engineConfig = isObject(config) && isObject(config.engine) ? config.engine : {};
  const startedAt = parseTime(file.timestamp) ?? Date.now();
  const totalSeconds = typeof file.total_time_seconds === "number" ? file.total_time_seconds : 0;
  const documents: Record<string, string> = { "metrics.json": docs.metricsText };
  if (docs.configText !== undefined) documents["config.json"] = docs.configText;
  if (docs.hardwareText !== undefined) documents["hardware.json"] = docs.hardwareText;
  const systemInfo = isObject(file.system_info) && Object.keys(file.system_info).length > 0 ? file.system_info : undefined;
  return {
    meta: {
      id: isObject(config) && typeof config.run_id === "string" && config.run_id !== "" ? config.run_id : undefined,
      kind: "run",
      model: file.model,
      engine: file.engine,
      suite: typeof file.suite_name === "string" ? file.suite_name : "unknown",
      suiteVersion: typeof file.suite_version === "string" ? file.suite_version : null,
      runtime: typeof engineConfig.runtime === "string" ? engineConfig.runtime : null,
      engineVersion: typeof engineConfig.version === "string" ? engineConfig.version : null,
      imageDigest: typeof engineConfig.image_digest === "string" ? engineConfig.image_digest : null,
      startedAt,
      kittVersion: typeof file.kitt_version === "string" ? file.kitt_version : null,
      config,
      hardware: docs.hardwareText === undefined ? systemInfo : parseJson(docs.hardwareText, "hardware.json"),
      documents,
      source: docs.source ?? null,
    },
    tests: file.results.map((result, index) => withItems(storedTest(result, index), docs.itemFiles ?? {})),
    end: {
      status: endStatus(file.status),
      finishedAt: parseTime(file.finished_at) ?? startedAt + Math.round(totalSeconds * 1000),
      passed: file.passed === true,
      stopReason: typeof file.stop_reason === "string" ? file.stop_reason : null,
    },
  };
}

/** The original KITT wrote no status: its files are complete runs. One left `running` was cut off. */
function endStatus(status: JsonValue | undefined): RunEnd["status"] {
  const known: RunStatus[] = ["completed", "failed", "interrupted"];
  if (status === undefined || status === null) return "completed";
  return known.includes(status as RunStatus) ? (status as RunEnd["status"]) : "interrupted";
}

function storedTest(value: JsonValue, index: number): StoredTest {
  if (!isObject(value) || typeof value.test_name !== "string") throw new KittError("CONFIG_INVALID", `metrics.json results[${index}] has no test_name`);
  const result = value as Partial<Record<keyof TestResult, JsonValue>>;
  return {
    test_name: value.test_name,
    test_version: typeof result.test_version === "string" ? result.test_version : "unknown",
    category: result.category === "quality" || (result.category === undefined && originalQualityTests.has(value.test_name)) ? "quality" : "performance",
    run_number: typeof result.run_number === "number" ? result.run_number : 1,
    passed: result.passed === true,
    partial: result.partial === true,
    metrics: isObject(result.metrics) ? result.metrics : {},
    errors: Array.isArray(result.errors) ? result.errors.map(String) : [],
    warmup_times: Array.isArray(result.warmup_times) ? result.warmup_times.filter((t): t is number => typeof t === "number") : [],
    duration_seconds: typeof result.duration_seconds === "number" ? result.duration_seconds : 0,
    timestamp: typeof result.timestamp === "string" ? result.timestamp : null,
  };
}

function parseTime(value: JsonValue | undefined): number | undefined {
  if (typeof value !== "string") return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : time;
}

function withItems(test: StoredTest, itemFiles: Record<string, string>): StoredTest {
  const name = itemsFileName(test.test_name, test.run_number);
  const text = itemFiles[name];
  return text === undefined ? test : { ...test, sampleFiles: { ...test.sampleFiles, [name]: text } };
}

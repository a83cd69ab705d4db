/**
 * What was run, as the results folder recorded it (`config.json`, `metrics.json`, `serve.json`):
 * engine, image, arguments, model, load mode, data set and lengths, kitt's version. A setting
 * the run did not record says "not recorded"; nothing is guessed.
 */
import { isObject, type JsonValue } from "../../json.js";
import type { ParsedReport } from "./report-documents.js";

export const NOT_RECORDED = "not recorded";

export interface RunSetting {
  label: string;
  value: string;
  /** Where the value came from, e.g. `config.json engine.image`. */
  source: string;
}

type Json = Record<string, JsonValue>;

export function runSettings(report: ParsedReport): RunSetting[] {
  const config: Json = report.config ?? {};
  const engine = objectAt(config, "engine");
  const model = objectAt(config, "model");
  const settings: RunSetting[] = [
    setting("kitt version", config.kitt_version ?? report.metrics?.kitt_version, "config.json kitt_version"),
    setting("engine", joined([engine.name, engine.version === undefined ? undefined : `version ${text(engine.version)}`]), "config.json engine.name, engine.version"),
    setting("runtime", engine.runtime, "config.json engine.runtime"),
    setting("image", imageText(engine), "config.json engine.image, engine.image_digest"),
    setting("engine arguments", argumentsText(engine.extra_args), "config.json engine.extra_args"),
    setting("model", joined([model.name, model.format]), "config.json model.name, model.format"),
    setting("model path", model.path, "config.json model.path"),
  ];
  if (report.serve || config.load !== undefined) settings.push(...serveSettings(config, report.serve ?? {}));
  if (report.metrics || config.suite !== undefined) settings.push(...suiteSettings(config));
  settings.push(setting("command line", Array.isArray(config.command_line) ? ["kitt", ...config.command_line.map(text)].join(" ") : undefined, "config.json command_line"));
  return settings;
}

function serveSettings(config: Json, serve: Json): RunSetting[] {
  const load = objectAt(config, "load");
  const dataset = objectAt(config, "dataset");
  const stats = objectAt(dataset, "stats");
  const mode = objectAt(config, "mode");
  return [
    setting("load mode", modeText(mode), "config.json mode"),
    setting("request rate", rateText(load.requestRate ?? serve.request_rate, load.distribution, load.burstiness), "config.json load.requestRate, distribution, burstiness"),
    setting("max concurrency", limitText(load.maxConcurrency ?? serve.max_concurrency), "config.json load.maxConcurrency"),
    setting("duration limit", load.durationMs === "inf" ? "none" : load.durationMs === undefined ? undefined : `${text(load.durationMs)} ms`, "config.json load.durationMs"),
    setting("warm-up requests", load.warmupRequests ?? serve.warmup_requests, "config.json load.warmupRequests"),
    setting("protocol", config.protocol ?? serve.endpoint_type, "config.json protocol"),
    setting("data set", datasetText(dataset), "config.json dataset"),
    setting("lengths", lengthsText(dataset, stats), "config.json dataset, dataset.stats"),
  ];
}

function suiteSettings(config: Json): RunSetting[] {
  const suite = objectAt(config, "suite");
  const tests = objectAt(config, "tests");
  return [
    setting("suite", joined([suite.name, suite.version === undefined ? undefined : `version ${text(suite.version)}`, suite.source]), "config.json suite"),
    setting("runs per test", config.runs, "config.json runs"),
    setting("warm-up", config.skip_warmup === undefined ? undefined : config.skip_warmup === true ? "skipped" : "run before each test", "config.json skip_warmup"),
    ...Object.entries(tests).map(([name, testConfig]) => setting(`test ${name}`, testConfigText(testConfig), `config.json tests.${name}`)),
  ];
}

function setting(label: string, value: JsonValue | undefined, source: string): RunSetting {
  const shown = value === undefined || value === null || value === "" ? NOT_RECORDED : text(value);
  return { label, value: shown, source };
}

function objectAt(value: Json, key: string): Json {
  const found = value[key];
  return isObject(found) ? found : {};
}

function text(value: JsonValue): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

/** The present parts, joined; undefined when none is present. */
function joined(parts: Array<JsonValue | undefined>): string | undefined {
  const present = parts.filter((part): part is JsonValue => part !== undefined && part !== null && part !== "");
  return present.length === 0 ? undefined : present.map(text).join(" · ");
}

/** A native or external engine has no image, which is not the same as an image nobody wrote down. */
function imageText(engine: Json): string | undefined {
  const image = joined([engine.image, engine.image_digest]);
  if (image !== undefined) return image;
  if (engine.runtime === "native") return "none (a native process)";
  if (engine.runtime === "endpoint") return "none (an engine kitt did not start)";
  return undefined;
}

function argumentsText(args: JsonValue | undefined): string | undefined {
  if (!Array.isArray(args)) return undefined;
  return args.length === 0 ? "none (the engine's defaults)" : args.map(text).join(" ");
}

function modeText(mode: Json): string | undefined {
  switch (mode.kind) {
    case "single":
      return "one run";
    case "sweep":
      return `sweep of ${text(mode.count ?? "?")} runs (synchronous, maximum throughput, rates between)`;
    case "slo-search":
      return `search for the highest rate meeting the SLO (${text(mode.attainment ?? "?")} attainment, ${text(mode.iterations ?? "?")} iterations)`;
    default:
      return mode.kind === undefined ? undefined : text(mode.kind);
  }
}

function rateText(rate: JsonValue | undefined, distribution: JsonValue | undefined, burstiness: JsonValue | undefined): string | undefined {
  if (rate === undefined || rate === null) return undefined;
  if (rate === "inf" || rate === Infinity) return "unlimited (every request sent at once, up to the concurrency cap)";
  const shape = distribution === undefined ? "" : `, ${text(distribution)} arrivals${burstiness === undefined ? "" : `, burstiness ${text(burstiness)}`}`;
  return `${text(rate)} req/s${shape}`;
}

function limitText(value: JsonValue | undefined): string | undefined {
  if (value === undefined || value === null) return undefined;
  return value === "inf" ? "unlimited" : text(value);
}

function datasetText(dataset: Json): string | undefined {
  if (dataset.kind === undefined) return undefined;
  const count = dataset.numPrompts ?? objectAt(dataset, "stats").requests;
    return joined([dataset.kind, count === undefined ? undefined : `${text(count)} prompts`, dataset.path, dataset.seed === undefined ? undefined : `seed ${text(dataset.seed)}`]);
}

function lengthsText(dataset: Json, stats: Json): string | undefined {
  const parts: string[] = [];
  if (dataset.inputTokens !== undefined) parts.push(`input ${text(dataset.inputTokens)} tokens${rangeText(dataset.rangeRatio)}`);
  if (dataset.outputTokens !== undefined) parts.push(`output ${text(dataset.outputTokens)} tokens${rangeText(dataset.rangeRatio)}`);
  if (typeof stats.total_prompt_tokens === "number" && typeof stats.requests === "number" && stats.requests > 0) {
    const warmup = typeof stats.warmup_requests === "number" && stats.warmup_requests > 0 ? `, ${stats.warmup_requests} of them warm-up` : "";
    parts.push(
      `prepared: ${stats.total_prompt_tokens} prompt tokens, ${text(stats.total_output_tokens ?? "?")} output tokens over ${stats.requests} requests${warmup} (${text(stats.token_source ?? "?")} counts)`,
    );
  }
  return parts.length === 0 ? undefined : parts.join(" · ");
}

function rangeText(ratio: JsonValue | undefined): string {
  return typeof ratio === "number" && ratio > 0 ? ` ± ${Math.round(ratio * 100)}%` : "";
}

function testConfigText(config: JsonValue): string {
  if (!isObject(config)) return text(config);
  const entries = Object.entries(config).filter(([, value]) => value !== null && value !== undefined);
  return entries.length === 0 ? "defaults" : entries.map(([key, value]) => `${key}=${text(value)}`).join(", ");
}

/**
 * A serving result rebuilt from the request records (`requests.jsonl`) of a run that never
 * wrote its `serve.json` (killed mid-run). The metrics come from the same accumulator and
 * `computeServeMetrics` as a live run's, over every complete record. What only the live run
 * knew is left out (the client's own health, the engine's /metrics), and the run's end is the
 * end of its last recorded request. The result says `partial: true`.
 */
import { KittError } from "../errors.js";
import { isObject, type JsonValue } from "../json.js";
import { vllmDate } from "../serve/load/serve-run.js";
import { ServeAccumulator } from "../serve/metrics/accumulator.js";
import { computeServeMetrics, type GoodputSlo } from "../serve/metrics/serve-metrics.js";
import type { RequestRecord } from "../serve/types.js";

export const RECORDS_FILE = "requests.jsonl";

export interface RecordsFile {
  text: string;
  /** When the file was last written (epoch ms): close to the end of the last record in it. */
  modifiedAt: number;
}

export function rebuildServeResult(records: RecordsFile, config: Record<string, JsonValue>): Record<string, JsonValue> {
  const load = isObject(config.load) ? config.load : {};
  const dataset = isObject(config.dataset) ? config.dataset : {};
  const stats = isObject(dataset.stats) ? dataset.stats : {};
  const model = isObject(config.model) ? config.model : {};
  const protocol = typeof config.protocol === "string" ? config.protocol : null;
  const accumulator = new ServeAccumulator();
  let endMs = 0;
  for (const record of completeRecords(records.text)) {
    accumulator.add(record);
    endMs = Math.max(endMs, record.sentMs + (record.e2elMs ?? record.chunkMs.at(-1) ?? 0));
  }
  const metrics = computeServeMetrics(accumulator, {
    durationS: endMs / 1000,
    selectedPercentiles: Array.isArray(load.percentiles) ? load.percentiles.filter((p): p is number => typeof p === "number") : undefined,
    goodputSlo: isObject(load.slo) ? (load.slo as GoodputSlo) : undefined,
    targetRate: load.rampUp ? undefined : rate(load.requestRate),
  });
  return {
    date: vllmDate(new Date(records.modifiedAt - endMs)),
    endpoint_type: protocol,
    backend: protocol,
    label: null,
    model_id: typeof model.name === "string" ? model.name : null,
    tokenizer_id: typeof stats.token_counter === "string" ? stats.token_counter : null,
    num_prompts: typeof stats.requests === "number" ? stats.requests : null,
    request_rate: load.requestRate ?? null,
    burstiness: load.burstiness ?? null,
    max_concurrency: typeof load.maxConcurrency === "number" ? load.maxConcurrency : null,
    ...(metrics as unknown as Record<string, JsonValue>),
    stopped_because: null,
    warmup_requests: load.warmupRequests ?? null,
    engine_metrics: null,
    partial: true,
    rebuilt_from: RECORDS_FILE,
  };
}

/** Every whole line; a last line cut off by the kill (no newline) is left out. */
function* completeRecords(text: string): Generator<RequestRecord> {
  const lines = text.split("\n");
  lines.pop();
  for (const [index, line] of lines.entries()) {
    if (line === "") continue;
    try {
      yield JSON.parse(line) as RequestRecord;
    } catch (error) {
      throw new KittError("CONFIG_INVALID", `${RECORDS_FILE} line ${index + 1} is not a request record: ${(error as Error).message}`, { cause: error });
    }
  }
}

function rate(value: JsonValue | undefined): number | undefined {
  if (value === "inf") return Number.POSITIVE_INFINITY;
  return typeof value === "number" ? value : undefined;
}


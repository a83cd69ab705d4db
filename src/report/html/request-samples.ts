/**
 * Per-request latency samples for the charts: from a serving run's request records (every
 * chunk's arrival time), or from a suite's `per_request` arrays (TTFT and end-to-end only).
 * Failed requests never enter a latency sample.
 */
import { isObject, type JsonValue } from "../../json.js";
import type { RequestRecord } from "../../serve/types.js";
import type { ParsedReport } from "../formats/report-documents.js";

export interface LatencySamples {
  ttftMs: number[];
  e2elMs: number[];
  /** Pooled gaps between consecutive chunks; empty when chunk times were not recorded. */
  itlMs: number[];
  /** Where the samples came from, for chart notes. */
  source: string;
}

export function latencySamples(report: ParsedReport): LatencySamples {
  const records = report.requests.flatMap((file) => file.records).filter((r) => r.success);
  if (records.length > 0) {
    const files = report.requests.length;
    return {
      ttftMs: records.flatMap((r) => (r.ttftMs === null ? [] : [r.ttftMs])),
      e2elMs: records.flatMap((r) => (r.e2elMs === null ? [] : [r.e2elMs])),
      itlMs: records.flatMap(chunkGaps),
      source: `${records.length} successful requests${files > 1 ? ` from ${files} runs, pooled` : ""}`,
    };
  }
  const perRequest = (report.metrics?.results ?? []).flatMap((result) => samplesOf(result.metrics.per_request));
  return {
    ttftMs: perRequest.flatMap((r) => numberAt(r, "ttft_ms")),
    e2elMs: perRequest.flatMap((r) => numberAt(r, "latency_ms", "total_latency_ms")),
    itlMs: [],
    source: `${perRequest.length} requests of the suite's tests`,
  };
}

function chunkGaps(record: RequestRecord): number[] {
  const gaps: number[] = [];
  for (let i = 1; i < record.chunkMs.length; i += 1) gaps.push((record.chunkMs[i] as number) - (record.chunkMs[i - 1] as number));
  return gaps;
}

function samplesOf(value: JsonValue | undefined): Array<Record<string, JsonValue>> {
  return Array.isArray(value) ? value.filter(isObject) : [];
}

function numberAt(sample: Record<string, JsonValue>, ...keys: string[]): number[] {
  for (const key of keys) {
    const value = sample[key];
    if (typeof value === "number" && Number.isFinite(value)) return [value];
  }
  return [];
}

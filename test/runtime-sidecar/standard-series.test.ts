/**
 * The standardized series are the engine's lines renamed as text: every odd but valid sample
 * line keeps its labels, value and timestamp exactly, and gains the pod and model labels.
 */
import { describe, expect, it } from "vitest";
import { parsePrometheusText, readRawFamilies } from "../../src/collectors/prometheus/parse.js";
import { sourceFamilies } from "../../src/collectors/prometheus/unified.js";
import { standardSeriesText } from "../../src/runtime-sidecar/standard-series.js";

const identity = { pod: "p-1", model: 'm "quoted"' };
const idLabels = 'pod="p-1",model="m \\"quoted\\""';

function standardized(body: string): string[] {
  return standardSeriesText(readRawFamilies(body, sourceFamilies("vllm")), "vllm", identity)
    .split("\n")
    .filter((line) => line !== "" && !line.startsWith("#"));
}

describe("standard series as renamed lines", () => {
  it("keeps labels, values and timestamps as written, whatever the label values hold", () => {
    const body = [
      "# TYPE vllm:num_requests_waiting gauge",
      'vllm:num_requests_waiting{a="x}y",b="say \\"hi\\"",c="back\\\\slash"} 3.0 1700000000000',
      "# TYPE vllm:generation_tokens_total counter",
      "vllm:generation_tokens_total 1.5e+03",
      "# TYPE vllm:e2e_request_latency_seconds histogram",
      'vllm:e2e_request_latency_seconds_bucket{le="+Inf",} 7',
      "vllm:e2e_request_latency_seconds_sum{ } 1.25",
      "vllm:e2e_request_latency_seconds_count{} 7",
      'vllm:e2e_request_latency_seconds_created{le="x"} 1.7e9',
      "",
    ].join("\n");
    expect(standardized(body)).toEqual([
      `kthena:generation_tokens_total{${idLabels}} 1.5e+03`,
      `kthena:num_requests_waiting{a="x}y",b="say \\"hi\\"",c="back\\\\slash",${idLabels}} 3.0 1700000000000`,
      `kthena:e2e_request_latency_seconds_bucket{le="+Inf",${idLabels}} 7`,
      `kthena:e2e_request_latency_seconds_sum{${idLabels}} 1.25`,
      `kthena:e2e_request_latency_seconds_count{${idLabels}} 7`,
    ]);
    // And the result is an exposition that parses back to the same values and labels.
    const parsed = parsePrometheusText(standardized(body).join("\n"));
    expect(parsed.get("kthena:num_requests_waiting")!.samples[0]).toEqual({
      name: "kthena:num_requests_waiting",
      labels: { a: "x}y", b: 'say "hi"', c: "back\\slash", pod: "p-1", model: 'm "quoted"' },
      value: 3,
      timestamp: 1700000000000,
    });
  });

  it("renames an engine's own pod or model label only when it is a label, not text in a value", () => {
    const body = [
      "# TYPE vllm:num_requests_running gauge",
      'vllm:num_requests_running{note="a,model=b",pod="p-1"} 2',
      'vllm:num_requests_running{model="other"} 1',
      "",
    ].join("\n");
    expect(standardized(body)).toEqual([
      `kitt:num_requests_running{note="a,model=b",${idLabels}} 2`,
      `kitt:num_requests_running{exported_model="other",${idLabels}} 1`,
    ]);
  });
});

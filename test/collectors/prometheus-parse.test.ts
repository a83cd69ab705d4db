import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { describe, expect, it } from "vitest";
import { parsePrometheusText } from "../../src/collectors/prometheus/parse.js";
import { parseSampleLine } from "../../src/collectors/prometheus/sample-line.js";
import { histogramSeries } from "../../src/collectors/prometheus/series.js";
import type { MetricFamily } from "../../src/collectors/prometheus/types.js";
import { KittError } from "../../src/errors.js";

const fixture = (path: string) => readFileSync(new URL(`../fixtures/${path}`, import.meta.url), "utf8");

function family(families: Map<string, MetricFamily>, name: string): MetricFamily {
  const found = families.get(name);
  if (!found) throw new Error(`no family ${name}; have ${[...families.keys()].join(", ")}`);
  return found;
}

describe("parsePrometheusText on recorded engine output", () => {
  it("reads vLLM's V1 counters with their separate _created gauges", () => {
    const families = parsePrometheusText(fixture("engines/vllm/metrics-head.prom"));
    const generation = family(families, "vllm:generation_tokens_total");
    expect(generation.type).toBe("counter");
    expect(generation.help).toBe("Number of generation tokens processed.");
    expect(generation.samples).toEqual([
      { name: "vllm:generation_tokens_total", labels: { engine: "0", model_name: "llama-vllm-single" }, value: 0 },
    ]);
    expect(family(families, "vllm:prompt_tokens_created")).toMatchObject({ type: "gauge", samples: [{ value: 1.7769301736864982e9 }] });
    expect(family(families, "vllm:kv_cache_usage_perc").type).toBe("gauge");
    // The recording ends with a HELP line whose family never printed a sample.
    expect(family(families, "vllm:request_success_total").samples).toEqual([]);
  });

  it("groups SGLang's labelled histograms, _sum printed before the buckets", () => {
    const families = parsePrometheusText(fixture("engines/sglang/metrics.prom"));
    const ttft = family(families, "sglang:time_to_first_token_seconds");
    expect(ttft.type).toBe("histogram");
    expect(ttft.samples).toHaveLength(20 + 2 + 1);
    const [series] = histogramSeries(ttft).values();
    expect(series?.count).toBe(11008);
    expect(series?.sum).toBeCloseTo(2351897.9474117756);
    expect(series?.buckets.at(-1)).toEqual({ le: Infinity, count: 11008 });
    expect(series?.buckets[4]).toEqual({ le: 0.04, count: 1 });
    const func = family(families, "sglang:func_latency_seconds");
    expect(func.samples[0]).toEqual({ name: "sglang:func_latency_seconds_sum", labels: { name: "generate_request" }, value: 4.514771912145079 });
    expect(families.has("sglang:time_to_first_token_seconds_bucket")).toBe(false);
  });

  it("reads TGI's counters without _total, families without HELP, a summary and 1,024-bucket histograms", () => {
    const families = parsePrometheusText(fixture("prometheus/tgi/metrics.prom"));
    expect(family(families, "tgi_request_success")).toMatchObject({ type: "counter", samples: [{ name: "tgi_request_success", value: 109 }] });
    expect(family(families, "tgi_request_failure")).toMatchObject({
      type: "counter",
      samples: [{ labels: { err: "validation" }, value: 2 }],
    });
    expect(family(families, "tgi_batch_concat").help).toBeUndefined();
    const skipped = family(families, "tgi_request_skipped_tokens");
    expect(skipped.type).toBe("summary");
    expect(skipped.samples.map((sample) => sample.name)).toEqual([
      ...Array<string>(7).fill("tgi_request_skipped_tokens"),
      "tgi_request_skipped_tokens_sum",
      "tgi_request_skipped_tokens_count",
    ]);
    expect(skipped.samples[6]?.labels).toEqual({ quantile: "1" });
    const forward = histogramSeries(family(families, "tgi_batch_forward_duration"));
    expect([...forward.keys()]).toEqual(['method="prefill"', 'method="decode"']);
    expect(forward.get('method="decode"')).toMatchObject({ count: 1509, sum: 89.03133092599998 });
    expect(forward.get('method="decode"')?.buckets).toHaveLength(36);
    const nextSize = [...histogramSeries(family(families, "tgi_batch_next_size")).values()][0];
    expect(nextSize?.buckets).toHaveLength(1025);
    expect(families.size).toBe(24);
  });

  it("keeps a histogram whose family name ends in _total (vLLM's iteration_tokens_total)", () => {
    const families = parsePrometheusText(fixture("prometheus/vllm/metrics-datadog.prom"));
    const iteration = family(families, "vllm:iteration_tokens_total");
    expect(iteration.type).toBe("histogram");
    expect(iteration.samples.map((sample) => sample.name)).toContain("vllm:iteration_tokens_total_bucket");
    expect([...histogramSeries(iteration).values()][0]).toMatchObject({ count: 71, sum: 267 });
    expect(family(families, "vllm:cache_config_info").samples[0]?.labels).toMatchObject({ num_gpu_blocks: "7281", sliding_window: "None" });
    expect(family(families, "process_max_fds").samples[0]?.value).toBe(1048576);
  });

  it("reads llama.cpp's counters and gauges", () => {
    const families = parsePrometheusText(fixture("prometheus/llamacpp/metrics-after-two-completions.prom"));
    expect(family(families, "llamacpp:tokens_predicted_total")).toMatchObject({ type: "counter", samples: [{ value: 24 }] });
    expect(family(families, "llamacpp:predicted_tokens_seconds")).toMatchObject({ type: "gauge", samples: [{ value: 9.52196 }] });
  });

  it("parses a 200 KB body in a few milliseconds", () => {
    const tgi = fixture("prometheus/tgi/metrics.prom");
    const body = tgi + tgi.replaceAll("tgi_", "tgi2_");
    expect(body.length).toBeGreaterThan(195_000);
    parsePrometheusText(body); // warm up the JIT, as a scraper does on its first scrape
    const times: number[] = [];
    for (let i = 0; i < 9; i++) {
      const started = performance.now();
      parsePrometheusText(body);
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    expect(times[4]).toBeLessThan(25);
  });
});

describe("parsePrometheusText on the corners of the format", () => {
  it("unescapes backslashes, quotes and newlines in label values, and keeps commas and braces", () => {
    const [sample] = family(
      parsePrometheusText('msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\"",x="a,b}c"} 1.458255915e9\n'),
      "msdos_file_access_time_seconds",
    ).samples;
    expect(sample?.labels).toEqual({ path: "C:\\DIR\\FILE.TXT", error: 'Cannot find file:\n"FILE.TXT"', x: "a,b}c" });
    expect(sample?.value).toBe(1458255915);
  });

  it("reads timestamps, +Inf, -Inf and NaN", () => {
    const families = parsePrometheusText(
      [
        "# TYPE http_requests_total counter",
        'http_requests_total{method="post",code="200"} 1027 1395066363000',
        'http_requests_total{method="post",code="400"}    3   1395066363000',
        "metric_without_timestamp_and_labels 12.47",
        "something_weird{problem=\"division by zero\"} +Inf -3982045",
        "minus_infinity -Inf",
        "vllm:spec_decode_draft_acceptance_rate NaN",
      ].join("\n"),
    );
    expect(family(families, "http_requests_total").samples.map((s) => [s.value, s.timestamp])).toEqual([
      [1027, 1395066363000],
      [3, 1395066363000],
    ]);
    expect(family(families, "metric_without_timestamp_and_labels").samples[0]).toEqual({
      name: "metric_without_timestamp_and_labels",
      labels: {},
      value: 12.47,
    });
    expect(family(families, "something_weird").samples[0]).toMatchObject({ value: Infinity, timestamp: -3982045 });
    expect(family(families, "minus_infinity").samples[0]?.value).toBe(-Infinity);
    expect(family(families, "vllm:spec_decode_draft_acceptance_rate").samples[0]?.value).toBeNaN();
    expect(family(families, "vllm:spec_decode_draft_acceptance_rate").type).toBe("untyped");
  });

  it("groups an OpenMetrics counter declared without _total with its _total and _created samples", () => {
    const families = parsePrometheusText(
      [
        "# HELP vllm:generation_tokens Number of generation tokens processed.",
        "# TYPE vllm:generation_tokens counter",
        'vllm:generation_tokens_total{engine="0"} 512.0',
        'vllm:generation_tokens_created{engine="0"} 1.7e9',
        "# EOF",
      ].join("\n"),
    );
    expect([...families.keys()]).toEqual(["vllm:generation_tokens"]);
    expect(family(families, "vllm:generation_tokens").samples.map((s) => s.name)).toEqual([
      "vllm:generation_tokens_total",
      "vllm:generation_tokens_created",
    ]);
  });

  it("groups histogram samples even when other families come between them", () => {
    const families = parsePrometheusText(
      [
        "# TYPE lat histogram",
        "# TYPE queue gauge",
        "queue 3",
        'lat_bucket{le="1"} 2',
        "queue 4",
        'lat_bucket{le="+Inf"} 5',
        "lat_sum 6.5",
        "lat_count 5",
      ].join("\n"),
    );
    expect(family(families, "lat").samples.map((s) => s.name)).toEqual(["lat_bucket", "lat_bucket", "lat_sum", "lat_count"]);
    expect(family(families, "queue").samples).toHaveLength(2);
  });

  it("tolerates CRLF, blank lines, other comments, trailing commas, spaces around labels and exemplars", () => {
    const families = parsePrometheusText(
      "# a comment\r\n\r\n# UNIT x_seconds seconds\r\n  x_seconds { a = \"1\" , b=\"2\", } 0.5 # {trace_id=\"abc\"} 0.5 1.6e9\r\n",
    );
    expect(family(families, "x_seconds").samples).toEqual([{ name: "x_seconds", labels: { a: "1", b: "2" }, value: 0.5 }]);
  });

  it("skips lines that are not samples, reporting them, and keeps the rest", () => {
    const skipped: string[] = [];
    const families = parsePrometheusText(
      ["llamacpp:prompt_tokens_total 7", "llamacpp:broken{unterminated=\"x} 1", "just words", "llamacpp:requests_deferred 0"].join("\n"),
      (line, text) => skipped.push(`${line}: ${text}`),
    );
    expect([...families.keys()]).toEqual(["llamacpp:prompt_tokens_total", "llamacpp:requests_deferred"]);
    expect(skipped).toEqual(['2: llamacpp:broken{unterminated="x} 1', "3: just words"]);
  });

  it("keeps a label called __proto__ as a label", () => {
    const sample = parseSampleLine('m{__proto__="x"} 1');
    expect(sample?.labels.__proto__).toBe("x");
    expect(Object.keys(sample?.labels ?? {})).toEqual(["__proto__"]);
  });

  it("unescapes HELP text: backslashes and newlines, not quotes", () => {
    const families = parsePrometheusText('# HELP m first\\nsecond, C:\\\\DIR, \\"as is\\"\nm 1\n');
    expect(family(families, "m").help).toBe('first\nsecond, C:\\DIR, \\"as is\\"');
  });

  it("accepts an empty body and a body of HELP and TYPE lines only", () => {
    expect(parsePrometheusText("").size).toBe(0);
    const families = parsePrometheusText("# HELP vllm:num_requests_running Number of requests.\n# TYPE vllm:num_requests_running gauge\n");
    expect(family(families, "vllm:num_requests_running")).toEqual({
      name: "vllm:num_requests_running",
      type: "gauge",
      help: "Number of requests.",
      samples: [],
    });
  });

  it("fails with ENGINE_REQUEST_FAILED when nothing in the body is a sample", () => {
    for (const body of ["<html><body>Not Found</body></html>", '{"error":{"code":501,"message":"not supported"}}']) {
      expect(() => parsePrometheusText(body)).toThrow(KittError);
      try {
        parsePrometheusText(body);
      } catch (error) {
        expect((error as KittError).code).toBe("ENGINE_REQUEST_FAILED");
        expect((error as KittError).message).toMatch(/not a Prometheus text exposition.*line 1/);
      }
    }
  });

  it("rejects malformed sample lines", () => {
    for (const line of ['m{a="1" b="2"} 1', "m 1 2 3", "m", 'm{a=1} 1', "m one", "m 1 1.5.5", '{a="1"} 1']) {
      expect(parseSampleLine(line), line).toBeUndefined();
    }
  });
});

describe("parsePrometheusText with only some families wanted", () => {
  it("reads the wanted families exactly as a whole parse does, and nothing else", async () => {
    const { sourceFamilies } = await import("../../src/collectors/prometheus/unified.js");
    for (const [path, engine] of [["prometheus/tgi/metrics.prom", "tgi"], ["prometheus/vllm/metrics-datadog.prom", "vllm"], ["engines/sglang/metrics.prom", "sglang"]] as const) {
      const body = fixture(path);
      const whole = parsePrometheusText(body);
      const only = sourceFamilies(engine);
      const some = parsePrometheusText(body, undefined, only);
      expect(some.size, path).toBeGreaterThan(0);
      for (const [name, read] of some) {
        expect(read, `${path} ${name}`).toEqual(whole.get(name));
        expect([...only].some((wanted) => name.startsWith(wanted)), `${path} ${name}`).toBe(true);
      }
      for (const name of only) if (whole.has(name)) expect(some.has(name), `${path} ${name}`).toBe(true);
    }
  });

  it("finds the wanted lines wherever they are: indented, after CRLF, outside their block, beside look-alike names", () => {
    const body = [
      "# HELP other_metric not wanted\r",
      "# TYPE other_metric gauge\r",
      "other_metric 1\r",
      "  # HELP wanted_seconds a histogram\r",
      "# TYPE   wanted_seconds histogram",
      'wanted_seconds_bucket{le="1"} 2',
      '  wanted_seconds_bucket{le="+Inf"} 3\r',
      "wanted_seconds_sum 4.5 1700000000000",
      "wanted_seconds_count 3",
      "wanted_seconds_extra 9",
      "wanted_secondsX 9",
      "# TYPE more gauge",
      "more 1",
      "wanted_total 7",
      "\twanted 8",
      "",
      "   ",
    ].join("\n");
    const only = new Set(["wanted_seconds", "wanted"]);
    const whole = parsePrometheusText(body);
    const some = parsePrometheusText(body, undefined, only);
    expect([...some.keys()]).toEqual(["wanted_seconds", "wanted_total", "wanted"]);
    for (const [name, read] of some) expect(read, name).toEqual(whole.get(name));
    expect(some.get("wanted_seconds")!.samples.map((sample) => sample.value)).toEqual([2, 3, 4.5, 3]);
  });

  it("still reports lines that start with no metric name", () => {
    const skipped: number[] = [];
    const read = parsePrometheusText('a_total 1\n{broken} 2\nb_total 3\n', (line) => skipped.push(line), new Set(["b"]));
    expect([...read.keys()]).toEqual(["b_total"]);
    expect(skipped).toEqual([2]);
    const numbered: Array<[number, string]> = [];
    parsePrometheusText('a 1\r\n\r\n  {x} 1\r\nb 2\r\n\t!b 3\r\n# {y} 4\r\n', (number, line) => numbered.push([number, line]), new Set(["b"]));
    expect(numbered).toEqual([
      [3, "  {x} 1"],
      [5, "\t!b 3"],
    ]);
  });
});

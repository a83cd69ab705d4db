/**
 * The runtime's `/metrics` and `/health` against the vLLM and SGLang emulators and the recorded
 * real expositions: every standardized series with its type, unit (seconds) and value, the
 * engine's body passed through, the pod/model labels, and one test per Kthena bug
 * (`engines.md`) showing kitt does not repeat it.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parsePrometheusText } from "../../src/collectors/prometheus/parse.js";
import type { Exposition, MetricFamily, Sample } from "../../src/collectors/prometheus/types.js";
import { standardize, UNIFIED_METRICS } from "../../src/collectors/prometheus/unified.js";
import type { EngineName } from "../../src/engines/types.js";
import { runtimeSettings, type RuntimeFlags } from "../../src/runtime-sidecar/runtime-settings.js";
import { KTHENA_NAMES } from "../../src/runtime-sidecar/standard-series.js";
import { sidecarApp } from "../../src/runtime-sidecar/sidecar-app.js";
import { startEmulator } from "../emulators/index.mjs";
import { startStubEngine } from "../support/stub-metrics-engine.js";

const POD = "pod-7.default";
const MODEL = "served-model";
const fixture = (path: string) => readFileSync(new URL(`../fixtures/${path}`, import.meta.url), "utf8");

async function runtimeFor(engine: EngineName, baseUrl: string, flags: Partial<RuntimeFlags> = {}) {
  const settings = await runtimeSettings({ engine, host: "127.0.0.1", engineBaseUrl: baseUrl, pod: POD, model: MODEL, engineTimeout: 2, ...flags }, {});
  return sidecarApp(settings, []);
}

async function scrape(app: Awaited<ReturnType<typeof runtimeFor>>): Promise<{ status: number; text: string; exposition: Exposition }> {
  const response = await app.request("/metrics");
  expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
  const text = await response.text();
  return { status: response.status, text, exposition: parsePrometheusText(text) };
}

function family(exposition: Exposition, name: string): MetricFamily {
  const found = exposition.get(name);
  if (!found) throw new Error(`no family ${name}; have ${[...exposition.keys()].filter((key) => !key.startsWith("vllm:")).join(", ")}`);
  return found;
}

function value(exposition: Exposition, sampleName: string, family_ = sampleName): number {
  const samples = family(exposition, family_).samples.filter((sample) => sample.name === sampleName);
  expect(samples, sampleName).toHaveLength(1);
  return samples[0]!.value;
}

/** The engine's labels, the runtime's identity on top. */
const identified = (sample: Sample) => ({ ...sample.labels, pod: POD, model: MODEL });

/**
 * Each metric kitt unifies appears once: under Kthena's name where Kthena has one, else under
 * kitt's; the engine's source family renamed (same samples, values, `le`s), plus pod and model.
 */
function expectStandardized(body: string, engine: EngineName, exposition: Exposition): void {
  const unified = standardize(parsePrometheusText(body), engine);
  expect(unified.size).toBeGreaterThan(0);
  for (const source of unified.values()) {
    const name = KTHENA_NAMES.get(source.name) ?? source.name;
    if (name !== source.name) expect(exposition.has(source.name), `${source.name} is emitted only as ${name}`).toBe(false);
    const emitted = family(exposition, name);
    expect(emitted.type, name).toBe(source.type);
    expect(emitted.help, name).toContain(`from the engine's ${source.source}`);
    expect(emitted.samples.map((sample) => ({ ...sample, labels: { ...sample.labels } })), name).toEqual(
      source.samples.map((sample) => ({ ...sample, name: name + sample.name.slice(source.name.length), labels: identified(sample) })),
    );
    if (source.type === "histogram") expect(name, "histograms are in seconds").toMatch(/_seconds$/);
  }
  // Names kitt knows for this engine but the body lacks are absent, not empty.
  for (const metric of UNIFIED_METRICS) {
    if (!unified.has(metric.name)) expect(exposition.has(KTHENA_NAMES.get(metric.name) ?? metric.name), metric.name).toBe(false);
  }
}

/** Every `# TYPE` names a different family: nothing is emitted twice. */
function expectEachFamilyOnce(text: string): void {
  const declared = text.split("\n").filter((line) => line.startsWith("# TYPE ")).map((line) => line.split(" ")[2]);
  expect(declared.length).toBe(new Set(declared).size);
}

async function complete(baseUrl: string, model: string, maxTokens: number): Promise<number> {
  const response = await fetch(`${baseUrl}/v1/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model, prompt: "The quick brown fox", max_tokens: maxTokens, temperature: 0 }),
    signal: AbortSignal.timeout(10_000),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { usage: { completion_tokens: number } }).usage.completion_tokens;
}

describe.each(["vllm", "sglang"] as const)("kitt runtime in front of the %s emulator", (engine) => {
  it("passes the engine's exposition through and adds every standardized series with pod and model", async () => {
    await using emulator = await startEmulator(engine, { model: "tiny", tokenDelayMs: 1 });
    await emulator.ready;
    const generated = (await complete(emulator.url, "tiny", 5)) + (await complete(emulator.url, "tiny", 7));
    expect(generated).toBe(12);
    const app = await runtimeFor(engine, emulator.url);

    const direct = await (await fetch(`${emulator.url}/metrics`)).text();
    const { status, text, exposition } = await scrape(app);
    expect(status).toBe(200);
    expect(text.startsWith(direct), "the engine's body comes first, byte for byte").toBe(true);
    expectEachFamilyOnce(text);
    expectStandardized(direct, engine, exposition);

    expect(family(exposition, "kthena:generation_tokens_total").type).toBe("counter");
    expect(value(exposition, "kthena:generation_tokens_total")).toBe(generated);
    expect(family(exposition, "kthena:generation_tokens_total").samples[0]!.labels).toEqual({ model_name: "tiny", ...(engine === "vllm" ? { engine: "0" } : {}), pod: POD, model: MODEL });
    expect(value(exposition, "kthena:num_requests_waiting")).toBe(0);
    expect(value(exposition, "kthena:time_to_first_token_seconds_count", "kthena:time_to_first_token_seconds")).toBe(2);
    expect(value(exposition, "kthena:e2e_request_latency_seconds_count", "kthena:e2e_request_latency_seconds")).toBe(2);
    // One inter-token gap per token after the first.
    expect(value(exposition, "kthena:time_per_output_token_seconds_count", "kthena:time_per_output_token_seconds")).toBe(generated - 2);
    const e2e = value(exposition, "kthena:e2e_request_latency_seconds_sum", "kthena:e2e_request_latency_seconds");
    expect(e2e).toBeGreaterThan(0);
    expect(e2e, "seconds, not milliseconds").toBeLessThan(10);
    expect(value(exposition, "kitt_runtime_engine_up")).toBe(1);
    expect(family(exposition, "kitt_runtime_engine_up").samples[0]!.labels).toEqual({ engine, pod: POD, model: MODEL });
  });

  it("answers /health ready only once the engine is ready (Kthena's /health never asks the engine)", async () => {
    await using emulator = await startEmulator(engine, { model: "tiny", startupMs: 1_500 });
    const app = await runtimeFor(engine, emulator.url);
    const first = await app.request("/health");
    expect(first.status).toBe(503);
    expect(((await first.json()) as { reason: string }).reason).toMatch(/connection refused|answered 503/);
    await emulator.ready;
    const ready = await app.request("/health");
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready" });
    await emulator.close();
    const gone = await app.request("/health");
    expect(gone.status).toBe(503);
    expect(((await gone.json()) as { reason: string }).reason).toContain("connection refused");
  });
});

describe("Kthena's bugs, not repeated", () => {
  it("emits the generation-token counter whether the engine declared it with or without _total", async () => {
    // prometheus_client declares `vllm:generation_tokens_total`; OpenMetrics-style bodies declare
    // `vllm:generation_tokens` with `_total` samples. Kthena's parser stripped `_total` and then
    // never matched the counter.
    for (const declared of ["vllm:generation_tokens_total", "vllm:generation_tokens"]) {
      const body = `# HELP ${declared} Number of generation tokens processed.\n# TYPE ${declared} counter\nvllm:generation_tokens_total{model_name="m"} 42.0\n`;
      await using engine = await startStubEngine(() => ({ status: 200, body }));
      const { text, exposition } = await scrape(await runtimeFor("vllm", engine.url));
      expect(text).toContain("# TYPE kthena:generation_tokens_total counter\n");
      // The value as the engine wrote it.
      expect(text).toContain(`kthena:generation_tokens_total{model_name="m",pod="${POD}",model="${MODEL}"} 42.0\n`);
      expect(value(exposition, "kthena:generation_tokens_total")).toBe(42);
    }
  });

  it("reads vLLM ≥ 0.12's TPOT from inter_token_latency_seconds, the hidden time_per_output_token_seconds only for old versions", async () => {
    const itl = `# HELP vllm:inter_token_latency_seconds Histogram of inter-token latency in seconds.\n# TYPE vllm:inter_token_latency_seconds histogram\nvllm:inter_token_latency_seconds_bucket{le="0.01",model_name="m"} 3.0\nvllm:inter_token_latency_seconds_bucket{le="+Inf",model_name="m"} 4.0\nvllm:inter_token_latency_seconds_count{model_name="m"} 4.0\nvllm:inter_token_latency_seconds_sum{model_name="m"} 0.05\n`;
    const old = itl.replaceAll("inter_token_latency_seconds", "time_per_output_token_seconds");
    for (const [body, source] of [[itl, "vllm:inter_token_latency_seconds"], [old, "vllm:time_per_output_token_seconds"]] as const) {
      await using engine = await startStubEngine(() => ({ status: 200, body }));
      const { exposition } = await scrape(await runtimeFor("vllm", engine.url));
      const tpot = family(exposition, "kthena:time_per_output_token_seconds");
      expect(tpot.type).toBe("histogram");
      expect(tpot.help).toContain(source);
      expect(value(exposition, "kthena:time_per_output_token_seconds_sum", "kthena:time_per_output_token_seconds")).toBe(0.05);
      expect(tpot.samples.filter((sample) => sample.name.endsWith("_bucket")).map((sample) => [sample.labels.le, sample.value])).toEqual([["0.01", 3], ["+Inf", 4]]);
    }
  });
});

describe("kitt runtime over recorded real expositions", () => {
  const recorded: ReadonlyArray<[string, EngineName, Record<string, number>]> = [
    ["prometheus/vllm/metrics-datadog.prom", "vllm", {}],
    ["engines/sglang/metrics.prom", "sglang", { "kthena:generation_tokens_total": 7.557572e6 }],
    ["prometheus/tgi/metrics.prom", "tgi", {}],
    ["prometheus/llamacpp/metrics-after-two-completions.prom", "llama_cpp", { "kthena:generation_tokens_total": 24, "kthena:num_requests_waiting": 0 }],
  ];

  it.each(recorded)("%s: every standardized series, typed, in seconds, with the engine's values", async (path, engineName, expected) => {
    const body = fixture(path);
    await using engine = await startStubEngine(() => ({ status: 200, body }));
    const { status, text, exposition } = await scrape(await runtimeFor(engineName, engine.url));
    expect(status).toBe(200);
    expect(text.startsWith(body)).toBe(true);
    expectEachFamilyOnce(text);
    expectStandardized(body, engineName, exposition);
    for (const [name, want] of Object.entries(expected)) expect(value(exposition, name), name).toBe(want);
  });

  it("TGI: generated tokens from the per-request histogram's sum, latencies from its duration histograms", async () => {
    const body = fixture("prometheus/tgi/metrics.prom");
    const source = parsePrometheusText(body);
    await using engine = await startStubEngine(() => ({ status: 200, body }));
    const { exposition } = await scrape(await runtimeFor("tgi", engine.url));
    expect(value(exposition, "kthena:generation_tokens_total")).toBe(value(source, "tgi_request_generated_tokens_sum", "tgi_request_generated_tokens"));
    expect(value(exposition, "kthena:e2e_request_latency_seconds_sum", "kthena:e2e_request_latency_seconds")).toBe(541.2140316159999);
    expect(value(exposition, "kthena:e2e_request_latency_seconds_count", "kthena:e2e_request_latency_seconds")).toBe(109);
    // TGI has no TTFT or inter-token histogram: those names are absent, never empty.
    expect(exposition.has("kthena:time_to_first_token_seconds")).toBe(false);
    expect(exposition.has("kthena:time_per_output_token_seconds")).toBe(false);
  });
});

describe("pod and model labels", () => {
  it("keeps an engine's own pod or model label that differs as exported_pod / exported_model", async () => {
    const body = '# TYPE vllm:num_requests_waiting gauge\nvllm:num_requests_waiting{model="other-model",pod="engine-pod",x="1"} 3\nvllm:num_requests_waiting{model="served-model",x="2"} 1\n';
    await using engine = await startStubEngine(() => ({ status: 200, body }));
    const { exposition } = await scrape(await runtimeFor("vllm", engine.url));
    expect(family(exposition, "kthena:num_requests_waiting").samples.map((sample) => ({ ...sample.labels }))).toEqual([
      { exported_model: "other-model", exported_pod: "engine-pod", x: "1", pod: POD, model: MODEL },
      { x: "2", pod: POD, model: MODEL },
    ]);
  });
});

describe("when the engine's metrics cannot be read", () => {
  const down = async (answer: Parameters<typeof startStubEngine>[0], reason: RegExp) => {
    await using engine = await startStubEngine(answer);
    const { status, text, exposition } = await scrape(await runtimeFor("vllm", engine.url, { engineTimeout: 0.5 }));
    expect(status).toBe(503);
    expect(text.split("\n")[0]).toMatch(reason);
    expect(value(exposition, "kitt_runtime_engine_up")).toBe(0);
    expect([...exposition.keys()].filter((name) => !name.startsWith("kitt_runtime_"))).toEqual([]);
  };

  it("answers 503 with the reason for an error status", () => down(() => ({ status: 501, body: "This server does not support metrics endpoint" }), /^# kitt runtime: engine metrics unavailable: .*answered 501: This server does not support metrics endpoint$/));
  it("answers 503 for a body that is no exposition", () => down(() => ({ status: 200, body: "<html><body>proxy error</body></html>" }), /not a Prometheus text exposition/));
  it("answers 503 once the timeout passes for an engine that never answers", () => down(() => "hang", /did not answer|timed out|within/i));

  it("never serves an earlier scrape again once the engine is gone, and counts the failures", async () => {
    const body = fixture("prometheus/llamacpp/metrics-after-two-completions.prom");
    const engine = await startStubEngine(() => ({ status: 200, body }));
    const app = await runtimeFor("llama_cpp", engine.url);
    expect((await scrape(app)).status).toBe(200);
    await engine.close();
    for (const failures of [1, 2]) {
      const { status, text, exposition } = await scrape(app);
      expect(status).toBe(503);
      expect(text).not.toContain("llamacpp:");
      expect(text).not.toContain("kthena:");
      expect(text.split("\n")[0]).toMatch(/cannot reach llama_cpp at .*ECONNREFUSED/);
      expect(value(exposition, "kitt_runtime_engine_scrape_failures_total")).toBe(failures);
    }
  });
});

/**
 * The metrics part of `scripts/bench-runtime.ts`: a stub engine serves a vLLM-shaped exposition
 * of about 2,000 series (a data-parallel vLLM: every family once per `engine` rank), and the
 * built `kitt runtime` runs in front of it. GETs of `/metrics` alternate between the engine
 * directly and the runtime, one at a time as Prometheus scrapes, over keep-alive connections;
 * the figure is how much the runtime adds at p99. The stub changes a gauge on every answer, so
 * no answer is the same as the one before. The runtime's CPU time per request is reported too:
 * unlike latencies, it hardly depends on what else the machine runs.
 *
 * An engine's series stay the same from one scrape to the next (only values change), and the
 * runtime reuses the last scrape's renaming for such a scrape; the target is judged on that
 * steady state. For the other case, a second run has the stub name a new series on every
 * answer (a label value of a mapped histogram changes), so every scrape is read in full.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { Pool } from "undici";
import type { MetricFamily, Sample } from "../../src/collectors/prometheus/types.js";
import { writePrometheusText } from "../../src/collectors/prometheus/write.js";
import { percentile } from "../../src/stats.js";
import { processCpuSeconds } from "./process-cpu.js";
import { waitForQuietMachine } from "./quiet-machine.js";
import { startKitt } from "../../test/support/cli.js";
import { freePort } from "../../test/support/llama.js";
import type { BenchRuntimePartReport } from "./bench-runtime-part.js";

const TARGET_MS = 5;
/** Other programs' CPU, in percent of a core, under which timing starts (waiting at most a minute). */
const QUIET_LOAD_PERCENT = 20;
const LATENCY_BUCKETS = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80];
const TOKEN_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000];
const HISTOGRAMS: ReadonlyArray<[string, readonly number[]]> = [
  ["vllm:time_to_first_token_seconds", LATENCY_BUCKETS],
  ["vllm:inter_token_latency_seconds", LATENCY_BUCKETS],
  ["vllm:request_time_per_output_token_seconds", LATENCY_BUCKETS],
  ["vllm:e2e_request_latency_seconds", LATENCY_BUCKETS],
  ["vllm:request_queue_time_seconds", LATENCY_BUCKETS],
  ["vllm:request_inference_time_seconds", LATENCY_BUCKETS],
  ["vllm:request_prefill_time_seconds", LATENCY_BUCKETS],
  ["vllm:request_decode_time_seconds", LATENCY_BUCKETS],
  ["vllm:request_prompt_tokens", TOKEN_BUCKETS],
  ["vllm:request_generation_tokens", TOKEN_BUCKETS],
  ["vllm:request_params_max_tokens", TOKEN_BUCKETS],
];
const COUNTERS = ["vllm:prompt_tokens_total", "vllm:generation_tokens_total", "vllm:prefix_cache_queries_total", "vllm:prefix_cache_hits_total", "vllm:num_preemptions_total"];
const GAUGES = ["vllm:num_requests_running", "vllm:num_requests_waiting", "vllm:kv_cache_usage_perc"];

/** vLLM's families for `ranks` engine ranks, with made-up but well-formed values. */
export function vllmExposition(ranks: number): { families: MetricFamily[]; series: number } {
  const families: MetricFamily[] = [];
  const labels = (rank: number, extra: Record<string, string> = {}) => ({ engine: String(rank), model_name: "bench-model", ...extra });
  const each = (name: string, value: (rank: number) => Sample[]) => Array.from({ length: ranks }, (_, rank) => value(rank)).flat();
  for (const name of GAUGES) families.push({ name, type: "gauge", help: `${name} (bench)`, samples: each(name, (rank) => [{ name, labels: labels(rank), value: rank % 4 }]) });
  for (const name of COUNTERS) families.push({ name, type: "counter", help: `${name} (bench)`, samples: each(name, (rank) => [{ name, labels: labels(rank), value: 1_000 * (rank + 1) }]) });
  families.push({
    name: "vllm:request_success_total",
    type: "counter",
    help: "vllm:request_success_total (bench)",
    samples: each("vllm:request_success_total", (rank) =>
      ["stop", "length", "abort"].map((reason) => ({ name: "vllm:request_success_total", labels: labels(rank, { finished_reason: reason }), value: 10 * rank })),
    ),
  });
  for (const [name, buckets] of HISTOGRAMS) {
    families.push({
      name,
      type: "histogram",
      help: `${name} (bench)`,
      samples: each(name, (rank) => [
        ...buckets.map((le, i) => ({ name: `${name}_bucket`, labels: labels(rank, { le: String(le) }), value: 5 * (i + 1) })),
        { name: `${name}_bucket`, labels: labels(rank, { le: "+Inf" }), value: 5 * (buckets.length + 1) },
        { name: `${name}_count`, labels: labels(rank), value: 5 * (buckets.length + 1) },
        { name: `${name}_sum`, labels: labels(rank), value: 12.5 * (rank + 1) },
      ]),
    });
  }
  return { families, series: families.reduce((total, family) => total + family.samples.length, 0) };
}

/** The stub engine: the exposition with a changing first gauge, and with `newSeries` a new label value in a mapped histogram. */
async function startStub(text: string, newSeries: boolean): Promise<{ url: string; close(): Promise<void> }> {
  let answered = 0;
  const [first, ...rest] = text.split("\n# HELP vllm:num_requests_waiting");
  const server = createServer((_req, res) => {
    answered++;
    res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
    const body = `${first!.replace(/ 0\n/, ` ${answered}\n`)}\n# HELP vllm:num_requests_waiting${rest.join("\n# HELP vllm:num_requests_waiting")}`;
    res.end(newSeries ? body.replace('vllm:e2e_request_latency_seconds_sum{engine="0",model_name="bench-model"', `vllm:e2e_request_latency_seconds_sum{engine="0",model_name="bench-model-${answered}"`) : body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function timedGet(pool: Pool, path: string): Promise<{ ms: number; bytes: number; status: number }> {
  const started = performance.now();
  const { statusCode, body } = await pool.request({ method: "GET", path, headersTimeout: 10_000, bodyTimeout: 10_000 });
  const text = await body.text();
  return { ms: performance.now() - started, bytes: Buffer.byteLength(text), status: statusCode };
}

const ms = (value: number) => `${value.toFixed(2)} ms`;

interface Timings {
  direct: number[];
  proxied: number[];
  directBytes: number;
  proxiedBytes: number;
  cpuPerRequest: string;
  otherLoad: number | null;
}

/** GETs alternating between the stub engine and a `kitt runtime` in front of it. */
async function measure(text: string, requests: number, newSeries: boolean): Promise<Timings> {
  const stub = await startStub(text, newSeries);
  const port = await freePort();
  const runtime = startKitt(["runtime", "--engine", "vllm", "--engine-base-url", stub.url, "--port", String(port), "--pod", "bench-pod", "--model", "bench-model"], {
    KITT_RUNTIME_TOKEN: undefined,
    RUNTIME_PORT: undefined,
    RUNTIME_URL: undefined,
    RUNTIME_METRICS_PATH: undefined,
  });
  const engine = new Pool(stub.url, { connections: 1 });
  const viaRuntime = new Pool(`http://127.0.0.1:${port}`, { connections: 1 });
  try {
    await runtime.waitFor(/kitt runtime: serving /, 60_000);
    const timings: Timings = { direct: [], proxied: [], directBytes: 0, proxiedBytes: 0, cpuPerRequest: "unknown", otherLoad: null };
    const warmup = Math.min(200, requests);
    timings.otherLoad = await waitForQuietMachine(QUIET_LOAD_PERCENT, 60_000, (busy) => process.stderr.write(`waiting: other programs use ${Math.round(busy)}% of a core\n`));
    let cpuBefore: number | null = null;
    for (let i = 0; i < warmup + requests; i++) {
      if (i === warmup) cpuBefore = processCpuSeconds(runtime.child.pid);
      const a = await timedGet(engine, "/metrics");
      const b = await timedGet(viaRuntime, "/metrics");
      if (a.status !== 200 || b.status !== 200) throw new Error(`GET /metrics answered ${a.status} directly and ${b.status} through the runtime`);
      if (i < warmup) continue;
      timings.direct.push(a.ms);
      timings.proxied.push(b.ms);
      timings.directBytes = a.bytes;
      timings.proxiedBytes = b.bytes;
    }
    const cpuAfter = processCpuSeconds(runtime.child.pid);
    if (cpuBefore !== null && cpuAfter !== null) timings.cpuPerRequest = ms(((cpuAfter - cpuBefore) * 1000) / requests);
    return timings;
  } finally {
    await engine.close();
    await viaRuntime.close();
    if (runtime.child.exitCode === null) runtime.child.kill("SIGTERM");
    await runtime.done;
    await stub.close();
  }
}

export async function benchRuntimeMetrics(options: { requests: number; series: number }): Promise<BenchRuntimePartReport> {
  const perRank = vllmExposition(1).series;
  const { families, series } = vllmExposition(Math.ceil(options.series / perRank));
  const text = writePrometheusText(families);
  const steady = await measure(text, options.requests, false);
  const changing = await measure(text, options.requests, true);
  const percentiles = [50, 90, 99, 100];
  const row = (name: string, values: number[]) => [name, ...percentiles.map((p) => ms(percentile(values, p)))];
  const addedRow = (name: string, timings: Timings) => [name, ...percentiles.map((p) => ms(percentile(timings.proxied, p) - percentile(timings.direct, p)))];
  const added = percentile(steady.proxied, 99) - percentile(steady.direct, 99);
  return {
    title: `GET /metrics of a ${series.toLocaleString("en")}-series vLLM exposition (${(steady.directBytes / 1024).toFixed(0)} KiB; ${(steady.proxiedBytes / 1024).toFixed(0)} KiB through the runtime), ${options.requests.toLocaleString("en")} requests each, alternating`,
    table: [
      ["path", "p50", "p90", "p99", "max"],
      row("engine directly", steady.direct),
      row("through kitt runtime", steady.proxied),
      addedRow("added", steady),
      row("engine directly (second run)", changing.direct),
      row("through kitt runtime, a new series in every answer", changing.proxied),
      addedRow("added, a new series in every answer", changing),
    ],
    target: `p99 added < ${TARGET_MS} ms: ${added < TARGET_MS ? "met" : "missed"} (${ms(added)})`,
    met: added < TARGET_MS,
    notes: [
      `kitt runtime's CPU per request: ${steady.cpuPerRequest}; with a new series in every answer: ${changing.cpuPerRequest}`,
      `other programs' load when timing began: ${[steady, changing].map((run) => (run.otherLoad === null ? "unknown" : `${Math.round(run.otherLoad)}% of a core`)).join(", then ")}`,
    ],
  };
}

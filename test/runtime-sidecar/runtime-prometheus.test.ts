/**
 * The runtime under a real Prometheus: the built `kitt runtime` in front of the real
 * llama-server (tiny model, `--metrics`), scraped every second, answers a PromQL query on
 * `kthena:generation_tokens_total` with exactly the tokens the test generated; a runtime in front
 * of the vLLM emulator gets its histograms through Prometheus too; and `promtool check metrics`
 * parses what the runtime serves. Skipped without llama-server or Prometheus on a developer's
 * machine, failed without them in CI.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import type { NativeProcess } from "../../src/runtime/native.js";
import { runtimeSettings } from "../../src/runtime-sidecar/runtime-settings.js";
import { sidecarApp } from "../../src/runtime-sidecar/sidecar-app.js";
import { WebServer } from "../../src/server/web-server.js";
import type { LlamaServerInstall } from "../../src/setup/llama-cpp-build.js";
import { startEmulator, type RunningEmulator } from "../emulators/index.mjs";
import { startKitt, type KittRun } from "../support/cli.js";
import { freePort, requireLlamaServer, startTestLlamaServer } from "../support/llama.js";
import { promtoolCheckMetrics, requirePrometheus, TestPrometheus } from "../support/prometheus.js";
import { startStubEngine } from "../support/stub-metrics-engine.js";

const install = await requireLlamaServer();
const prometheusInstalled = requirePrometheus();

/**
 * promtool parses it (exit 1 would mean it does not); of its style complaints, the series the
 * runtime adds get only the one about the colon that Kthena's and kitt's names carry by design.
 * The engine's own families are passed through as the engine wrote them.
 */
function expectValidExposition(text: string): void {
  const { code, problems } = promtoolCheckMetrics(text);
  expect(code, problems.join("\n")).not.toBe(1);
  const added = problems.filter((line) => /^(kthena:|kitt:|kitt_runtime_)/.test(line));
  expect(added.filter((line) => !line.endsWith("metric names should not contain ':'"))).toEqual([]);
  expect(added.length).toBeGreaterThan(0);
}

async function complete(baseUrl: string, maxTokens: number, model?: string): Promise<number> {
  const response = await fetch(`${baseUrl}/v1/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    // ignore_eos: random weights may sample the end-of-sequence token at any step.
    body: JSON.stringify({ model, prompt: "The quick brown fox", max_tokens: maxTokens, temperature: 0, ignore_eos: true }),
    signal: AbortSignal.timeout(30_000),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { usage: { completion_tokens: number } }).usage.completion_tokens;
}

describe.skipIf(!install || !prometheusInstalled)("kitt runtime scraped by a real Prometheus", () => {
  let llama: NativeProcess | undefined;
  let runtime: KittRun | undefined;
  let emulator: RunningEmulator | undefined;
  let emulatorRuntime: WebServer | undefined;
  let llamaUrl: string;
  let runtimeUrl: string;

  beforeAll(async () => {
    const server = await startTestLlamaServer(install as LlamaServerInstall, ["--metrics"]);
    llama = server.process;
    llamaUrl = server.url;

    const runtimePort = await freePort();
    runtimeUrl = `http://127.0.0.1:${runtimePort}`;
    runtime = startKitt(["runtime", "--engine", "llama_cpp", "--engine-base-url", llamaUrl, "--port", String(runtimePort), "--pod", "pod-llama", "--model", "tiny"], {
      KITT_RUNTIME_TOKEN: undefined,
      RUNTIME_PORT: undefined,
      RUNTIME_URL: undefined,
      RUNTIME_METRICS_PATH: undefined,
    });
    await runtime.waitFor(/kitt runtime: serving /, 30_000);

    emulator = await startEmulator("vllm", { model: "tiny", tokenDelayMs: 1 });
    await emulator.ready;
    const settings = await runtimeSettings({ engine: "vllm", host: "127.0.0.1", port: 0, engineBaseUrl: emulator.url, pod: "pod-vllm", model: "tiny", engineTimeout: 2 }, {});
    emulatorRuntime = await WebServer.listen(sidecarApp(settings, []), { host: "127.0.0.1", port: 0 });
  }, 120_000);

  afterAll(async () => {
    await emulatorRuntime?.close();
    await emulator?.close();
    if (runtime && runtime.child.exitCode === null) runtime.child.kill("SIGTERM");
    await runtime?.done;
    await llama?.stop();
  });

  it("answers kthena:generation_tokens_total with the tokens the test generated, by pod and model", async () => {
    const generated = (await complete(llamaUrl, 4)) + (await complete(llamaUrl, 6)) + (await complete(llamaUrl, 9));
    expect(generated).toBe(19);
    await complete(emulator!.url, 5, "tiny");
    await complete(emulator!.url, 3, "tiny");

    await using prometheus = await TestPrometheus.start([{ address: new URL(runtimeUrl).host }, { address: new URL(emulatorRuntime!.url).host }]);
    const tokens = await prometheus.waitFor('kthena:generation_tokens_total{pod="pod-llama",model="tiny"}', (result) => result.length === 1);
    expect(Number(tokens[0]!.value[1])).toBe(generated);
    expect(tokens[0]!.metric).toMatchObject({ __name__: "kthena:generation_tokens_total", pod: "pod-llama", model: "tiny", job: "target-0" });

    // Histograms, through Prometheus's own parser and PromQL.
    const e2e = await prometheus.waitFor('kthena:e2e_request_latency_seconds_count{pod="pod-vllm"}', (result) => result.length === 1);
    expect(Number(e2e[0]!.value[1])).toBe(2);
    const median = await prometheus.query('histogram_quantile(0.5, sum by (le) (kthena:time_per_output_token_seconds_bucket{pod="pod-vllm"}))');
    expect(Number(median[0]!.value[1])).toBeGreaterThan(0);
    const up = await prometheus.query('kitt_runtime_engine_up{pod="pod-llama"}');
    expect(Number(up[0]!.value[1])).toBe(1);
   }, 150_000);

  it("serves what promtool check metrics parses, from llama-server and the vLLM emulator", async () => {
    for (const url of [runtimeUrl, emulatorRuntime!.url]) {
      const response = await fetch(`${url}/metrics`);
      expect(response.status).toBe(200);
      expectValidExposition(await response.text());
    }
  });
});

describe.skipIf(!prometheusInstalled)("promtool on the runtime's expositions", () => {
  it.each(["prometheus/tgi/metrics.prom", "engines/sglang/metrics.prom", "prometheus/vllm/metrics-datadog.prom"])("%s, and the 503 answer", async (path) => {
    const body = readFileSync(new URL(`../fixtures/${path}`, import.meta.url), "utf8");
    const engineName = path.includes("tgi") ? "tgi" : path.includes("sglang") ? "sglang" : "vllm";
    let up = true;
    await using engine = await startStubEngine(() => (up ? { status: 200, body } : { status: 500, body: "boom" }));
    const app = sidecarApp(await runtimeSettings({ engine: engineName, host: "127.0.0.1", engineBaseUrl: engine.url, pod: "p", model: "m", engineTimeout: 2 }, {}), []);
    expectValidExposition(await (await app.request("/metrics")).text());
    up = false;
    const down = await app.request("/metrics");
    expect(down.status).toBe(503);
    expect(promtoolCheckMetrics(await down.text())).toEqual({ code: 0, problems: [] });
  });
});

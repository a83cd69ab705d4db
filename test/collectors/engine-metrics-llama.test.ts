/**
 * The scraper against the real llama-server kitt builds, started with `--metrics` and serving
 * the tiny model. Skipped without a build on a developer's machine; fails without one in CI.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EngineMetricsScraper } from "../../src/collectors/engine-metrics.js";
import { llama_cpp } from "../../src/engines/llama_cpp.js";
import { NativeProcess } from "../../src/runtime/native.js";
import { waitForReady } from "../../src/runtime/readiness.js";
import { llamaServerEnv, type LlamaServerInstall } from "../../src/setup/llama-cpp-build.js";
import { ensureTestModel, freePort, requireLlamaServer } from "../support/llama.js";

const install = await requireLlamaServer();

/** One completion of exactly `maxTokens` tokens; returns the tokens the server says it generated. */
async function complete(baseUrl: string, maxTokens: number): Promise<number> {
  const response = await fetch(`${baseUrl}/v1/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    // ignore_eos: random weights may sample the end-of-sequence token at any step.
    body: JSON.stringify({ prompt: "The quick brown fox", max_tokens: maxTokens, temperature: 0, ignore_eos: true }),
  });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { usage: { completion_tokens: number } };
  return body.usage.completion_tokens;
}

describe.skipIf(!install)("EngineMetricsScraper against llama-server --metrics", () => {
  let server: NativeProcess | undefined;
  let baseUrl: string;

  beforeAll(async () => {
    const llama = install as LlamaServerInstall;
    const model = await ensureTestModel();
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    const args = ["-m", model, "--host", "127.0.0.1", "--port", String(port), "-np", "1", "--metrics"];
    const { LD_LIBRARY_PATH = llama.libDir } = llamaServerEnv(llama);
    server = new NativeProcess({ engineName: "llama_cpp", command: { command: llama.binary, args, env: { LD_LIBRARY_PATH } } });
    await server.launch();
    await waitForReady({
      baseUrl,
      readiness: llama_cpp.readiness,
      engineName: "llama_cpp",
      process: server,
      backoff: { initialMs: 200, maxMs: 1_000, timeoutMs: 60_000 },
    });
  });

  afterAll(async () => {
    await server?.stop();
  });

  it("sees exactly the tokens generated between the before and after scrapes", async () => {
    await complete(baseUrl, 3); // traffic before the window must not count
    await using scraper = new EngineMetricsScraper({ baseUrl, engine: "llama_cpp", intervalMs: 100 });
    await scraper.start();
    const generated = (await complete(baseUrl, 4)) + (await complete(baseUrl, 6));
    const report = await scraper.stop();

    if (!report.available) throw new Error(report.reason);
    expect(generated).toBe(10);
    expect(report.deltas.counters["kitt:generation_tokens_total"]).toBe(generated);
    expect(report.sources["kitt:generation_tokens_total"]).toBe("llamacpp:tokens_predicted_total");
    expect(report.deltas.counters["kitt:prompt_tokens_total"]).toBeGreaterThanOrEqual(1);
    expect(report.gauges["kitt:num_requests_running"]?.last).toBe(0);
    expect(report.gauges["kitt:num_requests_waiting"]?.max).toBe(0);
    expect(report.deltas.histograms).toEqual({});
    expect(report.errors).toBe(0);
    expect(report.series.length).toBe(report.scrapes);
  });
});

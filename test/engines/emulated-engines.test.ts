/**
 * Each engine spec against a local emulator of that engine: readiness through the spec's own
 * rule (and the real readiness loop), a streamed generation through every protocol the spec
 * lists, metrics in the engine's naming, errors, and the emulators run as separate processes
 * with the command lines the specs produce.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exllamav2 } from "../../src/engines/exllamav2.js";
import { ollama } from "../../src/engines/ollama.js";
import { sglang } from "../../src/engines/sglang.js";
import { tgi } from "../../src/engines/tgi.js";
import type { EngineSpec } from "../../src/engines/types.js";
import { vllm } from "../../src/engines/vllm.js";
import { KittError } from "../../src/errors.js";
import { generate } from "../../src/protocols/client.js";
import { getProtocol } from "../../src/protocols/index.js";
import type { GenerateRequest, ProtocolName } from "../../src/protocols/types.js";
import { waitForReady } from "../../src/runtime/readiness.js";
import { freePort, startEmulator, type EmulatedEngineName, type RunningEmulator } from "../emulators/index.mjs";

const MODEL = "tiny-model";
const PROMPT = "The capital of France is";
const PROMPT_TOKENS = 5;
/** The emulators' chat template costs four tokens per message. */
const CHAT_PROMPT_TOKENS = PROMPT_TOKENS + 4;

interface Case {
  spec: EngineSpec;
  /** Readiness statuses seen before ready: 0 is a refused connection. */
  notReadyStatuses: number[];
  readyLogLine: RegExp;
  metricsName?: string;
  /** A request the engine rejects with a 4xx. */
  badRequest: Partial<GenerateRequest>;
}

const cases: Case[] = [
  { spec: vllm, notReadyStatuses: [0], readyLogLine: /Application startup complete/, metricsName: "vllm:generation_tokens_total", badRequest: { maxTokens: 100_000 } },
  { spec: sglang, notReadyStatuses: [0, 503], readyLogLine: /The server is fired up and ready to roll!/, metricsName: "sglang:generation_tokens_total", badRequest: { maxTokens: 100_000 } },
  { spec: tgi, notReadyStatuses: [0], readyLogLine: /router\/src\/server\.rs.*Connected/, metricsName: "tgi_request_count", badRequest: { maxTokens: 100_000 } },
  // Ollama generates past any num_predict (shifting its context); a missing model is what it rejects.
  { spec: ollama, notReadyStatuses: [0], readyLogLine: /msg="Listening on 127\.0\.0\.1:\d+/, badRequest: { model: undefined } },
  { spec: exllamav2, notReadyStatuses: [0], readyLogLine: /Uvicorn running on http:\/\/127\.0\.0\.1:\d+/, badRequest: { maxTokens: 100_000 } },
];

const fastBackoff = { initialMs: 25, factor: 1, maxMs: 25, timeoutMs: 10_000 };

function waitReady(spec: EngineSpec, baseUrl: string, statuses: number[] = []): Promise<void> {
  return waitForReady({ baseUrl, readiness: spec.readiness, engineName: spec.displayName, backoff: fastBackoff, onProbe: (p) => statuses.push(p.status) });
}

function request(overrides: Partial<GenerateRequest> = {}): GenerateRequest {
  return { prompt: PROMPT, maxTokens: 12, model: MODEL, temperature: 0, ...overrides };
}

function isChat(protocol: ProtocolName): boolean {
  return protocol === "openai-chat";
}

describe.each(cases.map((c) => [c.spec.name, c] as const))("%s emulator", (name, { spec, notReadyStatuses, metricsName, badRequest }) => {
  let emulator: RunningEmulator;
  const statuses: number[] = [];

  beforeAll(async () => {
    emulator = await startEmulator(name as EmulatedEngineName, { model: MODEL, models: [MODEL], startupMs: 400, firstTokenDelayMs: 10, tokenDelayMs: 3 });
    await waitReady(spec, emulator.url, statuses);
  });
  afterAll(() => emulator.close());

  it("is not ready while starting, as the engine answers then, and ready after", () => {
    for (const status of notReadyStatuses) expect(statuses).toContain(status);
    expect(statuses.at(-1)).toBe(200);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
  });

  it.each(spec.protocols.map((p) => [p]))("streams a generation through %s", async (protocolName) => {
    const result = await generate({ baseUrl: emulator.url, protocol: getProtocol(protocolName), request: request(), engineName: spec.displayName });
    expect(result.text.trim().split(/\s+/)).toHaveLength(12);
    expect(result).toMatchObject({
      completionTokens: 12,
      promptTokens: isChat(protocolName) ? CHAT_PROMPT_TOKENS : PROMPT_TOKENS,
      tokenSource: "server",
      finishReason: "length",
    });
    expect(result.ttftMs).toBeGreaterThan(0);
    expect(result.e2eMs).toBeGreaterThan(result.ttftMs);
    for (let i = 1; i < result.chunkTimes.length; i++) expect(result.chunkTimes[i]).toBeGreaterThanOrEqual(result.chunkTimes[i - 1]!);
    // Eleven 3 ms gaps between the twelve tokens (timers may fire up to a millisecond early).
    expect(result.e2eMs - result.ttftMs).toBeGreaterThanOrEqual(20);
  });

  it("stops at a stop string", async () => {
    const first = await generate({ baseUrl: emulator.url, protocol: getProtocol(spec.protocols[0]!), request: request({ maxTokens: 6 }) });
    const stopWord = first.text.trim().split(/\s+/)[2]!;
    const stopped = await generate({ baseUrl: emulator.url, protocol: getProtocol(spec.protocols[0]!), request: request({ stop: [` ${stopWord}`] }) });
    expect(stopped.text.trim().split(/\s+/)).toHaveLength(2);
    expect(stopped.finishReason).toMatch(/stop/);
  });

  if (metricsName) {
    it(`serves ${spec.capabilities.metricsPath} in the engine's own naming`, async () => {
      const text = await (await fetch(emulator.url + spec.capabilities.metricsPath)).text();
      const line = text.split("\n").find((l) => l.startsWith(metricsName));
      expect(line).toBeDefined();
      expect(Number(line!.split(" ").at(-1))).toBeGreaterThan(0);
    });
  } else {
    it("has no metrics endpoint", async () => {
      expect(spec.capabilities.metricsPath).toBeUndefined();
      expect((await fetch(`${emulator.url}/metrics`)).status).toBe(404);
    });
  }

  it("answers a bad request with a 4xx that the client reports", async () => {
    const failure = generate({ baseUrl: emulator.url, protocol: getProtocol(spec.protocols[0]!), request: request(badRequest), engineName: spec.displayName });
    await expect(failure).rejects.toBeInstanceOf(KittError);
    await expect(failure).rejects.toMatchObject({ code: "ENGINE_REQUEST_FAILED", message: expect.stringMatching(new RegExp(`^${spec.displayName.replace(/[()]/g, "\\$&")} answered 4\\d\\d: `)) });
  });
});

describe("engine behaviour the emulators reproduce", () => {
  it("vLLM ends an answer at end-of-sequence unless ignore_eos is sent", async () => {
    await using emulator = await startEmulator("vllm", { model: MODEL, eosAfter: 4, tokenDelayMs: 0 });
    await waitReady(vllm, emulator.url);
    const natural = await generate({ baseUrl: emulator.url, protocol: getProtocol("openai-completions"), request: request() });
    // Four words, then the end-of-sequence token, which vLLM counts but does not print.
    expect(natural).toMatchObject({ completionTokens: 5, finishReason: "stop" });
    expect(natural.text.trim().split(/\s+/)).toHaveLength(4);
    const forced = await generate({ baseUrl: emulator.url, protocol: getProtocol("openai-completions"), request: request({ ignoreEos: true }) });
    expect(forced).toMatchObject({ completionTokens: 12, finishReason: "length" });
  });

  it("TGI reports end-of-sequence as eos_token and counts the hidden special token", async () => {
    await using emulator = await startEmulator("tgi", { model: MODEL, eosAfter: 3, tokenDelayMs: 0 });
    await waitReady(tgi, emulator.url);
    const result = await generate({ baseUrl: emulator.url, protocol: getProtocol("tgi-generate"), request: request() });
    expect(result).toMatchObject({ completionTokens: 4, finishReason: "eos_token", tokenSource: "server" });
    expect(result.text.trim().split(/\s+/)).toHaveLength(3);
  });

  it("Ollama's first request includes loading the model", async () => {
    await using emulator = await startEmulator("ollama", { model: MODEL, models: [MODEL], loadMs: 80, tokenDelayMs: 0 });
    await waitReady(ollama, emulator.url);
    const protocol = getProtocol("ollama-generate");
    const first = await generate({ baseUrl: emulator.url, protocol, request: request() });
    const second = await generate({ baseUrl: emulator.url, protocol, request: request() });
    expect(first.serverTimings?.loadMs).toBeGreaterThanOrEqual(70);
    expect(first.ttftMs).toBeGreaterThanOrEqual(70);
    expect(second.serverTimings?.loadMs).toBeLessThan(20);
  });

  it("Ollama refuses a model it does not have", async () => {
    await using emulator = await startEmulator("ollama", { model: MODEL });
    await waitReady(ollama, emulator.url);
    await expect(generate({ baseUrl: emulator.url, protocol: getProtocol("ollama-generate"), request: request(), engineName: "Ollama" })).rejects.toMatchObject({
      message: 'Ollama answered 404: {"error":"model \\"tiny-model\\" not found, try pulling it first"}',
    });
  });

  it("TabbyAPI wants an API key unless auth is disabled", async () => {
    await using emulator = await startEmulator("exllamav2", { model: MODEL, disableAuth: false, apiKey: "secret" });
    await waitReady(exllamav2, emulator.url);
    const protocol = getProtocol("openai-completions");
    await expect(generate({ baseUrl: emulator.url, protocol, request: request() })).rejects.toMatchObject({ message: expect.stringMatching(/answered 401/) });
    await expect(generate({ baseUrl: emulator.url, protocol, request: request(), headers: { "x-api-key": "secret" } })).resolves.toMatchObject({ completionTokens: 12 });
  });

  it("vLLM reads a request body whose multi-byte character arrives split between two packets", async () => {
    await using emulator = await startEmulator("vllm", { model: MODEL });
    await waitReady(vllm, emulator.url);
    const text = "Café, naïve 日本";
    const body = Buffer.from(JSON.stringify({ model: MODEL, prompt: text }));
    const cut = body.indexOf(Buffer.from("é")) + 1;
    const { port } = new URL(emulator.url);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), "127.0.0.1", () => {
        socket.write(`POST /tokenize HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n`);
        socket.write(body.subarray(0, cut));
        setTimeout(() => socket.end(body.subarray(cut)), 50);
      });
      let received = "";
      socket.on("data", (chunk: Buffer) => (received += chunk.toString()));
      socket.on("end", () => resolve(received));
      socket.on("error", reject);
    });
    const { tokens } = JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4)) as { tokens: number[] };
    const detokenized = await fetch(`${emulator.url}/detokenize`, { method: "POST", body: JSON.stringify({ model: MODEL, tokens }) });
    expect(((await detokenized.json()) as { prompt: string }).prompt).toBe(text);
  });

  it("queues requests beyond the running limit, and vLLM's metrics show the wait", async () => {
    await using emulator = await startEmulator("vllm", { model: MODEL, maxRunning: 1, tokenDelayMs: 2 });
    await waitReady(vllm, emulator.url);
    const protocol = getProtocol("openai-completions");
    const results = await Promise.all([1, 2, 3].map(() => generate({ baseUrl: emulator.url, protocol, request: request() })));
    const ttfts = results.map((r) => r.ttftMs).sort((a, b) => a - b);
    expect(ttfts[2]!).toBeGreaterThan(ttfts[0]! + 40);
    const metrics = await (await fetch(`${emulator.url}/metrics`)).text();
    expect(metrics).toMatch(/^vllm:request_queue_time_seconds_count\{engine="0",model_name="tiny-model"\} 3\.0$/m);
    expect(metrics).toMatch(/^vllm:generation_tokens_total\{engine="0",model_name="tiny-model"\} 36\.0$/m);
  });
});

describe("emulated metrics against recorded scrapes", () => {
  const recordedMetrics = (path: string) => readFileSync(fileURLToPath(new URL(`../fixtures/engines/${path}`, import.meta.url)), "utf8");
  const commentLines = (text: string) => text.split("\n").filter((line) => line.startsWith("# "));

  it("vLLM emits the recorded families with the same HELP and TYPE lines, in the same order", async () => {
    await using emulator = await startEmulator("vllm", { model: MODEL });
    await waitReady(vllm, emulator.url);
    const emitted = commentLines(await (await fetch(`${emulator.url}/metrics`)).text());
    const expected = commentLines(recordedMetrics("vllm/metrics-head.prom"));
    const start = emitted.indexOf(expected[0]!);
    expect(emitted.slice(start, start + expected.length)).toEqual(expected);
  });

  it("SGLang emits the recorded families with the same HELP and TYPE lines, `_sum` first, labels in the same order", async () => {
    await using emulator = await startEmulator("sglang", { model: MODEL });
    await waitReady(sglang, emulator.url);
    const emitted = await (await fetch(`${emulator.url}/metrics`)).text();
    // The recording predates SGLang's rename of time_per_output_token to inter_token_latency.
    const shared = commentLines(recordedMetrics("sglang/metrics.prom")).filter((line) => !/time_per_output_token|func_latency/.test(line));
    for (const line of shared) expect(emitted).toContain(line);
    expect(emitted).toMatch(/sglang:time_to_first_token_seconds_sum\{model_name="tiny-model"\} 0\.0\nsglang:time_to_first_token_seconds_bucket\{le="0\.001",model_name="tiny-model"\} 0\.0/);
  });
});

describe("emulators as processes started with the specs' command lines", () => {
  const binDir = fileURLToPath(new URL("../emulators/bin/", import.meta.url));
  const bins: Record<string, string> = { vllm: "vllm.mjs", sglang: "sglang.mjs", tgi: "tgi.mjs", ollama: "ollama.mjs", exllamav2: "tabbyapi.mjs" };
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "kitt-emulated-"));
    mkdirSync(join(dir, MODEL));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function launch(spec: EngineSpec, port: number, modelPath: string) {
    const ctx = { modelPath, modelName: MODEL, host: "127.0.0.1", port, extraArgs: [] };
    // TabbyAPI runs only as a container; its emulator takes the container's arguments.
    const command = spec.nativeCommand?.(ctx) ?? { command: "python3", args: spec.containerArgs?.(ctx) ?? [] };
    const child = spawn(process.execPath, [join(binDir, bins[spec.name]!), ...command.args], {
      env: { ...process.env, ...command.env, KITT_EMULATOR_STARTUP_MS: "300", KITT_EMULATOR_MODELS: MODEL },
    });
    const output: string[] = [];
    child.stdout.on("data", (data) => output.push(String(data)));
    child.stderr.on("data", (data) => output.push(String(data)));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    return { child, output, exited };
  }

  it.each(cases.map((c) => [c.spec.name, c] as const))("%s starts, serves, logs like the engine and stops on SIGTERM", async (_name, { spec, readyLogLine }) => {
    const port = await freePort();
    const { child, output, exited } = launch(spec, port, join(dir, MODEL));
    try {
      await waitReady(spec, `http://127.0.0.1:${port}`);
      const result = await generate({ baseUrl: `http://127.0.0.1:${port}`, protocol: getProtocol(spec.protocols[0]!), request: request({ maxTokens: 4 }) });
      expect(result).toMatchObject({ completionTokens: 4, tokenSource: "server" });
      expect(output.join("")).toMatch(readyLogLine);
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
  });

  it("exits with the engine's error when the model path does not exist", async () => {
    const { output, exited } = launch(vllm, await freePort(), join(dir, "missing-model"));
    expect(await exited).toBe(1);
    expect(output.join("")).toMatch(/Invalid repository ID or local directory specified/);
  });
});

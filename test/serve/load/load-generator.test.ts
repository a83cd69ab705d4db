import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isKittError } from "../../../src/errors.js";
import { runLoad, type LoadRunOptions } from "../../../src/serve/load/load-generator.js";
import { RecordsWriter } from "../../../src/serve/load/records-writer.js";
import type { RequestRecord, ServeRequest } from "../../../src/serve/types.js";

/**
 * A scripted engine: what it answers depends on the prompt's first word.
 * `ok N` streams N tokens, `late N` streams an empty chunk first, `slow N` a token every 20 ms,
 * `http` answers 503, `error` streams an error object, `empty` streams only [DONE], `cut`
 * breaks the connection mid-stream, `hang` never answers. `/generate_stream` speaks TGI.
 */
function scriptedEngine(): Server {
  return createServer((request, response) => {
    let text = "";
    request.setEncoding("utf8").on("data", (part: string) => (text += part));
    request.on("end", () => {
      const body = JSON.parse(text) as { prompt?: string; inputs?: string };
      if (request.url === "/generate_stream") tgiAnswer(response, Number(body.inputs));
      else completionsAnswer(request, response, body.prompt ?? "");
    });
  });
}

const sse = (value: unknown): string => `data: ${JSON.stringify(value)}\n\n`;
const token = (text: string): string => sse({ id: "cmpl-1", object: "text_completion", choices: [{ index: 0, text, finish_reason: null }], usage: null });
const usage = (tokens: number): string => sse({ id: "cmpl-1", choices: [], usage: { prompt_tokens: 7, completion_tokens: tokens, total_tokens: 7 + tokens } });

function completionsAnswer(request: IncomingMessage, response: ServerResponse, prompt: string): void {
  const [kind = "", countText = "3"] = prompt.split(" ");
  const count = Number(countText);
  if (kind === "hang") return;
  if (kind === "http") {
    response.writeHead(503, { "content-type": "text/plain" }).end("overloaded\nretry later");
    return;
  }
  response.writeHead(200, { "content-type": "text/event-stream" });
  if (kind === "empty") {
    response.end("data: [DONE]\n\n");
  } else if (kind === "error") {
    response.write(token("a"));
    response.end(sse({ error: { message: "boom" } }));
  } else if (kind === "cut") {
    response.write(token("a"));
    setTimeout(() => request.socket.destroy(), 10);
  } else if (kind === "slow") {
    let sent = 0;
    const timer = setInterval(() => {
      if (response.destroyed) return clearInterval(timer);
      response.write(token(" t"));
      if (++sent === count) {
        clearInterval(timer);
        response.end(usage(count) + "data: [DONE]\n\n");
      }
    }, 20);
  } else {
    const tokens = Array.from({ length: count }, (_, index) => token(kind === "late" && index === 0 ? "" : ` t${index}`));
    response.end(tokens.join("") + usage(kind === "late" ? count - 1 : count) + "data: [DONE]\n\n");
  }
}

function tgiAnswer(response: ServerResponse, count: number): void {
  response.writeHead(200, { "content-type": "text/event-stream" });
  for (let index = 0; index < count; index++) {
    const last = index === count - 1;
    response.write(
      `data:${JSON.stringify({
        index,
        token: { id: index, text: ` w${index}`, logprob: -1, special: false },
        generated_text: last ? "…" : null,
        details: last ? { finish_reason: "length", generated_tokens: count, input_length: 4 } : null,
      })}\n\n`,
    );
  }
  response.end();
}

function prompts(...texts: string[]): ServeRequest[] {
  return texts.map((prompt) => ({ prompt, promptTokens: 7, outputTokens: 3 }));
}

describe("load generator", () => {
  let engine: Server;
  let baseUrl: string;

  beforeAll(async () => {
    engine = scriptedEngine();
    await new Promise<void>((resolve) => engine.listen(0, "127.0.0.1", resolve));
    baseUrl = `http://127.0.0.1:${(engine.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    engine.closeAllConnections();
    await new Promise((resolve) => engine.close(resolve));
  });

  function options(sent: ServeRequest[], overrides: Partial<LoadRunOptions> = {}): LoadRunOptions {
    return {
      baseUrl,
      protocol: "openai-completions",
      model: "test",
      maxConcurrency: 4,
      schedule: new Float64Array(sent.length),
      durationMs: Infinity,
      maxErrors: Infinity,
      maxErrorRate: 1,
      ignoreEos: true,
      temperature: 0,
      workers: 0,
      ...overrides,
    };
  }

  async function run(sent: ServeRequest[], overrides: Partial<LoadRunOptions> = {}, signal?: AbortSignal) {
    const records: RequestRecord[] = [];
    const result = await runLoad(sent, options(sent, overrides), { onRecord: (record) => records.push(record) }, signal);
    return { result, records: records.sort((a, b) => a.index - b.index) };
  }

  it("measures a streamed answer into a record", async () => {
    const { result, records } = await run(prompts("ok 5", "late 4"));
    expect(result.stoppedBecause).toBe("completed");
    const [ok, late] = records as [RequestRecord, RequestRecord];
    expect(ok).toMatchObject({
      index: 0,
      scheduledMs: null,
      success: true,
      outputTokens: 5,
      clientOutputTokens: 5,
      serverPromptTokens: 7,
      promptTokens: 7,
      requestedOutputTokens: 3,
      chunkTokens: null,
      error: null,
    });
    expect(ok.chunkMs).toHaveLength(5);
    expect(ok.ttftMs).toBe(ok.chunkMs[0]);
    expect(ok.e2elMs).toBe(ok.chunkMs[4]);
    expect(ok.ttftContentMs).toBe(ok.ttftMs);
    expect([...ok.chunkMs].sort((a, b) => a - b)).toEqual(ok.chunkMs);
    expect(ok.ttftMs).toBeGreaterThan(0);
    // vLLM's TTFT counts the empty first chunk; kitt's content TTFT waits for text.
    expect(late.clientOutputTokens).toBe(3);
    expect(late.ttftContentMs).toBe(late.chunkMs[1]);
    expect(result.durationMs).toBeGreaterThanOrEqual(Math.max(...records.map((record) => record.sentMs + (record.e2elMs ?? 0))) - 1);
    expect(result.client.peakRssBytes).toBeGreaterThan(0);
  });

  it("classifies failures", async () => {
    const { records } = await run(prompts("http", "error", "empty", "cut", "hang"), { headersTimeoutMs: 1_500 });
    expect(records.map((record) => [record.success, record.error?.kind])).toEqual([
      [false, "http"],
      [false, "stream"],
      [false, "empty"],
      [false, "stream"],
      [false, "timeout"],
    ]);
    expect(records[0]?.error?.message).toBe("HTTP 503: overloaded");
    expect(records[1]?.error?.message).toMatch(/mid-stream: boom/);
    expect(records[1]?.chunkMs).toHaveLength(1);

    const refused = await runLoad(prompts("ok"), { ...options(prompts("ok")), baseUrl: "http://127.0.0.1:1" }, {
      onRecord: (record) => expect(record.error?.kind).toBe("connection"),
    });
    expect(refused.stoppedBecause).toBe("completed");
  });

  it("gives the same records through undici as through its own connections", async () => {
    const sent = prompts("ok 4", "late 3", "http", "error", "empty");
    const comparable = (records: RequestRecord[]) => records.map(({ sentMs: _s, writtenMs: _w, ttftMs: _t, ttftContentMs: _c, e2elMs: _e, chunkMs, ...rest }) => ({ ...rest, chunks: chunkMs.length }));
    const fast = await run(sent, { transport: "fast" });
    const undici = await run(sent, { transport: "undici" });
    expect(comparable(undici.records)).toEqual(comparable(fast.records));
  });

  it("stops once too many requests failed", async () => {
    const sent = prompts(...Array.from({ length: 40 }, () => "http"));
    const { result, records } = await run(sent, { maxConcurrency: 2, maxErrors: 5 });
    expect(result.stoppedBecause).toBe("max-errors");
    const failed = records.filter((record) => record.error?.kind === "http").length;
    expect(failed).toBeGreaterThanOrEqual(5);
    expect(records.length).toBeLessThan(40);
  });

  it("stops once too large a share failed, judged only after enough requests", async () => {
    const sent = prompts(...Array.from({ length: 60 }, (_, index) => (index % 2 === 0 ? "http" : "ok 2")));
    const strict = await run(sent, { maxConcurrency: 1, maxErrorRate: 0.3, minRequestsForErrorRate: 20 });
    expect(strict.result.stoppedBecause).toBe("max-error-rate");
    expect(strict.records.filter((record) => record.error?.kind !== "aborted")).toHaveLength(20);
    const lenient = await run(sent, { maxConcurrency: 1, maxErrorRate: 0.6 });
    expect(lenient.result.stoppedBecause).toBe("completed");
    expect(lenient.records).toHaveLength(60);
  });

  it("keeps the records so far when aborted, and records the requests it cut off", async () => {
    const sent = prompts("ok 2", "ok 2", ...Array.from({ length: 10 }, () => "slow 50"));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const { result, records } = await run(sent, { maxConcurrency: 4 }, controller.signal);
    expect(result.stoppedBecause).toBe("aborted");
    expect(records.slice(0, 2).every((record) => record.success)).toBe(true);
    const aborted = records.filter((record) => record.error?.kind === "aborted");
    expect(aborted).toHaveLength(4);
    // Cut off mid-stream, with the chunks that had arrived.
    expect(aborted.every((record) => record.chunkMs.length > 0)).toBe(true);
    expect(records).toHaveLength(6);
  });

  it("stops at its duration limit", async () => {
    const sent = prompts(...Array.from({ length: 8 }, () => "slow 50"));
    const { result, records } = await run(sent, { durationMs: 200 });
    expect(result.stoppedBecause).toBe("duration");
    expect(records.every((record) => record.error?.kind === "aborted")).toBe(true);
    expect(result.durationMs).toBeGreaterThanOrEqual(200);
    expect(result.durationMs).toBeLessThan(1_000);
  });

  it("reports progress while running and once at the end", async () => {
    const sent = prompts(...Array.from({ length: 6 }, () => "slow 40"));
    const progress: { sent: number; finished: number; inFlight: number }[] = [];
    await runLoad(sent, options(sent, { maxConcurrency: 3 }), {
      onRecord: () => undefined,
      onProgress: ({ sent: sentCount, finished, inFlight }) => progress.push({ sent: sentCount, finished, inFlight }),
    });
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress.some((step) => step.inFlight === 3)).toBe(true);
    expect(progress.at(-1)).toEqual({ sent: 6, finished: 6, inFlight: 0 });
  });

  it("returns at once for a signal aborted before the start", async () => {
    const controller = new AbortController();
    controller.abort();
    const { result, records } = await run(prompts("ok", "ok"), {}, controller.signal);
    expect(result.stoppedBecause).toBe("aborted");
    expect(records).toEqual([]);
  });

  it("reads other protocols through their own parsers", async () => {
    const sent: ServeRequest[] = [{ prompt: "3", promptTokens: 4, outputTokens: 3 }];
    const { records } = await run(sent, { protocol: "tgi-generate" });
    expect(records[0]).toMatchObject({ success: true, outputTokens: 3, clientOutputTokens: 3, chunkTokens: [1, 1, 1], serverPromptTokens: 4 });
  });

  it("streams every record to the JSONL file as well as to onRecord", async () => {
    const folder = mkdtempSync(join(tmpdir(), "kitt-records-"));
    try {
      const recordsPath = join(folder, "records.jsonl");
      const sent = prompts(...Array.from({ length: 30 }, (_, index) => (index % 5 === 0 ? "http" : "ok 3")));
      const { records } = await run(sent, { recordsPath });
      const lines = readFileSync(recordsPath, "utf8").trimEnd().split("\n");
      expect(lines).toHaveLength(30);
      const written = lines.map((line) => JSON.parse(line) as RequestRecord).sort((a, b) => a.index - b.index);
      expect(written).toEqual(records);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe("records writer", () => {
  const record: RequestRecord = {
    index: 0,
    scheduledMs: 1,
    sentMs: 1.5,
    writtenMs: 1.5,
    success: true,
    ttftMs: 10,
    ttftContentMs: 10,
    e2elMs: 50,
    chunkMs: Array.from({ length: 100 }, (_, index) => 10 + index * 0.4),
    chunkTokens: null,
    promptTokens: 8,
    outputTokens: 100,
    clientOutputTokens: 100,
    requestedOutputTokens: 100,
    serverPromptTokens: 8,
    generatedText: null,
    error: null,
  };

  it("writes batches while records keep coming, and the rest on close", async () => {
    const folder = mkdtempSync(join(tmpdir(), "kitt-writer-"));
    try {
      const path = join(folder, "records.jsonl");
      const writer = await RecordsWriter.open(path);
      for (let index = 0; index < 2_000; index++) writer.write({ ...record, index });
      await new Promise((resolve) => setTimeout(resolve, 50));
      // Streamed: most of it is on disk before the file is closed.
      expect(readFileSync(path, "utf8").length).toBeGreaterThan(500_000);
      writer.write({ ...record, index: 2_000 });
      await writer.close();
      const lines = readFileSync(path, "utf8").trimEnd().split("\n");
      expect(lines).toHaveLength(2_001);
      expect(JSON.parse(lines[2_000] as string)).toEqual({ ...record, index: 2_000 });
      expect(writer.count).toBe(2_001);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it("puts a lone record on disk within a quarter second, before the file is closed (what a kill -9 keeps)", async () => {
    const folder = mkdtempSync(join(tmpdir(), "kitt-records-"));
    const path = join(folder, "records.jsonl");
    try {
      const writer = await RecordsWriter.open(path);
      writer.write({ ...record, index: 7 });
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(readFileSync(path, "utf8")).toBe(`${JSON.stringify({ ...record, index: 7 })}\n`);
      await writer.close();
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it("fails with a KittError when the file cannot be created", async () => {
    const error = await RecordsWriter.open("/nonexistent-folder/records.jsonl").catch((caught: unknown) => caught);
    expect(isKittError(error) && error.code).toBe("BENCHMARK_FAILED");
  });
});

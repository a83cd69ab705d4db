import { createServer } from "node:http";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { llama_cpp } from "../../src/engines/llama_cpp.js";
import { KittError } from "../../src/errors.js";
import { findFreePort } from "../../src/preflight/port.js";
import { NativeProcess } from "../../src/runtime/native.js";
import { DEFAULT_BACKOFF, waitForReady } from "../../src/runtime/readiness.js";

const script = fileURLToPath(new URL("../support/slow-start-server.mjs", import.meta.url));
const running: NativeProcess[] = [];

async function startServer(args: string[]): Promise<{ proc: NativeProcess; port: number }> {
  const port = await findFreePort();
  const proc = new NativeProcess({ engineName: "test-engine", command: { command: process.execPath, args: [script, "--port", String(port), ...args] } });
  running.push(proc);
  await proc.launch();
  return { proc, port };
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((proc) => proc.stop()));
});

describe("waitForReady", () => {
  it("uses the documented default backoff", () => {
    expect(DEFAULT_BACKOFF).toEqual({ initialMs: 1000, factor: 2, maxMs: 10_000, timeoutMs: 300_000 });
  });

  it("notices readiness within 0.5 s of the engine becoming ready, although backoff alone would be 7 s late", async () => {
    // Backoff probes at 0, 1, 3, 7 and 15 s; the engine is ready at 7.3 s, so without the
    // log-triggered probe readiness would be seen at 15 s.
    const { proc, port } = await startServer(["--delay", "7300"]);
    let readyAt = 0;
    proc.onLogLine((line) => {
      const match = /READY_AT (\d+)/.exec(line);
      if (match) readyAt = Number(match[1]);
    });
    const probes: string[] = [];
    await waitForReady({
      baseUrl: `http://127.0.0.1:${port}`,
      readiness: llama_cpp.readiness,
      engineName: "llama_cpp",
      process: proc,
      onProbe: (probe, reason) => probes.push(`${probe.status}:${reason}`),
    });
    const detectedAt = Date.now();
    expect(readyAt).toBeGreaterThan(0);
    expect(detectedAt - readyAt).toBeLessThan(500);
    expect(probes.at(-1)).toBe("200:log");
    expect(probes.filter((p) => p.endsWith(":backoff")).length).toBeLessThanOrEqual(5);
  }, 20_000);

  it("falls back to backoff polling when the engine logs nothing", async () => {
    const { proc, port } = await startServer(["--delay", "600", "--silent"]);
    const started = Date.now();
    await waitForReady({
      baseUrl: `http://127.0.0.1:${port}`,
      readiness: llama_cpp.readiness,
      engineName: "llama_cpp",
      process: proc,
      backoff: { initialMs: 200, maxMs: 400 },
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(550);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("fails at once with the exit code and the last 50 log lines when the engine exits while starting", async () => {
    const { proc, port } = await startServer(["--exit-after", "300", "--exit-code", "3"]);
    const started = Date.now();
    const error = await waitForReady({
      baseUrl: `http://127.0.0.1:${port}`,
      readiness: llama_cpp.readiness,
      engineName: "llama_cpp",
      process: proc,
    }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(error).toBeInstanceOf(KittError);
    const kittError = error as KittError;
    expect(kittError.code).toBe("ENGINE_START_FAILED");
    expect(kittError.message).toMatch(/llama_cpp .*exited while starting \(exit code 3\)/);
    expect(kittError.details).toHaveLength(50);
    expect(kittError.details.at(-1)).toBe("error: failed to load model");
  });

  it("times out with READINESS_TIMEOUT", async () => {
    const { proc, port } = await startServer(["--delay", "60000"]);
    const error = await waitForReady({
      baseUrl: `http://127.0.0.1:${port}`,
      readiness: llama_cpp.readiness,
      engineName: "llama_cpp",
      process: proc,
      backoff: { initialMs: 100, timeoutMs: 800 },
    }).catch((e: unknown) => e);
    expect((error as KittError).code).toBe("READINESS_TIMEOUT");
    expect((error as KittError).details.join("\n")).toContain("loading model");
  });

  it("stops waiting when aborted", async () => {
    const { proc, port } = await startServer(["--delay", "60000"]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("stop")), 300);
    await expect(
      waitForReady({ baseUrl: `http://127.0.0.1:${port}`, readiness: llama_cpp.readiness, engineName: "x", process: proc, signal: controller.signal }),
    ).rejects.toThrow("stop");
  });

  it("rejects with the signal's reason when the signal was aborted before the wait began", async () => {
    const controller = new AbortController();
    controller.abort(new Error("interrupted before readiness"));
    const port = await findFreePort();
    await expect(
      waitForReady({ baseUrl: `http://127.0.0.1:${port}`, readiness: llama_cpp.readiness, engineName: "x", signal: controller.signal }),
    ).rejects.toThrow("interrupted before readiness");
  });

  it("gives up once every connection was refused for refusedTimeoutMs, well before the timeout", async () => {
    const port = await findFreePort();
    const started = Date.now();
    const error = await waitForReady({
      baseUrl: `http://127.0.0.1:${port}`,
      readiness: llama_cpp.readiness,
      engineName: "llama_cpp",
      refusedTimeoutMs: 2_000,
    }).catch((e: unknown) => e);
    expect((error as KittError).code).toBe("READINESS_TIMEOUT");
    expect((error as KittError).message).toBe(
      `nothing answers at http://127.0.0.1:${port}/health: connection refused for 2 s (is llama_cpp running there? --readiness-timeout S waits longer)`,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_000);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("keeps waiting for a server that answers, even with errors, whatever refusedTimeoutMs says", async () => {
    // Answering 503 (loading) is an engine starting up, not a closed port.
    const server = createServer((_request, response) => response.writeHead(503).end("loading"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    try {
      const started = Date.now();
      const error = await waitForReady({
        baseUrl: `http://127.0.0.1:${port}`,
        readiness: llama_cpp.readiness,
        engineName: "llama_cpp",
        refusedTimeoutMs: 300,
        backoff: { initialMs: 100, maxMs: 100, timeoutMs: 1_500 },
      }).catch((e: unknown) => e);
      expect((error as KittError).message).toMatch(/did not become ready .* within 2 s/);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_500);
    } finally {
      server.close();
    }
  });
});

/**
 * The termination rules on real engines: terminate() is idempotent and safe on an engine
 * that never got far (image missing, readiness timeout, failed start), and an engine whose
 * container exits at start fails within 2 s instead of waiting out the readiness timeout.
 */
import { describe, expect, it } from "vitest";
import { prepareEngine } from "../../src/engines/launch.js";
import { llama_cpp } from "../../src/engines/llama_cpp.js";
import { KittError } from "../../src/errors.js";
import { DockerContainer } from "../../src/runtime/docker.js";
import { waitForReady } from "../../src/runtime/readiness.js";
import { LLAMA_CPP_IMAGE } from "../../src/setup/llama-cpp-image.js";
import { containersOf, imageExists, waitForNoContainersOf } from "../support/docker.js";
import { ensureTestModel, freePort, requireDocker, requireLlamaServer, unavailable } from "../support/llama.js";
import { llamaServersOnPort } from "../support/processes.js";

const server = await requireLlamaServer();
const docker = await requireDocker();
const image = docker && imageExists(LLAMA_CPP_IMAGE) ? LLAMA_CPP_IMAGE : unavailable(LLAMA_CPP_IMAGE, "image not built");

describe.skipIf(!server)("engine lifecycle, native", () => {
  it("terminate() twice, concurrently and again, after a full start", async () => {
    const port = await freePort();
    const { engine } = await prepareEngine({ engine: "llama_cpp", model: await ensureTestModel(), runtime: "native", port });
    await engine.start();
    const result = await engine.generate({ prompt: "Hello", maxTokens: 8 });
    expect(result.completionTokens).toBeGreaterThan(0);
    expect(llamaServersOnPort(port)).toHaveLength(1);
    await Promise.all([engine.terminate(), engine.terminate()]);
    await engine.terminate();
    expect(llamaServersOnPort(port)).toEqual([]);
    await expect(engine.generate({ prompt: "x", maxTokens: 1 })).rejects.toThrow(/not running/);
  });

  it("terminate() on an engine that was never started, and via await using", async () => {
    const { engine } = await prepareEngine({ engine: "llama_cpp", model: await ensureTestModel(), runtime: "native", port: await freePort() });
    await engine.terminate();
    await engine.terminate();
    {
      await using scoped = (await prepareEngine({ engine: "llama_cpp", model: await ensureTestModel(), runtime: "native", port: await freePort() })).engine;
      expect(scoped.state).toBe("created");
    }
  });

  it("a readiness timeout terminates the half-started engine; terminate() again is fine", async () => {
    const port = await freePort();
    const other = await freePort();
    const { engine } = await prepareEngine({
      engine: "llama_cpp",
      model: await ensureTestModel(),
      runtime: "native",
      port,
      engineArgs: ["--port", String(other)],
      backoff: { initialMs: 100, timeoutMs: 1_500 },
    });
    const error = await engine.start().catch((e: unknown) => e);
    expect((error as KittError).code).toBe("READINESS_TIMEOUT");
    await engine.terminate();
    expect(llamaServersOnPort(other)).toEqual([]);
  });

  it("a missing binary fails the start cleanly and terminate() after it raises nothing", async () => {
    const { engine } = await prepareEngine({
      engine: "llama_cpp",
      model: await ensureTestModel(),
      runtime: "native",
      port: await freePort(),
      binary: "/nonexistent/llama-server",
    });
    const error = await engine.start().catch((e: unknown) => e);
    expect((error as KittError).code).toBe("ENGINE_START_FAILED");
    await engine.terminate();
    await engine.terminate();
  });
});

describe.skipIf(!server || !docker || !image)("engine lifecycle, Docker", () => {
  it("a container that exits at start fails within 2 s, with its exit code and last log lines", async () => {
    const model = await ensureTestModel();
    const container = new DockerContainer({
      engineName: "llama_cpp",
      image: LLAMA_CPP_IMAGE,
      modelHostDir: model.replace(/\/[^/]+$/, ""),
      gpus: false,
      // llama-server refuses an unknown flag and exits at once.
      containerArgs: ["-m", "/models/kitt-tiny-llama.gguf", "--no-such-flag"],
    });
    try {
      await container.launch();
      const launched = Date.now();
      const error = await waitForReady({
        baseUrl: `http://127.0.0.1:${await freePort()}`,
        readiness: llama_cpp.readiness,
        engineName: "llama_cpp",
        process: container,
      }).catch((e: unknown) => e);
      expect(Date.now() - launched).toBeLessThan(2_000);
      expect((error as KittError).code).toBe("ENGINE_START_FAILED");
      expect((error as KittError).message).toMatch(/exited while starting \(exit code \d+\)/);
      expect((error as KittError).details.join("\n")).toMatch(/no-such-flag/);
    } finally {
      await container.stop();
    }
    expect(containersOf(process.pid)).toEqual([]);
  });

  it("abandon() hands a running container to a removal that needs nothing more from kitt", async () => {
    const model = await ensureTestModel();
    const container = new DockerContainer({
      engineName: "llama_cpp",
      image: LLAMA_CPP_IMAGE,
      modelHostDir: model.replace(/\/[^/]+$/, ""),
      gpus: false,
      containerArgs: ["-m", "/models/kitt-tiny-llama.gguf", "--port", String(await freePort())],
    });
    await container.launch();
    expect(containersOf(process.pid)).toEqual([container.name]);
    container.abandon();
    expect(await waitForNoContainersOf(process.pid, 15_000)).toEqual([]);
    await container.stop();
  });

  it("terminate() is safe when the image is missing, and twice", async () => {
    const { engine } = await prepareEngine({
      engine: "llama_cpp",
      model: await ensureTestModel(),
      runtime: "docker",
      port: await freePort(),
      image: "kitt/no-such-image:never",
    });
    const error = await engine.start().catch((e: unknown) => e);
    expect((error as KittError).code).toBe("IMAGE_MISSING");
    expect((error as KittError).message).toContain("--auto-pull");
    await engine.terminate();
    await engine.terminate();
    expect(containersOf(process.pid)).toEqual([]);
  });

  it("terminate() during start removes the container; twice is fine", async () => {
    const other = await freePort();
    const { engine } = await prepareEngine({
      engine: "llama_cpp",
      model: await ensureTestModel(),
      runtime: "docker",
      port: await freePort(),
      engineArgs: ["--port", String(other)],
    });
    const starting = engine.start().catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await Promise.all([engine.terminate(), engine.terminate()]);
    const error = await starting;
    expect(error).toBeInstanceOf(Error);
    await engine.terminate();
    expect(containersOf(process.pid)).toEqual([]);
  });
});

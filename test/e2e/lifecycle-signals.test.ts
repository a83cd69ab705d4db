/**
 * Ctrl+C at any moment: during the image check, during the readiness wait and during
 * benchmarking, kitt exits 130, removes its container, and keeps the results gathered so far.
 * An engine killed mid-run is reported by name with its last log lines, its results are kept
 * and its container removed.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { LLAMA_CPP_IMAGE } from "../../src/setup/llama-cpp-image.js";
import { startKitt, tempKittHome } from "../support/cli.js";
import { imageExists, kittContainers, waitForKittContainer } from "../support/docker.js";
import { ensureTestModel, freePort, requireDocker, requireLlamaServer, unavailable } from "../support/llama.js";
import { llamaServersOnPort } from "../support/processes.js";

const server = await requireLlamaServer();
const docker = await requireDocker();
const image = docker && imageExists(LLAMA_CPP_IMAGE) ? LLAMA_CPP_IMAGE : unavailable(LLAMA_CPP_IMAGE, "image not built");
const longSuite = fileURLToPath(new URL("../fixtures/suites/long-throughput.yaml", import.meta.url));

afterEach(() => {
  // Whatever a failed assertion left behind must not leak into the next test.
  const left = kittContainers();
  if (left.length > 0) execFileSync("docker", ["rm", "-f", ...left]);
});

async function runArgs(extra: string[] = []): Promise<string[]> {
  const model = await ensureTestModel();
  const port = await freePort();
  return ["run", "-m", model, "-e", "llama_cpp", "--port", String(port), ...extra];
}

/** Waits until the engine's own counters show `tokens` generated, i.e. some requests completed. */
async function waitForGeneratedTokens(args: string[], tokens: number): Promise<void> {
  const port = args[args.indexOf("--port") + 1];
  for (;;) {
    const text = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text()).catch(() => "");
    const match = /^llamacpp:tokens_predicted_total (\S+)/m.exec(text);
    if (match && Number(match[1]) >= tokens) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe.skipIf(!server || !docker || !image)("signals and engine death, Docker runtime", () => {
  it("SIGINT during the image check exits 130 and starts no container", async () => {
    // A docker wrapper that is slow to inspect images and says when it starts doing so.
    const dir = mkdtempSync(join(tmpdir(), "kitt-docker-wrapper-"));
    const marker = join(dir, "inspecting");
    const wrapper = join(dir, "docker");
    writeFileSync(wrapper, `#!/bin/sh\nif [ "$1" = image ] && [ "$2" = inspect ]; then touch '${marker}'; sleep 5; fi\nexec docker "$@"\n`);
    chmodSync(wrapper, 0o755);
    const kitt = startKitt(await runArgs(["--image", LLAMA_CPP_IMAGE]), { KITT_HOME: tempKittHome(), KITT_DOCKER: wrapper });
    while (!existsSync(marker)) await new Promise((resolve) => setTimeout(resolve, 50));
    kitt.child.kill("SIGINT");
    const result = await kitt.done;
    expect(result.code, result.stderr).toBe(130);
    expect(result.stderr).toContain("SIGINT received");
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(kittContainers()).toEqual([]);
  }, 60_000);

  it("SIGINT during the readiness wait exits 130 and removes the container", async () => {
    // The engine listens on another port than kitt polls, so it never looks ready.
    const other = await freePort();
    const kitt = startKitt(await runArgs(["--engine-arg=--port", `--engine-arg=${other}`]), { KITT_HOME: tempKittHome() });
    await kitt.waitFor(/waiting for the engine to be ready/);
    await waitForKittContainer();
    kitt.child.kill("SIGINT");
    const result = await kitt.done;
    expect(result.code, result.stderr).toBe(130);
    expect(kittContainers()).toEqual([]);
  }, 60_000);

  it("SIGINT during benchmarking exits 130, removes the container and keeps the results so far", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "kitt-sigint-")), "results");
    const args = await runArgs(["-s", longSuite, "-o", out, "--skip-warmup"]);
    const kitt = startKitt(args, { KITT_HOME: tempKittHome() });
    await kitt.waitFor(/throughput: run 1\/1/);
    await waitForGeneratedTokens(args, 600);
    kitt.child.kill("SIGINT");
    const result = await kitt.done;
    expect(result.code, result.stderr).toBe(130);
    expect(kittContainers()).toEqual([]);
    const metrics = JSON.parse(readFileSync(join(out, "metrics.json"), "utf8"));
    expect(metrics.status).toBe("interrupted");
    const [throughput] = metrics.results;
    expect(throughput.partial).toBe(true);
    expect(throughput.metrics.requests).toBeGreaterThan(0);
    expect(throughput.metrics.requests).toBeLessThan(2_000);
  }, 60_000);

  it("an engine killed mid-run is named with its last log lines; results so far are kept and the container removed", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "kitt-killed-")), "results");
    const args = await runArgs(["-s", longSuite, "-o", out, "--skip-warmup"]);
    const kitt = startKitt(args, { KITT_HOME: tempKittHome() });
    await kitt.waitFor(/throughput: run 1\/1/);
    const container = await waitForKittContainer();
    await waitForGeneratedTokens(args, 600);
    execFileSync("docker", ["kill", container]);
    const result = await kitt.done;
    expect(result.code, result.stderr).toBe(11);
    expect(result.stderr).toContain(`engine llama_cpp (container ${container}) died during the run (exit code 137)`);
    // The engine's own last words are quoted under the error.
    expect(result.stderr).toMatch(/│ .*(slot|srv|main|llama)/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(kittContainers()).toEqual([]);
    const metrics = JSON.parse(readFileSync(join(out, "metrics.json"), "utf8"));
    expect(metrics.status).toBe("failed");
    expect(metrics.results[0].metrics.requests).toBeGreaterThan(0);
  }, 60_000);
});

describe.skipIf(!server)("signals, native runtime", () => {
  it("SIGTERM during the readiness wait exits 143 and stops the engine process", async () => {
    const other = await freePort();
    const kitt = startKitt(await runArgs(["--runtime", "native", "--engine-arg=--port", `--engine-arg=${other}`]), { KITT_HOME: tempKittHome() });
    await kitt.waitFor(/waiting for the engine to be ready/);
    expect(llamaServersOnPort(other)).toHaveLength(1);
    kitt.child.kill("SIGTERM");
    const result = await kitt.done;
    expect(result.code, result.stderr).toBe(143);
    expect(result.stderr).toContain("SIGTERM received");
    expect(llamaServersOnPort(other)).toEqual([]);
  }, 60_000);
});

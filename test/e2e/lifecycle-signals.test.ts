/**
 * Ctrl+C at any moment: in every phase of a run (preflight, image check, `docker run`,
 * readiness wait, warmup, tests, winding down after the results) kitt ends the same way — one
 * "interrupted by SIGINT" line, exit 130 (143 for SIGTERM), no container left, results kept.
 * A second Ctrl+C exits at once, but still hands the container to a removal that outlives kitt
 * and marks the results folder interrupted. An engine killed mid-run is reported by name with
 * its last log lines, its results are kept and its container removed.
 *
 * A docker wrapper (KITT_DOCKER) holds one docker command open, so that the signal lands
 * inside the phase that runs it.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";
import { LLAMA_CPP_IMAGE } from "../../src/setup/llama-cpp-image.js";
import { startKitt, tempKittHome, type KittRun } from "../support/cli.js";
import {
  containersOf,
  holdingDocker,
  imageExists,
  removeContainersOf,
  waitForKittContainer,
  waitForNoContainersOf,
} from "../support/docker.js";
import { ensureTestModel, freePort, requireDocker, requireLlamaServer, unavailable } from "../support/llama.js";
import { safetensorsModel } from "../support/models.js";
import { llamaServersOnPort, runningProcesses } from "../support/processes.js";

const server = await requireLlamaServer();
const docker = await requireDocker();
const image = docker && imageExists(LLAMA_CPP_IMAGE) ? LLAMA_CPP_IMAGE : unavailable(LLAMA_CPP_IMAGE, "image not built");
const longSuite = fileURLToPath(new URL("../fixtures/suites/long-throughput.yaml", import.meta.url));
const steadySuite = fileURLToPath(new URL("../fixtures/suites/steady-throughput.yaml", import.meta.url));
const vllmEmulator = fileURLToPath(new URL("../emulators/bin/vllm.mjs", import.meta.url));

const owners = new Set<number>();

afterEach(() => {
  // Whatever a failed assertion left behind must not leak into the next test (only this file's containers).
  if (docker) removeContainersOf(owners);
  owners.clear();
});

function start(args: string[], env: Record<string, string> = {}): KittRun {
  const kitt = startKitt(args, { KITT_HOME: tempKittHome(), ...env });
  if (kitt.child.pid) owners.add(kitt.child.pid);
  return kitt;
}

async function runArgs(extra: string[] = []): Promise<string[]> {
  const model = await ensureTestModel();
  const port = await freePort();
  return ["run", "-m", model, "-e", "llama_cpp", "--port", String(port), ...extra];
}

function resultsDir(): string {
  return join(mkdtempSync(join(tmpdir(), "kitt-signal-")), "results");
}

function metricsStatus(out: string): string {
  return JSON.parse(readFileSync(join(out, "metrics.json"), "utf8")).status;
}

/** The one way an interrupted run ends: the same last line, the conventional exit code, nothing else said. */
function expectInterrupted(result: { code: number; stderr: string }, signal: "SIGINT" | "SIGTERM"): void {
  expect(result.code, result.stderr).toBe(signal === "SIGINT" ? 130 : 143);
  expect(result.stderr).toContain(`${signal} received, stopping engines and saving results`);
  expect(result.stderr.trim().split("\n").at(-1)).toBe(`kitt: interrupted by ${signal}`);
  expect(result.stderr).not.toMatch(/error:|internal error|Command was canceled|before initialization/);
  expect(result.stderr).not.toMatch(/\n\s+at /);
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

describe.skipIf(!server || !docker || !image)("an interrupt in any phase, Docker runtime", () => {
  const held = [
    { phase: "preflight (choosing the image)", hold: "image inspect", args: [], signal: "SIGINT" },
    { phase: "the image check", hold: "image inspect", args: ["--image", LLAMA_CPP_IMAGE], signal: "SIGINT" },
    { phase: "docker run", hold: "run", args: [], signal: "SIGTERM" },
    { phase: "docker run", hold: "run", args: [], signal: "SIGINT" },
  ] as const;

  for (const { phase, hold, args, signal } of held) {
    it(`${signal} during ${phase} (held '${hold}') ends as interrupted, with no container`, async () => {
      const wrapper = holdingDocker(hold, 4);
      const kitt = start(await runArgs([...args]), { KITT_DOCKER: wrapper.path });
      await wrapper.held();
      kitt.child.kill(signal);
      const result = await kitt.done;
      expectInterrupted(result, signal);
      expect(containersOf(kitt.child.pid!)).toEqual([]);
    }, 60_000);
  }

  it("SIGINT during the readiness wait ends as interrupted and removes the container", async () => {
    // The engine listens on another port than kitt polls, so it never looks ready.
    const other = await freePort();
    const kitt = start(await runArgs(["--engine-arg=--port", `--engine-arg=${other}`]));
    await kitt.waitFor(/waiting for the engine to be ready/);
    await waitForKittContainer(60_000, kitt.child.pid);
    kitt.child.kill("SIGINT");
    expectInterrupted(await kitt.done, "SIGINT");
    expect(containersOf(kitt.child.pid!)).toEqual([]);
  }, 60_000);

  it("SIGINT during benchmarking ends as interrupted, removes the container and keeps the results so far", async () => {
    const out = resultsDir();
    const args = await runArgs(["-s", longSuite, "-o", out, "--skip-warmup"]);
    const kitt = start(args);
    await kitt.waitFor(/throughput: run 1\/1/);
    await waitForGeneratedTokens(args, 200);
    kitt.child.kill("SIGINT");
    expectInterrupted(await kitt.done, "SIGINT");
    expect(containersOf(kitt.child.pid!)).toEqual([]);
    const metrics = JSON.parse(readFileSync(join(out, "metrics.json"), "utf8"));
    expect(metrics.status).toBe("interrupted");
    const [throughput] = metrics.results;
    expect(throughput.partial).toBe(true);
    expect(throughput.metrics.requests).toBeGreaterThan(0);
    expect(throughput.metrics.requests).toBeLessThan(2_000);
  }, 90_000);

  it("SIGINT while the engine is stopped after the results were written ends as interrupted; the results stay completed", async () => {
    const out = resultsDir();
    const wrapper = holdingDocker("stop", 4);
    const kitt = start(await runArgs(["-s", steadySuite, "-o", out, "--skip-warmup"]), { KITT_DOCKER: wrapper.path });
    await wrapper.held();
    kitt.child.kill("SIGINT");
    expectInterrupted(await kitt.done, "SIGINT");
    expect(containersOf(kitt.child.pid!)).toEqual([]);
    expect(metricsStatus(out)).toBe("completed");
  }, 180_000);

  for (const gapMs of [20, 100]) {
    it(`a second SIGINT ${gapMs} ms after the first exits at once, names 'kitt engines cleanup', and still leaves no container and no 'running' folder`, async () => {
      const out = resultsDir();
      const args = await runArgs(["-s", longSuite, "-o", out, "--skip-warmup"]);
      const kitt = start(args);
      await kitt.waitFor(/throughput: run 1\/1/);
      await waitForGeneratedTokens(args, 200);
      kitt.child.kill("SIGINT");
      await new Promise((resolve) => setTimeout(resolve, gapMs));
      kitt.child.kill("SIGINT");
      const result = await kitt.done;
      expect(result.code, result.stderr).toBe(130);
      expect(result.stderr).toMatch(/second SIGINT, exiting now; .*'kitt engines cleanup'/);
      expect(result.stderr.trim().split("\n").at(-1)).toBe("kitt: interrupted by SIGINT");
      // The removal goes on in the background after kitt has gone.
      expect(await waitForNoContainersOf(kitt.child.pid!, 15_000)).toEqual([]);
      expect(metricsStatus(out)).toBe("interrupted");
    }, 90_000);
  }

  it("an engine killed mid-run is named with its last log lines; results so far are kept and the container removed", async () => {
    const out = resultsDir();
    const args = await runArgs(["-s", longSuite, "-o", out, "--skip-warmup"]);
    const kitt = start(args);
    await kitt.waitFor(/throughput: run 1\/1/);
    const container = await waitForKittContainer(60_000, kitt.child.pid);
    await waitForGeneratedTokens(args, 200);
    execFileSync("docker", ["kill", container]);
    const result = await kitt.done;
    expect(result.code, result.stderr).toBe(11);
    expect(result.stderr).toContain(`engine llama_cpp (container ${container}) died during the run (exit code 137)`);
    // The engine's own last words are quoted under the error.
    expect(result.stderr).toMatch(/│ .*(slot|srv|main|llama)/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(containersOf(kitt.child.pid!)).toEqual([]);
    const metrics = JSON.parse(readFileSync(join(out, "metrics.json"), "utf8"));
    expect(metrics.status).toBe("failed");
    expect(metrics.results[0].metrics.requests).toBeGreaterThan(0);
  }, 90_000);
});

describe.skipIf(!server)("an interrupt in any phase, native runtime", () => {
  it("SIGTERM during the readiness wait exits 143 and stops the engine process", async () => {
    const other = await freePort();
    const kitt = start(await runArgs(["--runtime", "native", "--engine-arg=--port", `--engine-arg=${other}`]));
    await kitt.waitFor(/waiting for the engine to be ready/);
    expect(llamaServersOnPort(other)).toHaveLength(1);
    kitt.child.kill("SIGTERM");
    expectInterrupted(await kitt.done, "SIGTERM");
    expect(llamaServersOnPort(other)).toEqual([]);
  }, 60_000);
  it("a second SIGINT kills a native engine that ignores SIGTERM before kitt exits", async () => {
    // An engine that never answers and shrugs off SIGTERM: the first Ctrl+C waits for it, the second must not.
    const dir = mkdtempSync(join(tmpdir(), "kitt-stubborn-"));
    const binary = join(dir, "llama-server");
    const trapped = join(dir, "trapped");
    writeFileSync(binary, `#!/bin/sh\ntrap '' TERM\ntouch '${trapped}'\necho loading\nwhile :; do sleep 0.1; done\n`);
    chmodSync(binary, 0o755);
    const kitt = start(await runArgs(["--runtime", "native", "--binary", binary]));
    await kitt.waitFor(/waiting for the engine to be ready/);
    // On a busy machine the shell may not have set its trap yet when kitt is already probing.
    await vi.waitFor(() => expect(existsSync(trapped)).toBe(true), { timeout: 20_000, interval: 50 });
    kitt.child.kill("SIGINT");
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(runningProcesses((argv) => argv.includes(binary)).length).toBeGreaterThan(0);
    kitt.child.kill("SIGINT");
    const result = await kitt.done;
    expect(result.code, result.stderr).toBe(130);
    expect(result.stderr).toMatch(/second SIGINT, exiting now; .*'kitt engines cleanup'/);
    expect(runningProcesses((argv) => argv.includes(binary))).toEqual([]);
  }, 60_000);
});

describe("an interrupt during warmup", () => {
  it("SIGINT while the first warmup request waits for its first token ends as interrupted; the folder says so", async () => {
    const out = resultsDir();
    const port = await freePort();
    const kitt = start(
      ["run", "-e", "vllm", "-m", safetensorsModel(), "--runtime", "native", "--binary", vllmEmulator, "--port", String(port), "-o", out],
      { KITT_EMULATOR_FIRST_TOKEN_DELAY_MS: "60000" },
    );
    await kitt.waitFor(/throughput: run 1\/1/);
    kitt.child.kill("SIGINT");
    expectInterrupted(await kitt.done, "SIGINT");
    expect(metricsStatus(out)).toBe("interrupted");
    expect(runningProcesses((argv) => argv.some((arg) => arg.endsWith("vllm.mjs")) && argv.includes(String(port)))).toEqual([]);
  }, 60_000);
});

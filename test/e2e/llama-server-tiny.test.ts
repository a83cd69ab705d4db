/**
 * The real llama.cpp server kitt builds, serving the tiny generated model: natively from the
 * cache, and packaged as the local Docker image. Skipped without a build (or Docker) on a
 * developer's machine; fails without them in CI.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { basename, dirname } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { docker } from "../../src/runtime/docker-cli.js";
import { llamaServerEnv, type LlamaServerInstall } from "../../src/setup/llama-cpp-build.js";
import { LLAMA_CPP_IMAGE, RELEASE_LABEL, ensureLlamaCppImage } from "../../src/setup/llama-cpp-image.js";
import { IMAGE_LABEL } from "../../src/setup/scratch-image.js";
import { ensureTestModel, freePort, requireDocker, requireLlamaServer } from "../support/llama.js";

const install = await requireLlamaServer();
const dockerAnswers = install !== undefined && (await requireDocker());

/** Polls `/health` until it answers 200; fails early when `stillRunning` turns false. */
async function waitForHealth(baseUrl: string, stillRunning: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!(await stillRunning())) throw new Error(`llama-server exited before ${baseUrl}/health answered`);
    const status = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(2_000) }).then(
      (response) => response.status,
      () => 0,
    );
    if (status === 200) return;
    await sleep(200);
  }
  throw new Error(`${baseUrl}/health did not answer 200 within ${timeoutMs} ms`);
}

interface Completion {
  usage: { completion_tokens: number };
  choices: { text: string }[];
}

async function complete(baseUrl: string, maxTokens: number): Promise<Completion> {
  const response = await fetch(`${baseUrl}/v1/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    // ignore_eos: random weights may sample the end-of-sequence token at any step.
    body: JSON.stringify({ prompt: "The quick brown fox", max_tokens: maxTokens, temperature: 0, ignore_eos: true }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as Completion;
}

describe.skipIf(!install)("llama-server from the kitt cache, with the tiny model", () => {
  let server: ChildProcess;
  let baseUrl: string;
  const output: string[] = [];

  beforeAll(async () => {
    const llama = install as LlamaServerInstall;
    const model = await ensureTestModel();
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    server = spawn(llama.binary, ["-m", model, "--host", "127.0.0.1", "--port", String(port), "-np", "1"], {
      env: llamaServerEnv(llama),
      stdio: ["ignore", "pipe", "pipe"],
    });
    server.stdout?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
    server.stderr?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
    try {
      await waitForHealth(baseUrl, () => server.exitCode === null && server.signalCode === null);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${output.join("").split("\n").slice(-20).join("\n")}`);
    }
  });

  afterAll(async () => {
    if (!server || server.exitCode !== null || server.signalCode !== null) return;
    const exited = once(server, "exit");
    server.kill("SIGTERM");
    const timer = setTimeout(() => server.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  });

  it("generates exactly max_tokens tokens for /v1/completions", async () => {
    const body = await complete(baseUrl, 16);
    expect(body.usage.completion_tokens).toBe(16);
    expect(body.choices[0]?.text.length).toBeGreaterThan(0);
  });
});

describe.skipIf(!dockerAnswers)("llama-server packaged as a local Docker image", () => {
  let modelDir: string;
  let modelFile: string;

  beforeAll(async () => {
    const model = await ensureTestModel();
    modelDir = dirname(model);
    modelFile = basename(model);
  });

  it("builds the scratch image (or reuses it) labelled with the release", async () => {
    const image = await ensureLlamaCppImage();
    expect(image).toMatchObject({ tag: LLAMA_CPP_IMAGE, release: install?.tag, commit: install?.commit });
    const labels = await docker(["image", "inspect", "--format", "{{json .Config.Labels}}", LLAMA_CPP_IMAGE]);
    const parsed = JSON.parse(labels.stdout) as Record<string, string>;
    expect(parsed).toMatchObject({ [IMAGE_LABEL]: "true", [RELEASE_LABEL]: install?.tag });
    // Containers inherit image labels; this one would make `engines cleanup` remove containers kitt did not start.
    expect(parsed).not.toHaveProperty("kitt.managed");
    expect((await ensureLlamaCppImage()).reused).toBe(true);
  });

  it("prints its version from a container", async () => {
    const result = await docker(["run", "--rm", "--network", "host", "-v", `${modelDir}:/models:ro`, LLAMA_CPP_IMAGE, "--version"]);
    expect(result.exitCode).toBe(0);
    expect(`${result.stdout}\n${result.stderr}`).toContain(`commit ${install?.commit.slice(0, 7)}`);
  });

  it("serves the tiny model from a container", async () => {
    const port = await freePort();
    const name = `kitt-e2e-llama-${process.pid}-${port}`;
    const args = ["-m", `/models/${modelFile}`, "--host", "127.0.0.1", "--port", String(port)];
    const mount = `${modelDir}:/models:ro`;
    const started = await docker(["run", "-d", "--rm", "--network", "host", "--name", name, "-v", mount, LLAMA_CPP_IMAGE, ...args]);
    expect(started.exitCode, started.stderr).toBe(0);
    try {
      const running = async () => (await docker(["inspect", "--format", "{{.State.Running}}", name])).stdout === "true";
      await waitForHealth(`http://127.0.0.1:${port}`, running).catch(async (error: Error) => {
        const logs = await docker(["logs", "--tail", "20", name]);
        throw new Error(`${error.message}\n${logs.stdout}\n${logs.stderr}`);
      });
      expect((await complete(`http://127.0.0.1:${port}`, 8)).usage.completion_tokens).toBe(8);
    } finally {
      await docker(["rm", "-f", name]);
    }
  });
});

/**
 * What end-to-end tests need from the machine: the llama-server build, a Docker daemon, the
 * tiny model, free ports. A test whose requirement is missing is skipped on a developer's
 * machine, but fails in CI (`CI=true`), where a missing requirement means a broken setup step
 * and skipping would hide it.
 */
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { describeError } from "../../src/errors.js";
import { ensureTinyModel } from "../../src/models/tiny-model.js";
import { DATASETS_DIR_ENV } from "../../src/quality/data/resolve.js";
import { assertDockerDaemon } from "../../src/runtime/docker-cli.js";
import { llama_cpp } from "../../src/engines/llama_cpp.js";
import { NativeProcess } from "../../src/runtime/native.js";
import { waitForReady } from "../../src/runtime/readiness.js";
import { llamaServerEnv, llamaServerInfo, type LlamaServerInstall } from "../../src/setup/llama-cpp-build.js";
import { ensureVocabFile } from "../../src/setup/llama-cpp-source.js";

export const IN_CI = process.env.CI === "true";

/** Skip (undefined) locally, fail in CI: call where a requirement turned out to be missing. */
export function unavailable(what: string, reason: string): undefined {
  if (IN_CI) throw new Error(`${what} is not available (${reason}); CI=true, so tests that need it fail instead of skipping`);
  console.warn(`skipping tests that need ${what}: ${reason}`);
  return undefined;
}

/** `$KITT_DATASETS_DIR` when it holds every task's folder (`mmlu/`, `gsm8k/`…), or undefined (skip). */
export function requireQualityData(...tasks: string[]): string | undefined {
  const root = process.env[DATASETS_DIR_ENV];
  if (root !== undefined && tasks.every((task) => existsSync(join(root, task)))) return root;
  return unavailable(`the quality data (${tasks.join(", ")})`, `${DATASETS_DIR_ENV}=${String(root)} must hold ${tasks.map((task) => `${task}/`).join(", ")}`);
}

/** The cached llama-server build, or undefined (skip) when it was never built. */
export async function requireLlamaServer(): Promise<LlamaServerInstall | undefined> {
  return (
    (await llamaServerInfo()) ??
    unavailable("llama-server", "no cached build: run `kitt engines setup llama_cpp --build` first")
  );
}

/** Whether a Docker daemon answers; false (skip) when none does. */
export async function requireDocker(): Promise<boolean> {
  try {
    await assertDockerDaemon();
    return true;
  } catch (error) {
    return unavailable("Docker", describeError(error)) ?? false;
  }
}

/** The cached tokenizer-only GGUF, fetched when absent; undefined (skip) when it cannot be had. */
export async function requireVocabFile(): Promise<string | undefined> {
  try {
    return await ensureVocabFile();
  } catch (error) {
    return unavailable("the llama.cpp vocabulary file", describeError(error));
  }
}

/** The tiny random-weight llama model (generated into the kitt cache on first use). */
export function ensureTestModel(): Promise<string> {
  return ensureTinyModel();
}

/** A TCP port nothing listens on right now (the OS picks it). */
export function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface TestLlamaServer {
  /** `http://127.0.0.1:PORT`. */
  url: string;
  process: NativeProcess;
}

/**
 * The real llama-server serving the tiny model on a free loopback port (one slot, `extraArgs`
 * added), started and ready; stop it with `process.stop()`.
 */
export async function startTestLlamaServer(install: LlamaServerInstall, extraArgs: readonly string[] = []): Promise<TestLlamaServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const args = ["-m", await ensureTestModel(), "--host", "127.0.0.1", "--port", String(port), "-np", "1", ...extraArgs];
  const { LD_LIBRARY_PATH = install.libDir } = llamaServerEnv(install);
  const server = new NativeProcess({ engineName: "llama_cpp", command: { command: install.binary, args, env: { LD_LIBRARY_PATH } } });
  await server.launch();
  try {
    await waitForReady({ baseUrl: url, readiness: llama_cpp.readiness, engineName: "llama_cpp", process: server, backoff: { initialMs: 200, maxMs: 1_000, timeoutMs: 60_000 } });
  } catch (error) {
    await server.stop();
    throw error;
  }
  return { url, process: server };
}

/** A greedy completion of a fixed prompt: the same text every time for the same weights. */
export async function greedyCompletion(baseUrl: string): Promise<string> {
  const response = await fetch(`${baseUrl}/v1/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ prompt: "The quick brown fox", max_tokens: 12, temperature: 0, seed: 1, ignore_eos: true }),
    signal: AbortSignal.timeout(30_000),
  });
  if (response.status !== 200) throw new Error(`llama-server answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { choices: Array<{ text: string }> }).choices[0]!.text;
}

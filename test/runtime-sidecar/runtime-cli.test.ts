/**
 * `kitt runtime` as a user starts it (the built CLI): Kthena's environment variables, the
 * engine going away and coming back, a clean exit on SIGTERM, and a one-line error with its
 * own exit code for each bad flag.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { EXIT_CODES } from "../../src/errors.js";
import { startEmulator } from "../emulators/index.mjs";
import { runKitt, startKitt, type KittRun } from "../support/cli.js";
import { freePort } from "../support/llama.js";

const started: KittRun[] = [];
afterEach(async () => {
  for (const run of started.splice(0)) {
    if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill("SIGKILL");
    await run.done;
  }
});

const CLEAN_ENV = { KITT_RUNTIME_TOKEN: undefined, RUNTIME_PORT: undefined, RUNTIME_URL: undefined, RUNTIME_METRICS_PATH: undefined };

async function metrics(base: string): Promise<{ status: number; text: string }> {
  const response = await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(10_000) });
  return { status: response.status, text: await response.text() };
}

describe("kitt runtime, the process", () => {
  it("takes its port and engine from RUNTIME_PORT, RUNTIME_URL and RUNTIME_METRICS_PATH, follows the engine down and back up, and exits cleanly on SIGTERM", async () => {
    const enginePort = await freePort();
    let engine = await startEmulator("vllm", { model: "tiny", port: enginePort });
    try {
      await engine.ready;
      const port = await freePort();
      const run = startKitt(["runtime", "--engine", "vllm", "--pod", "pod-1", "--model", "tiny"], {
        ...CLEAN_ENV,
        RUNTIME_PORT: String(port),
        RUNTIME_URL: engine.url,
        RUNTIME_METRICS_PATH: "/metrics",
      });
      started.push(run);
      await run.waitFor(/kitt runtime: serving http:\/\/127\.0\.0\.1:\d+ /, 30_000);
      expect(run.stdout()).toContain(`serving http://127.0.0.1:${port} for vLLM at ${engine.url} (metrics /metrics; /v1 open to this machine only, no token)`);
      const base = `http://127.0.0.1:${port}`;

      const live = await metrics(base);
      expect(live.status).toBe(200);
      expect(live.text).toContain('kitt_runtime_engine_up{engine="vllm",pod="pod-1",model="tiny"} 1\n');
      expect(live.text).toContain("# TYPE kthena:generation_tokens_total counter\n");

      await engine.close();
      const down = await metrics(base);
      expect(down.status).toBe(503);
      expect(down.text).toMatch(/^# kitt runtime: engine metrics unavailable: cannot reach vllm at .*ECONNREFUSED/);
      expect(down.text).toContain('kitt_runtime_engine_up{engine="vllm",pod="pod-1",model="tiny"} 0\n');
      expect(down.text).not.toContain("vllm:");
      expect((await fetch(`${base}/health`)).status).toBe(503);

      engine = await startEmulator("vllm", { model: "tiny", port: enginePort });
      await engine.ready;
      const back = await metrics(base);
      expect(back.status).toBe(200);
      expect(back.text).toContain('kitt_runtime_engine_up{engine="vllm",pod="pod-1",model="tiny"} 1\n');
      expect(back.text).toContain('kitt_runtime_engine_scrape_failures_total{engine="vllm",pod="pod-1",model="tiny"} 1\n');
      expect((await fetch(`${base}/health`)).status).toBe(200);

      run.child.kill("SIGTERM");
      const { code, stderr } = await run.done;
      expect(code).toBe(EXIT_CODES.INTERRUPTED_SIGTERM);
      expect(stderr).not.toMatch(/\n\s+at /);
      await expect(fetch(`${base}/health`)).rejects.toThrow();
    } finally {
      await engine.close();
    }
   }, 90_000);

  it("flags win over the environment", async () => {
    await using engine = await startEmulator("sglang", { model: "tiny" });
    await engine.ready;
    const port = await freePort();
    const run = startKitt(["runtime", "-E", "sglang", "-B", engine.url, "-M", "/metrics", "-P", String(port), "-I", "pod-2", "-N", "tiny"], {
      ...CLEAN_ENV,
      RUNTIME_PORT: "1",
      RUNTIME_URL: "http://127.0.0.1:1",
      RUNTIME_METRICS_PATH: "/nothing",
    });
    started.push(run);
    await run.waitFor(/serving /, 30_000);
    const { status, text } = await metrics(`http://127.0.0.1:${port}`);
    expect(status).toBe(200);
    expect(text).toContain('kitt_runtime_engine_up{engine="sglang",pod="pod-2",model="tiny"} 1\n');
   }, 60_000);
});

describe("kitt runtime refuses bad input with one line and its own exit code", () => {
  const required = ["--pod", "p", "--model", "m"];
  let dir: string | undefined;
  afterEach(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it.each([
    ["no engine", [...required], {}, EXIT_CODES.USAGE, /required option '-E, --engine <name>' not specified/],
    ["no pod", ["--engine", "vllm", "--model", "m"], {}, EXIT_CODES.USAGE, /required option '-I, --pod <id>' not specified/],
    ["an unknown engine", ["--engine", "nope", ...required], {}, EXIT_CODES.UNKNOWN_ENGINE, /unknown engine 'nope'; known engines: vllm, sglang/],
    ["an engine without metrics", ["--engine", "ollama", ...required], {}, EXIT_CODES.USAGE, /Ollama has no Prometheus metrics endpoint, so kitt runtime cannot serve it; engines it serves: vllm, sglang, tgi, llama_cpp/],
    ["a non-loopback host without a token", ["--engine", "vllm", "--host", "0.0.0.0", ...required], {}, EXIT_CODES.UNSAFE_BIND, /refusing to serve on 0\.0\.0\.0 without a token: .*KITT_RUNTIME_TOKEN or pass --token-file/],
    ["a bad port", ["--engine", "vllm", "--port", "http", ...required], {}, EXIT_CODES.USAGE, /option '-P, --port <n>' argument 'http' is invalid/],
    ["a bad RUNTIME_PORT", ["--engine", "vllm", ...required], { RUNTIME_PORT: "90000" }, EXIT_CODES.USAGE, /RUNTIME_PORT=90000: expected a port number/],
    ["a bad engine URL", ["--engine", "vllm", "--engine-base-url", "ftp://x", ...required], {}, EXIT_CODES.USAGE, /expected an http\(s\) URL/],
    ["a bad RUNTIME_URL", ["--engine", "vllm", ...required], { RUNTIME_URL: "localhost:8000" }, EXIT_CODES.USAGE, /RUNTIME_URL=localhost:8000: expected an http\(s\) URL/],
    ["a metrics path without /", ["--engine", "vllm", "--engine-metrics-path", "metrics", ...required], {}, EXIT_CODES.USAGE, /engine metrics path 'metrics': expected a path starting with \//],
    ["a missing token file", ["--engine", "vllm", "--token-file", "/nonexistent/token", ...required], {}, EXIT_CODES.USAGE, /--token-file \/nonexistent\/token: no such file/],
  ] as const)("%s", async (_what, args, env, exitCode, message) => {
    const { code, stdout, stderr } = await runKitt(["runtime", ...args], { ...CLEAN_ENV, ...env });
    expect(stderr.trim().split("\n"), stderr).toHaveLength(1);
    expect(stderr).toMatch(message);
    expect(stdout).toBe("");
    expect(code).toBe(exitCode);
  });

  it("an empty token file", async () => {
    dir = await mkdtemp(join(tmpdir(), "kitt-runtime-"));
    const file = join(dir, "token");
    await writeFile(file, "\n");
    const { code, stderr } = await runKitt(["runtime", "--engine", "vllm", "--host", "0.0.0.0", "--token-file", file, ...required], CLEAN_ENV);
    expect(stderr.trim()).toBe(`kitt: error: --token-file ${file} is empty`);
    expect(code).toBe(EXIT_CODES.USAGE);
  });
});
